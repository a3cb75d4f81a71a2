// The interpreter's statements, limits and run set-up (calls: interpreter_calls.cc).
#include "deluge/interpreter.h"

#include <algorithm>

#include "deluge/deluge.h"
#include "deluge/format.h"
#include "deluge/json.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

std::string Bytes(size_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

Interp::Interp(const Program& program, Host& host, const Limits& limits)
    : memory_(limits.max_memory_bytes),
      memory_scope_(&memory_),
      program_(program),
      host_(host),
      limits_(limits),
      builtins_(Builtins::Get()),
      zone_(Zone::Find(host.TimeZone()).value_or(Zone::Utc())),
      user_(host.User()),
      max_statements_(limits.max_statements) {
  memory_.set_tripwire(&max_statements_);
}

Interp::~Interp() {
  // Every value that may point into the heap goes before the heap does.
  frames_.clear();
  ret_ = Value();
}

Value Interp::Fail(Msg msg, std::initializer_list<std::string_view> args) {
  if (memory_.exceeded() && msg != Msg::kLimitMemory) {
    // Whatever failed once the budget was gone failed for want of memory (a host's value that
    // could not be built, a JSON parse that stopped): say so, and let nothing catch it.
    FailMemory();
    return Value::Abort();
  }
  error_line_ = line_;
  error_col_ = col_;
  error_message_ = Format(msg, args);
  return Value::Abort();
}

void Interp::FailMemory() {
  fatal_ = true;
  stopped_by_ = RunLimit::kMemory;
  error_line_ = line_;
  error_col_ = col_;
  error_message_ = Format(Msg::kLimitMemory, {Bytes(limits_.max_memory_bytes)});
}

Value Interp::FailFatal(Msg msg, std::initializer_list<std::string_view> args) {
  fatal_ = true;
  if (msg == Msg::kLimitStatements) stopped_by_ = RunLimit::kStatements;
  if (msg == Msg::kLimitWallTime) stopped_by_ = RunLimit::kWallTime;
  return Fail(msg, args);
}

bool Interp::CheckWallTime() {
  if (host_.clock().Monotonic() <= deadline_) return true;
  FailFatal(Msg::kLimitWallTime, {FormatDuration(limits_.max_wall_time)});
  return false;
}

bool Interp::Display(const Value& v, std::string& out) {
  if (v.is_text()) {
    if (!CheckText(out.size() + v.text().size())) return false;
    out += v.text();
    return Scan(v.text().size());
  }
  size_t before = out.size();
  if (AppendDisplay(out, v, TextRoom())) return Scan(out.size() - before);
  return PrintFailed(out);
}

bool Interp::Json(const Value& v, std::string& out) {
  size_t before = out.size();
  if (AppendJson(out, v, TextRoom())) return Scan(out.size() - before);
  return PrintFailed(out);
}

bool Interp::PrintFailed(const std::string& out) {
  if (out.size() > TextRoom()) return CheckText(out.size());
  Fail(Msg::kNestedTooDeep, {FormatInt(kMaxNesting)});
  return false;
}

Value Interp::MakeText(std::string_view text) {
  // Whatever built the text did work in proportion to it: count it towards the clock check.
  if (!CheckText(text.size()) || !Scan(text.size())) return Value::Abort();
  return Value::Text(text);
}

size_t Interp::TextRoom() const {
  size_t room = memory_.room();
  room = room > sizeof(Str) ? room - sizeof(Str) : 0;
  return std::min(limits_.max_text_bytes, room);
}

bool Interp::CheckText(size_t bytes) {
  if (bytes <= TextRoom()) return true;
  if (bytes > limits_.max_text_bytes) {
    FailFatal(Msg::kTextTooLong, {FormatInt(static_cast<int64_t>(limits_.max_text_bytes))});
  } else {
    FailMemory();
  }
  return false;
}

bool Interp::CheckMemory(size_t bytes) {
  if (memory_.Fits(bytes)) return true;
  FailMemory();
  return false;
}

bool Interp::CheckSize(size_t n) {
  if (n <= limits_.max_collection_size) return true;
  FailFatal(Msg::kListTooLong, {FormatInt(static_cast<int64_t>(limits_.max_collection_size))});
  return false;
}

const Regex* Interp::GetRegex(std::string_view pattern, bool ignore_case) {
  std::string error;
  const Regex* re = regexes_.Get(pattern, ignore_case, error);
  if (re == nullptr) Fail(Msg::kBadRegex, {pattern, error});
  return re;
}

int64_t Interp::NowLocalMillis() { return zone_.LocalFromUtc(host_.clock().NowMillis()); }

Value Interp::ParseJsonValue(std::string_view text) {
  Value out;
  std::string error;
  if (!ParseJson(text, heap_, out, error)) return Fail(Msg::kBadJson, {error});
  if (!Scan(text.size())) return Value::Abort();
  return out;
}

Value Interp::KeyOf(const Value& v) {
  if (v.is_text()) return v;
  if (v.is_null()) return Fail(Msg::kNullKey);
  std::string s;
  if (!Display(v, s)) return Value::Abort();
  return Value::Text(s);
}

// ---- statements ----

Flow Interp::Exec(const std::vector<Stmt*>& body) {
  for (const Stmt* s : body) {
    Flow f = ExecStmt(s);
    if (f != Flow::kNormal) [[unlikely]]
      return f;
  }
  return Flow::kNormal;
}

bool Interp::CheckLimits() {
  if (memory_.exceeded()) {
    FailMemory();
    return false;
  }
  if (statements_ > limits_.max_statements) {
    FailFatal(Msg::kLimitStatements, {FormatInt(limits_.max_statements)});
    return false;
  }
  return CheckWallTime();
}

Flow Interp::ExecStmtBody(const Stmt* s) {
  switch (s->kind) {
    case StmtKind::kExpr: {
      Value v = Eval(s->e);
      return v.is_abort() ? Flow::kError : Flow::kNormal;
    }
    case StmtKind::kAssign: {
      const Expr* e = s->e;
      Value& slot = frame_[s->slot];
      if (e->kind == ExprKind::kBinary && e->op == Op::kAdd && slot.is_text()) {
        // s = s + a + b ...: append in place when the text is not shared.
        const Expr* leftmost = e;
        while (leftmost->kind == ExprKind::kBinary && leftmost->op == Op::kAdd) {
          leftmost = leftmost->a;
        }
        if (leftmost->kind == ExprKind::kLocal && leftmost->slot == s->slot) {
          return ExecAssignAppend(s, slot, e);
        }
      }
      Value v = Eval(e);
      if (v.is_abort()) return Flow::kError;
      frame_[s->slot] = std::move(v);
      return Flow::kNormal;
    }
    case StmtKind::kCompound: {
      Value& slot = frame_[s->slot];
      if (s->int_code) {
        IntResult r = RunIntCode(s->int_code->ops.data(), frame_);
        if (r.ok) {
          slot.SetInt(r.value);
          return Flow::kNormal;
        }
      }
      if (s->op == Op::kAdd && slot.is_text()) return ExecAssignAppend(s, slot, nullptr);
      Value r = Eval(s->e);
      if (r.is_abort()) return Flow::kError;
      Value v = BinaryOp(s->op, frame_[s->slot], r);
      if (v.is_abort()) return Flow::kError;
      frame_[s->slot] = std::move(v);
      return Flow::kNormal;
    }
    case StmtKind::kIf: {
      // else-if chains run in a loop; each `if` tested counts as a statement.
      for (const Stmt* c = s;;) {
        bool cond = false;
        if (!EvalCondition(c->e, cond)) return Flow::kError;
        if (cond) return Exec(c->body);
        if (c->else_body.size() != 1 || c->else_body[0]->kind != StmtKind::kIf) {
          return Exec(c->else_body);
        }
        c = c->else_body[0];
        line_ = c->line;
        col_ = c->col;
        if (++statements_ > max_statements_ && !CheckLimits()) return Flow::kError;
      }
    }
    case StmtKind::kForEach:
    case StmtKind::kForIndex:
      return ExecForEach(s);
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
    case StmtKind::kReturn:
      if (s->e != nullptr) {
        Value v = Eval(s->e);
        if (v.is_abort()) return Flow::kError;
        ret_ = std::move(v);
      } else {
        ret_ = Value();
      }
      return Flow::kReturn;
    case StmtKind::kInfo: {
      Value v = Eval(s->e);
      if (v.is_abort()) return Flow::kError;
      if (v.is_text()) {
        host_.Info(v.text());
        return Flow::kNormal;
      }
      std::string text;
      if (!Display(v, text)) return Flow::kError;
      host_.Info(text);
      return Flow::kNormal;
    }
    case StmtKind::kTry:
      return ExecTry(s);
    case StmtKind::kThrow: {
      Value v = Eval(s->e);
      if (v.is_abort()) return Flow::kError;
      std::string text;
      if (!Display(v, text)) return Flow::kError;
      Fail(Msg::kUserThrow, {text});
      return Flow::kError;
    }
    case StmtKind::kSendMail:
      return ExecSendMail(s);
  }
  return Flow::kNormal;
}

// `slot = slot + a + b` (rhs is the whole sum) or `slot += x` (rhs null: the operand is s->e).
Flow Interp::ExecAssignAppend(const Stmt* s, Value& slot, const Expr* rhs) {
  // Evaluate every operand first, as the plain `+` chain would, then append.
  Value parts[kInlineArgs];
  std::vector<Value> more;
  int n = 0;
  auto add = [&](Value v) {
    if (n < kInlineArgs) {
      parts[n++] = std::move(v);
    } else {
      more.push_back(std::move(v));
    }
  };
  if (rhs == nullptr) {
    Value v = Eval(s->e);
    if (v.is_abort()) return Flow::kError;
    add(std::move(v));
  } else {
    std::vector<const Expr*> operands;
    for (const Expr* e = rhs; e->kind == ExprKind::kBinary && e->op == Op::kAdd; e = e->a) {
      operands.push_back(e->b);
    }
    for (auto it = operands.rbegin(); it != operands.rend(); ++it) {
      Value v = Eval(*it);
      if (v.is_abort()) return Flow::kError;
      add(std::move(v));
    }
  }
  if (!frame_[s->slot].is_text()) {  // cannot happen, but stay correct if it does
    Value acc = frame_[s->slot];
    for (int i = 0; i < n; ++i) {
      acc = BinaryOp(Op::kAdd, acc, parts[i]);
      if (acc.is_abort()) return Flow::kError;
    }
    frame_[s->slot] = std::move(acc);
    return Flow::kNormal;
  }
  Value& target = slot;
  std::string scratch;
  auto append = [&](const Value& v) -> bool {
    std::string_view piece;
    if (v.is_text()) {
      piece = v.text();
    } else {
      scratch.clear();
      if (!Display(v, scratch)) return false;
      piece = scratch;
    }
    size_t need = target.text().size() + piece.size();
    if (!CheckText(need)) return false;
    // Spare capacity for the next appends, within what the text limit and the memory allow.
    AppendText(target, piece, TextRoom());
    return true;
  };
  for (int i = 0; i < n; ++i) {
    if (!append(parts[i])) return Flow::kError;
  }
  for (const Value& v : more) {
    if (!append(v)) return Flow::kError;
  }
  return Flow::kNormal;
}

Flow Interp::ExecForEach(const Stmt* s) {
  Value coll = Eval(s->e);
  if (coll.is_abort()) return Flow::kError;
  bool index = s->kind == StmtKind::kForIndex;
  Value items;  // the list iterated
  if (coll.is_collection())
    coll = coll.collection()->inner.is_null() ? heap_.NewList() : coll.collection()->inner;
  if (coll.is_list()) {
    items = coll;
  } else if (coll.is_map()) {
    // A map iterates over its keys (docs/language/decisions.md).
    if (!CheckMemory(coll.map()->map.size() * sizeof(Value)) || !Work(coll.map()->map.size())) {
      return Flow::kError;
    }
    items = heap_.NewList();
    for (const auto& en : coll.map()->map.entries()) {
      if (!en.key.is_null()) items.list()->items.push_back(en.key);
    }
  } else if (coll.is_text()) {
    // Comma-separated text iterates over its parts.
    items = heap_.NewList();
    std::string_view t = coll.text();
    if (!t.empty()) {
      size_t parts = 1 + static_cast<size_t>(std::count(t.begin(), t.end(), ','));
      if (!CheckElements(parts) || !CheckMemory(parts * sizeof(Str) + t.size())) {
        return Flow::kError;
      }
      if (!Work(parts)) return Flow::kError;
      items.list()->items.reserve(parts);
      size_t start = 0;
      for (;;) {
        size_t comma = t.find(',', start);
        items.list()->items.push_back(Value::Text(t.substr(start, comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    }
  } else {
    Fail(Msg::kNotIterable, {TypeName(coll.type())});
    return Flow::kError;
  }
  ListObj* list = items.list();
  for (size_t i = 0; i < list->items.size(); ++i) {
    if (index) {
      frame_[s->slot].SetInt(static_cast<int64_t>(i));
    } else {
      frame_[s->slot] = list->items[i];
    }
    Flow f = Exec(s->body);
    if (f == Flow::kNormal || f == Flow::kContinue) [[likely]]
      continue;
    if (f == Flow::kBreak) break;
    return f;
  }
  return Flow::kNormal;
}

Flow Interp::ExecTry(const Stmt* s) {
  Flow f = Exec(s->body);
  if (f != Flow::kError || fatal_) return f;
  Value err = heap_.NewMap();
  err.map()->map.Put(Value::Text("lineNo"), Value::Int(error_line_));
  err.map()->map.Put(Value::Text("message"), Value::Text(error_message_));
  error_message_.clear();
  if (s->slot >= 0) frame_[s->slot] = std::move(err);
  return Exec(s->else_body);
}

Flow Interp::ExecSendMail(const Stmt* s) {
  MailMessage mail;
  mail.content_type = "text/html";
  auto addresses = [&](const Value& v, std::vector<std::string>& out) -> bool {
    auto add_text = [&](std::string_view t) {
      size_t start = 0;
      for (;;) {
        size_t comma = t.find(',', start);
        std::string_view part = t.substr(start, comma - start);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (!part.empty()) out.emplace_back(part);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    };
    if (v.is_list()) {
      for (const Value& item : v.list()->items) {
        std::string t;
        if (!Display(item, t)) return false;
        add_text(t);
      }
      return true;
    }
    if (v.is_null()) return true;
    std::string t;
    if (!Display(v, t)) return false;
    add_text(t);
    return true;
  };
  for (const auto& f : s->fields) {
    Value v = Eval(f.value);
    if (v.is_abort()) return Flow::kError;
    bool ok = true;
    std::string text;
    if (f.key == "to") {
      ok = addresses(v, mail.to);
    } else if (f.key == "cc") {
      ok = addresses(v, mail.cc);
    } else if (f.key == "bcc") {
      ok = addresses(v, mail.bcc);
    } else if (f.key == "attachments") {
      // Each attachment is a copy: a list holding one large file many times must not be copied
      // past the run's memory.
      size_t copied = 0;
      auto attach = [&](const Value& a) {
        if (!a.is_file()) return true;
        copied += a.file()->bytes.size();
        if (!CheckMemory(copied)) return false;
        mail.attachments.push_back({a.file()->name, a.file()->content_type, a.file()->bytes});
        return true;
      };
      if (v.is_list()) {
        for (const Value& a : v.list()->items) {
          if (!attach(a)) return Flow::kError;
        }
      } else if (!attach(v)) {
        return Flow::kError;
      }
    } else {
      if (!v.is_null()) ok = Display(v, text);
      if (f.key == "from") mail.from = text;
      if (f.key == "replyto") mail.reply_to = text;
      if (f.key == "subject") mail.subject = text;
      if (f.key == "message") mail.message = text;
      if (f.key == "contenttype") {
        // Zoho's names for the two formats, besides a MIME type: `content type: HTML`.
        std::string lower = ToLower(text);
        if (lower == "html") text = "text/html";
        if (lower == "plaintext" || lower == "plain text" || lower == "text") text = "text/plain";
        mail.content_type = text;
      }
    }
    if (!ok) return Flow::kError;
  }
  line_ = s->line;
  col_ = s->col;
  if (mail.to.empty()) {
    Fail(Msg::kMailMissingField, {"to"});
    return Flow::kError;
  }
  auto sent = host_.SendMail(mail);
  if (!sent.ok()) {
    Fail(Msg::kMailFailed, {sent.error().message()});
    return Flow::kError;
  }
  return CheckWallTime() ? Flow::kNormal : Flow::kError;
}

// ---- run ----

Result<Value> Interp::ConvertArgument(const Param& param, const std::string& json) {
  Value v;
  std::string error;
  if (!ParseJson(json, heap_, v, error)) {
    return InvalidArgument(Format(Msg::kArgumentBadJson, {param.name, error}));
  }
  if (v.is_null() || param.type.empty()) return v;
  const std::string& t = param.type;
  auto fail = [&] {
    return InvalidArgument(Format(Msg::kArgumentType, {param.name, t, TypeName(v.type())}));
  };
  std::string text;
  if (v.is_text()) text = std::string(v.text());
  if (t == "string" || t == "text") {
    if (v.is_text()) return v;
    if (!AppendDisplay(text, v)) return fail();
    return Value::Text(text);
  }
  if (t == "int" || t == "integer" || t == "long" || t == "number" || t == "bigint") {
    if (v.is_int()) return v;
    if (v.is_decimal()) return Value::Int(static_cast<int64_t>(v.AsDecimal()));
    Value n;
    if (v.is_text() && ParseNumberText(text, n)) {
      return n.is_int() ? n : Value::Int(static_cast<int64_t>(n.AsDecimal()));
    }
    return fail();
  }
  if (t == "decimal" || t == "float") {
    if (v.is_number()) return Value::Decimal(v.AsDouble());
    Value n;
    if (v.is_text() && ParseNumberText(text, n)) return Value::Decimal(n.AsDouble());
    return fail();
  }
  if (t == "bool" || t == "boolean") {
    if (v.is_bool()) return v;
    if (text == "true" || text == "false") return Value::Bool(text == "true");
    return fail();
  }
  if (t == "map") {
    if (v.is_map()) return v;
    if (v.is_text()) {
      Value m;
      if (ParseJson(text, heap_, m, error) && m.is_map()) return m;
    }
    return fail();
  }
  if (t == "list") {
    if (v.is_list()) return v;
    if (v.is_text()) {
      Value l;
      if (ParseJson(text, heap_, l, error) && l.is_list()) return l;
    }
    return fail();
  }
  if (t == "date" || t == "datetime") {
    if (!v.is_text()) return fail();
    auto d = ParseDateText(text, zone_);
    if (!d) return fail();
    return t == "date" ? Value::Date(d->local_ms - d->local_ms % kMillisPerDay)
                       : Value::DateTime(d->local_ms);
  }
  return v;
}

Result<RunOutcome> Interp::Run(const std::vector<Argument>& args) {
  const Function& fn = program_.functions.front();
  frames_.resize(1);
  frames_[0].assign(static_cast<size_t>(fn.num_slots > 0 ? fn.num_slots : 1), Value());
  std::vector<bool> given(fn.params.size(), false);
  for (const Argument& arg : args) {
    int slot = -1;
    if (fn.has_header) {
      for (size_t i = 0; i < fn.params.size(); ++i) {
        if (fn.params[i].name == arg.name) slot = static_cast<int>(i);
      }
      for (size_t i = 0; slot < 0 && i < fn.params.size(); ++i) {
        if (EqualsIgnoreCase(fn.params[i].name, arg.name)) slot = static_cast<int>(i);
      }
      if (slot < 0) return InvalidArgument(Format(Msg::kArgumentUnknown, {arg.name}));
      given[static_cast<size_t>(slot)] = true;
      frames_[0][static_cast<size_t>(slot)] =
          TRY(ConvertArgument(fn.params[static_cast<size_t>(slot)], arg.json));
    } else {
      for (size_t i = 0; i < fn.slot_names.size(); ++i) {
        if (fn.slot_names[i] == arg.name) slot = static_cast<int>(i);
      }
      if (slot < 0) return InvalidArgument(Format(Msg::kArgumentUnknown, {arg.name}));
      frames_[0][static_cast<size_t>(slot)] = TRY(ConvertArgument(Param{"", arg.name}, arg.json));
    }
  }
  for (size_t i = 0; i < fn.params.size(); ++i) {
    if (!given[i]) return InvalidArgument(Format(Msg::kArgumentMissing, {fn.params[i].name}));
  }
  frame_ = frames_[0].data();
  deadline_ = host_.clock().Monotonic() + limits_.max_wall_time;
  line_ = fn.line;
  col_ = 1;

  Flow f = Exec(fn.body);
  if (f != Flow::kError && memory_.exceeded()) {
    // Over budget after the last statement (and its end was not checked): still the run's error.
    FailMemory();
    f = Flow::kError;
  }
  RunOutcome out;
  out.statements = std::min(statements_, limits_.max_statements);
  if (f == Flow::kReturn && !ret_.is_null()) {
    // The caller gets the value as text: one that nests too deeply or prints too long is the
    // return statement's error, not a silent null.
    if (!Display(ret_, out.return_text) || !Json(ret_, out.return_json)) {
      out.return_text.clear();
      out.return_json.clear();
      f = Flow::kError;
    }
  }
  if (f == Flow::kError) {
    out.ok = false;
    out.error_line = error_line_;
    out.error_column = error_col_;
    out.error_message = error_message_;
    out.stopped_by = stopped_by_;
  } else if (out.return_json.empty()) {
    out.return_json = "null";
  }
  frames_.clear();
  ret_ = Value();
  return out;
}

}  // namespace relish::deluge
