// HTTP endpoints of the OAuth 2.0 authorization server (identity::OAuthServer):
//
//   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata; issuer = the public URL
//   POST /oauth/token                               authorization_code and refresh_token grants
//   POST /oauth/revoke                              RFC 7009
//   GET|POST|DELETE /api/v1/oauth/clients[/{id}]    client registration (administrators)
//
// and the HTML pages a browser goes through (oauth_pages.cc):
//
//   GET|POST /login          sign-in form (also the console's), CSRF-protected by a pre-login
//                            cookie; redirects to ?next= when it stays on this site
//                            (outbound::CheckSameOriginPath), else to /
//   POST     /logout
//   GET      /oauth/authorize  checks the request, sends an unsigned-in browser to /login, then
//                              shows the consent page: organization, environment, scopes in words
//                              (only the organization and environment a request names with
//                              relish_org/relish_environment, to its members only)
//   POST     /oauth/authorize  the consent form (session + CSRF token): checks the choice against
//                              the request again, then redirects to the client with code, state,
//                              iss, location and accounts-server
#pragma once

#include "api/public_url.h"
#include "api/routes.h"
#include "api/signin.h"
#include "base/random.h"
#include "identity/oauth_server.h"

namespace relish::api {

struct OAuthRoutesOptions {
  bool secure_cookies = false;  // the public URL is https
};

void AddOAuthRoutes(Routes& routes, identity::OAuthServer& oauth, const PublicUrl& public_url);
// `random` makes the sign-in form's CSRF tokens; `signin` checks its passwords (throttled, on
// its password pool: 429 or 503 pages with Retry-After when it refuses).
void AddLoginAndConsentPages(Routes& routes, identity::OAuthServer& oauth,
                             const PublicUrl& public_url, Random& random, SignIn& signin,
                             OAuthRoutesOptions options);

}  // namespace relish::api
