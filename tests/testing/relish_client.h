// A test's user agent for a Relish running on loopback: JSON calls with an API token, and a
// browser (a cookie jar and form posts) that authorizes a connection the way a person does —
// through Relish's sign-in and consent pages for the built-in CRM, or through whatever provider
// (a stand-in) the authorize URL leads to — back to /oauth/callback, confirming there when the
// browser is not signed in to Relish.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "outbound/curl_client.h"

namespace relish::testing {

class RelishClient {
 public:
  using Json = nlohmann::ordered_json;

  struct Reply {
    int status = 0;
    Json json;  // null when the body is not JSON
    std::string body;
    outbound::Headers headers;
    std::string error;  // transport error
  };

  explicit RelishClient(std::string base_url) : base_(std::move(base_url)) {
    outbound::CurlClientOptions options;
    options.egress.allow_loopback = true;
    http_ = outbound::NewCurlClient(std::move(options));
  }

  const std::string& base_url() const { return base_; }
  // The headers and body of every response Relish sent this client so far, in order (not the
  // stand-in's, which knows its own tokens): what a user was shown, for leak scans.
  const std::string& transcript() const { return transcript_; }
  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }

  // `target` is a path on Relish or an absolute URL. No redirect is followed.
  Reply Send(const std::string& method, const std::string& target, const std::string& body = "",
             outbound::Headers headers = {}) {
    outbound::Request r;
    r.method = method;
    r.url = target.starts_with("http") ? target : base_ + target;
    r.body = body;
    r.max_redirects = 0;
    r.headers = std::move(headers);
    std::string cookies;
    for (const auto& [k, v] : cookies_) cookies += (cookies.empty() ? "" : "; ") + k + "=" + v;
    bool from_relish = r.url.starts_with(base_);
    if (!cookies.empty() && from_relish) r.headers.emplace_back("Cookie", cookies);
    auto sent = http_->Send(std::move(r));
    Reply out;
    if (!sent.ok()) {
      out.error = sent.error().message();
      return out;
    }
    out.status = sent->status;
    out.body = sent->body;
    out.headers = sent->headers;
    out.json = Json::parse(out.body, nullptr, false);
    if (out.json.is_discarded()) out.json = Json();
    if (from_relish) {
      for (const auto& [k, v] : out.headers) transcript_ += k + ": " + v + "\n";
      transcript_ += out.body + "\n";
    }
    for (const auto& [k, v] : sent->headers) {
      if (k != "set-cookie") continue;
      size_t eq = v.find('='), semi = v.find(';');
      cookies_[v.substr(0, eq)] =
          v.substr(eq + 1, semi == std::string::npos ? semi : semi - eq - 1);
    }
    return out;
  }

  // A JSON call with the API token.
  Reply Api(const std::string& method, const std::string& path, const Json& body = nullptr) {
    outbound::Headers h = {{"Authorization", "Bearer " + token_}};
    std::string text;
    if (!body.is_null()) {
      h.emplace_back("Content-Type", "application/json");
      text = body.dump();
    }
    return Send(method, path, text, std::move(h));
  }

  // Signs in for an API token (POST /api/v1/auth/token) and keeps it for Api().
  std::string SignInForToken(const std::string& email, const std::string& password) {
    Reply r =
        Send("POST", "/api/v1/auth/token", Json{{"email", email}, {"password", password}}.dump(),
             {{"Content-Type", "application/json"}});
    if (r.status != 201) return "sign-in failed: " + std::to_string(r.status) + " " + r.body;
    token_ = r.json["token"].get<std::string>();
    return "";
  }

