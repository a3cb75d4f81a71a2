// The pages of a connection's OAuth callback (<public_url>/oauth/callback), the end of every
// browser authorization (docs/connections.md#the-callback):
//
//   GET  /oauth/callback  the provider's redirect. In a browser whose Relish session is the
//                         user who started the authorization it completes at once; anywhere else
//                         (another user's session, or none) it shows a confirmation page naming
//                         the connection, its service, organization and environment, and who
//                         started it, and uses nothing.
//   POST /oauth/callback  that page's form: "Connect" completes the kept callback, "Cancel"
//                         abandons the authorization. CSRF-protected twice: an unguessable,
//                         single-use confirmation made for this page and kept (as a digest) with
//                         the state, and a double-submit cookie (relish_confirm) that must match
//                         the form's csrf_token.
//
// Plain HTML (html.h: escaped, no script, not cached, not framed, no referrer). Both handlers
// block on the store and the provider's token endpoint: run them on the blocking pool.
#pragma once

#include "api/auth.h"
#include "connections/connections.h"
#include "server/http.h"

namespace relish::api {

// The double-submit cookie of the confirmation form (Path=/oauth/callback, HttpOnly, Lax).
inline constexpr std::string_view kConfirmCookie = "relish_confirm";

struct CallbackPages {
  const Auth& auth;
  connections::Connections& connections;
  Random& random;               // the cookie's values
  bool secure_cookies = false;  // the public URL is https
};

server::Response ShowCallback(const CallbackPages& pages, const server::Request& request);
server::Response ConfirmCallback(const CallbackPages& pages, const server::Request& request);

}  // namespace relish::api
