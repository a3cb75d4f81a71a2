#include "api/bigin_records.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <variant>

#include "crm/values.h"

namespace relish::api::bigin {
namespace {

using server::Request;
using server::Response;

ZohoError BadData(std::string message, Json details = Json::object()) {
  return {400, "INVALID_DATA", std::move(message), std::move(details)};
}

ZohoError FromCrmError(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return BadData(e.message());
    case ErrorCode::kResourceExhausted:
      return {400, "LIMIT_EXCEEDED", e.message(), {{"limit", crm::kMaxBatch}}};
    case ErrorCode::kNotFound:
      return {400,
              "INVALID_MODULE",
              "the module name given seems to be invalid",
              {{"resource_path_index", 0}}};
    default:
      spdlog::error("crm: {}", e.ToString());
      return InternalError();
  }
}

// Loads the module named in the path (INVALID_MODULE) and checks the caller's scope for `op`.
std::variant<crm::Module, ZohoError> Prepare(crm::Crm& crm, const Caller& caller,
                                             const std::string& name, identity::ScopeOp op) {
  auto module = crm.GetModule(caller.space, name);
  if (!module.ok()) return FromCrmError(module.error());
  if (auto e = CheckModuleScope(caller, module->api_name, op)) return *e;
  return std::move(*module);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

std::optional<int> ParseInt(const std::string& s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::variant<crm::ListOptions, ZohoError> ListOptionsFrom(const Request& req) {
  crm::ListOptions o;
  for (const char* name : {"page", "per_page"}) {
    auto v = req.QueryParam(name);
    if (!v) continue;
    auto n = ParseInt(*v);
    if (!n) return BadData(std::string(name) + " must be a number", {{"param_name", name}});
    (std::string_view(name) == "page" ? o.page : o.per_page) = *n;
  }
  if (o.page < 1) return BadData("page must be 1 or more", {{"param_name", "page"}});
  if (o.per_page < 1 || o.per_page > crm::kMaxPerPage) {
    return BadData("per_page must be from 1 to " + std::to_string(crm::kMaxPerPage),
                   {{"param_name", "per_page"}});
  }
  if (auto f = req.QueryParam("fields")) o.fields = SplitCommas(*f);
  if (auto s = req.QueryParam("sort_by")) o.sort_by = *s;
  if (auto s = req.QueryParam("sort_order")) {
    if (*s != "asc" && *s != "desc") {
      return BadData("sort_order must be asc or desc", {{"param_name", "sort_order"}});
    }
    o.ascending = *s == "asc";
  }
  return o;
}

Json PageJson(const crm::Page& page) {
  Json data = Json::array();
  for (const auto& r : page.records) data.push_back(r);
  return {{"data", data},
          {"info",
           {{"per_page", page.per_page},
            {"count", page.records.size()},
            {"page", page.page},
            {"sort_by", page.sort_by},
            {"sort_order", page.sort_order},
            {"more_records", page.more_records}}}};
}

struct WriteBody {
  Json data;
  bool fire_workflows = true;
  std::vector<std::string> duplicate_check_fields;
};

std::variant<WriteBody, ZohoError> ParseWriteBody(const Request& req) {
  Json body = Json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return BadData("the request body must be a JSON object like {\"data\":[{...}]}");
  }
  WriteBody out;
  auto data = body.find("data");
  if (data == body.end()) {
    return ZohoError{
        400, "REQUIRED_PARAM_MISSING", "the request body has no 'data'", {{"param", "data"}}};
  }
  if (!data->is_array()) return BadData("'data' must be a list of records", {{"param", "data"}});
  if (data->empty()) return BadData("'data' holds no records", {{"param", "data"}});
  if (data->size() > crm::kMaxBatch) {
    return ZohoError{400,
                     "LIMIT_EXCEEDED",
                     "at most " + std::to_string(crm::kMaxBatch) + " records may be sent at once",
                     {{"limit", crm::kMaxBatch}}};
  }
  out.data = *data;
  // Zoho's REST API fires workflow rules unless told otherwise: "trigger": [] suppresses them.
  if (auto t = body.find("trigger"); t != body.end()) {
    if (!t->is_array())
      return BadData("'trigger' must be a list, e.g. [\"workflow\"]", {{"param", "trigger"}});
    out.fire_workflows = std::find(t->begin(), t->end(), Json("workflow")) != t->end();
  }
  if (auto d = body.find("duplicate_check_fields"); d != body.end()) {
    if (!d->is_array())
      return BadData("'duplicate_check_fields' must be a list",
                     {{"param", "duplicate_check_fields"}});
    for (const auto& f : *d) {
      if (!f.is_string()) return BadData("'duplicate_check_fields' must list field names");
      out.duplicate_check_fields.push_back(f.get<std::string>());
    }
  }
  return out;
}

Response WriteResponse(const std::vector<crm::WriteResult>& results, std::string_view ok_message,
                       int all_ok_status) {
  Json data = Json::array();
  size_t ok = 0;
  for (const auto& r : results) {
    Json item = Json::object();
    if (r.ok) {
      ++ok;
      item["code"] = "SUCCESS";
      Json details = r.details;
      if (!r.action.empty()) {
        item["action"] = r.action;
        item["duplicate_field"] =
            details.contains("duplicate_field") ? details["duplicate_field"] : Json();
        details.erase("duplicate_field");
      }
      item["details"] = details;
      item["message"] = r.action == "update"   ? "record updated"
                        : r.action == "insert" ? "record added"
                                               : std::string(ok_message);
      item["status"] = "success";
    } else {
      item["code"] = r.error.code;
      item["details"] = r.error.details;
      item["message"] = r.error.message;
      item["status"] = "error";
    }
    data.push_back(std::move(item));
  }
  int status = ok == results.size() ? all_ok_status : (ok == 0 ? 400 : 207);
  return server::JsonResponse(status, {{"data", data}});
}

bool IsRecordId(const std::string& id) {
  return !id.empty() && id.size() <= 19 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Response NoContent() {
  Response r;
  r.status = 204;
  return r;
}

}  // namespace

Response ErrorResponse(const ZohoError& e) {
  return server::JsonResponse(
      e.status,
      {{"code", e.code}, {"details", e.details}, {"message", e.message}, {"status", "error"}});
}

ZohoError ScopeMismatch() {
  return {401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", Json::object()};
}
ZohoError InvalidUrl() {
  return {404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one",
          Json::object()};
}
ZohoError InternalError() {
  return {500, "INTERNAL_ERROR", "Internal Server Error", Json::object()};
}

std::optional<ZohoError> CheckModuleScope(const Caller& caller, std::string_view module,
                                          identity::ScopeOp op) {
  if (!caller.scopes || identity::AllowsModule(*caller.scopes, module, op)) return std::nullopt;
  return ScopeMismatch();
}

Json ModuleJson(const crm::Module& m) {
  return {{"api_name", m.api_name},
          {"module_name", m.api_name},
          {"singular_label", m.singular_label},
          {"plural_label", m.plural_label},
          {"id", m.id},
          {"api_supported", true},
          {"generated_type", m.custom ? "custom" : "default"},
          {"creatable", true},
          {"editable", true},
          {"deletable", true},
          {"viewable", true}};
}

Json FieldJson(const crm::Field& f) {
  Json j = {{"api_name", f.api_name},
            {"field_label", f.label},
            {"display_label", f.label},
            {"data_type", crm::DataTypeName(f.type)},
            {"id", f.id},
            {"custom_field", f.custom},
            {"read_only", f.read_only},
            {"system_mandatory", f.required && !f.custom},
            {"required", f.required},
            {"unique", f.unique}};
  if (f.type == crm::FieldType::kText || f.type == crm::FieldType::kLongText ||
      f.type == crm::FieldType::kEmail || f.type == crm::FieldType::kPhone) {
    j["length"] = crm::MaxLength(f);
  }
  if (!f.options.empty()) {
    Json values = Json::array();
    for (const auto& o : f.options) values.push_back({{"display_value", o}, {"actual_value", o}});
    j["pick_list_values"] = values;
  }
  if (f.type == crm::FieldType::kLookup) {
    j["lookup"] = {
        {"module", {{"api_name", f.lookup_module.empty() ? Json() : Json(f.lookup_module)}}}};
  }
  return j;
}

std::vector<Json> SystemFieldsJson(const crm::Module& m) {
  std::vector<Json> out;
  for (auto [name, label, type] : {std::tuple{"Created_Time", "Created Time", "datetime"},
                                   std::tuple{"Modified_Time", "Modified Time", "datetime"},
                                   std::tuple{"Created_By", "Created By", "ownerlookup"},
                                   std::tuple{"Modified_By", "Modified By", "ownerlookup"}}) {
    out.push_back({{"api_name", name},
                   {"field_label", label},
                   {"display_label", label},
                   {"data_type", type},
                   {"id", crm::StableId("field:" + m.id + "." + name)},
                   {"custom_field", false},
                   {"read_only", true},
                   {"system_mandatory", false},
                   {"required", false},
                   {"unique", false}});
  }
  return out;
}

Response GetRecord(crm::Crm& crm, const Request& req, const Caller& caller,
                   const std::string& module_name, const std::string& id) {
  auto prepared = Prepare(crm, caller, module_name, identity::kScopeRead);
  if (auto* e = std::get_if<ZohoError>(&prepared)) return ErrorResponse(*e);
  const auto& module = std::get<crm::Module>(prepared);
  if (!IsRecordId(id)) {
    return ErrorResponse(BadData("the id given seems to be invalid", {{"resource_path_index", 1}}));
  }
  std::vector<std::string> fields;
  if (auto f = req.QueryParam("fields")) fields = SplitCommas(*f);
  auto record = crm.GetRecord(caller.space, module.api_name, id, fields);
  if (!record.ok()) {
    if (record.error().code() == ErrorCode::kNotFound) return NoContent();
    return ErrorResponse(FromCrmError(record.error()));
  }
  return server::JsonResponse(200, {{"data", Json::array({*record})}});
}

Response ListRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                     const std::string& module_name) {
  auto prepared = Prepare(crm, caller, module_name, identity::kScopeRead);
  if (auto* e = std::get_if<ZohoError>(&prepared)) return ErrorResponse(*e);
  auto options = ListOptionsFrom(req);
  if (auto* e = std::get_if<ZohoError>(&options)) return ErrorResponse(*e);
  auto page = crm.ListRecords(caller.space, std::get<crm::Module>(prepared).api_name,
                              std::get<crm::ListOptions>(options));
  if (!page.ok()) return ErrorResponse(FromCrmError(page.error()));
  if (page->records.empty()) return NoContent();
  return server::JsonResponse(200, PageJson(*page));
}

Response SearchRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module_name) {
  auto prepared = Prepare(crm, caller, module_name, identity::kScopeRead);
  if (auto* e = std::get_if<ZohoError>(&prepared)) return ErrorResponse(*e);
  auto options = ListOptionsFrom(req);
  if (auto* e = std::get_if<ZohoError>(&options)) return ErrorResponse(*e);
  crm::SearchQuery query;
  auto invalid_query = [](const std::string& reason) {
    return ErrorResponse({400, "INVALID_QUERY", "invalid query formed", {{"reason", reason}}});
  };
  if (auto criteria = req.QueryParam("criteria")) {
    auto parsed = crm::ParseCriteria(*criteria);
    if (!parsed.ok()) return invalid_query(parsed.error().message());
    query.criteria = std::move(*parsed);
  } else {
    query.email = req.QueryParam("email").value_or("");
    query.phone = req.QueryParam("phone").value_or("");
    query.word = req.QueryParam("word").value_or("");
    if (query.email.empty() && query.phone.empty() && query.word.empty()) {
      return ErrorResponse({400,
                            "REQUIRED_PARAM_MISSING",
                            "give one of the parameters criteria, email, phone or word",
                            {{"expected_params", {"criteria", "email", "phone", "word"}}}});
    }
  }
  auto page = crm.SearchRecords(caller.space, std::get<crm::Module>(prepared).api_name, query,
                                std::get<crm::ListOptions>(options));
  if (!page.ok()) {
    if (page.error().code() == ErrorCode::kInvalidArgument && query.criteria) {
      return invalid_query(page.error().message());
    }
    return ErrorResponse(FromCrmError(page.error()));
  }
  if (page->records.empty()) return NoContent();
  Json body = PageJson(*page);
  body["info"].erase("sort_by");
  body["info"].erase("sort_order");
  return server::JsonResponse(200, body);
}

Response InsertRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module_name) {
  auto prepared = Prepare(crm, caller, module_name, identity::kScopeCreate);
  if (auto* e = std::get_if<ZohoError>(&prepared)) return ErrorResponse(*e);
  auto body = ParseWriteBody(req);
  if (auto* e = std::get_if<ZohoError>(&body)) return ErrorResponse(*e);
  const auto& b = std::get<WriteBody>(body);
  auto results = crm.InsertRecords(caller.space, std::get<crm::Module>(prepared).api_name, b.data,
                                   caller.actor, {.fire_workflows = b.fire_workflows});
  if (!results.ok()) return ErrorResponse(FromCrmError(results.error()));
  return WriteResponse(*results, "record added", 201);
}

