#include "api/connections_api.h"

#include <strings.h>

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

using server::Handle;

Json ServiceSummary(const connections::Service& s) {
  Json j = {{"id", s.id},       {"name", s.name},         {"auth", connections::AuthSchemeName(s.auth)},
            {"description", s.description}, {"docs", s.docs}, {"builtin", s.builtin},
            {"base_url", s.base_url}};
  Json params = Json::array();
  for (const auto& p : s.parameters) {
    Json pj = {{"name", p.name}, {"label", p.label}, {"pattern", p.pattern}};
    if (p.default_value) pj["default"] = *p.default_value;
    params.push_back(pj);
  }
  j["parameters"] = params;
  if (s.oauth2) {
    j["scopes"] = s.oauth2->scopes;
    j["default_scopes"] = s.oauth2->default_scopes;
  }
  if (s.api_key) {
    Json fields = Json::array();
    for (const auto& f : s.api_key->fields) fields.push_back({{"name", f.name}, {"label", f.label}});
    j["credential_fields"] = fields;
  } else if (s.auth == AuthScheme::kBasic) {
    j["credential_fields"] = Json::array({{{"name", "username"}, {"label", s.basic.username_label}},
                                          {{"name", "password"}, {"label", s.basic.password_label}}});
  } else if (s.auth == AuthScheme::kBearer) {
    j["credential_fields"] = Json::array({{{"name", "token"}, {"label", "Token"}}});
  }
  return j;
}

