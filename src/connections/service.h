// A service: how to authenticate to an API (docs/services.md is the schema). Default services
// ship in services/*.yaml (embedded into the binary); custom services are created at runtime.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "connections/origin.h"

namespace relish::connections {

enum class AuthScheme { kOAuth2, kOAuth2ClientCredentials, kOAuth1, kApiKey, kBasic, kBearer, kNone };
std::string_view AuthSchemeName(AuthScheme scheme);  // "oauth2", ...

// --- Captured values (issue 20): a value the provider hands back during authorization. ---
// Where it comes from: a query parameter of the authorization callback, or a top-level field of
// the token response. `values`, when not empty, is the whole list of accepted values, each with
// the parameter value it means (Zoho's accounts-server -> data centre); anything else is refused.
// Without it, the value itself must match the parameter's pattern.
// kMetadata (`from: metadata`): a GET of `url` after the code exchange, with the new access token
// as "Authorization: <prefix> <token>" (Mailchimp's data centre, Atlassian's cloud id); `field` is
// then a dotted path into its JSON answer (`path:` in the YAML; a number indexes a list: "0.id").
// The URL is fixed (no templates) and on allowed_hosts: the token goes nowhere else.
enum class CaptureFrom { kCallback, kToken, kMetadata };
struct Capture {
  CaptureFrom from = CaptureFrom::kCallback;
  std::string field;
  std::string url;                // kMetadata only
  std::string prefix = "Bearer";  // kMetadata only
  std::vector<std::pair<std::string, std::string>> values;
  // An anchored regex with one group: the value is what the group matched (Salesforce's
  // instance_url https://acme.my.salesforce.com -> acme); a value it does not match is refused.
  std::string match;
};

struct Parameter {
  std::string name;
  std::string label;
  std::string pattern;  // anchored regex; values must match fully
  // May name derived values ("https://{api_host}"): it is then worked out after them.
  std::optional<std::string> default_value;
  std::optional<std::string> example;
  std::optional<Capture> capture;  // set automatically at authorization; a captured parameter
                                   // without a default may be left out until then
  // Issue 20 (WooCommerce): a whole host the user names when creating the connection (a
  // merchant's own store), so its pattern admits any DNS name but nothing else (no port, path,
  // user info or IP literal). It has no default and is never captured: a connection's parameters
  // are fixed at creation, so the credential only ever goes where its creator said. Only for
  // api_key, basic and bearer services (no OAuth client secret may follow a user's host).
  bool user_chosen_host = false;
};

// --- Derived values (issue 20): a per-value map from one parameter to a fixed text, for hosts
// one template cannot express (Zoho's Canada: accounts.zohocloud.ca but www.zohoapis.ca). ---
struct Derived {
  std::string name;  // used as {name}
  std::string from;  // a parameter whose default is not templated
  std::vector<std::pair<std::string, std::string>> values;  // parameter value -> text
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
  // ---- catalog (issue 20): the grant type of an oauth2_client_credentials token request:
  // client_credentials; account_credentials (Zoom Server-to-Server, with token_params);
  // jwt_bearer (RFC 7523: the client secret is an RSA private key that signs the assertion, as
  // Google service accounts); github_app (the key signs an app JWT that buys an installation
  // token at token_url).
  std::string grant_type = "client_credentials";
  // jwt_bearer only: the assertion's sub, the user the service account acts as (Google's
  // domain-wide delegation), usually '{subject}' naming a parameter; empty after expansion: none.
  std::string subject;
};

struct OAuth1Settings {
  std::string request_token_url;
  std::string authorize_url;
  std::string access_token_url;
  // ---- catalog (issue 20): extra query parameters of the authorize step (Trello's scope,
  // expiration and name; Flickr's perms), as oauth2.authorize_params.
  std::vector<std::pair<std::string, std::string>> authorize_params;
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

// --- Resilient calls (issue 18): token-invalid signals, retries and call limits.

// An answer that means "this token is no longer valid" besides a 401 (Zoho's
// {"code":"INVALID_OAUTHTOKEN"} in a 200, a 403 with a given error): it triggers the same
// refresh-and-retry-once as a 401. A status alone, a JSON path and value alone, or both.
struct TokenInvalidSignal {
  std::optional<int> status;  // nullopt: any status
  std::string json;           // dotted path into a JSON body ("code", "error.code"); empty: none
  std::string equals;         // the value there, compared as text
};

// Retries of 429 and 5xx answers (`retry:`). Off unless the service or the request turns them on.
struct RetrySettings {
  bool enabled = false;        // retry idempotent calls unless the request says otherwise
  int max_attempts = 3;        // attempts in all, the first included
  int64_t max_wait_ms = 30'000;  // total time waited between attempts
  int64_t base_delay_ms = 500;   // first back-off; doubled each attempt, with jitter
};

// Per-connection caps (`limits:`), so one runaway function cannot burn an organization's quota.
struct CallLimits {
  int concurrency = 0;         // calls in flight at once; 0: no cap
  int per_minute = 0;          // calls started in any rolling minute; 0: no cap
  int64_t queue_wait_ms = 0;   // how long an excess call waits for room; 0: refused at once
};

// The categories a catalog is browsed by (`category:` in a definition). A fixed set, so the
// console can offer them as filters and a typo is refused rather than making a category of one.
inline constexpr std::string_view kServiceCategories[] = {
    "CRM",      "Accounting", "Communication", "Developer tools", "Productivity",
    "Marketing", "Payments",  "E-commerce",    "Storage",         "Support",
    "HR",       "AI",         "Social",        "Other"};
inline constexpr std::string_view kDefaultServiceCategory = "Other";

struct Service {
  std::string id;
  std::string name;
  std::string description;
  std::string docs;
  std::string category;  // one of kServiceCategories; empty when the definition omits it
  AuthScheme auth = AuthScheme::kNone;
  std::vector<Parameter> parameters;
  std::vector<Derived> derived;  // issue 20: per-value maps
  std::string base_url;
  std::string sandbox_base_url;
  // Origins the API credentials may go to (connections/origin.h); may hold {param} templates.
  std::vector<std::string> allowed_hosts;
  // Origins the token, refresh and revoke endpoints (and OAuth 1.0a's request and access token
  // endpoints) may be at: where client secrets, codes and refresh tokens go. Empty: allowed_hosts.
  std::vector<std::string> token_hosts;
  std::vector<std::pair<std::string, std::string>> headers;  // fixed extra headers
  Inject inject;
  std::optional<OAuth2Settings> oauth2;
  std::optional<OAuth1Settings> oauth1;
  std::optional<ApiKeySettings> api_key;
  BasicSettings basic;
  std::optional<TestCall> test;
  // --- Resilient calls (issue 18)
  std::vector<TokenInvalidSignal> token_invalid;
  RetrySettings retry;
  CallLimits limits;
  bool builtin = false;  // a default service from services/
  std::string source;    // the YAML text it was read from

