// REST for functions (docs/functions.md#where-it-runs):
//
//   POST /api/v1/functions/run    runs a stored function (by name, with typed arguments) or a
//                                 source, in an organization and environment the caller
//                                 belongs to, with the platform's connections and CRM; answers
//                                 with the run's result (info lines, outbound calls, error with
//                                 its line and column, statements) and records the run. On the
//                                 blocking pool: a run may wait on other servers for a minute.
//   GET  /api/v1/functions/runs?function=&topping=&environment=&before=&limit=
//   GET  /api/v1/functions/runs/{id}   the recorded runs (functions/run_history.h)
//   POST /api/v1/functions/check  parses and checks a source without running it: diagnostics
//                                 with their ranges, and the header's parameters.
//   GET  /api/v1/functions/completions  what an editor completes: built-in functions and
//                                 methods, integration tasks, statements, system variables and
//                                 types (from the runtime's tables), and the link names of the
//                                 request's organization and environment.
//
// Columns are UTF-16 code units from 1, as the console's editor counts them (source_positions.h).
#pragma once

#include "api/routes.h"
#include "connections/connections.h"
#include "functions/run_history.h"
#include "functions/runner.h"
#include "server/json.h"
#include "workflow/repository.h"

namespace relish::api {

struct FunctionsApiDeps {
  functions::FunctionRunner& runner;
  connections::Connections& connections;
  workflow::Repository& stored;  // the stored functions a run may name
  functions::RunHistory& history;
};

void AddFunctionsRoutes(Routes& routes, FunctionsApiDeps deps);

// The JSON form of a run's result; `source` is what ran (for the error's column).
server::Json RunResultJson(const functions::RunResult& result, std::string_view source);

}  // namespace relish::api
