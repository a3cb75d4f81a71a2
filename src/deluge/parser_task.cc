// Literals and constructors ({..}, [..], '01-Jan-2019', Map(), List:String(), Collection(..)) and
// task blocks (invokeurl [...], sendmail [...]): `key: value` entries without commas, keys that
// may contain spaces or hyphens.
#include "deluge/datetime.h"
#include "deluge/errors.h"
#include "deluge/parser.h"

namespace relish::deluge {
namespace {

// "content-type", "Content Type" and "contenttype" all name the same key.
std::string NormalizeKey(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == ' ' || c == '-' || c == '_') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return out;
}

bool TypedListType(std::string_view w, Type& out) {
  if (w == "string" || w == "text") {
    out = Type::kText;
  } else if (w == "int" || w == "integer" || w == "long" || w == "number" || w == "bigint") {
    out = Type::kInt;
  } else if (w == "decimal" || w == "float" || w == "double") {
    out = Type::kDecimal;
  } else if (w == "bool" || w == "boolean") {
    out = Type::kBool;
  } else if (w == "date") {
    out = Type::kDate;
  } else if (w == "datetime" || w == "time") {
    out = Type::kDateTime;
  } else if (w == "map") {
    out = Type::kMap;
  } else if (w == "list") {
    out = Type::kList;
  } else {
    return false;
  }
  return true;
}

}  // namespace

Expr* Parser::ParseDateLiteral(const Token& t) {
  // Single quotes hold a date or date-time; anything else in them is plain text, which Deluge
  // also accepts.
  if (auto parsed = ParseDateText(t.text, Zone::Utc())) {
    return Const(
        t, parsed->has_time ? Value::DateTime(parsed->local_ms) : Value::Date(parsed->local_ms));
  }
  return Const(t, ImmortalText(t.text));
}

Expr* Parser::ParseBraceLiteral(const Token& open) {
  if (++depth_ > kMaxParseDepth) {
    Error(open, Format(Msg::kTooDeep));
    --depth_;
    return Const(open, Value());
  }
  Expr* e = nullptr;
  if (Accept(Tok::kRBrace)) {
    e = program_.NewExpr(ExprKind::kMapLit, open.line, open.col);
  } else {
    Expr* first = ParseExpression();
    if (At(Tok::kColon)) {
      e = program_.NewExpr(ExprKind::kMapLit, open.line, open.col);
      Next();
      e->keys.push_back(first);
      e->args.push_back(ParseExpression());
      while (!panic_ && Accept(Tok::kComma)) {
        if (At(Tok::kRBrace)) break;  // trailing comma
        e->keys.push_back(ParseExpression());
        Expect(Tok::kColon, "':' between key and value");
        if (panic_) break;
        e->args.push_back(ParseExpression());
      }
    } else {
      e = program_.NewExpr(ExprKind::kListLit, open.line, open.col);
      e->args.push_back(first);
      while (!panic_ && Accept(Tok::kComma)) {
        if (At(Tok::kRBrace)) break;
        e->args.push_back(ParseExpression());
      }
    }
    if (!panic_) Expect(Tok::kRBrace, "',' or '}'");
  }
  --depth_;
  return e;
}

Expr* Parser::ParseBracketList(const Token& open) {
  if (++depth_ > kMaxParseDepth) {
    Error(open, Format(Msg::kTooDeep));
    --depth_;
    return Const(open, Value());
  }
  Expr* e = program_.NewExpr(ExprKind::kListLit, open.line, open.col);
  if (!Accept(Tok::kRBracket)) {
    for (;;) {
      e->args.push_back(ParseExpression());
      if (panic_) break;
      if (Accept(Tok::kComma)) {
        if (Accept(Tok::kRBracket)) break;
        continue;
      }
      Expect(Tok::kRBracket, "',' or ']'");
      break;
    }
  }
  --depth_;
  return e;
}

Expr* Parser::ParseConstructor(const Token& name) {
  Expr* e = program_.NewExpr(ExprKind::kConstruct, name.line, name.col);
  e->name = std::string(name.raw);
  Type kind = name.text == "map"    ? Type::kMap
              : name.text == "list" ? Type::kList
                                    : Type::kCollection;
  e->slot = static_cast<int32_t>(kind);
  e->value = Value::Int(static_cast<int64_t>(Type::kNull));
  if (kind == Type::kList && Accept(Tok::kColon)) {
    const Token& elem = Peek();
    Type elem_type;
    if (elem.kind != Tok::kIdent || !TypedListType(elem.text, elem_type)) {
      Error(elem, Format(Msg::kBadParamType, {Describe(elem)}));
      return e;
    }
    Next();
    e->value = Value::Int(static_cast<int64_t>(elem_type));
  }
  if (!Expect(Tok::kLParen, "'('")) return e;
  if (Accept(Tok::kRParen)) return e;
  for (;;) {
    Expr* arg = ParseExpression();
    if (panic_) return e;
    if (kind == Type::kCollection && At(Tok::kColon)) {
      Next();
      e->pairs = true;
      e->keys.push_back(arg);
      arg = ParseExpression();
      if (panic_) return e;
    }
    e->args.push_back(arg);
    if (Accept(Tok::kComma)) continue;
    Expect(Tok::kRParen, "',' or ')'");
    return e;
  }
}