Response UpdateRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module_name, const std::optional<std::string>& id) {
  auto prepared = Prepare(crm, caller, module_name, identity::kScopeUpdate);
  if (auto* e = std::get_if<ZohoError>(&prepared)) return ErrorResponse(*e);
  auto body = ParseWriteBody(req);
  if (auto* e = std::get_if<ZohoError>(&body)) return ErrorResponse(*e);
  auto& b = std::get<WriteBody>(body);
  if (id) {
    if (b.data.size() != 1 || !b.data[0].is_object()) {
      return ErrorResponse(
          BadData("PUT /{module}/{id} takes exactly one record", {{"param", "data"}}));
    }
    b.data[0]["id"] = *id;
  }
  auto results = crm.UpdateRecords(caller.space, std::get<crm::Module>(prepared).api_name, b.data,
                                   caller.actor, {.fire_workflows = b.fire_workflows});
  if (!results.ok()) return ErrorResponse(FromCrmError(results.error()));
  return WriteResponse(*results, "record updated", 200);
}

Response UpsertRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module_name) {
  auto prepared = Prepare(crm, caller, module_name, identity::kScopeCreate);
  if (auto* e = std::get_if<ZohoError>(&prepared)) return ErrorResponse(*e);
  const auto& module = std::get<crm::Module>(prepared);
  if (auto e = CheckModuleScope(caller, module.api_name, identity::kScopeUpdate)) {
    return ErrorResponse(*e);
  }
  auto body = ParseWriteBody(req);
  if (auto* e = std::get_if<ZohoError>(&body)) return ErrorResponse(*e);
  const auto& b = std::get<WriteBody>(body);
  auto results = crm.UpsertRecords(caller.space, module.api_name, b.data, b.duplicate_check_fields,
                                   caller.actor, {.fire_workflows = b.fire_workflows});
  if (!results.ok()) return ErrorResponse(FromCrmError(results.error()));
  return WriteResponse(*results, "", 200);
}

