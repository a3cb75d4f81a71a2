#include "deluge/checker.h"

#include <optional>
#include <unordered_map>

#include "deluge/builtins.h"
#include "deluge/errors.h"
#include "deluge/tasks.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

constexpr SystemVariable kSysVars[] = {
    {"zoho.currenttime", SysVar::kCurrentTime, "the current date-time, in the run's time zone"},
    {"zoho.currentdate", SysVar::kCurrentDate, "today's date, in the run's time zone"},
    {"zoho.loginuser", SysVar::kLoginUser, "the email of the user the run acts as"},
    {"zoho.loginuserid", SysVar::kLoginUserId, "the email of the user the run acts as"},
    {"zoho.adminuser", SysVar::kAdminUser, "the email of the organization's first administrator"},
    {"zoho.adminuserid", SysVar::kAdminUserId,
     "the email of the organization's first administrator"},
    {"zoho.timezone", SysVar::kTimeZone, "the run's time zone (an IANA name)"},
};

}  // namespace

std::span<const SystemVariable> SystemVariables() { return kSysVars; }

namespace {

class Checker {
 public:
  Checker(Program& program, std::vector<Diagnostic>& diags)
      : program_(program), diags_(diags), builtins_(Builtins::Get()) {}

  void Run(const std::vector<std::string>& arg_names) {
    for (size_t i = 0; i < program_.functions.size(); ++i) {
      const Function& fn = program_.functions[i];
      if (fn.name.empty()) continue;
      auto [it, inserted] = functions_.emplace(fn.name, static_cast<int>(i));
      if (!inserted) Error(fn.line, 1, "", Format(Msg::kDuplicateFunction, {fn.qualified_name}));
    }
    for (size_t i = 0; i < program_.functions.size(); ++i) {
      CheckFunction(program_.functions[i], i == 0 && !program_.functions[i].has_header
                                               ? arg_names
                                               : std::vector<std::string>{});
    }
  }

 private:
  // `name` is the text the problem is about, from (line, col): a variable's or a function's
  // name as written; empty for none.
  void Error(int line, int col, const std::string& name, std::string message) {
    diags_.push_back(Diagnostic{line, col, std::move(message), line,
                                col + static_cast<int>(name.size())});
  }

  int Define(const std::string& name) {
    auto [it, inserted] = slots_.emplace(name, static_cast<int>(fn_->slot_names.size()));
    if (inserted) fn_->slot_names.push_back(name);
    return it->second;
  }

  void CheckFunction(Function& fn, const std::vector<std::string>& arg_names) {
    fn_ = &fn;
    slots_.clear();
    for (const auto& p : fn.params) Define(p.name);
    for (const auto& a : arg_names) Define(a);
    CollectAssignments(fn.body);
    for (Stmt* s : fn.body) CheckStmt(s);
    fn.num_slots = static_cast<int>(fn.slot_names.size());
    if (fn.num_slots > program_.max_slots) program_.max_slots = fn.num_slots;
  }

  // Pre-pass: every assignment target, loop and catch variable is a variable of the function.
  void CollectAssignments(const std::vector<Stmt*>& body) {
    for (Stmt* s : body) {
      switch (s->kind) {
        case StmtKind::kAssign:
        case StmtKind::kForEach:
        case StmtKind::kForIndex:
        case StmtKind::kTry:
          if (!s->name.empty()) Define(s->name);
          break;
        default:
          break;
      }
      if (s->kind == StmtKind::kIf) {
        // Walk an else-if chain in a loop: it may be long.
        for (const Stmt* c = s; c != nullptr;) {
          CollectAssignments(c->body);
          const Stmt* next = ElseIf(c);
          if (next == nullptr) CollectAssignments(c->else_body);
          c = next;
        }
        continue;
      }
      CollectAssignments(s->body);
      CollectAssignments(s->else_body);
    }
  }

