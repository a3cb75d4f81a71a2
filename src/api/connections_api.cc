#include "api/connections_api.h"

#include <strings.h>

#include "api/body.h"
#include "api/callback_pages.h"
#include "api/params.h"
#include "api/webhooks_api.h"
#include "base/encoding.h"
#include "base/http_wire.h"
#include "base/log.h"
#include "connections/discovery.h"
#include "server/json.h"
#include "server/offload.h"

namespace relish::api {
namespace {

using connections::AuthScheme;
using identity::Principal;
using server::ErrorResponse;
using server::Json;
using server::JsonResponse;
using server::Request;
using server::Response;

using server::Access;

// Pages of the connections audit: GET /api/v1/audit?limit=.
constexpr int kDefaultAuditEntries = 100;
constexpr int kMaxAuditEntries = 1000;

Json ServiceSummary(const connections::Service& s) {
  Json j = {{"id", s.id},
            {"name", s.name},
            {"auth", connections::AuthSchemeName(s.auth)},
            {"description", s.description},
            {"docs", s.docs},
            {"category", s.Category()},
            {"builtin", s.builtin},
            {"base_url", s.base_url},
            // Health probes run the service's test call; without one there is nothing to probe.
            {"test_call", s.test.has_value()}};
  Json params = Json::array();
  for (const auto& p : s.parameters) {
    Json pj = {{"name", p.name}, {"label", p.label}, {"pattern", p.pattern}};
    if (p.default_value) pj["default"] = *p.default_value;
    // Issue 20: set by the authorization (callback, token response or metadata URL), so a form
    // does not ask for it.
    if (p.capture) pj["captured"] = true;
    // A whole host the user names (a merchant's store): the console asks them to confirm it.
    if (p.user_chosen_host) pj["user_chosen_host"] = true;
    params.push_back(pj);
  }
  j["parameters"] = params;
  // Who may change or delete a custom service: its creator and the organization's administrators.
  if (!s.builtin) j["created_by"] = s.created_by;
  if (s.oauth2) {
    j["scopes"] = s.oauth2->scopes;
    j["default_scopes"] = s.oauth2->default_scopes;
  }
  if (s.api_key) {
    Json fields = Json::array();
    for (const auto& f : s.api_key->fields)
      fields.push_back({{"name", f.name}, {"label", f.label}});
    j["credential_fields"] = fields;
  } else if (s.auth == AuthScheme::kBasic) {
    j["credential_fields"] =
        Json::array({{{"name", "username"}, {"label", s.basic.username_label}},
                     {{"name", "password"}, {"label", s.basic.password_label}}});
  } else if (s.auth == AuthScheme::kBearer) {
    j["credential_fields"] = Json::array({{{"name", "token"}, {"label", "Token"}}});
  }
  return j;
}

// The requested scopes a connected authorization was not granted.
std::vector<std::string> MissingScopes(const connections::Connection& c,
                                       const connections::Authorization& a) {
  std::vector<std::string> missing;
  if (a.status != connections::Status::kConnected) return missing;
  for (const auto& s : c.scopes) {
    if (std::find(a.granted_scopes.begin(), a.granted_scopes.end(), s) == a.granted_scopes.end()) {
      missing.push_back(s);
    }
  }
  return missing;
}

Json OptionalTime(const std::optional<int64_t>& at) { return at ? Json(*at) : Json(); }

// A connection as `viewer` sees it: the top-level status, reason and granted scopes are those of
// the authorization their calls would use (the shared one, or their own for a per-user
// connection); `authorizations` lists every one. A per-user connection also says whether the
// viewer has authorized it and how many members have, and names each authorization's user:
// one member's revoke is theirs, not the connection's.
Json ConnectionJson(const connections::Connection& c, const connections::Catalog& catalog,
                    identity::Identity& identity, std::string_view viewer) {
  Json auths = Json::array();
  int members_authorized = 0;
  for (const auto& a : c.authorizations) {
    Json aj = {{"user_id", a.user_id.empty() ? Json() : Json(a.user_id)}};
    if (!a.user_id.empty()) {
      // A user removed since keeps their id; name and email are then null.
      auto user = identity.GetUser(a.user_id);
      aj["user_name"] = user.ok() ? Json(user->name) : Json();
      aj["user_email"] = user.ok() ? Json(user->email) : Json();
      if (a.status == connections::Status::kConnected) ++members_authorized;
    }
    aj.update(Json{{"status", connections::StatusName(a.status)},
                   {"reason", a.reason},
                   {"granted_scopes", a.granted_scopes},
                   {"missing_scopes", MissingScopes(c, a)},
                   {"expires_at", OptionalTime(a.expires_at)},
                   {"account_id", a.account_id},
                   {"authorized_at", OptionalTime(a.authorized_at)},
                   {"refreshed_at", OptionalTime(a.refreshed_at)},
                   {"refresh_failures", a.refresh_failures}});
    auths.push_back(aj);
  }
  const connections::Authorization* used = connections::AuthorizationFor(c, viewer);
  Json params = Json::object();
  for (const auto& [k, v] : c.params) params[k] = v;
  auto service = catalog.Get(c.org_id, c.service_id);
  Json j = {{"id", c.id},
            {"link_name", c.link_name},
            {"name", c.display_name},
            {"service", c.service_id},
            {"service_name", service.ok() ? (*service)->name : c.service_id},
            {"environment", c.environment},
            {"scopes", c.scopes},
            {"granted_scopes", used ? used->granted_scopes : std::vector<std::string>{}},
            {"missing_scopes", used ? MissingScopes(c, *used) : std::vector<std::string>{}},
            {"params", params},
            {"per_user", c.per_user},
            {"status", connections::StatusName(used ? used->status : connections::Status::kPending)},
            {"reason", used ? used->reason : ""}};
  if (c.per_user) {
    j["authorized_by_you"] = used != nullptr && used->status == connections::Status::kConnected;
    j["members_authorized"] = members_authorized;
  }
  j.update(Json{{"last_used_at", OptionalTime(c.last_used_at)},
                {"authorizations", auths},
                {"created_by", c.created_by},
                {"created_at", c.created_at},
                {"updated_at", c.updated_at}});
  return j;
}

Json ConnectionView(const ConnectionsApiDeps& deps, const Caller& caller,
                    const connections::Connection& c) {
  Json j = ConnectionJson(c, deps.catalog, deps.identity, caller.user().id);
  // ---- Health probes (issue 18): only once probed, so a connection never probed reads as before.
  if (Json health = ConnectionHealth(deps.connections, c); !health.is_null()) j["health"] = health;
  return j;
}

Json AuditJson(const connections::AuditEntry& e) {
  return {{"id", e.id},
          {"at", e.at},
          {"environment", e.environment},
          {"link_name", e.link_name},
          {"topping", e.topping},
          {"user_id", e.user_id},
          {"run_id", e.run_id},
          {"origin", e.origin},
          {"method", e.method},
          {"url", e.url},
          {"status", e.status},
          {"latency_us", e.latency_us},
          {"bytes_out", e.bytes_out},
          {"bytes_in", e.bytes_in},
          {"error", e.error},
          {"note", e.note}};
}

// A service definition arrives as YAML text, or as JSON {"yaml": "..."}.
Result<std::string> DefinitionBody(const Request& req) {
  auto type = req.Header("Content-Type").value_or("");
  if (type.find("json") != std::string_view::npos) {
    Json body = TRY(server::ParseJsonBody(req));
    return RequiredText(body, "yaml");
  }
  if (req.body.empty()) return InvalidArgument("send the service definition as YAML");
  return req.body;
}

// Request headers that must not reach the upstream through the proxy.
bool DropRequestHeader(std::string_view name) {
  static constexpr std::string_view kDrop[] = {"host",
                                               "connection",
                                               "content-length",
                                               "authorization",
                                               "cookie",
                                               "transfer-encoding",
                                               "keep-alive",
                                               "upgrade",
                                               "proxy-authorization",
                                               "te",
                                               "trailer",
                                               "accept-encoding",
                                               "expect"};
  for (std::string_view d : kDrop) {
    if (SameHeaderName(name, d)) return true;
  }
  return name.size() > 9 && strncasecmp(name.data(), "x-relish-", 9) == 0;
}

bool DropResponseHeader(std::string_view name) {
  static constexpr std::string_view kDrop[] = {"connection",        "content-length",
                                               "transfer-encoding", "keep-alive",
                                               "content-encoding",  "set-cookie"};
  for (std::string_view d : kDrop) {
    if (SameHeaderName(name, d)) return true;
  }
  return false;
}

// The proxy's audit entries that found the audit queue full: queued on the blocking pool, where
// waiting for room holds up no other request. Called only when there are some: the coroutine's
// frame would be an allocation on every proxied call.
Task<void> RecordHeldAudit(boost::asio::thread_pool& pool, connections::Connections& connections,
                           connections::Connections::Prepared& call) {
  auto record = [&]() -> Result<void> {
    connections.RecordHeld(call);
    return Ok();
  };
  (void)co_await server::Offload(pool, record);
}

// --- API contract (server/route_doc.h): every route AddConnectionsRoutes registers, and the
// shapes above (ServiceSummary, ConnectionJson, AuditJson).
void DocumentConnectionsRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("Service", R"({"id":"string","name":"string",
      "auth":"oauth2|oauth2_client_credentials|oauth1|api_key|basic|bearer|none",
      "description":"string","docs":"string","category":"string","builtin":"boolean",
      "base_url":"string","test_call":"boolean",
      "parameters":[{"name":"string","label":"string","pattern":"string","default?":"string",
        "captured?":"boolean","user_chosen_host?":"boolean"}],
      "created_by?":"string","scopes?":["string"],"default_scopes?":["string"],
      "credential_fields?":[{"name":"string","label":"string"}]})");
  router.DocumentSchema("Authorization", R"({"user_id":"string?","user_name?":"string?",
      "user_email?":"string?","status":"pending|connected|needs_reauth|revoked","reason":"string",
      "granted_scopes":["string"],"missing_scopes":["string"],"expires_at":"ms?",
      "account_id":"string","authorized_at":"ms?","refreshed_at":"ms?",
      "refresh_failures":"integer"})");
  router.DocumentSchema("Connection", R"({"id":"string","link_name":"string","name":"string",
      "service":"string","service_name":"string","environment":"sandbox|production",
      "scopes":["string"],"granted_scopes":["string"],"missing_scopes":["string"],
      "params":"map:string","per_user":"boolean",
      "status":"pending|connected|needs_reauth|revoked","reason":"string",
      "authorized_by_you?":"boolean","members_authorized?":"integer","last_used_at":"ms?",
      "authorizations":["$Authorization"],"created_by":"string","created_at":"ms",
      "updated_at":"ms","health?":"$Health"})");
  router.DocumentSchema("AuditEntry", R"({"id":"string","at":"ms","environment":"string",
      "link_name":"string","topping":"string","user_id":"string","run_id":"string",
      "origin":"string","method":"string","url":"string","status":"integer",
      "latency_us":"integer","bytes_out":"integer","bytes_in":"integer","error":"string",
      "note":"string"})");
  const char* kDefinition = R"({"yaml":"string"})";
  const char* kDefinitionHow =
      "The service definition (docs/connections.md) as YAML: a YAML body (`Content-Type: "
      "application/yaml`), or JSON `{\"yaml\": \"...\"}`.";
  // for_environment: the environment the client was set for; null for the organization's
  // (every environment's fallback).
  const char* kClient = R"({"service":"string","org":"string",
      "environment?":"sandbox|production","for_environment":"sandbox|production?",
      "client_id":"string?","client_secret_set":"boolean","installation_wide?":"boolean"})";
  std::vector<server::RouteDoc> docs = {
      Doc("GET", "/api/v1/services", "The service catalog: built-in and this organization's own")
          .Returns(R"({"services":["$Service"],"categories":["string"]})"),
      Doc("POST", "/api/v1/services/validate", "Check a service definition; saves nothing")
          .Describe(kDefinitionHow)
          .Body(kDefinition)
          .Returns(R"({"valid":true,"service":"$Service"})"),
      Doc("POST", "/api/v1/services/discover", "Read an OAuth issuer's metadata into a draft definition")
          .Body(R"({"issuer":"string"})")
          .Returns(R"({"issuer":"string","authorization_endpoint":"string","token_endpoint":"string",
              "revocation_endpoint":"string","scopes_supported":["string"],"pkce":"boolean",
              "draft":"string"})")
          .Errors("unavailable failed_precondition"),
      Doc("GET", "/api/v1/services/{id}", "One service, with its definition's text")
          .Returns(R"({"=":{"allOf":[{"$ref":"#/components/schemas/Service"},{"type":"object",
              "required":["definition"],"properties":{"definition":{"type":"string"}}}]}})")
          .Errors("not_found"),
      Doc("POST", "/api/v1/services", "Add a custom service to the organization")
          .Describe(kDefinitionHow)
          .Body(kDefinition)
          .Returns("$Service", 201)
          .Errors("already_exists"),
      Doc("PUT", "/api/v1/services/{id}", "Change a custom service (its creator or an administrator)")
          .Describe(kDefinitionHow)
          .Body(kDefinition)
          .Returns("$Service")
          .Errors("failed_precondition"),
      Doc("DELETE", "/api/v1/services/{id}", "Delete a custom service (its creator or an administrator)")
          .Returns(R"({"deleted":"string"})")
          .Errors("failed_precondition"),
      Doc("GET", "/api/v1/services/{id}/client", "The OAuth client this environment's connections use (never its secret)")
          .Describe("The environment's own client, else the organization's, else the installation's.")
          .Returns(kClient)
          .Errors("not_found"),
      Doc("PUT", "/api/v1/services/{id}/client", "Set the organization's OAuth client for a service")
          .Describe("For one environment when the body's `environment` (or `?environment=`) names "
                    "one; else the organization's, which every environment without its own uses.")
          .Body(R"({"client_id":"string","client_secret?":"string","environment?":"sandbox|production"})")
          .Returns(kClient)
          .Errors("not_found failed_precondition"),
      Doc("GET", "/api/v1/connections", "The connections of the organization and environment")
          .Returns(R"({"connections":["$Connection"]})"),
      Doc("POST", "/api/v1/connections", "Create a connection")
          .Body(R"({"name":"string","service":"string","link_name?":"string","environment?":"sandbox|production",
              "scopes?":["string"],"params?":"map:string","per_user?":"boolean"})")
          .Returns("$Connection", 201)
          .Errors("already_exists"),
      Doc("GET", "/api/v1/connections/{link}", "One connection").Returns("$Connection").Errors("not_found"),
      Doc("DELETE", "/api/v1/connections/{link}", "Delete a connection (revoking its tokens where the provider can)")
          .Returns(R"({"deleted":"string"})")
          .Errors("not_found"),
      Doc("POST", "/api/v1/connections/{link}/authorize", "Begin a browser authorization: the provider's URL to open")
          .Describe("The body is optional: `{\"return_to\": \"/connections/x\"}`, where the callback "
                    "page sends the browser afterwards.")
          .Returns(R"({"authorize_url":"string"})")
          .Errors("not_found failed_precondition invalid_argument"),
      Doc("PUT", "/api/v1/connections/{link}/credentials", "Set an API-key, basic or bearer connection's credentials")
          .Body(R"({"fields":"map:string"})")
          .Returns("$Connection")
          .Errors("not_found failed_precondition"),
      Doc("POST", "/api/v1/connections/{link}/connect", "Connect without a browser (client credentials)")
          .Returns("$Connection")
          .Errors("not_found failed_precondition unavailable"),
      Doc("POST", "/api/v1/connections/{link}/test", "Call the connection's test URL (or `url`) with its credentials")
          .Describe("The body is optional: `{\"url\": \"/v1/me\"}`.")
          .Returns(R"({"ok":"boolean","status":"integer","message":"string",
              "headers":[["string"]],"body":"string","body_truncated":"boolean"})")
          .Errors("not_found failed_precondition invalid_argument"),
      Doc("POST", "/api/v1/connections/{link}/revoke", "Revoke your authorization of a connection")
          .Returns("$Connection")
          .Errors("not_found"),
      Doc("GET", "/api/v1/audit", "The audit of outbound calls, newest first")
          .Describe("Paged by time: `limit` (default 100, at most 1000), `since`/`until` in epoch "
                    "milliseconds.")
          .Query("link run_id origin status since:integer until:integer limit:integer")
          .Returns(R"({"entries":["$AuditEntry"]})")
          .Errors("invalid_argument"),
      Doc("GET", "/api/v1/sandbox/remap", "The sandbox's outbound host remap (server configuration)")
          .Returns(R"({"remap":[{"host":"string","origin":"string"}]})"),
      Doc("GET", "/oauth/callback", "The OAuth provider's redirect back to Relish (HTML)")
          .Describe("Completes the authorization in the browser that started it; anywhere else "
                    "it shows a confirmation page (docs/connections.md#the-callback).")
          .Query("code state error error_description")
          .Returns("string")
          .Media("text/html")
          .Also(303, "completed: to the authorization's return_to")
          .ErrorSchema("html")
          .Errors("400"),
      Doc("POST", "/oauth/callback", "The callback's confirmation form: connect or cancel")
          .Body(R"({"csrf_token":"string","confirmation":"string","decision":"connect|cancel"})",
                "application/x-www-form-urlencoded")
          .Returns("string")
          .Media("text/html")
          .Also(303, "completed: to the authorization's return_to")
          .ErrorSchema("html")
          .Errors("400 403"),
      Doc("POST", "/api/v1/keys/rotate", "Rotate the vault's keys (administrators)")
          .Returns(R"({"old_master_key":"string","new_master_key":"string","resealed":"integer",
              "master_key_changed":"boolean"})"),
  };
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    docs.push_back(
        Doc(method, "/api/v1/proxy/{link}/{path...}", "The credentialed proxy: the request, sent to the connection's service")
            .Describe("Forwards the method, the path under the service's base URL, the query, the "
                      "headers (less hop-by-hop ones, Authorization, Cookie and X-Relish-*) and the "
                      "body, with the connection's credentials; answers with the upstream's status, "
                      "headers and body as they are. API tokens only. Errors of Relish itself are "
                      "JSON `Error`s. `X-Relish-Retry: on|off|always` asks for retries of 429 and "
                      "5xx answers (docs/connections.md); a call over the connection's call limit "
                      "is a 429 `resource_exhausted`.")
            .Query("X-Relish-Org@header X-Relish-Environment@header X-Relish-Retry@header")
            .Security("apiToken")
            .Returns("any")
            .Media("*/*")
            .Errors("unauthenticated not_found failed_precondition permission_denied unavailable "
                    "deadline_exceeded resource_exhausted"));
  }
  router.Document(std::move(docs));
}

}  // namespace

