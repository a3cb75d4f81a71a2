// The OAuth server's browser pages: sign-in, consent, sign-out. Plain HTML forms, no script.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "api/html.h"
#include "api/oauth_api.h"
#include "base/encoding.h"
#include "base/random.h"
#include "identity/scopes.h"
#include "server/json.h"
#include "outbound/url.h"

namespace relish::api {
namespace {

using html::Escape;
using html::Hidden;
using identity::AuthorizeCheck;
using server::Request;
using server::Response;

// The double-submit cookie that protects the sign-in form (there is no session yet to bind a
// CSRF token to): its value must come back in the form's csrf_token field.
constexpr std::string_view kLoginCookie = "relish_login";

// Where a sign-in returns to: `next` when every browser stays on this site following it
// (outbound::CheckSameOriginPath), else the console's start page. Never an error page: a link
// with a bad `next` still signs in.
std::string SafeNext(const PublicUrl& public_url, std::string_view next) {
  auto origin = outbound::ParseUrl(public_url.Get());
  if (!origin.ok() || !outbound::CheckSameOriginPath(*origin, next).ok()) return "/";
  return std::string(next);
}

// An error's message as a sentence on a page: "too many ...; try again in 3 seconds" as
// "Too many ...; try again in 3 seconds."
std::string Sentence(std::string message) {
  if (!message.empty()) {
    message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
  }
  return message + ".";
}

Response Redirect(int status, const std::string& location) {
  Response r;
  r.status = status;
  r.SetHeader("Location", location);
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Referrer-Policy", "no-referrer");
  return r;
}

std::string WithQuery(const std::string& uri,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out += sep + PercentEncode(k) + "=" + PercentEncode(v);
    sep = '&';
  }
  return out;
}

// Sends an error back to the client's (validated) redirect URI (RFC 6749 4.1.2.1, RFC 9207).
Response ErrorRedirect(int status, const AuthorizeCheck& check, const identity::OAuthError& e,
                       const std::string& issuer) {
  std::vector<std::pair<std::string, std::string>> params = {{"error", e.error},
                                                             {"error_description", e.description}};
  if (!check.state.empty()) params.emplace_back("state", check.state);
  params.emplace_back("iss", issuer);
  return Redirect(status, WithQuery(check.redirect_uri, params));
}

// Form or query parameters as a map; nullopt when one is repeated (RFC 6749 3.1).
std::optional<std::map<std::string, std::string>> Params(std::string_view encoded) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : server::ParseForm(encoded)) {
    if (!out.emplace(k, v).second) return std::nullopt;
  }
  return out;
}

// An authorization request for an organization the signed-in user may not grant. The
// organization is not named: the link may have been sent by someone outside it.
Response NotYourOrganization() {
  return html::ErrorPage(403, "Not your organization",
                         "This authorization request is for an organization you are not a member "
                         "of, so you cannot allow it. If someone sent you this link, do not use "
                         "it.");
}

Response LoginPage(int status, const std::string& next, const std::string& csrf,
                   const std::string& error, const std::string& email) {
  std::string body = "<h1>Sign in to Relish</h1>\n";
  if (!error.empty()) body += "<p class=\"error\">" + Escape(error) + "</p>\n";
  body += "<form method=\"post\" action=\"/login\">\n" + Hidden("csrf_token", csrf) +
          Hidden("next", next) +
          "<label for=\"email\">Email</label>\n"
          "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required "
          "value=\"" +
          Escape(email) +
          "\">\n"
          "<label for=\"password\">Password</label>\n"
          "<input id=\"password\" name=\"password\" type=\"password\" "
          "autocomplete=\"current-password\" required>\n"
          "<button type=\"submit\">Sign in</button>\n</form>\n";
  return html::Page(status, "Sign in", body);
}

std::string LoginCookie(std::string_view value, bool secure) {
  std::string c = std::string(kLoginCookie) + "=" + std::string(value) +
                  "; Path=/login; HttpOnly; SameSite=Strict; Max-Age=1800";
  if (secure) c += "; Secure";
  return c;
}

std::optional<identity::Principal> SessionUser(const Auth& auth, const Request& req) {
  auto cookie = CookieValue(req, kSessionCookie);
  if (!cookie) return std::nullopt;
  auto p = auth.identity().AuthenticateSession(*cookie);
  if (!p.ok()) return std::nullopt;
  return *p;
}

