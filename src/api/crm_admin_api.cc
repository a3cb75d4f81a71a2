#include "api/crm_admin_api.h"

#include "api/bigin_records.h"
#include "api/body.h"
#include "api/params.h"
#include "server/json.h"

namespace relish::api {
namespace {

using server::Json;
using server::Request;
using server::Response;

using server::Access;

// The change history's pages: GET /api/v1/crm/events?limit=.
constexpr int kDefaultEvents = 100;
constexpr int kMaxEvents = 1000;

Json ModuleWithFields(const crm::Module& m) {
  Json j = bigin::ModuleJson(m);
  Json fields = Json::array();
  for (const auto& f : m.fields) fields.push_back(bigin::FieldJson(f));
  j["fields"] = fields;
  return j;
}

crm::Space SpaceOf(const Caller& c) { return crm::Space{c.scope.org_id, c.scope.environment}; }

Result<crm::NewField> NewFieldFrom(const Json& body) {
  crm::NewField f;
  f.label = TRY(OptionalText(body, "label"));
  f.api_name = TRY(OptionalText(body, "api_name"));
  std::string type = TRY(OptionalText(body, "type"));
  if (type.empty()) type = TRY(OptionalText(body, "data_type"));
  if (type.empty()) return InvalidArgument("a field needs a 'type'");
  f.type = TRY(crm::ParseFieldType(type));
  f.required = TRY(OptionalBool(body, "required"));
  f.unique = TRY(OptionalBool(body, "unique"));
  f.options = TRY(TextList(body, "options"));
  f.lookup_module = TRY(OptionalText(body, "lookup_module"));
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

// --- API contract (server/route_doc.h): every route AddCrmAdminRoutes registers, and the CRM's
// shapes, which the CRM API (bigin_api.cc) answers with too.
void DocumentCrmAdminRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("CrmField", R"({"api_name":"string","field_label":"string",
      "display_label":"string","data_type":"string","id":"string","custom_field":"boolean",
      "read_only":"boolean","system_mandatory":"boolean","required":"boolean","unique":"boolean",
      "length?":"integer","pick_list_values?":[{"display_value":"string","actual_value":"string"}],
      "lookup?":"object"})");
  router.DocumentSchema("CrmModule", R"({"api_name":"string","module_name":"string",
      "singular_label":"string","plural_label":"string","id":"string","api_supported":"boolean",
      "generated_type":"default|custom","creatable":"boolean","editable":"boolean",
      "deletable":"boolean","viewable":"boolean","fields?":["$CrmField"]})");
  router.DocumentSchema("CrmRecord", R"({"=":{"type":"object","additionalProperties":true,
      "properties":{"id":{"type":"string"}},
      "description":"A record: its fields by API name (Last_Name, Email, ...), in Zoho Bigin's shape."}})");
  router.DocumentSchema("CrmRecordPage", R"({"data":["$CrmRecord"],"info":{"per_page":"integer",
      "count":"integer","page":"integer","sort_by?":"string","sort_order?":"string",
      "more_records":"boolean"}})");
  router.DocumentSchema("CrmRecords", R"({"data":["$CrmRecord"]})");
  router.DocumentSchema("CrmRecordsBody", R"({"data":["object"],"trigger?":["string"]})");
  router.DocumentSchema("CrmWriteResults", R"({"data":[{"code":"string","details":"object",
      "message":"string","status":"success|error","action?":"string",
      "duplicate_field?":"string?"}]})");
  const char* kList = "page:integer per_page:integer fields sort_by sort_order";
  const char* kWriteNote = "All succeeded: 200 (201 for inserts); some: 207, each item saying; none: 400.";
  router.Document({
      Doc("GET", "/api/v1/crm/modules", "The CRM's modules, with their fields")
          .Returns(R"({"modules":["$CrmModule"]})"),
      Doc("POST", "/api/v1/crm/modules", "Create a custom module")
          .Body(R"({"api_name?":"string","singular_label?":"string","plural_label?":"string"})")
          .Returns("$CrmModule", 201)
          .Errors("already_exists resource_exhausted"),
      Doc("GET", "/api/v1/crm/modules/{module}", "One module, with its fields")
          .Returns("$CrmModule")
          .Errors("not_found"),
      Doc("POST", "/api/v1/crm/modules/{module}/fields", "Add a field to a module")
          .Body(R"({"label?":"string","api_name?":"string","type?":"string","data_type?":"string",
              "required?":"boolean","unique?":"boolean","options?":["string"],
              "lookup_module?":"string","max_length?":"integer"})")
          .Returns("$CrmField", 201)
          .Errors("not_found already_exists resource_exhausted"),
      Doc("PATCH", "/api/v1/crm/modules/{module}/fields/{field}", "Change a field's label, required or options")
          .Body(R"({"label?":"string","required?":"boolean","options?":["string"]})")
          .Returns("$CrmField")
          .Errors("not_found failed_precondition"),
      Doc("DELETE", "/api/v1/crm/modules/{module}/fields/{field}", "Delete a custom field")
          .Returns(R"({"deleted":"string"})")
          .Errors("not_found failed_precondition"),
      Doc("GET", "/api/v1/crm/events", "The CRM's change history, newest first")
          .Describe("`limit`: default 100, at most 1000.")
          .Query("module record_id limit:integer")
          .Returns(R"({"events":[{"id":"string","module":"string","record_id":"string",
              "sequence":"integer","kind":"create|edit|delete","changed_fields":["string"],
              "old_values":"any","record":"any","fire_workflows":"boolean",
              "actor":{"id":"string","name":"string","email":"string"},"at":"ms"}]})")
          .Errors("invalid_argument"),
      Doc("GET", "/api/v1/crm/modules/{module}/records/search", "Search records (criteria, email, phone or word)")
          .Query("criteria email phone word page:integer per_page:integer fields")
          .Returns("$CrmRecordPage")
          .Also(204, "no record matched")
          .ErrorSchema("ZohoError")
          .Errors("400"),
      Doc("GET", "/api/v1/crm/modules/{module}/records/{id}", "One record")
          .Describe("A record the organization's environment does not have is `404` `not_found`, "
                    "as everywhere in this API (Bigin's own, `/bigin/v2`, answers it `204`).")
          .Query("fields")
          .Returns("$CrmRecords")
          .ErrorSchema("ZohoError")
          .Errors("400"),
      Doc("PUT", "/api/v1/crm/modules/{module}/records/{id}", "Update one record")
          .Describe(kWriteNote)
          .Body("$CrmRecordsBody")
          .Returns("$CrmWriteResults")
          .ErrorSchema("ZohoError")
          .Errors("400"),
      Doc("DELETE", "/api/v1/crm/modules/{module}/records/{id}", "Delete one record")
          .Query("wf_trigger:boolean")
          .Returns("$CrmWriteResults")
          .ErrorSchema("ZohoError")
          .Errors("400"),
      Doc("GET", "/api/v1/crm/modules/{module}/records", "A page of records")
          .Query(kList)
          .Returns("$CrmRecordPage")
          .Also(204, "no records")
          .ErrorSchema("ZohoError")
          .Errors("400"),
      Doc("POST", "/api/v1/crm/modules/{module}/records", "Insert records")
          .Describe(kWriteNote)
          .Body("$CrmRecordsBody")
          .Returns("$CrmWriteResults", 201)
          .Also(207, "some records were not written: each item says")
          .ErrorSchema("ZohoError")
          .Errors("400"),
      Doc("PUT", "/api/v1/crm/modules/{module}/records", "Update records (each with its id)")
          .Describe(kWriteNote)
          .Body("$CrmRecordsBody")
          .Returns("$CrmWriteResults")
          .Also(207, "some records were not written: each item says")
          .ErrorSchema("ZohoError")
          .Errors("400"),
      Doc("DELETE", "/api/v1/crm/modules/{module}/records", "Delete records: ?ids=1,2,3")
          .Query("ids wf_trigger:boolean")
          .Returns("$CrmWriteResults")
          .Also(207, "some records were not deleted: each item says")
          .ErrorSchema("ZohoError")
          .Errors("400"),
  });
}

}  // namespace

