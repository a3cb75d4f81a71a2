// The OAuth server's machine endpoints: discovery, token, revocation, client registration.
#include "api/oauth_api.h"

#include "api/body.h"

#include <spdlog/spdlog.h>

#include <map>

#include "base/encoding.h"
#include "identity/scopes.h"
#include "server/json.h"

namespace relish::api {
namespace {

using identity::OAuthError;
using server::Json;
using server::Request;
using server::Response;

Response NoStore(Response r) {
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Pragma", "no-cache");
  return r;
}

Response OAuthErrorResponse(const OAuthError& e, bool basic_auth_used = false) {
  Response r = NoStore(
      server::JsonResponse(e.status, {{"error", e.error}, {"error_description", e.description}}));
  // RFC 6749 5.2: a failed HTTP Basic client authentication answers with a challenge.
  if (e.status == 401 && basic_auth_used) r.SetHeader("WWW-Authenticate", "Basic realm=\"relish\"");
  return r;
}

Response ServerError(const Error& e) {
  spdlog::error("oauth: {}", e.ToString());
  return OAuthErrorResponse({"server_error", "The server could not complete the request.", 500});
}

// The form body of a token or revocation request, and the client's credentials (HTTP Basic or
// form fields, never both). Errors are OAuth errors.
struct ClientRequest {
  std::map<std::string, std::string> params;
  identity::ClientCredentials client;
};

std::variant<ClientRequest, OAuthError> ParseClientRequest(const Request& req) {
  auto type = req.Header("Content-Type");
  if (!type || type->find("application/x-www-form-urlencoded") == std::string_view::npos) {
    return OAuthError{"invalid_request",
                      "Send the parameters as application/x-www-form-urlencoded.", 400};
  }
  ClientRequest out;
  for (auto& [k, v] : server::ParseForm(req.body)) {
    if (!out.params.emplace(k, v).second) {
      return OAuthError{"invalid_request", "The parameter " + k + " is repeated.", 400};
    }
  }
  auto form = [&](const char* name) -> std::optional<std::string> {
    auto it = out.params.find(name);
    if (it == out.params.end()) return std::nullopt;
    return it->second;
  };
  if (auto header = req.Header("Authorization")) {
    std::string_view value = *header;
    if (!value.starts_with("Basic ")) {
      return OAuthError{"invalid_client",
                        "Only HTTP Basic client authentication is accepted in the header.", 401};
    }
    auto decoded = Base64Decode(value.substr(6));
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos) {
      return OAuthError{"invalid_client", "The Basic credentials are malformed.", 401};
    }
    if (form("client_secret")) {
      return OAuthError{"invalid_request", "Use one client authentication method, not two.", 400};
    }
    // RFC 6749 2.3.1: the id and secret are form-encoded before Basic encoding.
    out.client.client_id = PercentDecode(decoded->substr(0, colon), true);
    out.client.client_secret = PercentDecode(decoded->substr(colon + 1), true);
    out.client.via_basic = true;
    if (auto id = form("client_id"); id && *id != out.client.client_id) {
      return OAuthError{"invalid_request", "client_id differs from the authenticated client.", 400};
    }
  } else {
    out.client.client_id = form("client_id").value_or("");
    out.client.client_secret = form("client_secret");
  }
  return out;
}

Json ClientJson(const identity::OAuthClient& c) {
  return {{"client_id", c.id},
          {"name", c.name},
          {"confidential", c.confidential},
          {"redirect_uris", c.redirect_uris},
          {"scopes", c.scopes},
          {"system", c.system},
          {"created_at", c.created_at}};
}

using server::Access;

constexpr std::string_view kSystemClientRefused =
    "Relish's own client is used by every organization's bigin connections; its secret cannot "
    "be replaced and it cannot be deleted over the API (Relish replaces the secret itself when "
    "its vault has lost it)";

// --- API contract (server/route_doc.h): every route AddOAuthRoutes registers.
void DocumentOAuthRoutes(server::Router& router) {
  using server::Doc;
  router.DocumentSchema("OAuthClient", R"({"client_id":"string","name":"string","confidential":"boolean",
      "redirect_uris":["string"],"scopes":["string"],"system":"boolean","created_at":"ms"})");
  router.Document({
      Doc("GET", "/.well-known/oauth-authorization-server",
          "Relish's OAuth server metadata (RFC 8414), for CRM API clients")
          .Returns(R"({"issuer":"string","authorization_endpoint":"string","token_endpoint":"string",
              "revocation_endpoint":"string","scopes_supported":["string"],
              "response_types_supported":["string"],"grant_types_supported":["string"],
              "token_endpoint_auth_methods_supported":["string"],
              "code_challenge_methods_supported":["string"]})"),
      Doc("POST", "/oauth/token", "Exchange a code or a refresh token for a CRM access token")
          .Describe("Form parameters as RFC 6749 4.1.3 and 6 (PKCE S256 required); the client "
                    "authenticates with HTTP Basic or client_id/client_secret form fields.")
          .Security("none")
          .Body(R"({"grant_type":"authorization_code|refresh_token","code?":"string",
              "redirect_uri?":"string","code_verifier?":"string","refresh_token?":"string",
              "client_id?":"string","client_secret?":"string"})",
                "application/x-www-form-urlencoded")
          .Returns(R"({"access_token":"string","refresh_token?":"string","scope":"string",
              "api_domain":"string","token_type":"'Bearer'","expires_in":"integer"})")
          .ErrorSchema("OAuthError")
          .Errors("400 401"),
      Doc("POST", "/oauth/revoke", "Revoke a CRM access or refresh token (RFC 7009)")
          .Body(R"({"token":"string","client_id?":"string","client_secret?":"string"})",
                "application/x-www-form-urlencoded")
          .ErrorSchema("OAuthError")
          .Errors("400 401"),
      Doc("GET", "/api/v1/oauth/clients", "The OAuth server's clients (administrators)")
          .Returns(R"({"clients":["$OAuthClient"]})"),
      Doc("POST", "/api/v1/oauth/clients", "Register an OAuth client; a confidential one's secret is shown once")
          .Body(R"({"name":"string","redirect_uris":["string"],"scopes?":["string"],"public?":"boolean"})")
          .Returns(R"({"=":{"allOf":[{"$ref":"#/components/schemas/OAuthClient"},{"type":"object",
              "properties":{"client_secret":{"type":["string","null"]}}}]}})", 201),
      Doc("GET", "/api/v1/oauth/clients/{id}", "One OAuth client")
          .Returns("$OAuthClient")
          .Errors("not_found"),
      Doc("POST", "/api/v1/oauth/clients/{id}/secret", "Replace a client's secret; the new one is shown once")
          .Returns(R"({"=":{"allOf":[{"$ref":"#/components/schemas/OAuthClient"},{"type":"object",
              "required":["client_secret"],"properties":{"client_secret":{"type":"string"}}}]}})")
          .Errors("not_found failed_precondition"),
      Doc("DELETE", "/api/v1/oauth/clients/{id}", "Delete an OAuth client and its tokens")
          .Returns(R"({"deleted":"string"})")
          .Errors("not_found failed_precondition"),
  });
}

}  // namespace

