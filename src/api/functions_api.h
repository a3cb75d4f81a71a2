// REST for functions: POST /api/v1/functions/run runs a Deluge function ad hoc, in an
// organization and environment the caller belongs to, with the platform's connections and CRM,
// and answers with the run's result (info lines, outbound calls, error and line, statements).
// Runs go to `pool`: a run may wait on other servers for up to a minute.
#pragma once

#include "api/auth.h"
#include "functions/runner.h"
#include "server/asio.h"
#include "server/json.h"
#include "server/router.h"

namespace relish::api {

struct FunctionsApiDeps {
  const Auth& auth;
  functions::FunctionRunner& runner;
  boost::asio::thread_pool& pool;
};

void AddFunctionsRoutes(server::Router& router, FunctionsApiDeps deps);

// The JSON form of a run's result (also the shape the workflow engine's execution log can use).
server::Json RunResultJson(const functions::RunResult& result);

}  // namespace relish::api
