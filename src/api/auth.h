// Request authentication for the REST API and the console.
//
// A request is authenticated by "Authorization: Bearer rl_..." (a personal API token) or by the
// `relish_session` cookie. Cookie-authenticated requests that change state (anything but GET and
// HEAD) must also send the session's CSRF token in "X-CSRF-Token" (or a `csrf_token` form field,
// for HTML forms) and come from this site's own pages (SameOrigin), so another site cannot make
// a signed-in browser act.
#pragma once

#include <functional>
#include <string>

#include "api/public_url.h"
#include "identity/identity.h"
#include "server/http.h"
#include "server/router.h"

namespace relish::api {

inline constexpr std::string_view kSessionCookie = "relish_session";

// The value of one cookie from the Cookie header.
std::optional<std::string> CookieValue(const server::Request& request, std::string_view name);

// Set-Cookie for the session: HttpOnly, SameSite=Lax, Path=/, Secure when `secure`.
std::string SessionCookie(std::string_view value, int64_t max_age_seconds, bool secure);

class Auth {
 public:
  Auth(identity::Identity& identity, const PublicUrl& public_url)
      : identity_(identity), public_url_(public_url) {}
  Result<identity::Principal> Authenticate(const server::Request& request) const;
  identity::Identity& identity() const { return identity_; }

  // kPermissionDenied when a browser says the request comes from another site: an `Origin`
  // that is neither the public URL's origin nor the request's own Host, or a `Sec-Fetch-Site`
  // other than "same-origin". Requests with neither header come from clients that are not
  // browsers, which carry no victim's cookies. Checked for every cookie-authenticated change
  // and for the sign-in forms (a forged sign-in is a CSRF of its own: it signs the victim in as
  // the attacker).
  Result<void> SameOrigin(const server::Request& request) const;

 private:
  identity::Identity& identity_;
  const PublicUrl& public_url_;
};

// Where an API call acts: an organization the caller belongs to and an environment.
struct Scope {
  std::string org_id;
  std::string environment;  // "sandbox" or "production"
};

// Reads `org` and `environment` from the query string (defaults: the caller's first
// organization, sandbox) and checks membership.
Result<Scope> ResolveScope(const Auth& auth, const server::Request& request,
                           const identity::Principal& principal);
Result<std::string> ParseEnvironment(std::string_view text);

}  // namespace relish::api
