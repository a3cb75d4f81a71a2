#include "deluge/deluge.h"

#include <algorithm>

#include "deluge/ast.h"
#include "deluge/checker.h"
#include "deluge/int_code.h"
#include "deluge/interpreter.h"
#include "deluge/parser.h"

namespace relish::deluge {

Compiled Compile(std::string_view source, const CompileOptions& options) {
  auto program = std::make_shared<Program>();
  Compiled out;
  Parse(source, *program, out.diagnostics, &out.warnings);
  if (!program->functions.empty() && program->functions.front().has_header) {
    const Function& entry = program->functions.front();
    Header header{.name = entry.qualified_name, .return_type = entry.return_type, .params = {}};
    for (const auto& p : entry.params) header.params.push_back({p.name, p.type});
    out.header = std::move(header);
  }
  // The checker needs a complete tree: it runs once the syntax is right.
  if (out.diagnostics.empty()) Check(*program, options.arg_names, out.diagnostics);
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
  if (out.diagnostics.empty()) {
    CompileIntCode(*program);
    out.program = std::move(program);
  }
  return out;
}

Result<RunOutcome> Run(const Program& program, Host& host, const RunOptions& options) {
  if (program.functions.empty()) return RunOutcome{};
  Interp interp(program, host, options.limits);
  interp.set_call_depth(options.call_depth);
  return interp.Run(options.args);
}

std::vector<std::string> ParameterNames(const Program& program) {
  std::vector<std::string> names;
  if (program.functions.empty()) return names;
  for (const auto& p : program.functions.front().params) names.push_back(p.name);
  return names;
}

bool HasHeader(const Program& program) {
  return !program.functions.empty() && program.functions.front().has_header;
}

}  // namespace relish::deluge