void AddCrmAdminRoutes(Routes& routes, crm::Crm& crm) {
  DocumentCrmAdminRoutes(routes.router());
  routes.Add("GET", "/api/v1/crm/modules", Access::kMember,
             [&](Request&, const Caller& c) -> Result<Response> {
               auto modules = TRY(crm.ListModules(SpaceOf(c)));
               Json list = Json::array();
               for (const auto& m : modules) list.push_back(ModuleWithFields(m));
               return server::JsonResponse(200, {{"modules", list}});
             });
  routes.Add("POST", "/api/v1/crm/modules", Access::kMember,
             [&](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               crm::NewModule spec{.api_name = TRY(OptionalText(body, "api_name")),
                                   .singular_label = TRY(OptionalText(body, "singular_label")),
                                   .plural_label = TRY(OptionalText(body, "plural_label"))};
               auto m = TRY(crm.CreateModule(SpaceOf(c), spec));
               return server::JsonResponse(201, ModuleWithFields(m));
             });
  routes.Add("GET", "/api/v1/crm/modules/{module}", Access::kMember,
             [&](Request& req, const Caller& c) -> Result<Response> {
               auto m = TRY(crm.GetModule(SpaceOf(c), req.params["module"]));
               return server::JsonResponse(200, ModuleWithFields(m));
             });
  routes.Add("POST", "/api/v1/crm/modules/{module}/fields", Access::kMember,
             [&](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               auto spec = TRY(NewFieldFrom(body));
               auto f = TRY(crm.AddField(SpaceOf(c), req.params["module"], spec));
               return server::JsonResponse(201, bigin::FieldJson(f));
             });
  routes.Add("PATCH", "/api/v1/crm/modules/{module}/fields/{field}", Access::kMember,
             [&](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               crm::FieldChange change;
               for (const auto& [key, value] : body.items()) {
                 if (key != "label" && key != "required" && key != "options") {
                   return InvalidArgument("a field's '" + key +
                                          "' cannot change; change 'label', 'required' or 'options'");
                 }
               }
               if (body.contains("label")) change.label = TRY(OptionalText(body, "label"));
               if (body.contains("required")) change.required = TRY(OptionalBool(body, "required"));
               if (body.contains("options")) change.options = TRY(TextList(body, "options"));
               auto f = TRY(crm.UpdateField(SpaceOf(c), req.params["module"], req.params["field"],
                                            change));
               return server::JsonResponse(200, bigin::FieldJson(f));
             });
  routes.Add("DELETE", "/api/v1/crm/modules/{module}/fields/{field}", Access::kMember,
             [&](Request& req, const Caller& c) -> Result<Response> {
               TRY(crm.DeleteField(SpaceOf(c), req.params["module"], req.params["field"]));
               return server::JsonResponse(200, {{"deleted", req.params["field"]}});
             });
  routes.Add("GET", "/api/v1/crm/events", Access::kMember,
             [&](Request& req, const Caller& c) -> Result<Response> {
               int limit = TRY(LimitParam(req, kDefaultEvents, kMaxEvents));
               auto events = TRY(crm.ListEvents(SpaceOf(c), req.QueryParam("module").value_or(""),
                                                req.QueryParam("record_id").value_or(""), limit));
               Json list = Json::array();
               for (const auto& e : events) list.push_back(EventJson(e));
               return server::JsonResponse(200, {{"events", list}});
             });

  // Records in Bigin's shapes, for the console: the session's user acts, with every scope.
  auto records = [&](const char* method, const char* pattern,
                     std::function<Result<Response>(Request&, const bigin::Caller&)> h) {
    routes.Add(method, pattern, Access::kMember,
               [h](Request& req, const Caller& c) -> Result<Response> {
                 const identity::User& u = c.user();
                 bigin::Caller caller{
                     .space = SpaceOf(c), .actor = {u.id, u.name, u.email}, .scopes = std::nullopt};
                 return h(req, caller);
               });
  };
  const char* kRecords = "/api/v1/crm/modules/{module}/records";
  const char* kRecord = "/api/v1/crm/modules/{module}/records/{id}";
  records("GET", "/api/v1/crm/modules/{module}/records/search",
          [&crm](Request& req, const bigin::Caller& c) {
            return bigin::SearchRecords(crm, req, c, req.params["module"]);
          });
  // Bigin's empty 204 for a record that is not there is Bigin's API's; here, as on every other
  // route of Relish's own API, an object the organization does not have is a 404.
  records("GET", kRecord, [&crm](Request& req, const bigin::Caller& c) -> Result<Response> {
    Response r = bigin::GetRecord(crm, req, c, req.params["module"], req.params["id"]);
    if (r.status != 204) return r;
    return NotFound("no " + TRY(crm.ModuleApiName(c.space, req.params["module"])) + " record " +
                    req.params["id"]);
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
