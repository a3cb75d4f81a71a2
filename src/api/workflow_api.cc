#include "api/workflow_api.h"

#include <charconv>

#include "server/json.h"

namespace relish::api {
namespace {

using identity::Principal;
using server::ErrorResponse;
using server::Json;
using server::JsonResponse;
using server::Request;
using server::Response;

using server::Handle;

Result<crm::Space> SpaceOf(const Auth& auth, const Request& req, const Principal& p) {
  auto scope = TRY(ResolveScope(auth, req, p));
  return crm::Space{scope.org_id, scope.environment};
}

Json RuleJson(const workflow::Rule& rule) {
  Json def = workflow::RuleToJson(rule);
  Json j = {{"id", rule.id}, {"topping", rule.topping}};
  for (auto& [k, v] : def.items()) j[k] = v;
  j["created_by"] = rule.created_by;
  j["created_at"] = rule.created_at;
  j["updated_at"] = rule.updated_at;
  return j;
}

Json FunctionJson(const workflow::Function& f, bool source) {
  Json j = {{"name", f.name},         {"topping", f.topping},     {"description", f.description},
            {"params", f.params},     {"has_header", f.has_header}, {"created_by", f.created_by},
            {"created_at", f.created_at}, {"updated_at", f.updated_at}};
  if (source) j["source"] = f.source;
  return j;
}

Json ToppingJson(const toppings::Topping& t) {
  Json conns = Json::array();
  for (const auto& c : t.connections) {
    conns.push_back({{"link_name", c.link_name}, {"service", c.service}, {"status", c.status},
                     {"created", c.created}});
  }
  return {{"namespace", t.ns},           {"name", t.name},
          {"version", t.version},        {"description", t.description},
          {"environment", t.environment}, {"installed_by", t.installed_by},
          {"installed_at", t.installed_at}, {"functions", t.functions},
          {"rules", t.rules},            {"connections", conns},
          {"fields_added", t.fields_added}};
}

Result<int64_t> IntParam(const Request& req, const char* name) {
  auto v = req.QueryParam(name);
  if (!v || v->empty()) return int64_t{0};
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < 0) {
    return InvalidArgument(std::string("'") + name + "' must be a whole number");
  }
  return out;
}

// ?topping= given (possibly empty: the organization's own) or not (nullopt: any).
std::optional<std::string> ToppingParam(const Request& req) { return req.QueryParam("topping"); }

}  // namespace

