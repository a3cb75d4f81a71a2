// Discovery for custom services: reads an authorization server's metadata (RFC 8414, or OpenID
// Connect discovery) and drafts a service definition from it.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "outbound/http_client.h"

namespace relish::connections {

struct Discovered {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string revocation_endpoint;
  std::vector<std::string> scopes_supported;
  bool pkce_s256 = false;
  bool client_secret_basic = true;  // else client_secret_post
  std::string draft_yaml;  // a service definition to complete (id, name, base_url, hosts)
};

// `issuer` is the authorization server's issuer URL (https://login.example.com or
// https://example.com/tenant). Tries <origin>/.well-known/oauth-authorization-server<path>, then
// <issuer>/.well-known/openid-configuration. The document's issuer must equal `issuer`.
Result<Discovered> Discover(outbound::HttpClient& http, std::string_view issuer);

}  // namespace relish::connections
