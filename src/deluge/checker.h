// The checker: runs after parsing, before anything executes. It resolves every name in place
// (variables to frame slots, calls to built-ins, user functions or integration tasks, zoho.*
// paths to system variables) and reports undefined variables, unknown functions and wrong
// argument counts, each with its line and column.
//
// A variable is defined when the function assigns it anywhere (or it is a parameter, a loop or
// catch variable, or a caller-supplied argument); reading it before the first assignment runs
// gives null. Internal to src/deluge.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deluge/ast.h"
#include "deluge/diagnostic.h"

namespace relish::deluge {

void Check(Program& program, const std::vector<std::string>& arg_names,
           std::vector<Diagnostic>& diagnostics);

// The zoho.* system variables the checker resolves (lowercase paths; names are case-insensitive).
struct SystemVariable {
  std::string_view path;
  SysVar var;
  std::string_view summary;
};
std::span<const SystemVariable> SystemVariables();

}  // namespace relish::deluge
