#include "api/bigin_records.h"

#include <spdlog/spdlog.h>

#include "crm/record_api.h"
#include "crm/values.h"

namespace relish::api::bigin {
namespace {

using server::Request;
using server::Response;

identity::ScopeOp ScopeOpFor(crm::Access access) {
  switch (access) {
    case crm::Access::kRead:
      return identity::kScopeRead;
    case crm::Access::kCreate:
      return identity::kScopeCreate;
    case crm::Access::kUpdate:
      return identity::kScopeUpdate;
    case crm::Access::kDelete:
      return identity::kScopeDelete;
  }
  return identity::kScopeAll;
}

// The record operation over HTTP: crm::SendRecords answers it, with the caller's scopes as its
// check. `id` may be empty (PUT and DELETE on the whole module).
Response Send(crm::Crm& crm, const Request& req, const Caller& caller, crm::RecordOp op,
              const std::string& module, const std::string& id) {
  crm::RecordRequest request{.op = op, .module = module, .id = id, .query = req.QueryParams()};
  if (op == crm::RecordOp::kInsert || op == crm::RecordOp::kUpdate ||
      op == crm::RecordOp::kUpsert) {
    // A body that does not parse stays "discarded", which SendRecords refuses as INVALID_DATA.
    request.body = Json::parse(req.body, nullptr, false);
  }
  auto allow = [&caller](const std::string& name,
                         crm::Access access) -> std::optional<crm::RecordResponse> {
    auto refused = CheckModuleScope(caller, name, ScopeOpFor(access));
    if (!refused) return std::nullopt;
    return crm::ErrorAnswer(refused->status, refused->code, refused->message, refused->details);
  };
  auto answer = crm::SendRecords(crm, caller.space, caller.actor, request, allow);
  if (!answer.ok()) {
    spdlog::error("crm: {}", answer.error().ToString());
    return ErrorResponse(InternalError());
  }
  if (answer->status == 204) {
    Response r;
    r.status = 204;
    return r;
  }
  return server::JsonResponse(answer->status, answer->body);
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
                   const std::string& module, const std::string& id) {
  return Send(crm, req, caller, crm::RecordOp::kGet, module, id);
}

Response ListRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                     const std::string& module) {
  return Send(crm, req, caller, crm::RecordOp::kList, module, "");
}

Response SearchRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module) {
  return Send(crm, req, caller, crm::RecordOp::kSearch, module, "");
}

Response InsertRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module) {
  return Send(crm, req, caller, crm::RecordOp::kInsert, module, "");
}

Response UpdateRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module, const std::optional<std::string>& id) {
  return Send(crm, req, caller, crm::RecordOp::kUpdate, module, id.value_or(""));
}

Response UpsertRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module) {
  return Send(crm, req, caller, crm::RecordOp::kUpsert, module, "");
}

Response DeleteRecords(crm::Crm& crm, const Request& req, const Caller& caller,
                       const std::string& module, const std::optional<std::string>& id) {
  return Send(crm, req, caller, crm::RecordOp::kDelete, module, id.value_or(""));
}

}  // namespace relish::api::bigin
