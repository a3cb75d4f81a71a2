// The tree-walking interpreter. One Interp runs one script once, on one thread. It owns the
// run's Heap (declared first, so it is destroyed last, after every Value that may point into it).
//
// Errors are values here too: Eval returns Value::Abort() and Exec returns Flow::kError after
// Fail() recorded the message and line. Built-ins (builtins.h) use the public helpers below.
// Internal to src/deluge.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "deluge/ast.h"
#include "deluge/builtins.h"
#include "deluge/datetime.h"
#include "deluge/deluge.h"
#include "deluge/errors.h"
#include "deluge/host.h"
#include "deluge/limits.h"
#include "deluge/regex.h"
#include "deluge/value.h"

namespace relish::deluge {

enum class Flow : uint8_t { kNormal, kBreak, kContinue, kReturn, kError };

class Interp {
 public:
  Interp(const Program& program, Host& host, const Limits& limits);
  ~Interp();
  Interp(const Interp&) = delete;
  Interp& operator=(const Interp&) = delete;

  Result<RunOutcome> Run(const std::vector<Argument>& args);

  // ---- for built-ins ----
  // Records a runtime error at the current line and returns Value::Abort().
  Value Fail(Msg msg, std::initializer_list<std::string_view> args = {});
  // As Fail, but try/catch cannot catch it (limits).
  Value FailFatal(Msg msg, std::initializer_list<std::string_view> args = {});
  Heap& heap() { return heap_; }
  Host& host() { return host_; }
  const Limits& limits() const { return limits_; }
  const Zone& zone() const { return zone_; }
  int line() const { return line_; }

  // Text of a value in display form; false (after Fail) when it nests too deeply.
  bool Display(const Value& v, std::string& out);
  bool Json(const Value& v, std::string& out);
  bool PrintFailed(const std::string& out);
  // A text value, or Abort when longer than the text limit.
  Value MakeText(std::string_view text);
  // Fails when a collection would grow past the limit.
  bool CheckSize(size_t n);
  const Regex* GetRegex(std::string_view pattern, bool ignore_case);
  int64_t NowLocalMillis();
  // Parses JSON into a value on this run's heap (Abort with kBadJson on error).
  Value ParseJsonValue(std::string_view text);
  // A map key from any scalar (text as is, others in display form); Abort for null.
  Value KeyOf(const Value& v);
  // Adds `v` to a list, converting it for typed lists (List:String() stores text).
  bool ListAdd(ListObj* list, Value v);
  // Performs a request built by invokeurl, getUrl or postUrl and shapes the response.
  Value Fetch(HttpRequest request, bool detailed, std::string_view response_format,
              std::string_view decoding);
  // Checks the wall clock (after host calls and every few hundred statements).
  bool CheckWallTime();

  // Deluge's + - * / % and comparisons on two values (also used by compound assignment).
  Value BinaryOp(Op op, const Value& a, const Value& b);

 private:
  // interpreter.cc: statements and calls
  Flow Exec(const std::vector<Stmt*>& body);
  // Counts the statement, takes the whole-number assignment fast path, else ExecStmtBody.
  Flow ExecStmt(const Stmt* s) {
    line_ = s->line;
    if (++statements_ > max_statements_ || (statements_ & 1023) == 0) [[unlikely]] {
      if (!CheckLimits()) return Flow::kError;
    }
    if (s->kind == StmtKind::kAssign && s->e->int_code) {
      IntResult r = RunIntCode(s->e->int_code->ops.data(), frame_);
      if (r.ok) {
        if (s->e->int_code->is_comparison) {
          frame_[s->slot].SetBool(r.value != 0);
        } else {
          frame_[s->slot].SetInt(r.value);
        }
        return Flow::kNormal;
      }
    }
    return ExecStmtBody(s);
  }
  bool CheckLimits();
  Flow ExecStmtBody(const Stmt* s);
  Flow ExecForEach(const Stmt* s);
  Flow ExecTry(const Stmt* s);
  Flow ExecSendMail(const Stmt* s);
  Flow ExecAssignAppend(const Stmt* s, Value& slot, const Expr* rhs);
  Value CallUser(const Expr* e);
  Value CallMethod(const Expr* e);
  Value CallBuiltin(const Expr* e);
  Value CallTask(const Expr* e);
  Result<Value> ConvertArgument(const Param& param, const std::string& json);

  // interpreter_expr.cc: expressions
 public:
  Value Eval(const Expr* e);

 private:
  Value EvalBinary(const Expr* e);
  Value EvalUnary(const Expr* e);
  Value EvalConstruct(const Expr* e);
  Value EvalMapLit(const Expr* e);
  Value EvalListLit(const Expr* e);
  Value EvalGetKey(const Expr* e);
  Value EvalSysVar(const Expr* e);
  bool EvalCondition(const Expr* e, bool& out);
  Value Compare(Op op, const Value& a, const Value& b);
  bool DateFromText(const Value& text, const Value& other, Value& out);
  Value Concat(const Value& a, const Value& b);

  // invoke_url.cc
  Value EvalInvokeUrl(const Expr* e);

  Heap heap_;  // first: destroyed last
  const Program& program_;
  Host& host_;
  Limits limits_;
  const Builtins& builtins_;
  Zone zone_;
  UserInfo user_;
  RegexCache regexes_;

  std::vector<std::vector<Value>> frames_;  // one slot array per call depth, reused
  Value* frame_ = nullptr;
  int depth_ = 0;
  Value ret_;

  int64_t statements_ = 0;
  int64_t max_statements_;
  std::chrono::steady_clock::time_point deadline_;
  int line_ = 0;

  bool fatal_ = false;
  int error_line_ = 0;
  std::string error_message_;
};

}  // namespace relish::deluge
