// The syntax tree. The parser builds it with names; the checker resolves names in place
// (variables to frame slots, calls to built-in entries, user functions or integration tasks), so
// the interpreter never looks a name up. Nodes are owned by their Program and immutable once
// checked. One struct per family with a kind tag: the interpreter switches on the tag, with no
// virtual call per node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deluge/int_code.h"
#include "deluge/value.h"

namespace relish::deluge {

struct Builtin;

enum class Op : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kNeg,
  kNot,
};
const char* OpSpelling(Op op);

enum class ExprKind : uint8_t {
  // Produced by the parser and resolved by the checker:
  kName,      // identifier `name`
  kCall,      // plain call `name(args)`
  kProperty,  // `a.name` (no call): a system variable path or a map key
  kMethod,    // `a.name(args)`: a method, or a qualified call like zoho.crm.getRecordById(...)
  // Final forms:
  kConst,
  kLocal,       // slot
  kSysVar,      // slot = SysVar id
  kUnary,       // op, a
  kBinary,      // op, a, b
  kAnd,         // a && b
  kOr,          // a || b
  kListLit,     // args
  kMapLit,      // keys / args
  kBuiltin,     // builtin(args): a function without a receiver
  kMethodCall,  // a.method(args): slot = method id, name = spelling for messages
  kUserCall,    // slot = function index
  kTask,        // name = canonical task name (zoho.crm.getRecordById); or kOrgFunctionPrefix +
                // the name of a function of the organization (issue 17)
  kInvokeUrl,   // fields
  kIf,          // if(a, b, c)
  kGetKey,      // a.name on a map: a.get("name")
  kConstruct,   // Map(), List(), List:String(), Collection(...): op unused, slot = Type, value =
                // element type for typed lists
};

// kTask names starting so call a function of the organization (Host::FunctionSource).
inline constexpr std::string_view kOrgFunctionPrefix = "standalone.";

enum class SysVar : uint8_t {
  kCurrentTime,
  kCurrentDate,
  kLoginUser,
  kLoginUserId,
  kAdminUser,
  kAdminUserId,
  kTimeZone,
};

struct Expr;

// A `key: value` entry of a task block (invokeurl [...], sendmail [...]).
struct TaskField {
  std::string key;  // lowercase, single spaces ("reply to", "content-type")
  Expr* value = nullptr;
  int line = 0;
  int col = 0;
};

struct Expr {
  ExprKind kind;
  Op op = Op::kAdd;
  int32_t line = 0;
  int32_t col = 0;
  int32_t slot = -1;
  Expr* a = nullptr;
  Expr* b = nullptr;
  Expr* c = nullptr;
  const Builtin* builtin = nullptr;
  Value value;
  std::vector<Expr*> args;
  std::vector<Expr*> keys;
  std::vector<TaskField> fields;
  std::string name;
  // For kConstruct of a Collection with `key: value` pairs.
  bool pairs = false;
  // Whole-number fast path (int_code.h); null when the expression does not qualify.
  std::unique_ptr<IntCode> int_code;
};

enum class StmtKind : uint8_t {
  kExpr,
  kAssign,    // slot = e
  kCompound,  // slot op= e
  kIf,        // if (e) body else else_body
  kForEach,   // for each slot in e
  kForIndex,  // for each index slot in e
  kBreak,
  kContinue,
  kReturn,  // e may be null
  kInfo,
  kTry,  // try body catch (slot) else_body
  kThrow,
  kSendMail,  // fields
};

struct Stmt {
  StmtKind kind;
  Op op = Op::kAdd;
  int32_t line = 0;
  int32_t col = 0;
  int32_t slot = -1;
  std::string name;  // assigned / loop / catch variable
  Expr* e = nullptr;
  std::vector<Stmt*> body;
  std::vector<Stmt*> else_body;
  std::vector<TaskField> fields;
  std::unique_ptr<IntCode> int_code;  // kCompound: `slot op= e` as a whole-number program
};

struct Param {
  std::string type;  // lowercase: int, string, map, ...
  std::string name;
  int line = 0;
  int col = 0;
};

struct Function {
  std::string return_type;     // lowercase; "void"; empty when the script has no header
  std::string qualified_name;  // "automation.syncContact"; empty without a header
  std::string name;            // last part, lowercase, for calls
  std::vector<Param> params;
  std::vector<Stmt*> body;
  int line = 1;
  int num_slots = 0;
  std::vector<std::string> slot_names;
  bool has_header = false;
};

// A parsed (and, after Check, resolved) script. Move-only; owns every node.
class Program {
 public:
  Program() = default;
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  Expr* NewExpr(ExprKind kind, int line, int col);
  Stmt* NewStmt(StmtKind kind, int line, int col);
  template <typename ExprFn, typename StmtFn>
  void ForEachNode(ExprFn on_expr, StmtFn on_stmt) {
    for (auto& e : exprs_) on_expr(*e);
    for (auto& s : stmts_) on_stmt(*s);
  }

  std::vector<Function> functions;  // functions[0] is the entry point
  int max_slots = 0;

 private:
  std::vector<std::unique_ptr<Expr>> exprs_;
  std::vector<std::unique_ptr<Stmt>> stmts_;
};

}  // namespace relish::deluge