  static Stmt* ElseIf(const Stmt* s) {
    return s->else_body.size() == 1 && s->else_body[0]->kind == StmtKind::kIf ? s->else_body[0]
                                                                              : nullptr;
  }

  int Lookup(const std::string& name) const {
    auto it = slots_.find(name);
    return it == slots_.end() ? -1 : it->second;
  }

  void CheckBody(const std::vector<Stmt*>& body) {
    for (Stmt* s : body) CheckStmt(s);
  }

  void CheckStmt(Stmt* s) {
    switch (s->kind) {
      case StmtKind::kAssign:
        CheckExpr(s->e);
        s->slot = Lookup(s->name);
        break;
      case StmtKind::kCompound:
        CheckExpr(s->e);
        s->slot = Lookup(s->name);
        if (s->slot < 0) {
          Error(s->line, s->col, s->name, Format(Msg::kUndefinedVariable, {s->name}));
          s->slot = Define(s->name);
        }
        break;
      case StmtKind::kForEach:
      case StmtKind::kForIndex:
        CheckExpr(s->e);
        s->slot = Lookup(s->name);
        CheckBody(s->body);
        break;
      case StmtKind::kTry:
        CheckBody(s->body);
        s->slot = Lookup(s->name);
        CheckBody(s->else_body);
        break;
      case StmtKind::kIf:
        for (Stmt* c = s; c != nullptr;) {
          CheckExpr(c->e);
          CheckBody(c->body);
          Stmt* next = ElseIf(c);
          if (next == nullptr) CheckBody(c->else_body);
          c = next;
        }
        break;
      case StmtKind::kSendMail:
        for (auto& f : s->fields) CheckExpr(f.value);
        break;
      default:
        if (s->e != nullptr) CheckExpr(s->e);
        break;
    }
  }

  // "zoho.crm" for a chain of names and properties whose root is not a variable; empty otherwise.
  std::string DottedPath(const Expr* e) const {
    if (e->kind == ExprKind::kName) return Lookup(e->name) >= 0 ? "" : e->name;
    if (e->kind == ExprKind::kProperty) {
      std::string base = DottedPath(e->a);
      return base.empty() ? "" : base + "." + e->name;
    }
    return "";
  }

  void MakeConstNull(Expr* e) {
    e->kind = ExprKind::kConst;
    e->value = Value();
    e->args.clear();
    e->a = e->b = e->c = nullptr;
  }

  void CheckArgs(Expr* e) {
    for (Expr* a : e->args) CheckExpr(a);
    for (Expr* k : e->keys) CheckExpr(k);
  }

  void CheckExpr(Expr* e) {
    switch (e->kind) {
      case ExprKind::kName: {
        int slot = Lookup(e->name);
        if (slot < 0 && BareDateVariable(e)) return;
        if (slot < 0) {
          Error(e->line, e->col, e->name, Format(Msg::kUndefinedVariable, {e->name}));
          MakeConstNull(e);
          return;
        }
        e->kind = ExprKind::kLocal;
        e->slot = slot;
        return;
      }
      case ExprKind::kProperty:
        return CheckProperty(e);
      case ExprKind::kMethod:
        return CheckMethod(e);
      case ExprKind::kCall:
        return CheckCall(e);
      case ExprKind::kInvokeUrl:
        for (auto& f : e->fields) CheckExpr(f.value);
        return;
      default:
        if (e->a) CheckExpr(e->a);
        if (e->b) CheckExpr(e->b);
        if (e->c) CheckExpr(e->c);
        CheckArgs(e);
        return;
    }
  }

