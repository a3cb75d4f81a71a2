#include "api/workflow_api.h"

#include "api/body.h"
#include "api/params.h"
#include "server/json.h"

namespace relish::api {
namespace {

using server::ErrorResponse;
using server::Json;
using server::JsonResponse;
using server::Request;
using server::Response;

using server::Access;

// Pages of the execution log: GET /api/v1/workflow/runs?limit=.
constexpr int kDefaultRuns = 50;
constexpr int kMaxRuns = 1000;

crm::Space SpaceOf(const Caller& c) { return crm::Space{c.scope.org_id, c.scope.environment}; }

Json RuleJson(const workflow::Rule& rule) {
  Json def = workflow::RuleToJson(rule);
  Json j = {{"id", rule.id}, {"topping", rule.topping}};
  for (auto& [k, v] : def.items()) j[k] = v;
  j["created_by"] = rule.created_by;
  j["created_at"] = rule.created_at;
  j["updated_at"] = rule.updated_at;
  if (!rule.problem.empty()) j["problem"] = rule.problem;
  return j;
}

Json FunctionJson(const workflow::Function& f, bool source) {
  Json j = {{"name", f.name},
            {"topping", f.topping},
            {"description", f.description},
            {"params", f.params},
            {"has_header", f.has_header},
            {"created_by", f.created_by},
            {"created_at", f.created_at},
            {"updated_at", f.updated_at}};
  if (source) j["source"] = f.source;
  return j;
}

Json ToppingJson(const toppings::Topping& t) {
  Json conns = Json::array();
  for (const auto& c : t.connections) {
    conns.push_back({{"link_name", c.link_name},
                     {"service", c.service},
                     {"status", c.status},
                     {"created", c.created}});
  }
  return {{"namespace", t.ns},
          {"name", t.name},
          {"version", t.version},
          {"description", t.description},
          {"environment", t.environment},
          {"installed_by", t.installed_by},
          {"installed_at", t.installed_at},
          {"functions", t.functions},
          {"rules", t.rules},
          {"connections", conns},
          {"fields_added", t.fields_added}};
}

Json ConnectionsJson(const std::vector<toppings::InstalledConnection>& list) {
  Json out = Json::array();
  for (const auto& c : list) {
    out.push_back({{"link_name", c.link_name}, {"service", c.service}, {"status", c.status}});
  }
  return out;
}

Json ChangesJson(const toppings::PublishPreview::Changes& c) {
  return {{"added", c.added}, {"changed", c.changed}, {"removed", c.removed}};
}

Json PreviewJson(const toppings::PublishPreview& p) {
  return {
      {"namespace", p.ns},
      {"name", p.name},
      {"version", p.version},
      {"production_version", p.production_version.empty() ? Json() : Json(p.production_version)},
      {"functions", ChangesJson(p.functions)},
      {"rules", ChangesJson(p.rules)},
      {"fields_to_add", p.fields_to_add},
      {"connections_to_create", ConnectionsJson(p.connections_to_create)},
      {"connections_to_authorize", ConnectionsJson(p.connections_to_authorize)}};
}

// ?topping= given (possibly empty: the organization's own) or not (nullopt: any).
std::optional<std::string> ToppingParam(const Request& req) { return req.QueryParam("topping"); }

}  // namespace

void AddWorkflowRoutes(Routes& routes, WorkflowApiDeps d) {
  auto deps = std::make_shared<WorkflowApiDeps>(d);

  // --- rules
  routes.Add(
      "GET", "/api/v1/workflow/rules", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        auto space = SpaceOf(c);
        workflow::RuleFilter filter{req.QueryParam("module").value_or(""), ToppingParam(req)};
        Json list = Json::array();
        for (const auto& r : TRY(deps->repository.ListRules(space, filter)))
          list.push_back(RuleJson(r));
        return JsonResponse(200, {{"rules", list}});
      });
  routes.Add("POST", "/api/v1/workflow/rules", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               Json body = TRY(server::ParseJsonBody(req));
               auto rule = TRY(deps->repository.CreateRule(space, ToppingParam(req).value_or(""),
                                                           body, c.user().id));
               return JsonResponse(201, RuleJson(rule));
             });
  routes.Add("GET", "/api/v1/workflow/rules/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               return JsonResponse(
                   200, RuleJson(TRY(deps->repository.GetRule(space, req.params["id"]))));
             });
  routes.Add("PUT", "/api/v1/workflow/rules/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               Json body = TRY(server::ParseJsonBody(req));
               return JsonResponse(
                   200, RuleJson(TRY(deps->repository.UpdateRule(space, req.params["id"], body))));
             });
  for (const char* verb : {"activate", "deactivate"}) {
    bool active = std::string_view(verb) == "activate";
    routes.Add("POST", std::string("/api/v1/workflow/rules/{id}/") + verb, Access::kMember,
               [deps, active](Request& req, const Caller& c) -> Result<Response> {
                 auto space = SpaceOf(c);
                 return JsonResponse(
                     200,
                     RuleJson(TRY(deps->repository.SetActive(space, req.params["id"], active))));
               });
  }
  routes.Add("DELETE", "/api/v1/workflow/rules/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               TRY(deps->repository.DeleteRule(space, req.params["id"]));
               return JsonResponse(200, {{"deleted", req.params["id"]}});
             });

  // --- functions
  routes.Add("GET", "/api/v1/workflow/functions", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               Json list = Json::array();
               for (const auto& f : TRY(deps->repository.ListFunctions(space, ToppingParam(req)))) {
                 list.push_back(FunctionJson(f, false));
               }
               return JsonResponse(200, {{"functions", list}});
             });
  routes.Add("GET", "/api/v1/workflow/functions/{name}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               auto f = TRY(deps->repository.GetFunction(space, ToppingParam(req).value_or(""),
                                                         req.params["name"]));
               return JsonResponse(200, FunctionJson(f, true));
             });
  routes.Add("PUT", "/api/v1/workflow/functions/{name}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               Json body = TRY(server::ParseJsonBody(req));
               workflow::NewFunction spec;
               spec.name = req.params["name"];
               if (!body.contains("source") || !body["source"].is_string()) {
                 return InvalidArgument("'source' is required: the function's Deluge text");
               }
               spec.source = body["source"].get<std::string>();
               spec.description = TRY(OptionalText(body, "description"));
               spec.params = TRY(TextList(body, "params"));
               auto f = TRY(deps->repository.PutFunction(space, ToppingParam(req).value_or(""),
                                                         spec, c.user().id));
               return JsonResponse(200, FunctionJson(f, true));
             });
  routes.Add("DELETE", "/api/v1/workflow/functions/{name}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto space = SpaceOf(c);
               TRY(deps->repository.DeleteFunction(space, ToppingParam(req).value_or(""),
                                                   req.params["name"]));
               return JsonResponse(200, {{"deleted", req.params["name"]}});
             });

  // --- the execution log
  routes.Add("GET", "/api/v1/workflow/runs", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               workflow::RunFilter f;
               if (req.QueryParam("environment")) f.environment = scope.environment;
               f.rule_id = req.QueryParam("rule").value_or("");
               f.record_id = req.QueryParam("record").value_or("");
               f.function = req.QueryParam("function").value_or("");
               f.topping = req.QueryParam("topping").value_or("");
               f.status = req.QueryParam("status").value_or("");
               if (!f.status.empty()) TRY(workflow::ParseRunStatus(f.status));
               f.since = TRY(IntParam(req, "since"));
               f.until = TRY(IntParam(req, "until"));
               f.before = req.QueryParam("before").value_or("");
               f.limit = TRY(LimitParam(req, kDefaultRuns, kMaxRuns));
               auto runs = TRY(deps->runs.List(scope.org_id, f));
               Json list = Json::array();
               for (const auto& r : runs) list.push_back(workflow::RunToJson(r, false));
               Json body = {{"runs", list}};
               body["next"] =
                   static_cast<int>(runs.size()) == f.limit ? Json(runs.back().id) : Json();
               return JsonResponse(200, body);
             });
  routes.Add("GET", "/api/v1/workflow/runs/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               return JsonResponse(
                   200,
                   workflow::RunToJson(TRY(deps->runs.Get(scope.org_id, req.params["id"])), true));
             });
  routes.Add("POST", "/api/v1/workflow/runs/{id}/rerun", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const auto& user = c.user();
               auto job = TRY(deps->engine.RunAgain(c.scope.org_id, req.params["id"],
                                                    crm::Actor{user.id, user.name, user.email}));
               return JsonResponse(202, {{"job_id", job}, {"run_id", req.params["id"]}});
             });
  routes.Add("GET", "/api/v1/workflow/queue", Access::kMember,
             [deps](Request&, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               auto s = TRY(deps->queue.Stats(scope.org_id));
               return JsonResponse(
                   200, {{"due", s.due}, {"scheduled", s.scheduled}, {"running", s.leased}});
             });

  // --- toppings
  routes.Add("GET", "/api/v1/toppings", Access::kMember,
             [deps](Request&, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               Json list = Json::array();
               for (const auto& t : TRY(deps->toppings.List(scope.org_id, scope.environment)))
                 list.push_back(ToppingJson(t));
               return JsonResponse(200, {{"toppings", list}});
             });
  routes.Add("POST", "/api/v1/toppings", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               if (scope.environment != "sandbox") {
                 return FailedPrecondition(
                     "toppings are pushed to the sandbox; publish them to production");
               }
               Json body = TRY(server::ParseJsonBody(req));
               auto it = body.find("files");
               if (it == body.end() || !it->is_object()) {
                 return InvalidArgument("'files' must map each file's path to its text");
               }
               toppings::Files files;
               for (const auto& [path, text] : it->items()) {
                 if (!text.is_string()) return InvalidArgument("files." + path + " must be text");
                 files[path] = text.get<std::string>();
               }
               return JsonResponse(
                   200, ToppingJson(TRY(deps->toppings.Push(scope.org_id, files, c.user().id))));
             });
  routes.Add("GET", "/api/v1/toppings/{ns}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               return JsonResponse(200, ToppingJson(TRY(deps->toppings.Get(
                                            scope.org_id, scope.environment, req.params["ns"]))));
             });
  routes.Add("GET", "/api/v1/toppings/{ns}/files", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               Json files = Json::object();
               for (const auto& [path, text] : TRY(deps->toppings.GetFiles(
                        scope.org_id, scope.environment, req.params["ns"]))) {
                 files[path] = text;
               }
               return JsonResponse(200, {{"files", files}});
             });
  routes.Add("POST", "/api/v1/toppings/{ns}/publish", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               return JsonResponse(200, ToppingJson(TRY(deps->toppings.Publish(
                                            scope.org_id, req.params["ns"], c.user().id))));
             });
  // What the publish below would change; changes nothing (the environment in the query, if any,
  // is ignored: it is always the sandbox's topping against production).
  routes.Add(
      "GET", "/api/v1/toppings/{ns}/publish-preview", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        return JsonResponse(
            200, PreviewJson(TRY(deps->toppings.PreviewPublish(c.scope.org_id, req.params["ns"]))));
      });
  routes.Add("DELETE", "/api/v1/toppings/{ns}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               const Scope& scope = c.scope;
               TRY(deps->toppings.Uninstall(scope.org_id, scope.environment, req.params["ns"]));
               return JsonResponse(200, {{"uninstalled", req.params["ns"]}});
             });
}

}  // namespace relish::api