Json ConnectionJson(const connections::Connection& c) {
  Json auths = Json::array();
  for (const auto& a : c.authorizations) {
    std::vector<std::string> missing;
    if (a.status == connections::Status::kConnected) {
      for (const auto& s : c.scopes) {
        if (std::find(a.granted_scopes.begin(), a.granted_scopes.end(), s) == a.granted_scopes.end()) {
          missing.push_back(s);
        }
      }
    }
    Json aj = {{"user_id", a.user_id.empty() ? Json() : Json(a.user_id)},
               {"status", connections::StatusName(a.status)},
               {"reason", a.reason},
               {"granted_scopes", a.granted_scopes},
               {"missing_scopes", missing},
               {"expires_at", a.expires_at ? Json(*a.expires_at) : Json()},
               {"account_id", a.account_id},
               {"authorized_at", a.authorized_at ? Json(*a.authorized_at) : Json()},
               {"refreshed_at", a.refreshed_at ? Json(*a.refreshed_at) : Json()},
               {"refresh_failures", a.refresh_failures}};
    auths.push_back(aj);
  }
  std::string status = "pending";
  if (c.per_user) {
    status = "per_user";
  } else if (!c.authorizations.empty()) {
    status = std::string(connections::StatusName(c.authorizations[0].status));
  }
  Json params = Json::object();
  for (const auto& [k, v] : c.params) params[k] = v;
  return {{"id", c.id},
          {"link_name", c.link_name},
          {"name", c.display_name},
          {"service", c.service_id},
          {"environment", c.environment},
          {"scopes", c.scopes},
          {"params", params},
          {"per_user", c.per_user},
          {"status", status},
          {"authorizations", auths},
          {"created_by", c.created_by},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

Json AuditJson(const connections::AuditEntry& e) {
  return {{"id", e.id},         {"at", e.at},           {"environment", e.environment},
          {"link_name", e.link_name}, {"topping", e.topping}, {"user_id", e.user_id},
          {"run_id", e.run_id}, {"origin", e.origin},   {"method", e.method},
          {"url", e.url},       {"status", e.status},   {"latency_us", e.latency_us},
          {"bytes_out", e.bytes_out}, {"bytes_in", e.bytes_in}, {"error", e.error},
          {"note", e.note}};
}

Result<std::string> StringField(const Json& body, const char* name, bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidArgument(std::string("'") + name + "' is required");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgument(std::string("'") + name + "' must be a string");
  return it->get<std::string>();
}

Result<std::vector<std::string>> StringList(const Json& body, const char* name) {
  std::vector<std::string> out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return InvalidArgument(std::string("'") + name + "' must be a list of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) return InvalidArgument(std::string("'") + name + "' must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<connections::Values> StringMap(const Json& body, const char* name) {
  connections::Values out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) return InvalidArgument(std::string("'") + name + "' must be an object of strings");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return InvalidArgument(std::string("'") + name + "." + k + "' must be a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

// A service definition arrives as YAML text, or as JSON {"yaml": "..."}.
Result<std::string> DefinitionBody(const Request& req) {
  auto type = req.Header("Content-Type").value_or("");
  if (type.find("json") != std::string_view::npos) {
    Json body = TRY(server::ParseJsonBody(req));
    return StringField(body, "yaml", true);
  }
  if (req.body.empty()) return InvalidArgument("send the service definition as YAML");
  return req.body;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Response Page(int status, const std::string& title, const std::string& message) {
  std::string html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                     HtmlEscape(title) +
                     " - Relish</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;"
                     "margin:4rem auto;padding:0 1rem}</style></head><body><h1>" +
                     HtmlEscape(title) + "</h1><p>" + HtmlEscape(message) +
                     "</p><p><a href=\"/connections\">Back to connections</a></p></body></html>";
  Response r = Response::Text(status, html, "text/html; charset=utf-8");
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Referrer-Policy", "no-referrer");
  return r;
}

// Request headers that must not reach the upstream through the proxy.
bool DropRequestHeader(std::string_view name) {
  static constexpr std::string_view kDrop[] = {
      "host", "connection", "content-length", "authorization", "cookie", "transfer-encoding",
      "keep-alive", "upgrade", "proxy-authorization", "te", "trailer", "accept-encoding", "expect"};
  for (std::string_view d : kDrop) {
    if (SameHeaderName(name, d)) return true;
  }
  return name.size() > 9 && strncasecmp(name.data(), "x-relish-", 9) == 0;
}

bool DropResponseHeader(std::string_view name) {
  static constexpr std::string_view kDrop[] = {"connection", "content-length", "transfer-encoding",
                                               "keep-alive", "content-encoding", "set-cookie"};
  for (std::string_view d : kDrop) {
    if (SameHeaderName(name, d)) return true;
  }
  return false;
}

}  // namespace

void AddConnectionsRoutes(server::Router& router, ConnectionsApiDeps d) {
  auto deps = std::make_shared<ConnectionsApiDeps>(d);
  const Auth& auth = d.auth;

  // Authenticates on the I/O thread, then runs `fn` (which may call out) on the pool.
  auto async_user = [deps](std::function<Result<Response>(Request&, const Principal&)> fn) {
    return [deps, fn = std::move(fn)](Request& req) -> Task<Response> {
      auto principal = deps->auth.Authenticate(req);
      if (!principal.ok()) co_return ErrorResponse(principal.error());
      Principal p = *principal;
      auto work = [&req, &p, &fn]() {
        auto r = fn(req, p);
        return r.ok() ? std::move(*r) : ErrorResponse(r.error());
      };
      co_return co_await server::Offload(deps->pool, work);
    };
  };

  // --- services
  router.Add("GET", "/api/v1/services", RequireUser(auth, [deps](Request&, const Principal&) {
    return Handle([&]() -> Result<Response> {
      Json list = Json::array();
      for (const auto& s : TRY(deps->catalog.List())) list.push_back(ServiceSummary(*s));
      return JsonResponse(200, {{"services", list}});
    });
  }));
  router.Add("POST", "/api/v1/services/validate", RequireUser(auth, [](Request& req, const Principal&) {
    return Handle([&]() -> Result<Response> {
      auto service = TRY(connections::ParseService(TRY(DefinitionBody(req)), "service"));
      return JsonResponse(200, {{"valid", true}, {"service", ServiceSummary(service)}});
    });
  }));
  router.AddAsync("POST", "/api/v1/services/discover",
                  async_user([deps](Request& req, const Principal&) -> Result<Response> {
                    Json body = TRY(server::ParseJsonBody(req));
                    auto found = TRY(connections::Discover(deps->discovery_http,
                                                           TRY(StringField(body, "issuer", true))));
                    return JsonResponse(200, {{"issuer", found.issuer},
                                              {"authorization_endpoint", found.authorization_endpoint},
                                              {"token_endpoint", found.token_endpoint},
                                              {"revocation_endpoint", found.revocation_endpoint},
                                              {"scopes_supported", found.scopes_supported},
                                              {"pkce", found.pkce_s256},
                                              {"draft", found.draft_yaml}});
                  }));
  router.Add("GET", "/api/v1/services/{id}", RequireUser(auth, [deps](Request& req, const Principal&) {
    return Handle([&]() -> Result<Response> {
      auto s = TRY(deps->catalog.Get(req.params["id"]));
      Json j = ServiceSummary(*s);
      j["definition"] = s->source;
      return JsonResponse(200, j);
    });
  }));
  router.Add("POST", "/api/v1/services", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto s = TRY(deps->catalog.CreateCustom(TRY(DefinitionBody(req)), p.user.id));
      return JsonResponse(201, ServiceSummary(*s));
    });
  }));
  router.Add("PUT", "/api/v1/services/{id}", RequireUser(auth, [deps](Request& req, const Principal&) {
    return Handle([&]() -> Result<Response> {
      auto s = TRY(deps->catalog.UpdateCustom(req.params["id"], TRY(DefinitionBody(req))));
      return JsonResponse(200, ServiceSummary(*s));
    });
  }));
  router.Add("DELETE", "/api/v1/services/{id}", RequireUser(auth, [deps](Request& req, const Principal&) {
    return Handle([&]() -> Result<Response> {
      TRY(deps->catalog.DeleteCustom(req.params["id"]));
      return JsonResponse(200, {{"deleted", req.params["id"]}});
    });
  }));
  router.Add("PUT", "/api/v1/services/{id}/client", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      Json body = TRY(server::ParseJsonBody(req));
      TRY(deps->connections.SetClient(scope.org_id, req.params["id"],
                                      TRY(StringField(body, "client_id", true)),
                                      TRY(StringField(body, "client_secret", false))));
      return JsonResponse(200, {{"service", req.params["id"]}, {"org", scope.org_id},
                                {"client_id", body["client_id"]}, {"client_secret_set", body.contains("client_secret")}});
    });
  }));

  // --- connections
  router.Add("GET", "/api/v1/connections", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      Json list = Json::array();
      for (const auto& c : TRY(deps->connections.List(scope.org_id, scope.environment))) {
        list.push_back(ConnectionJson(c));
      }
      return JsonResponse(200, {{"connections", list}});
    });
  }));
  router.Add("POST", "/api/v1/connections", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      Json body = TRY(server::ParseJsonBody(req));
      connections::NewConnection spec;
      spec.org_id = scope.org_id;
      spec.environment = scope.environment;
      if (auto env = TRY(StringField(body, "environment", false)); !env.empty()) {
        spec.environment = TRY(ParseEnvironment(env));
      }
      spec.display_name = TRY(StringField(body, "name", true));
      spec.link_name = TRY(StringField(body, "link_name", false));
      spec.service_id = TRY(StringField(body, "service", true));
      spec.scopes = TRY(StringList(body, "scopes"));
      spec.params = TRY(StringMap(body, "params"));
      spec.per_user = body.value("per_user", false);
      spec.created_by = p.user.id;
      return JsonResponse(201, ConnectionJson(TRY(deps->connections.Create(spec))));
    });
  }));
  router.Add("GET", "/api/v1/connections/{link}", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      return JsonResponse(200, ConnectionJson(TRY(deps->connections.Get(scope.org_id, scope.environment, req.params["link"]))));
    });
  }));
  router.AddAsync("DELETE", "/api/v1/connections/{link}",
                  async_user([deps](Request& req, const Principal& p) -> Result<Response> {
                    auto scope = TRY(ResolveScope(deps->auth, req, p));
                    TRY(deps->connections.Delete(scope.org_id, scope.environment, req.params["link"]));
                    return JsonResponse(200, {{"deleted", req.params["link"]}});
                  }));
  router.AddAsync("POST", "/api/v1/connections/{link}/authorize",
                  async_user([deps](Request& req, const Principal& p) -> Result<Response> {
                    auto scope = TRY(ResolveScope(deps->auth, req, p));
                    std::string return_to;
                    if (!req.body.empty()) {
                      Json body = TRY(server::ParseJsonBody(req));
                      return_to = TRY(StringField(body, "return_to", false));
                    }
                    auto begin = TRY(deps->connections.BeginAuthorization(
                        scope.org_id, scope.environment, req.params["link"], p.user.id, return_to));
                    return JsonResponse(200, {{"authorize_url", begin.authorize_url}});
                  }));
  router.Add("PUT", "/api/v1/connections/{link}/credentials",
             RequireUser(auth, [deps](Request& req, const Principal& p) {
               return Handle([&]() -> Result<Response> {
                 auto scope = TRY(ResolveScope(deps->auth, req, p));
                 Json body = TRY(server::ParseJsonBody(req));
                 auto c = TRY(deps->connections.SetCredentials(scope.org_id, scope.environment, req.params["link"],
                                                               p.user.id, TRY(StringMap(body, "fields"))));
                 return JsonResponse(200, ConnectionJson(c));
               });
             }));
  router.AddAsync("POST", "/api/v1/connections/{link}/connect",
                  async_user([deps](Request& req, const Principal& p) -> Result<Response> {
                    auto scope = TRY(ResolveScope(deps->auth, req, p));
                    return JsonResponse(200, ConnectionJson(TRY(deps->connections.Connect(
                                                 scope.org_id, scope.environment, req.params["link"], p.user.id))));
                  }));
  router.AddAsync("POST", "/api/v1/connections/{link}/test",
                  async_user([deps](Request& req, const Principal& p) -> Result<Response> {
                    auto scope = TRY(ResolveScope(deps->auth, req, p));
                    std::string url;
                    if (!req.body.empty()) url = TRY(StringField(TRY(server::ParseJsonBody(req)), "url", false));
                    connections::CallContext ctx{.org_id = scope.org_id, .environment = scope.environment,
                                                 .user_id = p.user.id, .origin = "test"};
                    auto t = TRY(deps->connections.Test(ctx, req.params["link"], url));
                    return JsonResponse(200, {{"ok", t.ok}, {"status", t.status}, {"message", t.message}});
                  }));
  router.AddAsync("POST", "/api/v1/connections/{link}/revoke",
                  async_user([deps](Request& req, const Principal& p) -> Result<Response> {
                    auto scope = TRY(ResolveScope(deps->auth, req, p));
                    return JsonResponse(200, ConnectionJson(TRY(deps->connections.Revoke(
                                                 scope.org_id, scope.environment, req.params["link"], p.user.id))));
                  }));
  router.Add("GET", "/api/v1/audit", RequireUser(auth, [deps](Request& req, const Principal& p) {
    return Handle([&]() -> Result<Response> {
      auto scope = TRY(ResolveScope(deps->auth, req, p));
      int limit = 100;
      if (auto l = req.QueryParam("limit")) limit = std::clamp(std::atoi(l->c_str()), 1, 1000);
      Json list = Json::array();
      for (const auto& e : TRY(deps->connections.Audit(scope.org_id, req.QueryParam("run_id").value_or(""), limit))) {
        list.push_back(AuditJson(e));
      }
      return JsonResponse(200, {{"entries", list}});
    });
  }));

  // --- the provider's redirect back to us
  router.AddAsync("GET", "/oauth/callback", [deps](Request& req) -> Task<Response> {
    auto query = req.QueryParams();
    auto work = [&deps, &query]() {
      auto done = deps->connections.CompleteAuthorization(query);
      if (!done.ok()) return Page(400, "Authorization failed", done.error().message());
      if (!done->return_to.empty()) {
        Response r;
        r.status = 303;
        r.SetHeader("Location", done->return_to +
                                    (done->return_to.find('?') == std::string::npos ? "?" : "&") +
                                    "connected=" + FormEncode(done->connection.link_name));
        return r;
      }
      return Page(200, "Connected",
                  "The connection '" + done->connection.link_name + "' is authorized. You can close this window.");
    };
    co_return co_await server::Offload(deps->pool, work);
  });

  // --- credentialed proxy: /api/v1/proxy/{link}/{path...}, any method, API tokens only
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    router.AddAsync(method, "/api/v1/proxy/{link}/{path...}",
                    [deps](Request& req) -> Task<Response> {
      if (!req.Header("Authorization")) {
        co_return ErrorResponse(Unauthenticated("the proxy takes an API token: 'Authorization: Bearer <token>'"));
      }
      auto principal = deps->auth.Authenticate(req);
      if (!principal.ok()) co_return ErrorResponse(principal.error());
      Principal p = std::move(*principal);
      // Scope and target on this thread: both are cached reads.
      connections::CallContext ctx{.user_id = p.user.id, .origin = "proxy"};
      outbound::Request out;
      auto prepared = [&]() -> Result<std::unique_ptr<connections::Connections::Prepared>> {
        ctx.org_id = std::string(req.Header("X-Relish-Org").value_or(""));
        if (ctx.org_id.empty()) {
          auto first = TRY(deps->auth.identity().FirstOrgId(p.user.id));
          if (!first) return FailedPrecondition("you do not belong to any organization yet");
          ctx.org_id = std::move(*first);
        } else if (!TRY(deps->auth.identity().IsMember(ctx.org_id, p.user.id))) {
          return NotFound("no organization " + ctx.org_id + " among yours");
        }
        ctx.environment = TRY(ParseEnvironment(req.Header("X-Relish-Environment").value_or("sandbox")));
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
        return deps->connections.Prepare(ctx, req.params["link"], std::move(out));
      }();
      if (!prepared.ok()) co_return ErrorResponse(prepared.error());
      connections::Connections::Prepared& call = **prepared;
      // Empty until sent (a placeholder error would cost a message string per request).
      std::optional<Result<outbound::Response>> upstream;
      bool slow = !call.ready;
      if (call.ready) {
        auto& client = ctx.environment == "production" ? deps->production_async : deps->sandbox_async;
        upstream = co_await client.Send(call.request, call.url);
        slow = deps->connections.Finish(call, *upstream);
      }
      if (slow) {
        // Credentials must be fetched or refreshed first (network, store writes): on the pool.
        out = call.ready ? std::move(call.original) : std::move(call.request);
        auto work = [&deps, &ctx, &req, &out]() { return deps->connections.Call(ctx, req.params["link"], std::move(out)); };
        upstream = co_await server::Offload(deps->pool, work);
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
  router.AddAsync("POST", "/api/v1/keys/rotate", [deps](Request& req) -> Task<Response> {
    auto principal = deps->auth.Authenticate(req);
    if (!principal.ok()) co_return ErrorResponse(principal.error());
    if (!principal->is_admin()) co_return ErrorResponse(PermissionDenied("only administrators may do this"));
    auto work = [&deps]() -> Response {
      return Handle([&]() -> Result<Response> {
        bool from_file = deps->master_key.env_value.empty();
        // With a key file, rotation makes a new master key too; with RELISH_MASTER_KEY the master
        // key is the operator's to change, so only the data keys are renewed.
        vault::MasterKey next = from_file ? vault::MakeMasterKey(SystemRandom())
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
    };
    co_return co_await server::Offload(deps->pool, work);
  });
}

}  // namespace relish::api