std::string HostOf(const std::string& uri) {
  size_t start = uri.find("://");
  if (start == std::string::npos) return uri;
  start += 3;
  size_t end = uri.find_first_of("/?#", start);
  return uri.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string_view EnvironmentLabel(std::string_view environment) {
  return environment == "production" ? "production" : "sandbox";
}

// `orgs` are the user's organizations; when the request names one, only that one (the caller
// checked membership).
Response ConsentPage(const identity::AuthorizationRequest& r, const identity::Principal& p,
                     const std::vector<identity::Org>& orgs) {
  std::string scopes;
  for (const auto& s : r.scopes) {
    auto parsed = identity::ParseScope(s);
    scopes += "<li>" + Escape(parsed.ok() ? identity::DescribeScope(*parsed) : s) +
              " <span class=\"muted\">(" + Escape(s) + ")</span></li>\n";
  }
  std::string scope_param;
  for (const auto& s : r.scopes) scope_param += (scope_param.empty() ? "" : ",") + s;
  // Where the grant applies: chosen here, unless the request names it (then shown in words and
  // sent back as it is; the POST checks it again).
  std::string where;
  if (!r.org_id.empty()) {
    where = "<p>For the organization <strong>" + Escape(orgs.front().name) + "</strong>";
    if (!r.environment.empty()) {
      where += ", in its <strong>" + Escape(EnvironmentLabel(r.environment)) + "</strong>";
    }
    where += " only.</p>\n";
  }
  if (!r.org_id.empty()) {
    where += Hidden("relish_org", r.org_id) + Hidden("org", r.org_id);
  } else {
    where += "<label for=\"org\">Organization</label>\n<select id=\"org\" name=\"org\">\n";
    for (const auto& o : orgs) {
      where += "<option value=\"" + Escape(o.id) + "\">" + Escape(o.name) + "</option>\n";
    }
    where += "</select>\n";
  }
  if (!r.environment.empty()) {
    where += Hidden("relish_environment", r.environment) + Hidden("environment", r.environment);
  } else {
    where +=
        "<fieldset>\n<legend>Environment</legend>\n"
        "<label><input type=\"radio\" name=\"environment\" value=\"sandbox\" checked> "
        "Sandbox</label>\n"
        "<label><input type=\"radio\" name=\"environment\" value=\"production\"> "
        "Production</label>\n</fieldset>\n";
  }
  std::string body =
      "<h1>Allow " + Escape(r.client.name) + " to use your CRM?</h1>\n" + "<p>" +
      Escape(r.client.name) + " asks to:</p>\n<ul class=\"scopes\">\n" + scopes + "</ul>\n" +
      (r.offline ? "<p class=\"muted\">It keeps this access until you revoke it.</p>\n" : "") +
      "<form method=\"post\" action=\"/oauth/authorize\">\n" + Hidden("csrf_token", p.csrf) +
      Hidden("response_type", "code") + Hidden("client_id", r.client.id) +
      Hidden("redirect_uri", r.redirect_uri) + Hidden("scope", scope_param) +
      Hidden("state", r.state) + Hidden("code_challenge", r.code_challenge) +
      Hidden("code_challenge_method", r.code_challenge.empty() ? "" : "S256") +
      Hidden("access_type", r.offline ? "offline" : "online") + where +
      "<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\n"
      "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">Deny</button>\n"
      "</form>\n<p class=\"muted\">You will be sent back to " +
      Escape(HostOf(r.redirect_uri)) + ". Signed in as " + Escape(p.user.email) +
      ".</p>\n"
      "<form class=\"inline\" method=\"post\" action=\"/logout\">" +
      Hidden("csrf_token", p.csrf) + "<button type=\"submit\">Sign out</button></form>\n";
  return html::Page(200, "Allow access", body);
}

// --- API contract (server/route_doc.h): the sign-in and consent pages, for people in browsers.
void DocumentLoginAndConsentPages(server::Router& router) {
  using server::Doc;
  const char* kConsent = R"({"csrf_token":"string","response_type":"'code'","client_id":"string",
      "redirect_uri":"string","scope":"string","state?":"string","code_challenge":"string",
      "code_challenge_method":"'S256'","access_type?":"offline|online","org":"string",
      "environment":"sandbox|production","decision":"allow|deny"})";
  router.Document({
      Doc("GET", "/login", "The sign-in page (HTML) of the OAuth consent flow")
          .Query("next")
          .Returns("string")
          .Media("text/html")
          .Also(303, "already signed in: to `next`"),
      Doc("POST", "/login", "The sign-in page's form: sets the session cookie")
          .Body(R"({"email":"string","password":"string","csrf_token":"string","next?":"string"})",
                "application/x-www-form-urlencoded")
          .Returns("", 303)
          .ErrorSchema("html")
          .Errors("401 403 429 503"),
      Doc("POST", "/logout", "Sign out (HTML form), back to the sign-in page")
          .Returns("", 303)
          .ErrorSchema("html")
          .Errors("401 403"),
      Doc("GET", "/oauth/authorize", "The consent page (HTML) of Relish's OAuth server")
          .Describe("RFC 6749 4.1.1 with PKCE (S256). Signed out: a redirect to /login.")
          .Query("response_type client_id redirect_uri scope state code_challenge "
                 "code_challenge_method access_type org environment")
          .Security("none sessionCookie")
          .Returns("string")
          .Media("text/html")
          .Also(302, "to /login, or to the client's redirect_uri with an error")
          .ErrorSchema("html")
          .Errors("400 403"),
      Doc("POST", "/oauth/authorize", "The consent page's form: allow or deny")
          .Body(kConsent, "application/x-www-form-urlencoded")
          .Returns("", 303)
          .ErrorSchema("html")
          .Errors("400 401 403"),
  });
}

}  // namespace