  // Custom services only: the organization that owns it, who created it, and when its policy
  // (PolicyChanges) last changed; credentials authorized before then are not used.
  std::string org_id;
  std::string created_by;
  int64_t policy_changed_at = 0;

  std::string_view Category() const {
    return category.empty() ? kDefaultServiceCategory : std::string_view(category);
  }
  const std::vector<std::string>& TokenHosts() const {
    return token_hosts.empty() ? allowed_hosts : token_hosts;
  }
};

// Parses and validates a service definition. `origin` names it in errors
// ("services/zoho_books.yaml"); every error carries origin:line.
Result<Service> ParseService(std::string_view yaml, std::string_view origin);

// Values for {name} placeholders: the service's parameters plus the built-ins public_url
// ("http://127.0.0.1:8080"), public_host ("127.0.0.1:8080": host and port, no scheme) and
// public_origin ("http://127.0.0.1:8080": scheme, host and port, for allowed_hosts).
using Values = std::map<std::string, std::string>;

// Checks connection parameter values against the service: unknown names are refused, missing
// ones take their default, every value must fully match its pattern. Adds the built-ins.
Result<Values> ResolveParameters(const Service& service, const Values& given,
                                 const std::string& public_url);

// The value a capture yields for `raw` (what the provider sent): the mapped value, or `raw`
// itself when the capture has no map; then it must match the parameter's pattern. An error
// names the parameter and says why the value is refused.
Result<std::string> CapturedValue(const Service& service, const Parameter& p, std::string_view raw);

// Replaces {name} placeholders; an unknown name is an error.
Result<std::string> Expand(std::string_view text, const Values& values);

// The origins of `entries` (a service's allowed_hosts or token_hosts) with `values` expanded.
Result<std::vector<OriginRule>> ExpandOrigins(const std::vector<std::string>& entries,
                                              const Values& values);
// True when the URL's origin is one of `entries` after expansion.
Result<bool> OriginAllowed(const std::vector<std::string>& entries, const Values& values,
                           const outbound::Url& url);

// The settings that decide where a service's credentials go (the auth scheme, base URLs,
// allowed and token hosts, parameters, fixed headers, injection, API key placement, OAuth URLs
// and client authentication) that differ between `before` and `after`, named as in the YAML
// ("allowed_hosts", "oauth2.token_url", ...), in schema order. Empty: the same policy.
std::vector<std::string> PolicyChanges(const Service& before, const Service& after);

// The built-in parameters, which a service may not declare.
bool BuiltinParameter(std::string_view name);

// Validation helpers shared with connections.
bool ValidLinkName(std::string_view name);  // [a-z][a-z0-9_]{0,49}

}  // namespace relish::connections