std::string Parser::ParseTaskKey() {
  std::string key;
  while (!At(Tok::kColon)) {
    const Token& t = Peek();
    if (t.kind == Tok::kIdent || (t.kind == Tok::kMinus && !key.empty())) {
      Next();
      key += t.raw;
      key += ' ';
      continue;
    }
    Error(t, Format(Msg::kExpected, {"a parameter name and ':'", Describe(t)}));
    return "";
  }
  Next();
  return NormalizeKey(key);
}

bool Parser::IsFileLabel() const {
  return Peek().kind == Tok::kIdent && NormalizeKey(Peek().raw) == "file" &&
         Peek(1).kind == Tok::kColon;
}

std::vector<TaskField> Parser::ParseTaskFields(std::string_view task,
                                               const std::vector<std::string_view>& keys) {
  std::vector<TaskField> fields;
  Next();  // '['
  while (!At(Tok::kRBracket) && !At(Tok::kEof) && !panic_) {
    const Token& at = Peek();
    std::string key = ParseTaskKey();
    if (panic_) break;
    bool known = false;
    for (auto k : keys) known = known || k == key;
    if (!known) {
      Error(at, Format(Msg::kUnknownTaskKey, {at.raw, task}));
      break;
    }
    for (const auto& f : fields) {
      if (f.key == key) {
        Error(at, Format(Msg::kDuplicateTaskKey, {at.raw, task}));
        break;
      }
    }
    TaskField field;
    field.key = key;
    field.line = at.line;
    field.col = at.col;
    if (key == "attachments" && task == "sendmail" && IsFileLabel()) {
      // Zoho's form `Attachments: file: f1, file: f2` (issue 17): the files as a list.
      field.value = program_.NewExpr(ExprKind::kListLit, at.line, at.col);
      do {
        Next();  // file
        Next();  // ':'
        field.value->args.push_back(ParseExpression());
      } while (!panic_ && At(Tok::kComma) && (Next(), IsFileLabel()));
      fields.push_back(field);
      continue;
    }
    field.value = ParseExpression();
    // Bare words: `type: POST`, `response-format: TEXT`, and sendmail's `content type: HTML` (the
    // form Zoho's editor writes; docs/language/decisions.md).
    // sendmail's content type takes only its two documented words bare: any other name is a
    // variable holding the type, as before.
    auto is_mail_type_word = [&] {
      std::string w = field.value->name;
      for (char& c : w) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      return w == "html" || w == "plaintext";
    };
    if (field.value->kind == ExprKind::kName &&
        (key == "type" || key == "responseformat" || key == "responsedecoding" ||
         (key == "contenttype" && task == "sendmail" && is_mail_type_word()))) {
      std::string word = field.value->name;
      if (key == "type") {
        for (char& c : word) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
      }
      field.value->kind = ExprKind::kConst;
      field.value->value = ImmortalText(word);
    }
    fields.push_back(field);
    Accept(Tok::kComma);  // tolerated, though Deluge writes none
  }
  if (!panic_) Expect(Tok::kRBracket, "']' to close " + std::string(task));
  return fields;
}

Expr* Parser::ParseInvokeUrl(const Token& kw) {
  Expr* e = program_.NewExpr(ExprKind::kInvokeUrl, kw.line, kw.col);
  static const std::vector<std::string_view> kKeys = {
      "url",   "type",       "parameters", "body",           "headers",         "contenttype",
      "files", "connection", "detailed",   "responseformat", "responsedecoding",
      "retry"};  // retry: Relish's own (issue 18), docs/language/invokeurl-and-tasks.md
  e->fields = ParseTaskFields("invokeurl", kKeys);
  if (panic_) return e;
  bool has_url = false;
  for (const auto& f : e->fields) has_url = has_url || f.key == "url";
  if (!has_url) Error(kw, Format(Msg::kMissingTaskKey, {"invokeurl", "url"}));
  return e;
}

// ---- issue 17: invokeapi ----
// Zoho's invokeapi task (https://zoho.com/deluge/help/webhook/invokeapitask.html): parsed with
// its documented parameters; it runs as invokeurl to the named Zoho service's API in the
// connection's data centre (docs/language/decisions.md).
Expr* Parser::ParseInvokeApi(const Token& kw) {
  Expr* e = program_.NewExpr(ExprKind::kInvokeUrl, kw.line, kw.col);
  e->name = "invokeapi";
  static const std::vector<std::string_view> kKeys = {
      "service", "path",       "type",           "parameters",      "body",
      "headers", "connection", "responseformat", "responsedecoding"};
  e->fields = ParseTaskFields("invokeapi", kKeys);
  if (panic_) return e;
  for (std::string_view need : {"service", "path"}) {
    bool found = false;
    for (const auto& f : e->fields) found = found || f.key == need;
    if (!found) {
      Error(kw, Format(Msg::kMissingTaskKey, {"invokeapi", need}));
      return e;
    }
  }
  return e;
}

Stmt* Parser::ParseSendMail(const Token& kw) {
  Stmt* s = program_.NewStmt(StmtKind::kSendMail, kw.line, kw.col);
  static const std::vector<std::string_view> kKeys = {
      "from", "to", "cc", "bcc", "replyto", "subject", "message", "contenttype", "attachments"};
  s->fields = ParseTaskFields("sendmail", kKeys);
  if (panic_) return s;
  for (std::string_view need : {"from", "to", "subject", "message"}) {
    bool found = false;
    for (const auto& f : s->fields) found = found || f.key == need;
    if (!found) {
      Error(kw, Format(Msg::kMissingTaskKey, {"sendmail", need}));
      return s;
    }
  }
  Accept(Tok::kSemicolon);
  return s;
}

}  // namespace relish::deluge
