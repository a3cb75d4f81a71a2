// The Deluge runtime's public API: compile a script (parse + check), then run it against a Host.
//
//   auto compiled = deluge::Compile(source, {.arg_names = {"contact"}});
//   if (!compiled.ok()) { for (auto& d : compiled.diagnostics) ...; }
//   auto outcome = deluge::Run(*compiled.program, host, {.args = {{"contact", "{...}"}}});
//
// A compiled Program is immutable and may be run many times, from several threads at once (each
// run has its own heap). Nothing here throws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "deluge/diagnostic.h"
#include "deluge/host.h"
#include "deluge/limits.h"

namespace relish::deluge {

class Program;

struct CompileOptions {
  // Variables the caller will supply (workflow arguments) when the script has no function
  // header; a script with a header declares its parameters itself.
  std::vector<std::string> arg_names;
};

// The entry function's header (`map standalone.fn(Int id, String name)`), as written.
struct Header {
  std::string name;         // "standalone.fn"
  std::string return_type;  // lowercase: "map", "void", ...
  struct Param {
    std::string name;
    std::string type;  // lowercase: "int", "string", "map", "list", "date", ...
  };
  std::vector<Param> params;
};

struct Compiled {
  std::shared_ptr<const Program> program;  // null when there are diagnostics
  // Syntax errors (as many as the parser finds, one per statement at most: it resumes at the
  // next one), or when the syntax is right, check errors; in source order.
  std::vector<Diagnostic> diagnostics;
  // Warnings: the script runs all the same (`if(a = "x")` compares). In source order.
  std::vector<Diagnostic> warnings;
  // The header, when the script starts with one that parsed (also when later lines have errors).
  std::optional<Header> header;
  bool ok() const { return program != nullptr; }
};

Compiled Compile(std::string_view source, const CompileOptions& options = {});

struct Argument {
  std::string name;
  std::string json;  // the value as JSON text ("42", "\"text\"", "{...}")
};

struct RunOptions {
  Limits limits;
  std::vector<Argument> args;
  // The nested-call depth the run starts at: a function of the organization called through
  // `standalone.name(...)` counts against its caller's limits.max_call_depth.
  int call_depth = 0;
};

// Which of the run's budgets ended it, if one did: a nested run (standalone.name()) was given
// what was left of its caller's, and the caller's error names the caller's own limit.
enum class RunLimit { kNone, kStatements, kWallTime, kMemory };

struct RunOutcome {
  bool ok = true;
  RunLimit stopped_by = RunLimit::kNone;  // when !ok
  int error_line = 0;         // when !ok
  int error_column = 0;       // when !ok: of the statement that failed (bytes, from 1)
  std::string error_message;  // when !ok
  std::string return_text;    // the returned value's display form ("" for none)
  std::string return_json;    // the returned value as JSON ("null" for none)
  int64_t statements = 0;     // statements executed
};

// Errors (kInvalidArgument) only for arguments that do not fit: unknown names, bad JSON, missing
// parameters. A script's own runtime error is a normal outcome (ok = false).
Result<RunOutcome> Run(const Program& program, Host& host, const RunOptions& options = {});

// Parameter names of the entry function (for the CLI's usage messages).
std::vector<std::string> ParameterNames(const Program& program);
// Whether the script starts with a function header (`void automation.fn(Int id) {...}`).
bool HasHeader(const Program& program);

}  // namespace relish::deluge