void AddLoginAndConsentPages(Routes& routes, identity::OAuthServer& oauth,
                             const PublicUrl& public_url, Random& random, SignIn& signin,
                             OAuthRoutesOptions options) {
  DocumentLoginAndConsentPages(routes.router());
  const Auth& auth = routes.auth();
  identity::Identity& id = auth.identity();
  // The signed-in pages answer a refusal with a page, not JSON, so they check their callers
  // themselves (auth.Authenticate, as Authorize does) and declare it on the router directly.
  server::Router& router = routes.router();

  routes.Public("GET", "/login", [&auth, &random, &public_url, options](Request& req) {
    std::string next = SafeNext(public_url, req.QueryParam("next").value_or("/"));
    if (SessionUser(auth, req)) return Redirect(303, next);
    std::string csrf = random.Token(24);
    Response r = LoginPage(200, next, csrf, "", "");
    r.SetHeader("Set-Cookie", LoginCookie(csrf, options.secure_cookies));
    return r;
  });

  routes.PublicAsync(
      "POST", "/login",
      [&auth, &id, &random, &public_url, &signin, options](Request& req) -> Task<Response> {
        auto form = Params(req.body).value_or(std::map<std::string, std::string>());
        std::string next = SafeNext(public_url, form["next"]);
        if (auto same = auth.SameOrigin(req); !same.ok()) {
          co_return html::ErrorPage(403, "Not signed in", same.error().message());
        }
        std::string cookie = CookieValue(req, kLoginCookie).value_or("");
        if (!SameSecret(form["csrf_token"], cookie)) {
          std::string csrf = random.Token(24);
          Response r = LoginPage(403, next, csrf, "The sign-in form expired. Please try again.",
                                 form["email"]);
          r.SetHeader("Set-Cookie", LoginCookie(csrf, options.secure_cookies));
          co_return r;
        }
        const std::string email = form["email"];
        const std::string password = form["password"];
        SignInOutcome outcome = co_await signin.Check(req.remote, email, password);
        if (!outcome.user.ok()) {
          const Error& e = outcome.user.error();
          if (outcome.retry_after_seconds > 0) {  // throttled (429) or the pool is full (503)
            Response r = LoginPage(e.code() == ErrorCode::kResourceExhausted ? 429 : 503, next,
                                   cookie, Sentence(e.message()), email);
            r.SetHeader("Retry-After", std::to_string(outcome.retry_after_seconds));
            co_return r;
          }
          if (e.code() == ErrorCode::kUnauthenticated) {
            co_return LoginPage(401, next, cookie, "Wrong email or password.", email);
          }
          spdlog::error("login: {}", e.ToString());
          co_return html::ErrorPage(500, "Sign-in failed", "Please try again later.");
        }
        auto session = id.CreateSession(outcome.user->id);
        if (!session.ok())
          co_return html::ErrorPage(500, "Sign-in failed", "The session could not be created.");
        Response r = Redirect(303, next);
        r.SetHeader("Set-Cookie",
                    SessionCookie(session->cookie, 12 * 3600, options.secure_cookies));
        co_return r;
      });

  router.Add("POST", "/logout", server::Access::kUser, [&auth, &id, options](Request& req) {
    auto p = auth.Authenticate(req);
    if (!p.ok()) {
      return html::ErrorPage(server::HttpStatusFor(p.error().code()), "Not signed out",
                             p.error().message());
    }
    if (auto cookie = CookieValue(req, kSessionCookie)) (void)id.EndSession(*cookie);
    Response r = Redirect(303, "/login");
    r.SetHeader("Set-Cookie", SessionCookie("", 0, options.secure_cookies));
    return r;
  });

  routes.Public("GET", "/oauth/authorize", [&auth, &id, &oauth, &public_url](Request& req) {
    auto params = Params(req.query);
    if (!params) {
      return html::ErrorPage(400, "This authorization link is not valid",
                             "A parameter is repeated.");
    }
    auto check = oauth.CheckAuthorizeRequest(*params);
    if (!check.ok()) return html::ErrorPage(500, "Something went wrong", "Please try again later.");
    if (check->page_error) {
      return html::ErrorPage(400, "This authorization link is not valid",
                             check->page_error->description);
    }
    if (check->redirect_error)
      return ErrorRedirect(302, *check, *check->redirect_error, public_url.Get());
    auto principal = SessionUser(auth, req);
    if (!principal) return Redirect(302, "/login?next=" + PercentEncode(req.target));
    auto orgs = id.OrgsOf(principal->user.id);
    if (!orgs.ok() || orgs->empty()) {
      return html::ErrorPage(403, "No organization", "You do not belong to any organization yet.");
    }
    const identity::AuthorizationRequest& request = *check->request;
    if (!request.org_id.empty()) {
      auto named = std::find_if(orgs->begin(), orgs->end(),
                                [&](const identity::Org& o) { return o.id == request.org_id; });
      if (named == orgs->end()) return NotYourOrganization();
      return ConsentPage(request, *principal, {*named});
    }
    return ConsentPage(request, *principal, *orgs);
  });

  router.Add("POST", "/oauth/authorize", server::Access::kUser, [&auth, &id, &oauth, &public_url](Request& req) {
    auto form = Params(req.body);
    if (!form) return html::ErrorPage(400, "Not authorized", "A parameter is repeated.");
    auto principal = auth.Authenticate(req);
    if (!principal.ok()) {
      if (principal.error().code() == ErrorCode::kPermissionDenied) {
        return html::ErrorPage(403, "This page expired",
                               "Go back to the application and start again.");
      }
      return html::ErrorPage(401, "You are signed out",
                             "Go back to the application and start again.");
    }
    auto check = oauth.CheckAuthorizeRequest(*form);
    if (!check.ok()) return html::ErrorPage(500, "Something went wrong", "Please try again later.");
    if (check->page_error) {
      return html::ErrorPage(400, "This authorization request is not valid",
                             check->page_error->description);
    }
    std::string issuer = public_url.Get();
    if (check->redirect_error) return ErrorRedirect(303, *check, *check->redirect_error, issuer);
    if ((*form)["decision"] != "allow") {
      return ErrorRedirect(303, *check, {"access_denied", "The user denied access.", 400}, issuer);
    }
    const identity::AuthorizationRequest& request = *check->request;
    std::string org = (*form)["org"];
    // A request that names an organization is allowed for it alone, and only by its members;
    // the form's choice is checked again here, whatever the page offered.
    if (!request.org_id.empty()) {
      auto member = id.IsMember(request.org_id, principal->user.id);
      if (!member.ok() || !*member) return NotYourOrganization();
      if (org != request.org_id) {
        return html::ErrorPage(403, "Not this organization",
                               "This authorization request is for another of your organizations "
                               "than the one chosen.");
      }
    }
    auto member = id.IsMember(org, principal->user.id);
    if (!member.ok() || !*member) {
      return html::ErrorPage(400, "Choose an organization", "Choose one of your organizations.");
    }
    auto environment = ParseEnvironment((*form)["environment"]);
    if (!environment.ok()) {
      return html::ErrorPage(400, "Choose an environment", "Choose sandbox or production.");
    }
    if (!request.environment.empty() && *environment != request.environment) {
      return html::ErrorPage(403, "Not this environment",
                             "This authorization request is for the " +
                                 std::string(EnvironmentLabel(request.environment)) +
                                 " environment only.");
    }
    auto code = oauth.IssueCode(request, principal->user.id, org, *environment);
    if (!code.ok()) {
      if (code.error().code() == ErrorCode::kPermissionDenied) return NotYourOrganization();
      return html::ErrorPage(500, "Something went wrong", "Please try again later.");
    }
    std::vector<std::pair<std::string, std::string>> params = {{"code", *code}};
    if (!check->state.empty()) params.emplace_back("state", check->state);
    // Zoho adds the data centre and its accounts server; clients written for Zoho read them.
    params.emplace_back("location", "us");
    params.emplace_back("accounts-server", issuer);
    params.emplace_back("iss", issuer);
    return Redirect(303, WithQuery(check->redirect_uri, params));
  });
}

}  // namespace relish::api
