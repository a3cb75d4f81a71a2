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
//                            cookie; redirects to ?next= (same-site paths only)
//   POST     /logout
//   GET      /oauth/authorize  checks the request, sends an unsigned-in browser to /login, then
//                              shows the consent page: organization, environment, scopes in words
//   POST     /oauth/authorize  the consent form (session + CSRF token): redirects to the client
//                              with code, state, iss, location and accounts-server
#pragma once

#include "api/auth.h"
#include "api/public_url.h"
#include "base/random.h"
#include "identity/oauth_server.h"
#include "server/router.h"

namespace relish::api {

struct OAuthRoutesOptions {
  bool secure_cookies = false;  // the public URL is https
};

void AddOAuthRoutes(server::Router& router, const Auth& auth, identity::OAuthServer& oauth,
                    const PublicUrl& public_url);
// `random` makes the sign-in form's CSRF tokens.
void AddLoginAndConsentPages(server::Router& router, const Auth& auth, identity::OAuthServer& oauth,
                             const PublicUrl& public_url, Random& random,
                             OAuthRoutesOptions options);

}  // namespace relish::api
