#include "api/callback_pages.h"


#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "api/html.h"
#include "base/encoding.h"

namespace relish::api {
namespace {

using html::Escape;
using html::Hidden;
using server::Request;
using server::Response;

// The cookie's value: Random::Token(24), 32 characters of base64url.
constexpr size_t kConfirmCookieChars = 32;

bool WellFormedCookie(std::string_view v) {
  return v.size() == kConfirmCookieChars && std::all_of(v.begin(), v.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

std::string ConfirmCookie(std::string_view value, bool secure) {
  std::string c = std::string(kConfirmCookie) + "=" + std::string(value) +
                  "; Path=/oauth/callback; HttpOnly; SameSite=Lax; Max-Age=1800";
  if (secure) c += "; Secure";
  return c;
}

Response Connected(const connections::CompleteResult& done) {
  return html::Page(200, "Connected",
                    "<h1>Connected</h1>\n<p>" +
                        Escape("The connection '" + done.connection.link_name +
                               "' is authorized. You can close this window.") +
                        "</p>\n<p><a href=\"/connections\">Back to connections</a></p>\n");
}

Response Failed(const Error& e) {
  return html::ErrorPage(400, "Authorization failed", e.message());
}

// "Name (email)", or what is known of a user who may since have been removed.
std::string Who(identity::Identity& id, const std::string& user_id) {
  auto user = id.GetUser(user_id);
  if (!user.ok()) return "user " + user_id;
  return user->name.empty() ? user->email : user->name + " (" + user->email + ")";
}

Response ConfirmationPage(identity::Identity& id, const connections::PendingAuthorization& p,
                          const std::optional<identity::Principal>& signed_in,
                          const std::string& csrf) {
  auto org = id.GetOrg(p.org_id);
  std::string body =
      "<h1>Connect this authorization?</h1>\n<p>This authorization will connect <strong>" +
      Escape(p.link_name) + "</strong> (service " + Escape(p.service_name) +
      ") in the organization <strong>" + Escape(org.ok() ? org->name : p.org_id) +
      "</strong>, <strong>" + Escape(p.environment) +
      "</strong> environment. It was started by <strong>" + Escape(Who(id, p.started_by)) +
      "</strong>.</p>\n";
  if (signed_in) {
    body += "<p class=\"error\">You are signed in to Relish as " + Escape(signed_in->user.email) +
            ", not as the person who started this authorization. Connect only if you mean to "
            "give their connection the account you just signed in with.</p>\n";
  } else {
    body +=
        "<p>You are not signed in to Relish. Connect if you started this authorization "
        "yourself; if someone sent you the link, cancel.</p>\n";
  }
  body += "<form method=\"post\" action=\"/oauth/callback\">\n" + Hidden("csrf_token", csrf) +
          Hidden("confirmation", p.confirmation) +
          "<button type=\"submit\" name=\"decision\" value=\"connect\">Connect</button>\n"
          "<button type=\"submit\" name=\"decision\" value=\"cancel\" "
          "class=\"secondary\">Cancel</button>\n</form>\n";
  return html::Page(200, "Connect this authorization?", body);
}

}  // namespace

Response ShowCallback(const CallbackPages& pages, const Request& request) {
  // Who the browser is signed in to Relish as: its session cookie. Anything else (no cookie, an
  // expired or forged one) is no one.
  std::optional<identity::Principal> signed_in;
  if (auto cookie = CookieValue(request, kSessionCookie)) {
    auto p = pages.auth.identity().AuthenticateSession(*cookie);
    if (p.ok()) signed_in = std::move(*p);
  }
  auto outcome = pages.connections.CompleteAuthorization(request.QueryParams(),
                                                         signed_in ? signed_in->user.id : "");
  if (!outcome.ok()) return Failed(outcome.error());
  if (outcome->completed) {
    const auto& done = *outcome->completed;
    if (done.return_to.empty()) return Connected(done);
    Response r;
    r.status = 303;
    r.SetHeader("Location", done.return_to +
                                (done.return_to.find('?') == std::string::npos ? "?" : "&") +
                                "connected=" + FormEncode(done.connection.link_name));
    r.SetHeader("Cache-Control", "no-store");
    r.SetHeader("Referrer-Policy", "no-referrer");
    return r;
  }
  // One cookie serves every confirmation page open in this browser.
  std::string csrf = CookieValue(request, kConfirmCookie).value_or("");
  if (!WellFormedCookie(csrf)) csrf = pages.random.Token(24);
  Response r = ConfirmationPage(pages.auth.identity(), *outcome->pending, signed_in, csrf);
  r.SetHeader("Set-Cookie", ConfirmCookie(csrf, pages.secure_cookies));
  return r;
}

Response ConfirmCallback(const CallbackPages& pages, const Request& request) {
  std::map<std::string, std::string> form;
  for (auto& [k, v] : server::ParseForm(request.body)) {
    if (!form.emplace(k, v).second) {
      return html::ErrorPage(400, "Authorization failed", "A form field is repeated.");
    }
  }
  if (!SameSecret(form["csrf_token"], CookieValue(request, kConfirmCookie).value_or(""))) {
    return html::ErrorPage(403, "This page expired",
                           "Nothing was connected. Go back, reload the page and choose again, "
                           "or start the authorization again.");
  }
  const std::string& decision = form["decision"];
  if (decision == "connect") {
    auto done = pages.connections.ConfirmAuthorization(form["confirmation"]);
    if (!done.ok()) return Failed(done.error());
    return Connected(*done);
  }
  if (decision == "cancel") {
    auto cancelled = pages.connections.CancelAuthorization(form["confirmation"]);
    if (!cancelled.ok()) return Failed(cancelled.error());
    return html::Page(200, "Authorization cancelled",
                      "<h1>Authorization cancelled</h1>\n<p>" +
                          Escape("Nothing was connected to " + cancelled->link_name +
                                 ". This authorization can no longer be used; start it again "
                                 "if you need it.") +
                          "</p>\n");
  }
  return html::ErrorPage(400, "Authorization failed", "Choose Connect or Cancel.");
}

}  // namespace relish::api