Response DeleteRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module_name, const std::optional<std::string>& id) {
  auto prepared = Prepare(crm, caller, module_name, identity::kScopeDelete);
  if (auto* e = std::get_if<ZohoError>(&prepared)) return ErrorResponse(*e);
  std::vector<std::string> ids;
  if (id) {
    ids.push_back(*id);
  } else if (auto list = req.QueryParam("ids")) {
    ids = SplitCommas(*list);
  }
  if (ids.empty()) {
    return ErrorResponse({400,
                          "REQUIRED_PARAM_MISSING",
                          "give the ids of the records to delete",
                          {{"param", "ids"}}});
  }
  if (ids.size() > crm::kMaxBatch) {
    return ErrorResponse(
        {400,
         "LIMIT_EXCEEDED",
         "at most " + std::to_string(crm::kMaxBatch) + " records may be deleted at once",
         {{"limit", crm::kMaxBatch}}});
  }
  // Zoho's wf_trigger=false keeps workflow rules from firing.
  bool fire = req.QueryParam("wf_trigger").value_or("true") != "false";
  auto results = crm.DeleteRecords(caller.space, std::get<crm::Module>(prepared).api_name, ids,
                                   caller.actor, {.fire_workflows = fire});
  if (!results.ok()) return ErrorResponse(FromCrmError(results.error()));
  return WriteResponse(*results, "record deleted", 200);
}

}  // namespace relish::api::bigin