  // Authorizes connection `link` (in `environment` of the token's first organization) as a
  // browser would: begins the authorization, then follows redirects, signing in and allowing
  // on Relish's pages when they come, until /oauth/callback says the connection is authorized.
  // Returns "" on success, else what went wrong. `org` chooses another of the user's
  // organizations.
  std::string Authorize(const std::string& link, const std::string& email,
                        const std::string& password, const std::string& environment = "sandbox",
                        const std::string& org = "") {
    Reply begin = Api("POST", "/api/v1/connections/" + link + "/authorize?environment=" +
                                  environment + (org.empty() ? "" : "&org=" + org));
    if (begin.status != 200) return "authorize: " + std::to_string(begin.status) + " " + begin.body;
    std::string next = begin.json["authorize_url"].get<std::string>();
    for (int hop = 0; hop < 12; ++hop) {
      Reply r = Send("GET", next);
      if (!r.error.empty()) return "GET " + next + ": " + r.error;
      if (r.status >= 300 && r.status < 400) {
        next = Location(r);
        continue;
      }
      if (r.status != 200) return "GET " + next + ": " + std::to_string(r.status) + " " + r.body;
      if (r.body.find("action=\"/login\"") != std::string::npos) {
        auto fields = HiddenInputs(FormOf(r.body, "/login"));
        fields.emplace_back("email", email);
        fields.emplace_back("password", password);
        Reply signed_in = PostForm("/login", fields);
        if (signed_in.status != 303) return "sign-in: " + std::to_string(signed_in.status);
        next = Location(signed_in);
        continue;
      }
      if (r.body.find("action=\"/oauth/authorize\"") != std::string::npos) {
        auto fields = HiddenInputs(FormOf(r.body, "/oauth/authorize"));
        auto has = [&](const char* name) {
          return std::any_of(fields.begin(), fields.end(),
                             [&](const auto& f) { return f.first == name; });
        };
        // Relish's own connections name their organization and environment: the page sends
        // them back as they are. Other clients get a chooser.
        if (!has("org")) {
          static const std::regex kOrg(R"re(<option value="([^"]*)")re");
          std::smatch m;
          if (!std::regex_search(r.body, m, kOrg)) return "the consent page offers no organization";
          fields.emplace_back("org", Unescape(m[1]));
        }
        if (!has("environment")) fields.emplace_back("environment", environment);
        fields.emplace_back("decision", "allow");
        Reply allowed = PostForm("/oauth/authorize", fields);
        if (allowed.status != 303)
          return "consent: " + std::to_string(allowed.status) + allowed.body;
        next = Location(allowed);
        continue;
      }
      // Back at the callback in a browser not signed in to Relish (a provider's own sign-in):
      // the confirmation page, which this user, who started the authorization, confirms.
      if (r.body.find("action=\"/oauth/callback\"") != std::string::npos) {
        auto fields = HiddenInputs(FormOf(r.body, "/oauth/callback"));
        fields.emplace_back("decision", "connect");
        Reply confirmed = PostForm("/oauth/callback", fields);
        if (confirmed.status != 200) {
          return "confirmation: " + std::to_string(confirmed.status) + " " + confirmed.body;
        }
        return confirmed.body.find("is authorized") != std::string::npos
                   ? ""
                   : "confirmation: " + confirmed.body.substr(0, 300);
      }
      if (r.body.find("is authorized") != std::string::npos) return "";
      return "unexpected page at " + next + ": " + r.body.substr(0, 300);
    }
    return "too many redirects";
  }

 private:
  std::string Location(const Reply& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "location") return v.starts_with("/") ? base_ + v : v;
    }
    return "";
  }

  Reply PostForm(const std::string& path,
                 const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [k, v] : fields) {
      body += (body.empty() ? "" : "&") + FormEncode(k) + "=" + FormEncode(v);
    }
    return Send("POST", path, body, {{"Content-Type", "application/x-www-form-urlencoded"}});
  }

  static std::string Unescape(std::string s) {
    for (auto [from, to] :
         {std::pair{"&quot;", "\""}, std::pair{"&#39;", "'"}, std::pair{"&lt;", "<"},
          std::pair{"&gt;", ">"}, std::pair{"&amp;", "&"}}) {
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) {
        s.replace(at, std::string(from).size(), to);
      }
    }
    return s;
  }

  // The HTML of the form that posts to `action` (a page may hold others, e.g. sign-out).
  static std::string FormOf(const std::string& html, const std::string& action) {
    size_t start = html.find("action=\"" + action + "\"");
    if (start == std::string::npos) return "";
    size_t end = html.find("</form>", start);
    return html.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }

  static std::vector<std::pair<std::string, std::string>> HiddenInputs(const std::string& html) {
    static const std::regex kHidden(R"re(<input type="hidden" name="([^"]*)" value="([^"]*)">)re");
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), kHidden);
         it != std::sregex_iterator(); ++it) {
      out.emplace_back(Unescape((*it)[1]), Unescape((*it)[2]));
    }
    return out;
  }

  std::string base_;
  std::unique_ptr<outbound::HttpClient> http_;
  std::string token_;
  std::map<std::string, std::string> cookies_;
  std::string transcript_;
};

}  // namespace relish::testing
