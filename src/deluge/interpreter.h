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

// Arguments a call evaluates into a stack array (interpreter.cc, interpreter_calls.cc).
inline constexpr int kInlineArgs = 8;

enum class Flow : uint8_t { kNormal, kBreak, kContinue, kReturn, kError };

class Interp {
 public:
  Interp(const Program& program, Host& host, const Limits& limits);
  ~Interp();
  Interp(const Interp&) = delete;
  Interp& operator=(const Interp&) = delete;

  Result<RunOutcome> Run(const std::vector<Argument>& args);
  void set_call_depth(int depth) { depth_ = depth; }

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

  // Text of a value in display form; false (after Fail) when it nests too deeply or `out` would
  // grow past TextRoom().
  bool Display(const Value& v, std::string& out);
  bool Json(const Value& v, std::string& out);
  // A text value, or Abort (after FailFatal) when it does not fit the text limit or the memory.
  Value MakeText(std::string_view text);

  // ---- projected sizes: built-ins check before they allocate ----
  // The most bytes a new text may have: the text limit, or less when the run's memory is nearer.
  size_t TextRoom() const;
  // True when a text of `bytes` fits; else false after FailFatal naming the limit it breaks.
  bool CheckText(size_t bytes);
  // True when `bytes` more fit the run's memory; else false after FailFatal.
  bool CheckMemory(size_t bytes);
  // Fails when a collection would grow past the limit.
  bool CheckSize(size_t n);
  // CheckSize(n), and room for n more list elements.
  bool CheckElements(size_t n) { return CheckSize(n) && CheckMemory(n * sizeof(Value)); }
  MemoryMeter& memory() { return memory_; }
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
  // Work done inside a built-in, in units of about one element visited or 16 bytes scanned: the
  // clock is read once kWorkPerClockCheck units have accumulated. False (after FailFatal) when
  // the run is out of time. An add and a compare otherwise.
  bool Work(size_t units) {
    work_ += units;
    if (work_ < kWorkPerClockCheck) [[likely]]
      return true;
    work_ = 0;
    return CheckWallTime();
  }
  bool Scan(size_t bytes) { return Work(bytes / 16); }

  // Deluge's + - * / % and comparisons on two values (also used by compound assignment).
  Value BinaryOp(Op op, const Value& a, const Value& b);

 private:
  // interpreter.cc: statements and calls
  Flow Exec(const std::vector<Stmt*>& body);
  // Counts the statement, takes the whole-number assignment fast path, else ExecStmtBody.
  Flow ExecStmt(const Stmt* s) {
    line_ = s->line;
    col_ = s->col;
    // max_statements_ doubles as the memory meter's tripwire (it drops to -1), so the memory
    // budget costs this path nothing.
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
  void FailMemory();
  bool PrintFailed(const std::string& out);
  Flow ExecStmtBody(const Stmt* s);
  Flow ExecForEach(const Stmt* s);
  Flow ExecTry(const Stmt* s);
  Flow ExecSendMail(const Stmt* s);
  Flow ExecAssignAppend(const Stmt* s, Value& slot, const Expr* rhs);
  Value CallUser(const Expr* e);
  Value CallMethod(const Expr* e);
  Value CallBuiltin(const Expr* e);
  Value CallTask(const Expr* e);
  Value CallOrgFunction(const Expr* e);  // standalone.name(...) of the organization (issue 17)
  Result<Value> ConvertArgument(const Param& param, const std::string& json);

  // interpreter_expr.cc: expressions
 public:
  Value Eval(const Expr* e);
  // Evaluates e->args in order into `out`; false when one aborted the run.
  bool EvalArgs(const Expr* e, std::vector<Value>& out);

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
  // invokeapi's URL from its service, path and connection; false after Fail.
  bool InvokeApiUrl(const std::string& service, const std::string& path,
                    const std::string& connection, std::string& url);

  // First: the run's memory is counted from before the heap exists until after it is gone.
  MemoryMeter memory_;
  MemoryMeter::Scope memory_scope_;
  Heap heap_;  // destroyed after every value member
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
  int64_t max_statements_;  // limits_.max_statements, or -1 once the memory budget is exceeded
  size_t work_ = 0;         // built-in work since the clock was last read (Work())
  std::chrono::steady_clock::time_point deadline_;
  int line_ = 0;
  int col_ = 0;  // of the statement (or invokeurl) that runs: where a runtime error is shown

  bool fatal_ = false;
  RunLimit stopped_by_ = RunLimit::kNone;
  int error_line_ = 0;
  int error_col_ = 0;
  std::string error_message_;
};

}  // namespace relish::deluge
