// Calls to providers' token endpoints (RFC 6749 section 4 and 6) and revocation (RFC 7009).
#include <sodium.h>

#include <ctime>

#include "base/encoding.h"
#include "base/json_fields.h"
#include "connections/connections_impl.h"
#include "connections/jwt.h"
#include "outbound/url.h"

namespace relish::connections {
namespace {

std::optional<int64_t> NumberOrString(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return static_cast<int64_t>(v.get<double>());
  if (v.is_string()) {
    try {
      return std::stoll(v.get<std::string>());
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Token responses are JSON; a few providers answer application/x-www-form-urlencoded.
Json ParseTokenBody(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object()) return j;
  if (body.find('=') == std::string::npos || body.find('{') != std::string::npos) return Json();
  Json out = Json::object();
  std::string_view rest = body;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    auto eq = part.find('=');
    if (eq != std::string_view::npos) {
      out[PercentDecode(part.substr(0, eq), true)] = PercentDecode(part.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::string Snippet(const std::string& body) {
  std::string s = body.substr(0, 120);
  for (auto& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return body.size() > 120 ? s + "..." : s;
}

// A token endpoint's answer (RFC 6749 5.1 and 5.2, and the providers that stray from it).
Result<TokenResponse> ReadTokenResponse(const OAuth2Settings& o, const std::string& host,
                                        const Result<outbound::Response>& response) {
  if (!response.ok()) {
    return Unavailable("token endpoint " + host + " is unreachable: " + response.error().message());
  }
  Json body = ParseTokenBody(response->body);
  if (response->status < 200 || response->status >= 300) {
    if (auto error_text = TextField(body, "error")) {
      std::string error = *error_text;
      std::string description = TextFieldOr(body, "error_description");
      std::string message = "the provider refused: " + error + (description.empty() ? "" : " (" + description + ")");
      // invalid_grant / invalid_client / unauthorized_client will not get better by retrying;
      // nor will Zoho's invalid_code (its invalid_grant: an unknown or revoked code or token).
      if (error == "invalid_grant" || error == "invalid_client" || error == "unauthorized_client" ||
          error == "invalid_scope" || error == "access_denied" || error == "invalid_code") {
        return PermissionDenied(message);
      }
      return Unavailable(message);
    }
    return Unavailable("token endpoint " + host + " answered HTTP " +
                       std::to_string(response->status) + ": " + Snippet(response->body));
  }
  // Zoho answers 200 with {"error":"invalid_code"}.
  if (body.is_object() && body.contains("error") && !body.contains("access_token")) {
    std::string error = body["error"].is_string() ? body["error"].get<std::string>() : body["error"].dump();
    return PermissionDenied("the provider refused: " + error);
  }
  if (TextFieldOr(body, "access_token").empty()) {
    return Unavailable("token endpoint " + host +
                       " answered with something that is not a token response: " +
                       Snippet(response->body));
  }
  TokenResponse t;
  t.access_token = *TextField(body, "access_token");
  t.refresh_token = TextFieldOr(body, "refresh_token");
  if (body.contains("expires_in")) t.expires_in = NumberOrString(body["expires_in"]);
  t.scope = TextField(body, "scope");
  for (const auto& [k, v] : body.items()) {
    if (v.is_string() && k != "access_token" && k != "refresh_token" && k != "id_token") {
      t.fields[k] = v.get<std::string>();
    }
  }
  if (!o.account_id.empty() && body.contains(o.account_id)) {
    const Json& a = body[o.account_id];
    t.account_id = a.is_string() ? a.get<std::string>() : a.dump();
  }
  return t;
}

// ---- catalog (issue 20): GitHub's installation token answer, {"token", "expires_at"}.
std::optional<int64_t> SecondsUntil(const std::string& iso, int64_t now_seconds) {
  std::tm tm{};
  if (iso.size() < 20 || strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm)) - now_seconds;
}

Result<TokenResponse> ReadInstallationToken(const std::string& host,
                                            const Result<outbound::Response>& response,
                                            int64_t now_seconds) {
  if (!response.ok()) {
    return Unavailable("token endpoint " + host + " is unreachable: " + response.error().message());
  }
  Json body = Json::parse(response->body, nullptr, false);
  std::string token = body.is_object() ? TextFieldOr(body, "token") : "";
  if (response->status == 401 || response->status == 403 || response->status == 404) {
    return PermissionDenied("the provider refused: HTTP " + std::to_string(response->status) +
                            (body.is_object() && body.contains("message")
                                 ? " (" + TextFieldOr(body, "message") + ")"
                                 : ""));
  }
  if (response->status < 200 || response->status >= 300 || token.empty()) {
    return Unavailable("token endpoint " + host + " answered HTTP " +
                       std::to_string(response->status) + " without an installation token: " +
                       Snippet(response->body));
  }
  TokenResponse t;
  t.access_token = token;
  t.expires_in = SecondsUntil(TextFieldOr(body, "expires_at"), now_seconds);
  return t;
}

}  // namespace

std::string PkceChallenge(std::string_view verifier) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(verifier.data()),
                     verifier.size());
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Result<CallTarget> Connections::Impl::TokenEndpoint(const Resolved& r, const std::string& url,
                                                    std::string_view field) {
  // Checked after expansion, at each request: validation saw sample values only, and a
  // parameter's value (or a changed pattern) may move a templated host.
  CallTarget t;
  t.text = TRY(Expand(url, r.values));
  t.url = TRY(outbound::ParseUrl(t.text));
  t.allowed = AnyOriginMatches(r.token_origins, t.url);
  if (!t.allowed) {
    return PermissionDenied("service " + r.service->id + "'s " + std::string(field) + " is at " +
                            OriginEntry(t.url) + ", not one of its token hosts (" +
                            DescribeOrigins(r.token_origins) + "); nothing was sent");
  }
  return t;
}

Result<TokenResponse> Connections::Impl::TokenRequest(
    const Resolved& r, const ClientApp& client, const std::string& url,
    std::vector<std::pair<std::string, std::string>> form) {
  const OAuth2Settings& o = *r.service->oauth2;
  std::string_view field = url == o.token_url     ? "oauth2.token_url"
                           : url == o.refresh_url ? "oauth2.refresh_url"
                                                  : "oauth2 endpoint";
  auto endpoint = TRY(TokenEndpoint(r, url, field));
  outbound::Request req;
  req.method = "POST";
  req.url = std::move(endpoint.text);
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  // ---- catalog (issue 20): grants that sign a JWT with the client secret, a private key that
  // goes nowhere: the signed JWT (valid minutes) goes instead, and no client authentication.
  int64_t now_seconds = clock_.NowMillis() / 1000;
  if (o.grant_type == "github_app") {
    // The app's JWT (issuer: its client id or app id; GitHub allows at most ten minutes, and
    // iat a minute early absorbs clock drift) buys an installation token.
    std::string claims = Json{{"iss", client.client_id},
                              {"iat", now_seconds - 60},
                              {"exp", now_seconds + 540}}.dump();
    std::string jwt = TRY(SignRs256Jwt(claims, PrivateKeyPem(client.client_secret)));
    req.headers = {{"Accept", "application/vnd.github+json"},
                   {"Authorization", "Bearer " + jwt},
                   {"X-GitHub-Api-Version", "2022-11-28"}};
    req.max_redirects = 0;
    req.timeout = std::chrono::seconds(30);
    std::vector<std::string> sent = SecretValuesOf(*r.service, Credentials{}, &client);
    AddWireForms(jwt, sent);
    auto token = ReadInstallationToken(endpoint.url.host,
                                       Http(r.connection.environment).Send(std::move(req)),
                                       now_seconds);
    if (!token.ok()) return ScrubError(SecretValues(std::move(sent)), token.error());
    return token;
  }
  bool jwt_bearer = o.grant_type == "jwt_bearer";
  if (jwt_bearer) {
    // RFC 7523 2.1: the assertion names the client (iss), the token URL (aud) and the scopes.
    std::string scope;
    for (const auto& [k, v] : form) {
      if (k == "scope") scope = v;
    }
    std::string subject = o.subject.empty() ? "" : TRY(Expand(o.subject, r.values));
    std::string claims = JwtBearerClaims(client.client_id, scope, req.url, now_seconds, subject);
    form = {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
            {"assertion", TRY(SignRs256Jwt(claims, PrivateKeyPem(client.client_secret)))}};
  } else if (o.client_auth == ClientAuth::kBasic) {
    // RFC 6749 2.3.1: the id and secret are form-encoded before base64.
    req.headers.emplace_back(
        "Authorization",
        "Basic " + Base64Encode(FormEncode(client.client_id) + ":" + FormEncode(client.client_secret)));
  } else {
    form.emplace_back("client_id", client.client_id);
    if (!client.client_secret.empty()) form.emplace_back("client_secret", client.client_secret);
  }
  if (!o.token_params.empty()) {
    Values values = AuthorizationValues(r);
    for (const auto& p : o.token_params) form.emplace_back(p.first, TRY(Expand(p.second, values)));
  }
  // The secrets this request carries (the client's, a refresh token, a code and its verifier):
  // an answer that quotes one (an error description, a body that is not a token response) has
  // it masked in the error, and so in the reason a connection records.
  std::vector<std::string> sent = SecretValuesOf(*r.service, Credentials{}, &client);
  for (const auto& [name, value] : form) {
    if (name == "refresh_token" || name == "code" || name == "code_verifier" ||
        name == "assertion") {
      AddWireForms(value, sent);
    }
  }
  req.body = FormBody(form);
  req.max_redirects = 0;  // a token endpoint that redirects is misconfigured; never re-post secrets
  req.timeout = std::chrono::seconds(30);
  auto token =
      ReadTokenResponse(o, endpoint.url.host, Http(r.connection.environment).Send(std::move(req)));
  if (!token.ok()) return ScrubError(SecretValues(std::move(sent)), token.error());
  return token;
}

Result<void> Connections::Impl::RevokeAtProvider(const Resolved& r, const Credentials& c) {
  if (!r.service->oauth2 || r.service->oauth2->revoke_url.empty()) return Ok();
  std::string token = c.refresh_token.empty() ? c.access_token : c.refresh_token;
  if (token.empty()) return Ok();
  auto client = TRY(LoadClient(r.connection.org_id, r.connection.environment, r.service->id));
  const OAuth2Settings& o = *r.service->oauth2;
  auto endpoint = TRY(TokenEndpoint(r, o.revoke_url, "oauth2.revoke_url"));
  outbound::Request req;
  req.method = "POST";
  req.url = std::move(endpoint.text);
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  std::vector<std::pair<std::string, std::string>> form = {
      {"token", token},
      {"token_type_hint", c.refresh_token.empty() ? "access_token" : "refresh_token"}};
  if (o.client_auth == ClientAuth::kBasic) {
    req.headers.emplace_back("Authorization",
                             "Basic " + Base64Encode(FormEncode(client.client_id) + ":" +
                                                     FormEncode(client.client_secret)));
  } else {
    form.emplace_back("client_id", client.client_id);
    if (!client.client_secret.empty()) form.emplace_back("client_secret", client.client_secret);
  }
  req.body = FormBody(form);
  req.max_redirects = 0;
  req.timeout = std::chrono::seconds(30);
  auto response = Http(r.connection.environment).Send(std::move(req));
  if (!response.ok()) return Unavailable("revocation endpoint unreachable: " + response.error().message());
  // RFC 7009 2.2: 200 means revoked (or the token was already invalid).
  if (response->status != 200) {
    return Unavailable("the revocation endpoint answered HTTP " + std::to_string(response->status));
  }
  return Ok();
}

}  // namespace relish::connections
