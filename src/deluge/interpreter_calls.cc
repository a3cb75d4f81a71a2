// The interpreter's calls: a script's own functions, methods, built-ins, integration tasks and
// (issue 17) the organization's other functions as standalone.name(...).
#include <chrono>
#include <string>

#include "deluge/deluge.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"
#include "deluge/json.h"

namespace relish::deluge {
// ---- calls ----

bool Interp::EvalArgs(const Expr* e, std::vector<Value>& out) {
  out.reserve(e->args.size());
  for (const Expr* a : e->args) {
    Value v = Eval(a);
    if (v.is_abort()) return false;
    out.push_back(std::move(v));
  }
  return true;
}

Value Interp::CallUser(const Expr* e) {
  const Function& fn = program_.functions[static_cast<size_t>(e->slot)];
  if (depth_ + 1 > limits_.max_call_depth) {
    return FailFatal(Msg::kLimitCallDepth, {FormatInt(limits_.max_call_depth)});
  }
  std::vector<Value> args;
  if (!EvalArgs(e, args)) return Value::Abort();
  size_t d = static_cast<size_t>(depth_) + 1;
  if (frames_.size() <= d) frames_.resize(d + 1);
  std::vector<Value>& frame = frames_[d];
  frame.assign(static_cast<size_t>(fn.num_slots > 0 ? fn.num_slots : 1), Value());
  for (size_t i = 0; i < args.size() && i < frame.size(); ++i) frame[i] = std::move(args[i]);
  Value* saved = frame_;
  int saved_line = line_;
  int saved_col = col_;
  frame_ = frame.data();
  ++depth_;
  Flow f = Exec(fn.body);
  --depth_;
  frame_ = saved;
  Value result = f == Flow::kReturn ? std::move(ret_) : Value();
  ret_ = Value();
  frames_[d].clear();
  if (f == Flow::kError) return Value::Abort();
  line_ = saved_line;
  col_ = saved_col;
  return result;
}

Value Interp::CallMethod(const Expr* e) {
  Value recv = Eval(e->a);
  if (recv.is_abort()) return recv;
  int argc = static_cast<int>(e->args.size());
  if (argc > kInlineArgs) return Fail(Msg::kArgCount, {e->name});
  Value argv[kInlineArgs];
  for (int i = 0; i < argc; ++i) {
    argv[i] = Eval(e->args[static_cast<size_t>(i)]);
    if (argv[i].is_abort()) return Value::Abort();
  }
  const Builtin* b = builtins_.Method(recv.type(), e->slot);
  if (b == nullptr && recv.is_collection()) {
    // A collection answers list or map methods through what it holds.
    Value inner = recv.collection()->inner;
    if (inner.is_null()) inner = heap_.NewList();
    b = builtins_.Method(inner.type(), e->slot);
    if (b != nullptr) recv = std::move(inner);
  }
  if (b == nullptr) {
    if (recv.is_null()) return Fail(Msg::kNullReceiver, {e->name});
    return Fail(Msg::kWrongReceiver, {e->name, TypeName(recv.type())});
  }
  if (argc < b->min_args || argc > b->max_args) return Fail(Msg::kArgCount, {e->name});
  return b->fn(*this, recv, argv, argc);
}

Value Interp::CallBuiltin(const Expr* e) {
  int argc = static_cast<int>(e->args.size());
  if (argc > kInlineArgs) return Fail(Msg::kArgCount, {e->builtin->name});
  Value argv[kInlineArgs];
  for (int i = 0; i < argc; ++i) {
    argv[i] = Eval(e->args[static_cast<size_t>(i)]);
    if (argv[i].is_abort()) return Value::Abort();
  }
  static const Value kNull;
  return e->builtin->fn(*this, kNull, argv, argc);
}

Value Interp::CallTask(const Expr* e) {
  if (e->name.starts_with(kOrgFunctionPrefix)) return CallOrgFunction(e);
  std::vector<Value> args;
  if (!EvalArgs(e, args)) return Value::Abort();
  auto result = host_.CallTask(e->name, std::move(args), heap_);
  if (!result.ok()) return Fail(Msg::kTaskFailed, {result.error().message()});
  if (!CheckWallTime()) return Value::Abort();
  return std::move(result).value();
}

// ---- issue 17: standalone.name(...) runs a function of the organization ----

// Compiled and run on the same host, as a nested call: it starts at the caller's depth + 1 and
// gets what is left of the caller's statements and time, so a chain of functions calling each
// other through standalone.x stops at the call-depth limit, and all of them together within the
// run's statement and time limits. Arguments and the result cross as JSON (each run has its own
// heap). Its memory budget is what is left of the caller's: the caller's values stay allocated
// while it runs, so a chain of nested calls shares one run's memory.
Value Interp::CallOrgFunction(const Expr* e) {
  std::string name = e->name.substr(kOrgFunctionPrefix.size());
  std::string shown = "standalone." + name;
  if (depth_ + 1 > limits_.max_call_depth) {
    return FailFatal(Msg::kLimitCallDepth, {FormatInt(limits_.max_call_depth)});
  }
  std::vector<std::string> args;
  args.reserve(e->args.size());
  for (const Expr* a : e->args) {
    Value v = Eval(a);
    if (v.is_abort()) return v;
    args.push_back(ToJsonText(v));
  }
  auto source = host_.FunctionSource(name);
  if (!source.ok()) {
    if (source.error().code() == ErrorCode::kNotFound) {
      return Fail(Msg::kUnknownFunction, {shown});
    }
    return Fail(Msg::kTaskFailed, {shown + ": " + source.error().message()});
  }
  Compiled compiled = Compile(*source);
  if (!compiled.ok()) {
    const Diagnostic& d = compiled.diagnostics.front();
    return Fail(Msg::kTaskFailed, {shown + ": line " + FormatInt(d.line) + ": " + d.message});
  }
  const Function& entry = compiled.program->functions.front();
  if (!entry.has_header) {
    return Fail(Msg::kTaskFailed, {shown + ": the function has no header to take arguments"});
  }
  if (entry.params.size() != args.size()) return Fail(Msg::kArgCount, {shown});
  RunOptions options;
  options.limits = limits_;
  options.limits.max_statements = std::max<int64_t>(0, limits_.max_statements - statements_);
  auto left = deadline_ - host_.clock().Monotonic();
  options.limits.max_wall_time = std::max(
      std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(left));
  options.limits.max_memory_bytes = memory_.room();
  options.call_depth = depth_ + 1;
  for (size_t i = 0; i < args.size(); ++i) {
    options.args.push_back({entry.params[i].name, std::move(args[i])});
  }
  auto outcome = deluge::Run(*compiled.program, host_, options);
  if (!outcome.ok()) return Fail(Msg::kTaskFailed, {shown + ": " + outcome.error().message()});
  statements_ += outcome->statements;
  if (!outcome->ok) {
    // The limits' errors end the whole run, as they do in the caller; others can be caught.
    // The nested run's budgets were only what was left: the error names the caller's.
    switch (outcome->stopped_by) {
      case RunLimit::kStatements:
        return FailFatal(Msg::kLimitStatements, {FormatInt(limits_.max_statements)});
      case RunLimit::kWallTime:
        return FailFatal(Msg::kLimitWallTime, {FormatDuration(limits_.max_wall_time)});
      case RunLimit::kMemory:
        FailMemory();
        return Value::Abort();
      case RunLimit::kNone:
        break;
    }
    const std::string& message = outcome->error_message;
    if (message.starts_with("Execution stopped:") || message.find("(limit: ") != std::string::npos) {
      return FailFatal(Msg::kTaskFailed, {message});
    }
    return Fail(Msg::kTaskFailed, {shown + ": line " + FormatInt(outcome->error_line) + ": " +
                                   outcome->error_message});
  }
  if (!CheckWallTime()) return Value::Abort();
  Value result;
  std::string error;
  if (!ParseJson(outcome->return_json, heap_, result, error)) {
    return Fail(Msg::kTaskFailed, {shown + ": " + error});
  }
  return result;
}

}  // namespace relish::deluge