  void CheckProperty(Expr* e) {
    std::string path = DottedPath(e);
    if (!path.empty()) {
      std::string lower = ToLower(path);
      for (const auto& sv : kSysVars) {
        if (sv.path == lower) {
          e->kind = ExprKind::kSysVar;
          e->slot = static_cast<int32_t>(sv.var);
          e->a = nullptr;
          return;
        }
      }
      if (lower.rfind("zoho.", 0) == 0) {
        Error(e->line, e->col, e->name, Format(Msg::kUnknownSystemVariable, {path}));
      } else {
        const Expr* root = e;
        while (root->kind == ExprKind::kProperty) root = root->a;
        UndefinedRoot(root);
      }
      MakeConstNull(e);
      return;
    }
    // `rec.Field` reads a map key, as `e.message` reads the caught error.
    CheckExpr(e->a);
    e->kind = ExprKind::kGetKey;
    e->value = Value();
  }

  // An undefined variable at the root of `a.b` or `a.f()`; Zoho Creator's `input.Field` and
  // `ui.add(...)` say what they are.
  void UndefinedRoot(const Expr* root) {
    std::string lower = ToLower(root->name);
    if (lower == "input" || lower == "ui") {
      Error(root->line, root->col, root->name, Format(Msg::kCreatorNotSupported));
      return;
    }
    Error(root->line, root->col, root->name, Format(Msg::kUndefinedVariable, {root->name}));
  }

  // ---- issue 17: `today` and `now` written bare ----
  // Zoho's expressions page: "today returns the current date". A variable of that name the
  // function assigns wins (it is found first); otherwise the bare word is zoho.currentdate /
  // zoho.currenttime (docs/language/decisions.md).
  static std::optional<SysVar> BareDateWord(std::string_view name) {
    std::string lower = ToLower(name);
    if (lower == "today") return SysVar::kCurrentDate;
    if (lower == "now") return SysVar::kCurrentTime;
    return std::nullopt;
  }
  bool BareDateVariable(Expr* e) {
    auto var = BareDateWord(e->name);
    if (!var) return false;
    e->kind = ExprKind::kSysVar;
    e->slot = static_cast<int32_t>(*var);
    return true;
  }

  static bool IsSysVar(const std::string& path) {
    if (path.find('.') == std::string::npos && BareDateWord(path)) return true;
    std::string lower = ToLower(path);
    for (const auto& sv : kSysVars) {
      if (sv.path == lower) return true;
    }
    return false;
  }

  void CheckMethod(Expr* e) {
    std::string path = DottedPath(e->a);
    if (IsSysVar(path)) path.clear();  // zoho.currenttime.addDay(1): a method of the variable
    CheckArgs(e);
    int argc = static_cast<int>(e->args.size());
    if (!path.empty()) {
      std::string qualified = path + "." + e->name;
      std::string lower = ToLower(qualified);
      if (const TaskSpec* task = FindTask(lower)) {
        if (argc < task->min_args || argc > task->max_args) {
          Error(e->line, e->col, e->name, Format(Msg::kArgCount, {task->name}));
        }
        e->kind = ExprKind::kTask;
        e->name = std::string(task->name);
        e->a = nullptr;
        return;
      }
      if (const Builtin* b = builtins_.Qualified(lower)) {
        if (argc < b->min_args || argc > b->max_args) {
          Error(e->line, e->col, e->name, Format(Msg::kArgCount, {qualified}));
        }
        e->kind = ExprKind::kBuiltin;
        e->builtin = b;
        e->name = qualified;
        e->a = nullptr;
        return;
      }
      if (lower.rfind("zoho.crm.", 0) == 0 || lower.rfind("zoho.bigin.", 0) == 0 ||
          IsTaskNamespace(lower)) {
        Error(e->line, e->col, e->name, Format(Msg::kUnknownTask, {qualified}));
        MakeConstNull(e);
        return;
      }
      if (lower.rfind("zoho.", 0) != 0 && path.find('.') == std::string::npos) {
        // standalone.fn(...), automation.fn(...), thisapp.fn(...): a function of this script.
        auto it = functions_.find(ToLower(e->name));
        if (it != functions_.end()) return MakeUserCall(e, it->second, qualified);
        // Another function of the organization: found (or not) when the call runs.
        if (ToLower(path) == "standalone") {
          e->kind = ExprKind::kTask;
          e->name = std::string(kOrgFunctionPrefix) + e->name;
          e->a = nullptr;
          return;
        }
      }
      static constexpr std::string_view kNamespaces[] = {
          "standalone",      "automation", "button",   "thisapp",
          "validation_rule", "schedule",   "workflow", "relatedlist",
          "blueprint",       "function",   "zoho"};
      bool is_namespace = false;
      std::string root = ToLower(path.substr(0, path.find('.')));
      for (auto ns : kNamespaces) is_namespace = is_namespace || ns == root;
      if (is_namespace) {
        Error(e->line, e->col, e->name, Format(Msg::kUnknownFunction, {qualified}));
      } else {
        const Expr* r = e->a;
        while (r->kind == ExprKind::kProperty) r = r->a;
        UndefinedRoot(r);
      }
      MakeConstNull(e);
      return;
    }
    CheckExpr(e->a);
    int id = builtins_.MethodId(ToLower(e->name));
    if (id < 0) {
      Error(e->line, e->col, e->name, Format(Msg::kUnknownMethod, {e->name}));
      MakeConstNull(e);
      return;
    }
    if (!builtins_.MethodAccepts(id, argc)) {
      Error(e->line, e->col, e->name, Format(Msg::kArgCount, {e->name}));
    }
    e->kind = ExprKind::kMethodCall;
    e->slot = id;
  }

