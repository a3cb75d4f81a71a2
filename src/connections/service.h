// A service: how to authenticate to an API (docs/services.md is the schema). Default services
// ship in services/*.yaml (embedded into the binary); custom services are created at runtime.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace relish::connections {

enum class AuthScheme { kOAuth2, kOAuth2ClientCredentials, kOAuth1, kApiKey, kBasic, kBearer, kNone };
std::string_view AuthSchemeName(AuthScheme scheme);  // "oauth2", ...

struct Parameter {
  std::string name;
  std::string label;
  std::string pattern;  // anchored regex; values must match fully
  std::optional<std::string> default_value;
  std::optional<std::string> example;
};

// Where a credential goes on a request.
struct Inject {
  std::string header;  // header name, empty when `query` is used
  std::string prefix;  // header value is "<prefix> <token>" (just the token when empty)
  std::string query;   // query parameter name instead of a header
};

enum class ClientAuth { kBasic, kForm };

struct OAuth2Settings {
  std::string authorize_url;  // not for client credentials
  std::string token_url;
  std::string refresh_url;  // defaults to token_url
  std::string revoke_url;   // optional
  std::vector<std::string> scopes;
  std::vector<std::string> default_scopes;
  std::string scope_delimiter = " ";
  bool pkce = true;
  ClientAuth client_auth = ClientAuth::kBasic;
  std::vector<std::pair<std::string, std::string>> authorize_params;
  std::vector<std::pair<std::string, std::string>> token_params;
  std::string account_id;  // token response field naming the upstream account
};

struct OAuth1Settings {
  std::string request_token_url;
  std::string authorize_url;
  std::string access_token_url;
};

enum class KeyPlacement { kHeader, kQuery, kForm };

struct ApiKeyField {
  std::string name;
  std::string label;
  std::string prefix;
};

struct ApiKeySettings {
  KeyPlacement in = KeyPlacement::kHeader;
  std::vector<ApiKeyField> fields;
};

struct BasicSettings {
  std::string username_label = "User name";
  std::string password_label = "Password";
};

struct TestCall {
  std::string method = "GET";
  std::string url;
  std::optional<int> expect_status;  // nullopt: any 2xx
};

struct Service {
  std::string id;
  std::string name;
  std::string description;
  std::string docs;
  AuthScheme auth = AuthScheme::kNone;
  std::vector<Parameter> parameters;
  std::string base_url;
  std::string sandbox_base_url;
  std::vector<std::string> allowed_hosts;  // may hold {param} templates and "*." wildcards
  std::vector<std::pair<std::string, std::string>> headers;  // fixed extra headers
  Inject inject;
  std::optional<OAuth2Settings> oauth2;
  std::optional<OAuth1Settings> oauth1;
  std::optional<ApiKeySettings> api_key;
  BasicSettings basic;
  std::optional<TestCall> test;
  bool builtin = false;  // a default service from services/
  std::string source;    // the YAML text it was read from
};

// Parses and validates a service definition. `origin` names it in errors
// ("services/zoho_books.yaml"); every error carries origin:line.
Result<Service> ParseService(std::string_view yaml, std::string_view origin);

// Values for {name} placeholders: the service's parameters plus the built-ins public_url and
// public_host.
using Values = std::map<std::string, std::string>;

// Checks connection parameter values against the service: unknown names are refused, missing
// ones take their default, every value must fully match its pattern. Adds the built-ins.
Result<Values> ResolveParameters(const Service& service, const Values& given,
                                 const std::string& public_url);

// Replaces {name} placeholders; an unknown name is an error.
Result<std::string> Expand(std::string_view text, const Values& values);

// True when `host` (lowercase) matches one of the service's allowed hosts after expansion.
Result<bool> HostAllowed(const Service& service, const Values& values, std::string_view host);

// Validation helpers shared with connections.
bool ValidLinkName(std::string_view name);  // [a-z][a-z0-9_]{0,49}

}  // namespace relish::connections