void AddOAuthRoutes(Routes& routes, identity::OAuthServer& oauth, const PublicUrl& public_url) {
  DocumentOAuthRoutes(routes.router());
  routes.Public("GET", "/.well-known/oauth-authorization-server", [&public_url](Request&) {
    std::string issuer = public_url.Get();
    Json methods = {"client_secret_basic", "client_secret_post", "none"};
    return server::JsonResponse(200,
                                {{"issuer", issuer},
                                 {"authorization_endpoint", issuer + "/oauth/authorize"},
                                 {"token_endpoint", issuer + "/oauth/token"},
                                 {"revocation_endpoint", issuer + "/oauth/revoke"},
                                 {"scopes_supported", identity::SupportedScopes()},
                                 {"response_types_supported", {"code"}},
                                 {"response_modes_supported", {"query"}},
                                 {"grant_types_supported", {"authorization_code", "refresh_token"}},
                                 {"token_endpoint_auth_methods_supported", methods},
                                 {"revocation_endpoint_auth_methods_supported", methods},
                                 {"code_challenge_methods_supported", {"S256"}},
                                 {"authorization_response_iss_parameter_supported", true}});
  });

  routes.Public("POST", "/oauth/token", [&oauth, &public_url](Request& req) {
    auto parsed = ParseClientRequest(req);
    if (auto* e = std::get_if<OAuthError>(&parsed))
      return OAuthErrorResponse(*e, req.Header("Authorization").has_value());
    auto& r = std::get<ClientRequest>(parsed);
    auto outcome = oauth.Token(r.client, r.params);
    if (!outcome.ok()) return ServerError(outcome.error());
    if (auto* e = std::get_if<OAuthError>(&*outcome))
      return OAuthErrorResponse(*e, r.client.via_basic);
    const auto& t = std::get<identity::TokenResponse>(*outcome);
    Json body = {{"access_token", t.access_token}};
    if (!t.refresh_token.empty()) body["refresh_token"] = t.refresh_token;
    body["scope"] = t.scope;
    body["api_domain"] = public_url.Get();
    body["token_type"] = "Bearer";
    body["expires_in"] = t.expires_in;
    return NoStore(server::JsonResponse(200, body));
  });

  routes.Public("POST", "/oauth/revoke", [&oauth](Request& req) {
    auto parsed = ParseClientRequest(req);
    if (auto* e = std::get_if<OAuthError>(&parsed))
      return OAuthErrorResponse(*e, req.Header("Authorization").has_value());
    auto& r = std::get<ClientRequest>(parsed);
    auto it = r.params.find("token");
    auto outcome = oauth.Revoke(r.client, it == r.params.end() ? "" : it->second);
    if (!outcome.ok()) return ServerError(outcome.error());
    if (*outcome) return OAuthErrorResponse(**outcome, r.client.via_basic);
    return NoStore(Response::Text(200, "", "application/json"));
  });

  routes.Add("GET", "/api/v1/oauth/clients", Access::kAdmin,
             [&oauth](Request&, const Caller&) -> Result<Response> {
               Json list = Json::array();
               for (const auto& c : TRY(oauth.ListClients())) list.push_back(ClientJson(c));
               return server::JsonResponse(200, {{"clients", list}});
             });
  routes.Add("POST", "/api/v1/oauth/clients", Access::kAdmin,
             [&oauth](Request& req, const Caller&) -> Result<Response> {
               Json body = TRY(server::ParseJsonBody(req));
               identity::NewClient spec;
               spec.name = TRY(RequiredText(body, "name"));
               spec.redirect_uris = TRY(TextList(body, "redirect_uris", true));
               spec.scopes = TRY(TextList(body, "scopes"));
               spec.confidential = !TRY(OptionalBool(body, "public"));
               auto [client, secret] = TRY(oauth.CreateClient(spec));
               Json j = ClientJson(client);
               // The secret is shown here, once.
               j["client_secret"] = client.confidential ? Json(secret) : Json();
               return server::JsonResponse(201, j);
             });
  routes.Add("GET", "/api/v1/oauth/clients/{id}", Access::kAdmin,
             [&oauth](Request& req, const Caller&) -> Result<Response> {
               return server::JsonResponse(200, ClientJson(TRY(oauth.GetClient(req.params["id"]))));
             });
  routes.Add("POST", "/api/v1/oauth/clients/{id}/secret", Access::kAdmin,
             [&oauth](Request& req, const Caller&) -> Result<Response> {
               auto client = TRY(oauth.GetClient(req.params["id"]));
               // Every organization's bigin connections authenticate with this client's
               // secret, which Relish keeps in its vault (app.cc, EnsureOwnCrmClient): a new
               // one handed to the caller would leave them all failing to refresh.
               if (client.system) return FailedPrecondition(std::string(kSystemClientRefused));
               Json j = ClientJson(client);
               j["client_secret"] = TRY(oauth.RotateClientSecret(client.id));
               return server::JsonResponse(200, j);
             });
  routes.Add("DELETE", "/api/v1/oauth/clients/{id}", Access::kAdmin,
             [&oauth](Request& req, const Caller&) -> Result<Response> {
               auto client = TRY(oauth.GetClient(req.params["id"]));
               if (client.system) return FailedPrecondition(std::string(kSystemClientRefused));
               TRY(oauth.DeleteClient(client.id));
               return server::JsonResponse(200, {{"deleted", client.id}});
             });
}

}  // namespace relish::api
