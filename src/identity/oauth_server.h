// OAuthServer: the OAuth 2.0 authorization server that protects the CRM's REST API (RFC 6749
// authorization code grant with PKCE (RFC 7636), refresh tokens with rotation, revocation (RFC
// 7009); the security BCP (RFC 9700) throughout). The HTTP endpoints and HTML pages live in
// src/api (oauth_api.cc, oauth_pages.cc); this class holds the rules and the state.
//
// - Clients are registered with exact redirect URIs and the scopes they may ask for. A client
//   with a secret is confidential; one without is public and must use PKCE. Secrets are shown
//   once, at creation, and stored as SHA-256 digests.
// - A code is single-use, lives kCodeTtl, and is bound to the client, redirect URI, PKCE
//   challenge, user, organization, environment and scopes. A second use of a code revokes every
//   token it issued (RFC 6749 section 10.5).
// - Tokens are opaque random strings stored as digests. An access token lives kAccessTokenTtl
//   and is bound to one organization and one environment. A refresh token (issued when the
//   request asked for access_type=offline, as Zoho does) is single-use: refreshing returns a new
//   one, and presenting a used one revokes the whole grant (RFC 9700 section 4.14.2).
//
// Thread-safe: all state is in the Store; every check-and-consume is one write transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "store/store.h"

namespace relish::identity {

inline constexpr int64_t kCodeTtlMs = 60'000;
inline constexpr int64_t kAccessTokenTtlMs = 3'600'000;

struct OAuthClient {
  std::string id;  // client_id, "1000." + 30 characters like Zoho's
  std::string name;
  bool confidential = true;  // has a secret
  std::vector<std::string> redirect_uris;
  std::vector<std::string> scopes;  // what it may ask for; empty: any CRM scope
  bool system = false;              // Relish's own (the connections client)
  int64_t created_at = 0;
};

struct NewClient {
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> scopes;
  bool confidential = true;
};

// An OAuth error response (RFC 6749 sections 4.1.2.1 and 5.2).
struct OAuthError {
  std::string error;  // invalid_request, invalid_client, invalid_grant, invalid_scope, ...
  std::string description;
  int status = 400;  // 401 for invalid_client
};

// A checked authorization request (the query of GET /oauth/authorize, or the consent form).
struct AuthorizationRequest {
  OAuthClient client;
  std::string redirect_uri;
  std::string state;
  std::vector<std::string> scopes;
  std::string code_challenge;  // S256; empty when the (confidential) client sent none
  bool offline = false;        // access_type=offline: issue a refresh token
  // Relish's extension (relish_org, relish_environment): the organization and environment the
  // request is for. When set, the consent page offers only them and a code is issued only for
  // them. Relish's own client must send both, so a connection's authorization link cannot be
  // allowed for another organization than the connection's.
  std::string org_id;
  std::string environment;
};

// What checking an authorization request gives: the request, or an error to show as a page
// (the client or redirect URI cannot be trusted, so nothing is redirected: RFC 6749 4.1.2.1),
// or an error to send back to the client's redirect URI.
struct AuthorizeCheck {
  std::optional<AuthorizationRequest> request;
  std::optional<OAuthError> page_error;
  std::optional<OAuthError> redirect_error;
  std::string redirect_uri;  // where redirect_error goes (the validated redirect URI)
  std::string state;
};

struct TokenResponse {
  std::string access_token;
  std::string refresh_token;  // empty when none was issued
  std::string scope;          // the granted scopes, space-separated (RFC 6749 3.3)
  int64_t expires_in = kAccessTokenTtlMs / 1000;
};

// Who an access token acts for.
struct AccessGrant {
  std::string grant_id;
  std::string client_id;
  std::string user_id;
  std::string org_id;
  std::string environment;
  std::vector<std::string> scopes;
  int64_t expires_at = 0;
};

// Client credentials from a token or revocation request: HTTP Basic or form fields.
struct ClientCredentials {
  std::string client_id;
  std::optional<std::string> client_secret;
  bool via_basic = false;
};

struct OAuthOptions {
  int64_t code_ttl_ms = kCodeTtlMs;
};

class OAuthServer {
 public:
  OAuthServer(store::Store& store, const Clock& clock, Random& random, OAuthOptions options = {});

  static std::vector<store::Migration> Migrations();

  // Clients. CreateClient returns the secret (empty for a public client) only here.
  Result<std::pair<OAuthClient, std::string>> CreateClient(const NewClient& spec);
  Result<std::vector<OAuthClient>> ListClients();
  Result<OAuthClient> GetClient(std::string_view client_id);
  // Deletes the client and everything it was granted.
  Result<void> DeleteClient(std::string_view client_id);
  // A new secret for a confidential client (the old one stops working), returned only here.
  Result<std::string> RotateClientSecret(std::string_view client_id);

  // Relish's own client (the connections module's): created on first call, with exactly this
  // redirect URI and scopes afterwards. The secret is returned only when the client is created;
  // later calls return the id and no secret.
  struct EnsuredClient {
    std::string client_id;
    std::optional<std::string> client_secret;
  };
  Result<EnsuredClient> EnsureSystemClient(std::string_view name, std::string_view redirect_uri,
                                           const std::vector<std::string>& scopes);

  // The authorization endpoint's checks on response_type, client_id, redirect_uri, scope,
  // state, code_challenge(_method), access_type and relish_org/relish_environment.
  Result<AuthorizeCheck> CheckAuthorizeRequest(const std::map<std::string, std::string>& params);
  // After login and consent: a code for the redirect (the code itself is only here in clear).
  // kPermissionDenied when the request names another organization or environment.
  Result<std::string> IssueCode(const AuthorizationRequest& request, std::string_view user_id,
                                std::string_view org_id, std::string_view environment);

  // The token endpoint: grant_type authorization_code (code, redirect_uri, code_verifier) or
  // refresh_token (refresh_token, scope). A request that names relish_org/relish_environment
  // (Relish's own client always does, for codes) is refused unless the code or grant is for
  // exactly those. Store failures are the Result's error.
  Result<std::variant<TokenResponse, OAuthError>> Token(
      const ClientCredentials& client, const std::map<std::string, std::string>& params);

  // RFC 7009. Unknown tokens, and tokens of other clients, are ignored (200): the response
  // never tells whether a token exists. A refresh token revokes its whole grant.
  Result<std::optional<OAuthError>> Revoke(const ClientCredentials& client, std::string_view token);

  // For the CRM API: kUnauthenticated when the token is unknown, expired or revoked.
  Result<AccessGrant> AuthenticateAccessToken(std::string_view token);

 private:
  Result<std::variant<OAuthClient, OAuthError>> AuthenticateClient(store::Transaction& tx,
                                                                   const ClientCredentials& c);
  Result<std::variant<TokenResponse, OAuthError>> ExchangeCode(
      store::Transaction& tx, const OAuthClient& client,
      const std::map<std::string, std::string>& p);
  Result<std::variant<TokenResponse, OAuthError>> Refresh(
      store::Transaction& tx, const OAuthClient& client,
      const std::map<std::string, std::string>& p);
  Result<TokenResponse> IssueTokens(store::Transaction& tx, std::string_view grant_id,
                                    const std::vector<std::string>& scopes, bool refresh);
  Result<void> RevokeGrant(store::Transaction& tx, std::string_view grant_id);

  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  OAuthOptions options_;
};

// The PKCE S256 challenge of a verifier: BASE64URL(SHA256(verifier)).
std::string PkceChallenge(std::string_view verifier);

}  // namespace relish::identity