void AddWorkflowRoutes(server::Router& router, WorkflowApiDeps d) {
  auto deps = std::make_shared<WorkflowApiDeps>(d);
  const Auth& auth = d.auth;

  // --- rules
  router.Add("GET", "/api/v1/workflow/rules", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      workflow::RuleFilter filter{req.QueryParam("module").value_or(""), ToppingParam(req)};
      Json list = Json::array();
      for (const auto& r : TRY(deps->repository.ListRules(space, filter))) list.push_back(RuleJson(r));
      return JsonResponse(200, {{"rules", list}});
    });
  }));
  router.Add("POST", "/api/v1/workflow/rules", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      Json body = TRY(server::ParseJsonBody(req));
      auto rule = TRY(deps->repository.CreateRule(space, ToppingParam(req).value_or(""), body, p.user.id));
      return JsonResponse(201, RuleJson(rule));
    });
  }));
  router.Add("GET", "/api/v1/workflow/rules/{id}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      return JsonResponse(200, RuleJson(TRY(deps->repository.GetRule(space, req.params["id"]))));
    });
  }));
  router.Add("PUT", "/api/v1/workflow/rules/{id}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      Json body = TRY(server::ParseJsonBody(req));
      return JsonResponse(200, RuleJson(TRY(deps->repository.UpdateRule(space, req.params["id"], body))));
    });
  }));
  for (const char* verb : {"activate", "deactivate"}) {
    bool active = std::string_view(verb) == "activate";
    router.Add("POST", std::string("/api/v1/workflow/rules/{id}/") + verb,
               RequireUser(auth, [deps, active](Request& req, const Principal& p) {
                 return Handle([&]() -> Result<Response> {
                   auto space = TRY(SpaceOf(deps->auth, req, p));
                   return JsonResponse(200, RuleJson(TRY(deps->repository.SetActive(space, req.params["id"], active))));
                 });
               }));
  }
  router.Add("DELETE", "/api/v1/workflow/rules/{id}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      TRY(deps->repository.DeleteRule(space, req.params["id"]));
      return JsonResponse(200, {{"deleted", req.params["id"]}});
    });
  }));

  // --- functions
  router.Add("GET", "/api/v1/workflow/functions", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      Json list = Json::array();
      for (const auto& f : TRY(deps->repository.ListFunctions(space, ToppingParam(req)))) {
        list.push_back(FunctionJson(f, false));
      }
      return JsonResponse(200, {{"functions", list}});
    });
  }));
  router.Add("GET", "/api/v1/workflow/functions/{name}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      auto f = TRY(deps->repository.GetFunction(space, ToppingParam(req).value_or(""), req.params["name"]));
      return JsonResponse(200, FunctionJson(f, true));
    });
  }));
  router.Add("PUT", "/api/v1/workflow/functions/{name}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      Json body = TRY(server::ParseJsonBody(req));
      workflow::NewFunction spec;
      spec.name = req.params["name"];
      if (!body.contains("source") || !body["source"].is_string()) {
        return InvalidArgument("'source' is required: the function's Deluge text");
      }
      spec.source = body["source"].get<std::string>();
      spec.description = body.value("description", "");
      if (auto it = body.find("params"); it != body.end()) {
        if (!it->is_array()) return InvalidArgument("'params' must be a list of names");
        for (const auto& v : *it) {
          if (!v.is_string()) return InvalidArgument("'params' must be a list of names");
          spec.params.push_back(v.get<std::string>());
        }
      }
      auto f = TRY(deps->repository.PutFunction(space, ToppingParam(req).value_or(""), spec, p.user.id));
      return JsonResponse(200, FunctionJson(f, true));
    });
  }));
  router.Add("DELETE", "/api/v1/workflow/functions/{name}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto space = TRY(SpaceOf(deps->auth, req, p));
      TRY(deps->repository.DeleteFunction(space, ToppingParam(req).value_or(""), req.params["name"]));
      return JsonResponse(200, {{"deleted", req.params["name"]}});
    });
  }));

  // --- the execution log
  router.Add("GET", "/api/v1/workflow/runs", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
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
      int64_t limit = TRY(IntParam(req, "limit"));
      f.limit = limit > 0 ? static_cast<int>(std::min<int64_t>(limit, 1000)) : 50;
      auto runs = TRY(deps->runs.List(scope.org_id, f));
      Json list = Json::array();
      for (const auto& r : runs) list.push_back(workflow::RunToJson(r, false));
      Json body = {{"runs", list}};
      body["next"] = static_cast<int>(runs.size()) == f.limit ? Json(runs.back().id) : Json();
      return JsonResponse(200, body);
    });
  }));
  router.Add("GET", "/api/v1/workflow/runs/{id}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      return JsonResponse(200, workflow::RunToJson(TRY(deps->runs.Get(scope.org_id, req.params["id"])), true));
    });
  }));
  router.Add("GET", "/api/v1/workflow/queue", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      auto s = TRY(deps->queue.Stats(scope.org_id));
      return JsonResponse(200, {{"due", s.due}, {"scheduled", s.scheduled}, {"running", s.leased}});
    });
  }));

  // --- toppings
  router.Add("GET", "/api/v1/toppings", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      Json list = Json::array();
      for (const auto& t : TRY(deps->toppings.List(scope.org_id, scope.environment))) list.push_back(ToppingJson(t));
      return JsonResponse(200, {{"toppings", list}});
    });
  }));
  router.Add("POST", "/api/v1/toppings", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      if (scope.environment != "sandbox") {
        return FailedPrecondition("toppings are pushed to the sandbox; publish them to production");
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
      return JsonResponse(200, ToppingJson(TRY(deps->toppings.Push(scope.org_id, files, p.user.id))));
    });
  }));
  router.Add("GET", "/api/v1/toppings/{ns}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      return JsonResponse(200, ToppingJson(TRY(deps->toppings.Get(scope.org_id, scope.environment, req.params["ns"]))));
    });
  }));
  router.Add("GET", "/api/v1/toppings/{ns}/files", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      Json files = Json::object();
      for (const auto& [path, text] : TRY(deps->toppings.GetFiles(scope.org_id, scope.environment, req.params["ns"]))) {
        files[path] = text;
      }
      return JsonResponse(200, {{"files", files}});
    });
  }));
  router.Add("POST", "/api/v1/toppings/{ns}/publish", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      return JsonResponse(200, ToppingJson(TRY(deps->toppings.Publish(scope.org_id, req.params["ns"], p.user.id))));
    });
  }));
  router.Add("DELETE", "/api/v1/toppings/{ns}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      TRY(deps->toppings.Uninstall(scope.org_id, scope.environment, req.params["ns"]));
      return JsonResponse(200, {{"uninstalled", req.params["ns"]}});
    });
  }));
}

}  // namespace relish::api
