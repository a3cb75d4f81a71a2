#include "connections/discovery.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "base/json_fields.h"
#include "connections/origin.h"
#include "outbound/url.h"

namespace relish::connections {

Result<Discovered> Discover(outbound::HttpClient& http, std::string_view issuer_view) {
  std::string issuer(issuer_view);
  while (issuer.size() > 8 && issuer.back() == '/') issuer.pop_back();
  auto url = TRY(outbound::ParseUrl(issuer));
  if (url.scheme != "https" && url.host != "127.0.0.1" && url.host != "localhost") {
    return InvalidArgument("the issuer must be an https URL");
  }
  std::string path = url.path == "/" ? "" : url.path;
  // RFC 8414 section 3: the well-known segment goes between the host and the path.
  std::vector<std::string> candidates = {url.Origin() + "/.well-known/oauth-authorization-server" + path,
                                         issuer + "/.well-known/openid-configuration"};
  std::string last_error;
  for (const auto& candidate : candidates) {
    auto response = http.Send({.url = candidate, .headers = {{"Accept", "application/json"}},
                               .timeout = std::chrono::seconds(15), .max_response_bytes = 1 << 20});
    if (!response.ok()) {
      last_error = response.error().message();
      continue;
    }
    if (response->status != 200) {
      last_error = candidate + " answered HTTP " + std::to_string(response->status);
      continue;
    }
    auto doc = nlohmann::json::parse(response->body, nullptr, false);
    if (!doc.is_object()) {
      last_error = candidate + " is not a JSON object";
      continue;
    }
    Discovered d;
    auto named = TextField(doc, "issuer");
    if (named != issuer) {
      // RFC 8414 section 3.3: a mismatched issuer means the metadata must not be used.
      return InvalidArgument("the metadata at " + candidate + " names " +
                             (named ? "issuer '" + *named + "'" : "no issuer as text") + ", not '" +
                             issuer + "'; refusing it");
    }
    d.issuer = *named;
    d.authorization_endpoint = TextFieldOr(doc, "authorization_endpoint");
    d.token_endpoint = TextFieldOr(doc, "token_endpoint");
    d.revocation_endpoint = TextFieldOr(doc, "revocation_endpoint");
    if (doc.contains("scopes_supported") && doc["scopes_supported"].is_array()) {
      for (const auto& s : doc["scopes_supported"]) {
        if (s.is_string()) d.scopes_supported.push_back(s.get<std::string>());
      }
    }
    if (doc.contains("code_challenge_methods_supported") &&
        doc["code_challenge_methods_supported"].is_array()) {
      for (const auto& m : doc["code_challenge_methods_supported"]) d.pkce_s256 |= m == "S256";
    }
    if (doc.contains("token_endpoint_auth_methods_supported") &&
        doc["token_endpoint_auth_methods_supported"].is_array()) {
      const auto& methods = doc["token_endpoint_auth_methods_supported"];
      bool basic = false, post = false;
      for (const auto& m : methods) {
        basic |= m == "client_secret_basic";
        post |= m == "client_secret_post";
      }
      d.client_secret_basic = basic || !post;
    }
    if (d.token_endpoint.empty()) return InvalidArgument(candidate + " has no token_endpoint");
    std::string yaml = "id: my_service             # choose: lowercase, a-z 0-9 _\n"
                       "name: My Service\n"
                       "docs: " + issuer + "\n"
                       "auth: " + std::string(d.authorization_endpoint.empty() ? "oauth2_client_credentials" : "oauth2") + "\n"
                       "base_url: https://api.example.com   # the API's base URL\n"
                       "allowed_hosts: [api.example.com]    # hosts the token may be sent to\n";
    // The endpoints that receive the client secret and refresh tokens, as found.
    std::vector<std::string> token_hosts;
    for (const auto* endpoint : {&d.token_endpoint, &d.revocation_endpoint}) {
      auto parsed = outbound::ParseUrl(*endpoint);
      if (!parsed.ok()) continue;
      std::string entry = "'" + OriginEntry(*parsed) + "'";
      if (std::find(token_hosts.begin(), token_hosts.end(), entry) == token_hosts.end()) {
        token_hosts.push_back(entry);
      }
    }
    if (!token_hosts.empty()) {
      yaml += "token_hosts: [";
      for (size_t i = 0; i < token_hosts.size(); ++i) yaml += (i ? ", " : "") + token_hosts[i];
      yaml += "]\n";
    }
    yaml += "oauth2:\n";
    if (!d.authorization_endpoint.empty()) yaml += "  authorize_url: " + d.authorization_endpoint + "\n";
    yaml += "  token_url: " + d.token_endpoint + "\n";
    if (!d.revocation_endpoint.empty()) yaml += "  revoke_url: " + d.revocation_endpoint + "\n";
    if (!d.scopes_supported.empty()) {
      yaml += "  scopes:\n";
      for (const auto& s : d.scopes_supported) yaml += "    - '" + s + "'\n";
    }
    yaml += std::string("  pkce: ") + (d.pkce_s256 ? "true" : "false") + "\n";
    yaml += std::string("  client_auth: ") + (d.client_secret_basic ? "basic" : "form") + "\n";
    d.draft_yaml = yaml;
    return d;
  }
  return Unavailable("no authorization server metadata found for " + issuer + ": " + last_error);
}

}  // namespace relish::connections
