#include "api/crm_admin_api.h"

#include "api/bigin_records.h"
#include "server/json.h"

namespace relish::api {
namespace {

using identity::Principal;
using server::Json;
using server::Request;
using server::Response;

using server::Handle;

Json ModuleWithFields(const crm::Module& m) {
  Json j = bigin::ModuleJson(m);
  Json fields = Json::array();
  for (const auto& f : m.fields) fields.push_back(bigin::FieldJson(f));
  j["fields"] = fields;
  return j;
}

Result<crm::Space> SpaceOf(const Auth& auth, const Request& req, const Principal& p) {
  auto scope = TRY(ResolveScope(auth, req, p));
  return crm::Space{scope.org_id, scope.environment};
}

std::string StringField(const Json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<bool> BoolField(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return false;
  if (!it->is_boolean())
    return InvalidArgument(std::string("'") + name + "' must be true or false");
  return it->get<bool>();
}

Result<crm::NewField> NewFieldFrom(const Json& body) {
  crm::NewField f;
  f.label = StringField(body, "label");
  f.api_name = StringField(body, "api_name");
  std::string type = StringField(body, "type");
  if (type.empty()) type = StringField(body, "data_type");
  if (type.empty()) return InvalidArgument("a field needs a 'type'");
  f.type = TRY(crm::ParseFieldType(type));
  f.required = TRY(BoolField(body, "required"));
  f.unique = TRY(BoolField(body, "unique"));
  if (auto it = body.find("options"); it != body.end()) {
    if (!it->is_array()) return InvalidArgument("'options' must be a list of strings");
    for (const auto& o : *it) {
      if (!o.is_string()) return InvalidArgument("'options' must be a list of strings");
      f.options.push_back(o.get<std::string>());
    }
  }
  f.lookup_module = StringField(body, "lookup_module");
  if (auto it = body.find("max_length"); it != body.end()) {
    if (!it->is_number_integer()) return InvalidArgument("'max_length' must be a whole number");
    f.max_length = it->get<int>();
  }
  return f;
}

Json EventJson(const crm::ChangeEvent& e) {
  return {{"id", e.id},
          {"module", e.module},
          {"record_id", e.record_id},
          {"sequence", e.sequence},
          {"kind", crm::ChangeKindName(e.kind)},
          {"changed_fields", e.changed_fields},
          {"old_values", e.old_values},
          {"record", e.record},
          {"fire_workflows", e.fire_workflows},
          {"actor", {{"id", e.actor.id}, {"name", e.actor.name}, {"email", e.actor.email}}},
          {"at", e.at_ms}};
}

}  // namespace

void AddCrmAdminRoutes(server::Router& router, const Auth& auth, crm::Crm& crm) {
  router.Add("GET", "/api/v1/crm/modules", RequireUser(auth, [&](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 auto modules = TRY(crm.ListModules(TRY(SpaceOf(auth, req, p))));
                 Json list = Json::array();
                 for (const auto& m : modules) list.push_back(ModuleWithFields(m));
                 return server::JsonResponse(200, {{"modules", list}});
               });
             }));
  router.Add("POST", "/api/v1/crm/modules",
             RequireUser(auth, [&](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 Json body = TRY(server::ParseJsonBody(req));
                 crm::NewModule spec{.api_name = StringField(body, "api_name"),
                                     .singular_label = StringField(body, "singular_label"),
                                     .plural_label = StringField(body, "plural_label")};
                 auto m = TRY(crm.CreateModule(TRY(SpaceOf(auth, req, p)), spec));
                 return server::JsonResponse(201, ModuleWithFields(m));
               });
             }));
  router.Add("GET", "/api/v1/crm/modules/{module}",
             RequireUser(auth, [&](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 auto m = TRY(crm.GetModule(TRY(SpaceOf(auth, req, p)), req.params["module"]));
                 return server::JsonResponse(200, ModuleWithFields(m));
               });
             }));
  router.Add("POST", "/api/v1/crm/modules/{module}/fields",
             RequireUser(auth, [&](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 Json body = TRY(server::ParseJsonBody(req));
                 auto spec = TRY(NewFieldFrom(body));
                 auto f = TRY(crm.AddField(TRY(SpaceOf(auth, req, p)), req.params["module"], spec));
                 return server::JsonResponse(201, bigin::FieldJson(f));
               });
             }));
  router.Add("DELETE", "/api/v1/crm/modules/{module}/fields/{field}",
             RequireUser(auth, [&](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 TRY(crm.DeleteField(TRY(SpaceOf(auth, req, p)), req.params["module"],
                                     req.params["field"]));
                 return server::JsonResponse(200, {{"deleted", req.params["field"]}});
               });
             }));
  router.Add("GET", "/api/v1/crm/events", RequireUser(auth, [&](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 int limit = 100;
                 if (auto l = req.QueryParam("limit")) limit = std::atoi(l->c_str());
                 auto events = TRY(crm.ListEvents(TRY(SpaceOf(auth, req, p)),
                                                  req.QueryParam("module").value_or(""),
                                                  req.QueryParam("record_id").value_or(""), limit));
                 Json list = Json::array();
                 for (const auto& e : events) list.push_back(EventJson(e));
                 return server::JsonResponse(200, {{"events", list}});
               });
             }));

  // Records in Bigin's shapes, for the console: the session's user acts, with every scope.
  auto records = [&](const char* method, const char* pattern,
                     std::function<Response(Request&, const bigin::Caller&)> h) {
    router.Add(method, pattern, RequireUser(auth, [&auth, h](Request& req, const Principal& p) {
                 return Handle([&]() -> Result<Response> {
                   bigin::Caller caller{.space = TRY(SpaceOf(auth, req, p)),
                                        .actor = {p.user.id, p.user.name, p.user.email},
                                        .scopes = std::nullopt};
                   return h(req, caller);
                 });
               }));
  };
  const char* kRecords = "/api/v1/crm/modules/{module}/records";
  const char* kRecord = "/api/v1/crm/modules/{module}/records/{id}";
  records("GET", "/api/v1/crm/modules/{module}/records/search",
          [&crm](Request& req, const bigin::Caller& c) {
            return bigin::SearchRecords(crm, req, c, req.params["module"]);
          });
  records("GET", kRecord, [&crm](Request& req, const bigin::Caller& c) {
    return bigin::GetRecord(crm, req, c, req.params["module"], req.params["id"]);
  });
  records("PUT", kRecord, [&crm](Request& req, const bigin::Caller& c) {
    return bigin::UpdateRecords(crm, req, c, req.params["module"], req.params["id"]);
  });
  records("DELETE", kRecord, [&crm](Request& req, const bigin::Caller& c) {
    return bigin::DeleteRecords(crm, req, c, req.params["module"], req.params["id"]);
  });
  records("GET", kRecords, [&crm](Request& req, const bigin::Caller& c) {
    return bigin::ListRecords(crm, req, c, req.params["module"]);
  });
  records("POST", kRecords, [&crm](Request& req, const bigin::Caller& c) {
    return bigin::InsertRecords(crm, req, c, req.params["module"]);
  });
  records("PUT", kRecords, [&crm](Request& req, const bigin::Caller& c) {
    return bigin::UpdateRecords(crm, req, c, req.params["module"], std::nullopt);
  });
  records("DELETE", kRecords, [&crm](Request& req, const bigin::Caller& c) {
    return bigin::DeleteRecords(crm, req, c, req.params["module"], std::nullopt);
  });
}

}  // namespace relish::api
