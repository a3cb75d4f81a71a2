#include "api/auth.h"


#include "base/encoding.h"

#include "server/json.h"

namespace relish::api {

std::optional<std::string> CookieValue(const server::Request& request, std::string_view name) {
  auto header = request.Header("Cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string SessionCookie(std::string_view value, int64_t max_age_seconds, bool secure) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age_seconds);
  if (secure) c += "; Secure";
  return c;
}

namespace {

std::optional<std::string> FormCsrf(const server::Request& request) {
  auto type = request.Header("Content-Type");
  if (!type || type->find("application/x-www-form-urlencoded") == std::string_view::npos) {
    return std::nullopt;
  }
  for (auto& [k, v] : server::ParseForm(request.body)) {
    if (k == "csrf_token") return v;
  }
  return std::nullopt;
}

}  // namespace

Result<identity::Principal> Auth::Authenticate(const server::Request& request) const {
  if (auto header = request.Header("Authorization")) {
    std::string_view value = *header;
    if (!value.starts_with("Bearer ")) {
      return Unauthenticated("the Authorization header must be 'Bearer <API token>'");
    }
    return identity_.AuthenticateToken(value.substr(7));
  }
  auto cookie = CookieValue(request, kSessionCookie);
  if (!cookie) {
    return Unauthenticated("sign in, or send an API token as 'Authorization: Bearer <token>'");
  }
  auto principal = TRY(identity_.AuthenticateSession(*cookie));
  if (request.method != "GET" && request.method != "HEAD") {
    TRY(SameOrigin(request));
    std::optional<std::string> sent;
    if (auto h = request.Header("X-CSRF-Token")) {
      sent = std::string(*h);
    } else {
      sent = FormCsrf(request);
    }
    if (!sent || !SameSecret(*sent, principal.csrf)) {
      return PermissionDenied("missing or wrong CSRF token");
    }
  }
  return principal;
}

namespace {

// "scheme://host[:port]" of a URL; the authority is what follows "://" up to the path.
std::string_view OriginOf(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return url;
  return url.substr(0, url.find('/', scheme + 3));
}

std::string_view AuthorityOf(std::string_view origin) {
  auto scheme = origin.find("://");
  return scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
}

}  // namespace

Result<void> Auth::SameOrigin(const server::Request& request) const {
  const Error kCrossSite = PermissionDenied(
      "this request came from another site; use Relish's own pages, or an API token");
  if (auto site = request.Header("Sec-Fetch-Site"); site && *site != "same-origin") {
    return kCrossSite;
  }
  if (auto origin = request.Header("Origin")) {
    // Relish's own pages (sign-in, consent) are served with `Referrer-Policy: no-referrer`, so a
    // browser posts their forms with `Origin: null`; its Sec-Fetch-Site, checked above, then
    // says the form is this site's own. Without that header a null origin proves nothing.
    if (*origin == "null" && request.Header("Sec-Fetch-Site")) return Ok();
    std::string ours = public_url_.Get();
    auto host = request.Header("Host");
    bool same = *origin == OriginOf(ours) || (host && AuthorityOf(*origin) == *host &&
                                              origin->find("://") != std::string_view::npos);
    if (!same) return kCrossSite;
  }
  return Ok();
}

Result<std::string> ParseEnvironment(std::string_view text) {
  if (text == "sandbox" || text == "production") return std::string(text);
  return InvalidArgument("environment must be sandbox or production, got '" + std::string(text) +
                         "'");
}

Result<Scope> ResolveScope(const Auth& auth, const server::Request& request,
                           const identity::Principal& principal) {
  Scope scope;
  scope.environment = TRY(ParseEnvironment(request.QueryParam("environment").value_or("sandbox")));
  if (auto org = request.QueryParam("org")) {
    if (!TRY(auth.identity().IsMember(*org, principal.user.id))) {
      return NotFound("no organization " + *org + " among yours");
    }
    scope.org_id = *org;
    return scope;
  }
  auto orgs = TRY(auth.identity().OrgsOf(principal.user.id));
  if (orgs.empty()) return FailedPrecondition("you do not belong to any organization yet");
  scope.org_id = orgs.front().id;
  return scope;
}

}  // namespace relish::api
