// Record handlers in Bigin's REST shapes, shared by the OAuth-protected API (/bigin/v2, see
// bigin_api.h) and the console's session-authenticated one (/api/v1/crm, crm_admin_api.h). They
// read the HTTP request and check the caller's scopes; crm::SendRecords (crm/record_api.h)
// answers, as it does for functions in-process.
// Bodies and errors follow Zoho's: {"data":[...]} and {"code","details","message","status"}.
//
// HTTP statuses (docs/crm.md): GET 200, or 204 when nothing is there; POST 201 when every
// record was added, PUT / DELETE / upsert 200 when every record succeeded, 207 when some
// succeeded and some were refused, 400 when all were refused; request-level errors 400
// (INVALID_MODULE, INVALID_DATA, REQUIRED_PARAM_MISSING, LIMIT_EXCEEDED, INVALID_QUERY),
// 401 (INVALID_TOKEN, OAUTH_SCOPE_MISMATCH), 404 (INVALID_URL_PATTERN), 500 (INTERNAL_ERROR).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crm/crm.h"
#include "identity/scopes.h"
#include "server/http.h"
#include "server/json.h"

namespace relish::api::bigin {

using server::Json;

// Who calls, where, and with which scopes (nullopt: a console session, which may do anything).
struct Caller {
  crm::Space space;
  crm::Actor actor;
  std::optional<std::vector<std::string>> scopes;
};

struct ZohoError {
  int status = 400;
  std::string code;
  std::string message;
  Json details = Json::object();
};

server::Response ErrorResponse(const ZohoError& error);
ZohoError ScopeMismatch();
ZohoError InvalidUrl();
ZohoError InternalError();

// OAUTH_SCOPE_MISMATCH unless the caller's scopes allow `op` on `module`.
std::optional<ZohoError> CheckModuleScope(const Caller& caller, std::string_view module,
                                          identity::ScopeOp op);

Json ModuleJson(const crm::Module& module);
Json FieldJson(const crm::Field& field);
// The read-only system fields (Created_Time, ...) as the settings API lists them.
std::vector<Json> SystemFieldsJson(const crm::Module& module);

server::Response GetRecord(crm::Crm& crm, const server::Request& req, const Caller& caller,
                           const std::string& module, const std::string& id);
server::Response ListRecords(crm::Crm& crm, const server::Request& req, const Caller& caller,
                             const std::string& module);
server::Response SearchRecords(crm::Crm& crm, const server::Request& req, const Caller& caller,
                               const std::string& module);
server::Response InsertRecords(crm::Crm& crm, const server::Request& req, const Caller& caller,
                               const std::string& module);
// `id` set: PUT /{module}/{id} (the body's one record gets that id).
server::Response UpdateRecords(crm::Crm& crm, const server::Request& req, const Caller& caller,
                               const std::string& module, const std::optional<std::string>& id);
server::Response UpsertRecords(crm::Crm& crm, const server::Request& req, const Caller& caller,
                               const std::string& module);
// `id` set: DELETE /{module}/{id}; else the `ids` query parameter.
server::Response DeleteRecords(crm::Crm& crm, const server::Request& req, const Caller& caller,
                               const std::string& module, const std::optional<std::string>& id);

}  // namespace relish::api::bigin
