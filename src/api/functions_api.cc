#include "api/functions_api.h"

#include <memory>

#include "base/ids.h"
#include "server/offload.h"

namespace relish::api {
namespace {

using identity::Principal;
using server::Json;
using server::Request;
using server::Response;

// The run request from the body: {"source": "...", "args": {"name": <JSON>}, "environment":
// "sandbox", "topping": "ns"}; the organization comes from ?org= (default: the caller's first).
Result<functions::RunRequest> ReadRunRequest(const Auth& auth, const Request& req,
                                             const Principal& p) {
  Json body = TRY(server::ParseJsonBody(req));
  Scope scope = TRY(ResolveScope(auth, req, p));
  functions::RunRequest run;
  run.org_id = scope.org_id;
  run.environment = scope.environment;
  if (auto env = body.find("environment"); env != body.end() && !env->is_null()) {
    if (!env->is_string()) return InvalidArgument("'environment' must be a string");
    run.environment = TRY(ParseEnvironment(env->get<std::string>()));
  }
  auto source = body.find("source");
  if (source == body.end() || !source->is_string()) {
    return InvalidArgument("'source' (the function's Deluge text) is required");
  }
  run.source = source->get<std::string>();
  if (auto topping = body.find("topping"); topping != body.end() && !topping->is_null()) {
    if (!topping->is_string()) return InvalidArgument("'topping' must be a string");
    run.topping = topping->get<std::string>();
  }
  if (auto args = body.find("args"); args != body.end() && !args->is_null()) {
    if (!args->is_object()) {
      return InvalidArgument("'args' must be an object of argument names and JSON values");
    }
    for (const auto& [name, value] : args->items()) {
      run.args.push_back({name, value.dump(-1, ' ', false, Json::error_handler_t::replace)});
    }
  }
  run.user_id = p.user.id;
  run.file_name = "adhoc.dg";
  return run;
}

}  // namespace

Json RunResultJson(const functions::RunResult& r) {
  Json calls = Json::array();
  for (const auto& c : r.calls) {
    calls.push_back({{"method", c.method},
                     {"url", c.url},
                     {"connection", c.connection.empty() ? Json() : Json(c.connection)},
                     {"task", c.task.empty() ? Json() : Json(c.task)},
                     {"status", c.status},
                     {"latency_us", c.latency_us},
                     {"error", c.error.empty() ? Json() : Json(c.error)}});
  }
  Json returned = Json::parse(r.return_json, nullptr, false);
  if (returned.is_discarded()) returned = Json();
  return {{"ok", r.ok},
          {"error", r.ok ? Json() : Json{{"line", r.error_line}, {"message", r.error_message}}},
          {"info", r.info},
          {"calls", calls},
          {"mails", r.mails},
          {"return", returned},
          {"statements", r.statements},
          {"started_at", r.started_at},
          {"ended_at", r.ended_at}};
}

void AddFunctionsRoutes(server::Router& router, FunctionsApiDeps d) {
  auto deps = std::make_shared<FunctionsApiDeps>(d);
  router.AddAsync("POST", "/api/v1/functions/run",
                  [deps](Request& req) -> Task<Response> {
                    auto principal = deps->auth.Authenticate(req);
                    if (!principal.ok()) co_return server::ErrorResponse(principal.error());
                    Principal p = *principal;
                    auto work = [&deps, &req, &p]() -> Response {
                      auto run = ReadRunRequest(deps->auth, req, p);
                      if (!run.ok()) return server::ErrorResponse(run.error());
                      run->run_id = NewId("run");
                      auto result = deps->runner.Run(*run);
                      if (!result.ok()) return server::ErrorResponse(result.error());
                      Json body = {{"run_id", run->run_id}};
                      body.update(RunResultJson(*result));
                      return server::JsonResponse(200, body);
                    };
                    co_return co_await server::Offload(deps->pool, work);
                  });
}

}  // namespace relish::api
