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

// --- API contract (server/route_doc.h): every route AddWorkflowRoutes registers, and the
// shapes above (RuleJson, FunctionJson, ToppingJson, PreviewJson, workflow::RunToJson).
void DocumentWorkflowRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("RuleDefinition", R"({"name":"string","module":"string",
      "description?":"string","active?":"boolean",
      "trigger":{"type":"create|edit|create_or_edit|delete|date","fields?":["string"],
                 "repeat?":"boolean","field?":"string","offset?":"string","time?":"string"},
      "conditions":[{"criteria":"any","pattern?":"string","actions":["object"],
                     "scheduled?":[{"offset":"string","from":"string","actions":["object"]}]}]})");
  router.DocumentSchema("Rule", R"({"id":"string","topping":"string","name":"string",
      "module":"string","description":"string","active":"boolean",
      "trigger":{"type":"create|edit|create_or_edit|delete|date","fields?":["string"],
                 "repeat?":"boolean","field?":"string","offset?":"string","time?":"string"},
      "conditions":[{"criteria":"any","pattern?":"string","actions":["object"],
                     "scheduled?":[{"offset":"string","from":"string","actions":["object"]}]}],
      "created_by":"string","created_at":"ms","updated_at":"ms","problem?":"string"})");
  router.DocumentSchema("Function", R"({"name":"string","topping":"string","description":"string",
      "params":["string"],"has_header":"boolean","created_by":"string","created_at":"ms",
      "updated_at":"ms","source?":"string"})");
  router.DocumentSchema("WorkflowRun", R"({"id":"string","rule_id":"string","rule":"string",
      "topping":"string","environment":"string","module":"string","record_id":"string",
      "trigger":"string","action":"string","target":"string",
      "status":"success|failed|retrying|skipped","attempt":"integer","event_at":"ms",
      "started_at":"ms","ended_at":"ms","statements":"integer","error":"string",
      "error_line":"integer","user":{"=":{"type":["object","null"],"properties":{
      "id":{"type":"string"},"name":{"type":"string"},"email":{"type":"string"}}}},
      "job_id?":"string","info?":["string"],
      "calls?":[{"source":"string","method":"string","url":"string","connection":"string",
                 "task":"string","status":"integer","latency_us":"integer","bytes_in?":"integer",
                 "error?":"string","note?":"string"}],
      "result?":"string"})");
  router.DocumentSchema("Topping", R"({"namespace":"string","name":"string","version":"string",
      "description":"string","environment":"string","installed_by":"string","installed_at":"ms",
      "functions":["string"],"rules":["string"],
      "connections":[{"link_name":"string","service":"string","status":"string","created":"boolean"}],
      "fields_added":["string"]})");
  const char* kChanges = R"({"added":["string"],"changed":["string"],"removed":["string"]})";
  const char* kToppingQuery = "topping";
  std::string preview = std::string(R"({"namespace":"string","name":"string","version":"string",
      "production_version":"string?","functions":)") + kChanges + R"(,"rules":)" + kChanges +
      R"(,"fields_to_add":["string"],
      "connections_to_create":[{"link_name":"string","service":"string","status":"string"}],
      "connections_to_authorize":[{"link_name":"string","service":"string","status":"string"}]})";
  router.Document({
      Doc("GET", "/api/v1/workflow/rules", "Workflow rules of the organization and environment")
          .Query("module topping")
          .Returns(R"({"rules":["$Rule"]})"),
      Doc("POST", "/api/v1/workflow/rules", "Create a workflow rule (docs/workflow.md)")
          .Query(kToppingQuery)
          .Body("$RuleDefinition")
          .Returns("$Rule", 201)
          .Errors("already_exists not_found"),
      Doc("GET", "/api/v1/workflow/rules/{id}", "One workflow rule").Returns("$Rule").Errors("not_found"),
      Doc("PUT", "/api/v1/workflow/rules/{id}", "Replace a workflow rule's definition")
          .Body("$RuleDefinition")
          .Returns("$Rule")
          .Errors("not_found already_exists"),
      Doc("POST", "/api/v1/workflow/rules/{id}/activate", "Activate a rule").Returns("$Rule").Errors("not_found"),
      Doc("POST", "/api/v1/workflow/rules/{id}/deactivate", "Deactivate a rule").Returns("$Rule").Errors("not_found"),
      Doc("DELETE", "/api/v1/workflow/rules/{id}", "Delete a rule")
          .Returns(R"({"deleted":"string"})")
          .Errors("not_found"),
      Doc("GET", "/api/v1/workflow/functions", "Stored functions (without their source)")
          .Query(kToppingQuery)
          .Returns(R"({"functions":["$Function"]})"),
      Doc("GET", "/api/v1/workflow/functions/{name}", "One stored function, with its source")
          .Query(kToppingQuery)
          .Returns("$Function")
          .Errors("not_found"),
      Doc("PUT", "/api/v1/workflow/functions/{name}", "Create or replace a stored function")
          .Query(kToppingQuery)
          .Body(R"({"source":"string","description?":"string","params?":["string"]})")
          .Returns("$Function"),
      Doc("DELETE", "/api/v1/workflow/functions/{name}", "Delete a stored function")
          .Query(kToppingQuery)
          .Returns(R"({"deleted":"string"})")
          .Errors("not_found failed_precondition"),
      Doc("GET", "/api/v1/workflow/runs", "The execution log, newest first")
          .Describe("Paged: `limit` (default 50, at most 1000); pass the answer's `next` as "
                    "`before` for the next page (null: no more). `since`/`until` in epoch "
                    "milliseconds; `environment` given filters to the request's environment.")
          .Query("rule record function topping status since:integer until:integer before "
                 "limit:integer")
          .Returns(R"({"runs":["$WorkflowRun"],"next":"string?"})")
          .Errors("invalid_argument"),
      Doc("GET", "/api/v1/workflow/runs/{id}", "One run, with its log, calls and result")
          .Returns("$WorkflowRun")
          .Errors("not_found"),
      Doc("POST", "/api/v1/workflow/runs/{id}/rerun", "Queue a run's action again")
          .Returns(R"({"job_id":"string","run_id":"string"})", 202)
          .Errors("not_found failed_precondition"),
      Doc("GET", "/api/v1/workflow/queue", "The job queue's counts")
          .Returns(R"({"due":"integer","scheduled":"integer","running":"integer"})"),
      Doc("GET", "/api/v1/toppings", "Installed toppings").Returns(R"({"toppings":["$Topping"]})"),
      Doc("POST", "/api/v1/toppings", "Push a topping's files to the sandbox (docs/toppings.md)")
          .Body(R"({"files":"map:string"})")
          .Returns("$Topping")
          .Errors("failed_precondition"),
      Doc("GET", "/api/v1/toppings/{ns}", "One installed topping").Returns("$Topping").Errors("not_found"),
      Doc("GET", "/api/v1/toppings/{ns}/files", "A topping's files")
          .Returns(R"({"files":"map:string"})")
          .Errors("not_found"),
      Doc("POST", "/api/v1/toppings/{ns}/publish", "Publish the sandbox's topping to production")
          .Returns("$Topping")
          .Errors("not_found failed_precondition"),
      Doc("GET", "/api/v1/toppings/{ns}/publish-preview", "What publishing would change in production")
          .Returns(preview)
          .Errors("not_found"),
      Doc("DELETE", "/api/v1/toppings/{ns}", "Uninstall a topping")
          .Returns(R"({"uninstalled":"string"})")
          .Errors("not_found"),
  });
}

}  // namespace

void AddWorkflowRoutes(Routes& routes, WorkflowApiDeps d) {
  DocumentWorkflowRoutes(routes.router());
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