void AddConnectionsRoutes(Routes& routes, ConnectionsApiDeps d) {
  DocumentConnectionsRoutes(routes.router());
  auto deps = std::make_shared<ConnectionsApiDeps>(d);
  const Auth& auth = routes.auth();
  boost::asio::thread_pool& pool = routes.pool();

  // --- services
  // Custom services belong to the request's organization: they are listed, read and used there
  // only, and another organization's answer as nonexistent.
  routes.Add("GET", "/api/v1/services", Access::kMember,
             [deps](Request&, const Caller& c) -> Result<Response> {
               Json list = Json::array();
               for (const auto& s : TRY(deps->catalog.List(c.scope.org_id))) {
                 list.push_back(ServiceSummary(*s));
               }
               // The fixed set in its order, so a catalog offers them as the server knows them
               // rather than keeping a copy of the list.
               Json categories = Json::array();
               for (std::string_view category : connections::kServiceCategories) {
                 categories.push_back(std::string(category));
               }
               return JsonResponse(200, {{"services", list}, {"categories", categories}});
             });
  routes.Add("POST", "/api/v1/services/validate", Access::kMember,
             [](Request& req, const Caller&) -> Result<Response> {
               auto service = TRY(connections::ParseService(TRY(DefinitionBody(req)), "service"));
               return JsonResponse(200, {{"valid", true}, {"service", ServiceSummary(service)}});
             });
  routes.AddBlocking(
      "POST", "/api/v1/services/discover", Access::kMember,
      [deps](Request& req, const Caller&) -> Result<Response> {
        Json body = TRY(server::ParseJsonBody(req));
        auto found = TRY(
            connections::Discover(deps->discovery_http, TRY(RequiredText(body, "issuer"))));
        return JsonResponse(200, {{"issuer", found.issuer},
                                  {"authorization_endpoint", found.authorization_endpoint},
                                  {"token_endpoint", found.token_endpoint},
                                  {"revocation_endpoint", found.revocation_endpoint},
                                  {"scopes_supported", found.scopes_supported},
                                  {"pkce", found.pkce_s256},
                                  {"draft", found.draft_yaml}});
      });
  routes.Add("GET", "/api/v1/services/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto s = TRY(deps->catalog.Get(c.scope.org_id, req.params["id"]));
               Json j = ServiceSummary(*s);
               j["definition"] = s->source;
               return JsonResponse(200, j);
             });
  routes.Add("POST", "/api/v1/services", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto s = TRY(deps->catalog.CreateCustom(c.scope.org_id, TRY(DefinitionBody(req)),
                                                       c.user().id));
               return JsonResponse(201, ServiceSummary(*s));
             });
  // Changed and deleted by the organization's administrators and the service's creator.
  routes.Add("PUT", "/api/v1/services/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               connections::Editor editor{.user_id = c.user().id, .admin = c.principal.is_admin()};
               auto s = TRY(deps->catalog.UpdateCustom(editor, c.scope.org_id, req.params["id"],
                                                       TRY(DefinitionBody(req))));
               return JsonResponse(200, ServiceSummary(*s));
             });
  routes.Add("DELETE", "/api/v1/services/{id}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               connections::Editor editor{.user_id = c.user().id, .admin = c.principal.is_admin()};
               TRY(deps->catalog.DeleteCustom(editor, c.scope.org_id, req.params["id"]));
               return JsonResponse(200, {{"deleted", req.params["id"]}});
             });
  // Never the secret: whether one is set, as the console shows it.
  routes.Add("GET", "/api/v1/services/{id}/client", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               // The client the environment's connections use (issue 20: per environment).
               auto client = TRY(deps->connections.GetClient(c.scope.org_id, req.params["id"],
                                                             c.scope.environment));
               Json j = {{"service", req.params["id"]},
                         {"org", c.scope.org_id},
                         {"environment", c.scope.environment}};
               if (client) {
                 j["client_id"] = client->client_id;
                 j["client_secret_set"] = client->client_secret_set;
                 j["installation_wide"] = client->installation_wide;
                 j["for_environment"] = client->environment.empty() ? Json(nullptr)
                                                                    : Json(client->environment);
               } else {
                 j["client_id"] = nullptr;
                 j["client_secret_set"] = false;
                 j["installation_wide"] = false;
                 j["for_environment"] = nullptr;
               }
               return JsonResponse(200, j);
             });
  routes.Add("PUT", "/api/v1/services/{id}/client", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               // Issue 20: for one environment when the body or the query names one
               // (`relish services set-client --env production`), else for every environment.
               std::string environment = TRY(OptionalText(body, "environment"));
               if (environment.empty() && req.QueryParam("environment")) {
                 environment = c.scope.environment;
               }
               TRY(deps->connections.SetClient(c.scope.org_id, req.params["id"],
                                               TRY(RequiredText(body, "client_id")),
                                               TRY(OptionalText(body, "client_secret")),
                                               environment));
               return JsonResponse(200, {{"service", req.params["id"]},
                                         {"org", c.scope.org_id},
                                         {"for_environment", environment.empty()
                                                                 ? Json(nullptr)
                                                                 : Json(environment)},
                                         {"client_id", body["client_id"]},
                                         {"client_secret_set", body.contains("client_secret")}});
             });

  // --- connections
  routes.Add(
      "GET", "/api/v1/connections", Access::kMember,
      [deps](Request&, const Caller& c) -> Result<Response> {
        Json list = Json::array();
        for (const auto& conn : TRY(deps->connections.List(c.scope.org_id, c.scope.environment))) {
          list.push_back(ConnectionView(*deps, c, conn));
        }
        return JsonResponse(200, {{"connections", list}});
      });
  routes.Add("POST", "/api/v1/connections", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               connections::NewConnection spec;
               spec.org_id = c.scope.org_id;
               spec.environment = c.scope.environment;
               if (auto env = TRY(OptionalText(body, "environment")); !env.empty()) {
                 spec.environment = TRY(ParseEnvironment(env));
               }
               spec.display_name = TRY(RequiredText(body, "name"));
               spec.link_name = TRY(OptionalText(body, "link_name"));
               spec.service_id = TRY(RequiredText(body, "service"));
               spec.scopes = TRY(TextList(body, "scopes"));
               spec.params = TRY(TextMap(body, "params"));
               spec.per_user = TRY(OptionalBool(body, "per_user"));
               spec.created_by = c.user().id;
               auto conn = TRY(deps->connections.Create(spec));
               return JsonResponse(201, ConnectionView(*deps, c, conn));
             });
  routes.Add("GET", "/api/v1/connections/{link}", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               auto conn = TRY(deps->connections.Get(c.scope.org_id, c.scope.environment,
                                                     req.params["link"]));
               return JsonResponse(200, ConnectionView(*deps, c, conn));
             });
  routes.AddBlocking(
      "DELETE", "/api/v1/connections/{link}", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        TRY(deps->connections.Delete(c.scope.org_id, c.scope.environment, req.params["link"]));
        return JsonResponse(200, {{"deleted", req.params["link"]}});
      });
  routes.AddBlocking(
      "POST", "/api/v1/connections/{link}/authorize", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        std::string return_to;
        if (!req.body.empty()) {
          Json body = TRY(server::ParseJsonBody(req));
          return_to = TRY(OptionalText(body, "return_to"));
        }
        auto begin = TRY(deps->connections.BeginAuthorization(
            c.scope.org_id, c.scope.environment, req.params["link"], c.user().id, return_to));
        return JsonResponse(200, {{"authorize_url", begin.authorize_url}});
      });
  routes.Add("PUT", "/api/v1/connections/{link}/credentials", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               auto conn = TRY(deps->connections.SetCredentials(c.scope.org_id, c.scope.environment,
                                                                req.params["link"], c.user().id,
                                                                TRY(TextMap(body, "fields"))));
               return JsonResponse(200, ConnectionView(*deps, c, conn));
             });
  routes.AddBlocking(
      "POST", "/api/v1/connections/{link}/connect", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        auto conn = TRY(deps->connections.Connect(c.scope.org_id, c.scope.environment,
                                                  req.params["link"], c.user().id));
        return JsonResponse(200, ConnectionView(*deps, c, conn));
      });
  routes.AddBlocking(
      "POST", "/api/v1/connections/{link}/test", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        std::string url;
        if (!req.body.empty())
          url = TRY(OptionalText(TRY(server::ParseJsonBody(req)), "url"));
        connections::CallContext ctx{.org_id = c.scope.org_id,
                                     .environment = c.scope.environment,
                                     .user_id = c.user().id,
                                     .origin = "test"};
        auto t = TRY(deps->connections.Test(ctx, req.params["link"], url));
        Json headers = Json::array();
        for (const auto& [name, value] : t.headers) headers.push_back({name, value});
        return JsonResponse(200, {{"ok", t.ok},
                                  {"status", t.status},
                                  {"message", t.message},
                                  {"headers", headers},
                                  {"body", t.body},
                                  {"body_truncated", t.body_truncated}});
      });
  routes.AddBlocking(
      "POST", "/api/v1/connections/{link}/revoke", Access::kMember,
      [deps](Request& req, const Caller& c) -> Result<Response> {
        auto conn = TRY(deps->connections.Revoke(c.scope.org_id, c.scope.environment,
                                                 req.params["link"], c.user().id));
        return JsonResponse(200, ConnectionView(*deps, c, conn));
      });
  routes.Add("GET", "/api/v1/audit", Access::kMember,
             [deps](Request& req, const Caller& c) -> Result<Response> {
               // The request's environment, like every other list: production's audit is not
               // the sandbox's.
               connections::AuditFilter filter{
                   .run_id = req.QueryParam("run_id").value_or(""),
                   .environment = c.scope.environment,
                   .origin = req.QueryParam("origin").value_or(""),
                   .status = req.QueryParam("status").value_or(""),
                   .since_ms = TRY(IntParam(req, "since")),
                   .until_ms = TRY(IntParam(req, "until")),
                   .limit = TRY(LimitParam(req, kDefaultAuditEntries, kMaxAuditEntries))};
               // ?link=: one connection's entries; a link name that names no connection there
               // is a 404, not an empty list.
               if (auto link = req.QueryParam("link"); link && !link->empty()) {
                 TRY(deps->connections.Get(c.scope.org_id, c.scope.environment, *link));
                 filter.link_name = *link;
               }
               Json list = Json::array();
               for (const auto& e : TRY(deps->connections.Audit(c.scope.org_id, filter))) {
                 list.push_back(AuditJson(e));
               }
               return JsonResponse(200, {{"entries", list}});
             });

  // The sandbox's outbound host remap: server configuration, shown read-only (the console's
  // Settings), to any member: it names hosts and local stand-ins, no secret.
  routes.Add("GET", "/api/v1/sandbox/remap", Access::kMember,
             [deps](Request&, const Caller&) -> Result<Response> {
               Json list = Json::array();
               for (const auto& [host, origin] : deps->connections.SandboxRemap()) {
                 list.push_back({{"host", host}, {"origin", origin}});
               }
               return JsonResponse(200, {{"remap", list}});
             });

  // --- the provider's redirect back to us, and its confirmation page's form (callback_pages.h).
  // Public: the OAuth state authenticates the callback, and the confirmation is protected by its
  // own single-use token and double-submit cookie.
  bool secure = deps->secure_cookies;
  routes.PublicAsync("GET", "/oauth/callback", [deps, &auth, &pool, secure](Request& req) -> Task<Response> {
    auto work = [&]() {
      CallbackPages pages{auth, deps->connections, SystemRandom(), secure};
      return ShowCallback(pages, req);
    };
    co_return co_await server::Offload(pool, work);
  });
  routes.PublicAsync("POST", "/oauth/callback", [deps, &auth, &pool, secure](Request& req) -> Task<Response> {
    auto work = [&]() {
      CallbackPages pages{auth, deps->connections, SystemRandom(), secure};
      return ConfirmCallback(pages, req);
    };
    co_return co_await server::Offload(pool, work);
  });

  // --- credentialed proxy: /api/v1/proxy/{link}/{path...}, any method, API tokens only. Its
  // organization comes from a header (X-Relish-Org), not ?org=, which belongs to the upstream's
  // query: so it checks membership itself.
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    routes.router().AddAsync(
        method, "/api/v1/proxy/{link}/{path...}", Access::kMember,
        [deps, &auth, &pool](Request& req) -> Task<Response> {
          if (!req.Header("Authorization")) {
            co_return ErrorResponse(
                Unauthenticated("the proxy takes an API token: 'Authorization: Bearer <token>'"));
          }
          auto principal = auth.Authenticate(req);
          if (!principal.ok()) co_return ErrorResponse(principal.error());
          Principal p = std::move(*principal);
          // Scope and target on this thread: both are cached reads.
          connections::CallContext ctx{.user_id = p.user.id, .origin = "proxy"};
          outbound::Request out;
          // Issue 18: X-Relish-Retry: on | off | always (docs/connections.md).
          auto retry = connections::ParseRetryMode(req.Header("X-Relish-Retry").value_or(""));
          if (!retry.ok()) co_return ErrorResponse(retry.error());
          auto prepared = [&]() -> Result<std::unique_ptr<connections::Connections::Prepared>> {
            ctx.org_id = std::string(req.Header("X-Relish-Org").value_or(""));
            if (ctx.org_id.empty()) {
              auto first = TRY(auth.identity().FirstOrgId(p.user.id));
              if (!first) return FailedPrecondition("you do not belong to any organization yet");
              ctx.org_id = std::move(*first);
            } else if (!TRY(auth.identity().IsMember(ctx.org_id, p.user.id))) {
              return NotFound("no organization " + ctx.org_id + " among yours");
            }
            ctx.environment =
                TRY(ParseEnvironment(req.Header("X-Relish-Environment").value_or("sandbox")));
            out.method = req.method;
            // Relative: Prepare puts it under the connection's base URL (one resolve per request).
            out.url.reserve(req.params["path"].size() + req.query.size() + 2);
            out.url.append("/"sv).append(req.params["path"]);
            if (!req.query.empty()) out.url.append("?"sv).append(req.query);
            out.headers.reserve(req.headers.size() + 2);  // room for the credential
            for (auto& [k, v] : req.headers) {
              if (!DropRequestHeader(k)) out.headers.emplace_back(std::move(k), std::move(v));
            }
            out.body = std::move(req.body);
            out.max_redirects = 0;  // a proxy hands redirects back to its caller
            return deps->connections.Prepare(ctx, req.params["link"], std::move(out), *retry);
          }();
          if (!prepared.ok()) co_return ErrorResponse(prepared.error());
          connections::Connections::Prepared& call = **prepared;
          // Empty until sent (a placeholder error would cost a message string per request).
          std::optional<Result<outbound::Response>> upstream;
          bool slow = !call.ready;
          if (call.ready) {
            auto& client =
                ctx.environment == "production" ? deps->production_async : deps->sandbox_async;
            upstream = co_await client.Send(call.request, call.url);
            slow = deps->connections.Finish(call, *upstream);
            if (!call.held_audit.empty()) {
              co_await RecordHeldAudit(pool, deps->connections, call);
            }
            // A 429 or 5xx to retry: wait on a timer of this I/O thread, not by blocking it.
            while (!slow && call.retry_in_ms) {
              boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                boost::asio::wait_traits<std::chrono::steady_clock>,
                                                IoExecutor>
                  timer(co_await boost::asio::this_coro::executor);
              timer.expires_after(std::chrono::milliseconds(*call.retry_in_ms));
              co_await timer.async_wait(use_task);
              upstream = co_await client.Send(call.request, call.url);
              slow = deps->connections.Finish(call, *upstream);
              if (!call.held_audit.empty()) {
                co_await RecordHeldAudit(pool, deps->connections, call);
              }
            }
          }
          if (slow) {
            // Credentials must be fetched or refreshed first (network, store writes): on the pool.
            out = call.ready ? std::move(call.original) : std::move(call.request);
            std::optional<connections::Connections::Refused> refused;
            if (call.ready) refused = {call.version, call.refused_status};
            auto work = [&deps, &ctx, &req, &out, &retry, &refused]() {
              return deps->connections.Call(ctx, req.params["link"], std::move(out), *retry,
                                            refused);
            };
            upstream = co_await server::Offload(pool, work);
          }
          if (!upstream->ok()) co_return ErrorResponse(upstream->error());
          Response r;
          outbound::Response& answer = **upstream;
          r.status = answer.status;
          r.headers.reserve(answer.headers.size());
          for (auto& [k, v] : answer.headers) {
            if (!DropResponseHeader(k)) r.headers.emplace_back(std::move(k), std::move(v));
          }
          r.body = std::move(answer.body);
          co_return r;
        });
  }

  // --- key rotation (administrators)
  routes.AddBlocking(
      "POST", "/api/v1/keys/rotate", Access::kAdmin,
      [deps](Request&, const Caller&) -> Result<Response> {
        bool from_file = deps->master_key.env_value.empty();
        // With a key file, rotation makes a new master key too; with RELISH_MASTER_KEY the master
        // key is the operator's to change, so only the data keys are renewed.
        vault::MasterKey next =
            from_file ? vault::MakeMasterKey(SystemRandom())
                      : TRY(vault::LoadMasterKeys(deps->master_key, SystemRandom())).front();
        auto report = TRY(deps->vault.Rotate(next, [&]() -> Result<void> {
          if (from_file) return vault::WriteNewKeyFile(deps->master_key.key_file, *next.key);
          return Ok();
        }));
        if (from_file) TRY(vault::CommitKeyFile(deps->master_key.key_file));
        spdlog::info("rotated keys: master {} -> {}, {} secrets re-sealed", report.old_master_id,
                     report.new_master_id, report.resealed);
        return JsonResponse(200, {{"old_master_key", report.old_master_id},
                                  {"new_master_key", report.new_master_id},
                                  {"resealed", report.resealed},
                                  {"master_key_changed", from_file}});
      });
}

}  // namespace relish::api