  void MakeUserCall(Expr* e, int index, const std::string& shown) {
    const Function& fn = program_.functions[static_cast<size_t>(index)];
    if (e->args.size() != fn.params.size()) {
      Error(e->line, e->col, e->name, Format(Msg::kArgCount, {shown}));
    }
    e->kind = ExprKind::kUserCall;
    e->slot = index;
    e->a = nullptr;
  }

  void CheckCall(Expr* e) {
    CheckArgs(e);
    int argc = static_cast<int>(e->args.size());
    std::string lower = ToLower(e->name);
    auto user = functions_.find(lower);
    if (user != functions_.end()) return MakeUserCall(e, user->second, e->name);
    if (const Builtin* b = builtins_.Function(lower)) {
      if (argc < b->min_args || argc > b->max_args) {
        Error(e->line, e->col, e->name, Format(Msg::kArgCount, {e->name}));
      }
      e->kind = ExprKind::kBuiltin;
      e->builtin = b;
      return;
    }
    // fn(x, args...) is x.fn(args...), as Deluge allows for most built-ins.
    int id = builtins_.MethodId(lower);
    if (id >= 0 && argc >= 1) {
      if (!builtins_.MethodAccepts(id, argc - 1)) {
        Error(e->line, e->col, e->name, Format(Msg::kArgCount, {e->name}));
      }
      e->kind = ExprKind::kMethodCall;
      e->slot = id;
      e->a = e->args.front();
      e->args.erase(e->args.begin());
      return;
    }
    if (id >= 0) {
      Error(e->line, e->col, e->name, Format(Msg::kArgCount, {e->name}));
    } else if (lower == "alert" || lower == "openurl") {  // Zoho Creator's form actions
      Error(e->line, e->col, e->name, Format(Msg::kCreatorNotSupported));
    } else {
      Error(e->line, e->col, e->name, Format(Msg::kUnknownFunction, {e->name}));
    }
    MakeConstNull(e);
  }

  Program& program_;
  std::vector<Diagnostic>& diags_;
  const Builtins& builtins_;
  std::unordered_map<std::string, int> functions_;
  std::unordered_map<std::string, int> slots_;
  Function* fn_ = nullptr;
};

}  // namespace

void Check(Program& program, const std::vector<std::string>& arg_names,
           std::vector<Diagnostic>& diagnostics) {
  Checker(program, diagnostics).Run(arg_names);
}

}  // namespace relish::deluge
