// Issue 18, resilient calls, against real servers on loopback: a real Relish (in-process) and a
// local upstream that is both the OAuth provider (authorize, code exchange, refresh) and an API
// that answers 429 with Retry-After, 503s, a spent rate limit and "token invalid" in a 200 body.
// Each test counts what reached the upstream (attempts, refreshes at the token endpoint), reads
// the audit (one entry per attempt), and two organizations hold distinct planted secrets that
// must appear in nothing Relish answered or logged.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "base/config.h"
#include "base/encoding.h"
#include "base/log.h"
#include "server/http_server.h"
#include "server/json.h"
#include "server/metrics.h"
#include "server/router.h"
#include "testing/relish_client.h"
#include "testing/serve_in_background.h"

namespace relish {
namespace {

using Json = nlohmann::ordered_json;
using testing::RelishClient;

struct Planted {
  std::string client_id, client_secret, access1, access2, access3, refresh;
  static Planted For(const std::string& o) {
    return {.client_id = "rs-client-" + o,
            .client_secret = "rs-csecret-" + o + "-51e0aa",
            .access1 = "rs-access1-" + o + "-9f3c11",
            .access2 = "rs-access2-" + o + "-4d7e22",
            .access3 = "rs-access3-" + o + "-c5a0f7",
            .refresh = "rs-refresh-" + o + "-08b933"};
  }
  std::vector<std::string> Secrets() const {
    return {client_secret, access1, access2, access3, refresh};
  }
};

// The provider and the API. Scripted answers: GET or POST /fail?name=N&n=K&status=S[&after=A]
// answers S (with Retry-After: A when given) K times, then 200; /limited answers 429 with a
// spent X-RateLimit once; /token_check answers 200 {"code":"INVALID_OAUTHTOKEN"} to a first
// access token the test marked revoked; /slow holds its answer until released.
class Upstream {
 public:
  explicit Upstream(std::vector<Planted> orgs) : orgs_(std::move(orgs)) {
    router_.Add("GET", "/oauth2/authorize", server::Access::kPublic, [](server::Request& r) {
      server::Response out = server::Response::Text(302, "");
      out.SetHeader("Location", r.QueryParam("redirect_uri").value_or("") + "?code=code-" +
                                    FormEncode(r.QueryParam("client_id").value_or("")) +
                                    "&state=" + FormEncode(r.QueryParam("state").value_or("")));
      return out;
    });
    router_.Add("POST", "/oauth2/token", server::Access::kPublic, [this](server::Request& r) {
      std::map<std::string, std::string> form;
      for (auto& [k, v] : server::ParseForm(r.body)) form[k] = v;
      std::lock_guard lock(mu_);
      for (const auto& p : orgs_) {
        if (form["client_id"] != p.client_id || form["client_secret"] != p.client_secret) continue;
        if (form["grant_type"] == "authorization_code" && form["code"] == "code-" + p.client_id) {
          return server::JsonResponse(200, {{"access_token", p.access1},
                                            {"refresh_token", p.refresh},
                                            {"token_type", "Bearer"}});  // no expires_in
        }
        if (form["grant_type"] == "refresh_token" && form["refresh_token"] == p.refresh) {
          int n = ++refreshes_[p.client_id];
          return server::JsonResponse(
              200, {{"access_token", n == 1 ? p.access2 : p.access3}, {"token_type", "Bearer"}});
        }
      }
      return server::JsonResponse(400, {{"error", "invalid_grant"}});
    });
    for (const char* method : {"GET", "POST"}) {
      router_.Add(method, "/fail", server::Access::kPublic, [this](server::Request& r) {
        std::string name(r.QueryParam("name").value_or(""));
        int n = std::stoi(std::string(r.QueryParam("n").value_or("0")));
        int status = std::stoi(std::string(r.QueryParam("status").value_or("503")));
        int seen = Count(r.method + " " + name, r);
        if (seen > n) return server::JsonResponse(200, {{"ok", true}, {"attempt", seen}});
        server::Response out = server::JsonResponse(status, {{"error", "busy"}, {"attempt", seen}});
        if (auto after = r.QueryParam("after")) out.SetHeader("Retry-After", std::string(*after));
        return out;
      });
    }
    router_.Add("GET", "/limited", server::Access::kPublic, [this](server::Request& r) {
      int seen = Count("limited", r);
      if (seen > 1) return server::JsonResponse(200, {{"ok", true}});
      server::Response out = server::JsonResponse(429, {{"error", "rate limited"}});
      out.SetHeader("X-RateLimit-Remaining", "0");
      out.SetHeader("X-RateLimit-Reset", "0");  // seconds from now
      return out;
    });
    router_.Add("GET", "/token_check", server::Access::kPublic, [this](server::Request& r) {
      std::string auth(r.Header("Authorization").value_or(""));
      Count("token_check", r);
      std::lock_guard lock(mu_);
      if (revoked_.contains(auth)) return server::JsonResponse(200, {{"code", "INVALID_OAUTHTOKEN"}});
      // The echo: Relish must mask it.
      return server::JsonResponse(200, {{"ok", true}, {"auth", auth}});
    });
    router_.Add("GET", "/slow", server::Access::kPublic, [this](server::Request& r) {
      Count("slow", r);
      std::unique_lock lock(mu_);
      ++slow_waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return slow_released_; });
      return server::JsonResponse(200, {{"ok", true}});
    });
    server::ServerOptions options;
    options.port = 0;
    options.threads = 4;
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
    ok_ = server_->Listen().ok();
    if (ok_) thread_ = std::thread([this] { server_->Run(false); });
  }
  ~Upstream() {
    Release();
    if (ok_) {
      server_->Stop();
      thread_.join();
    }
  }
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  int Hits(const std::string& key) {
    std::lock_guard lock(mu_);
    return hits_[key];
  }
  int Refreshes(const std::string& client_id) {
    std::lock_guard lock(mu_);
    return refreshes_[client_id];
  }
  std::vector<std::string> Authorizations(const std::string& key) {
    std::lock_guard lock(mu_);
    return auths_[key];
  }
  void Revoke(const std::string& access) {
    std::lock_guard lock(mu_);
    revoked_.insert("Bearer " + access);
  }
  void WaitForSlow(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return slow_waiting_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    slow_released_ = true;
    cv_.notify_all();
  }

 private:
  int Count(const std::string& key, const server::Request& r) {
    std::lock_guard lock(mu_);
    auths_[key].emplace_back(r.Header("Authorization").value_or(""));
    return ++hits_[key];
  }

  std::vector<Planted> orgs_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> hits_, refreshes_;
  std::map<std::string, std::vector<std::string>> auths_;
  std::set<std::string> revoked_;
  int slow_waiting_ = 0;
  bool slow_released_ = false;
  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  bool ok_ = false;
};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

class ResilientTest : public ::testing::Test {
 protected:
  static constexpr const char* kAdminEmail = "admin@localhost";
  static constexpr const char* kAdminPassword = "admin-password-for-resilient-7c2d";

  void SetUp() override {
    a_ = Planted::For("A");
    b_ = Planted::For("B");
    upstream_ = std::make_unique<Upstream>(std::vector<Planted>{a_, b_});
    ASSERT_TRUE(upstream_->ok());
    up_ = upstream_->url();
    InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    data_ = std::filesystem::temp_directory_path() /
            ("relish-resilient-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_);
    ConfigSources sources;
    sources.flags = {{"data_dir", data_.string()},
                     {"listen", "127.0.0.1:0"},
                     {"admin_email", kAdminEmail},
                     {"admin_password", kAdminPassword},
                     {"egress_allow_loopback", "true"}};
    auto config = LoadConfig(sources);
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    auto app = app::App::Open(*config);
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    app_ = std::move(*app);
    std::string base =
        "http://127.0.0.1:" + std::to_string(testing::ServeInBackground(*app_, server_));
    admin_ = std::make_unique<RelishClient>(base);
    dev_ = std::make_unique<RelishClient>(base);
    ASSERT_EQ(admin_->SignInForToken(kAdminEmail, kAdminPassword), "");
    auto user = admin_->Api("POST", "/api/v1/users",
                            {{"email", "dev-a@example.com"}, {"name", "Dev A"},
                             {"password", "developer password"}});
    ASSERT_EQ(user.status, 201) << user.body;
    ASSERT_EQ(dev_->SignInForToken("dev-a@example.com", "developer password"), "");
    org_a_ = admin_->Api("GET", "/api/v1/me").json["orgs"][0]["id"].get<std::string>();
    auto org = admin_->Api("POST", "/api/v1/orgs", {{"name", "Organization B"}});
    ASSERT_EQ(org.status, 201) << org.body;
    org_b_ = org.json["id"].get<std::string>();
    Provision(org_a_, a_);
    Provision(org_b_, b_);
  }

  void TearDown() override {
    if (upstream_) upstream_->Release();
    if (app_) app_->Stop();
    if (server_.joinable()) server_.join();
    app_.reset();
    std::filesystem::remove_all(data_);
    (void)InitLogging({.level = "warn"});  // the sink refers to log_
  }

  // Services: `api` (OAuth 2.0, retries on, a token-invalid signal in a 200), `plain` (OAuth
  // 2.0, nothing declared: retries only when a request asks), `capped` (bearer, one call at a
  // time) and `metered` (bearer, two calls a minute).
  void Provision(const std::string& org, const Planted& p) {
    std::string q = "?org=" + org;
    const std::string hosts = "base_url: {up}\nallowed_hosts: ['{up}']\n";
    const std::string oauth = "oauth2:\n  authorize_url: {up}/oauth2/authorize\n"
                              "  token_url: {up}/oauth2/token\n  scopes: [read]\n"
                              "  client_auth: form\n";
    std::vector<std::pair<std::string, std::string>> services = {
        {"api", "name: API\nauth: oauth2\n" + hosts + oauth +
                    "retry: {enabled: true, max_attempts: 3, max_wait: 30, base_delay_ms: 1}\n"
                    "token_invalid:\n  - {status: 200, json: code, equals: INVALID_OAUTHTOKEN}\n"},
        {"plain", "name: Plain\nauth: oauth2\n" + hosts + oauth},
        {"capped", "name: Capped\nauth: bearer\n" + hosts + "limits: {concurrency: 1}\n"},
        {"metered", "name: Metered\nauth: bearer\n" + hosts + "limits: {per_minute: 2}\n"}};
    for (const auto& [id, yaml] : services) {
      auto s = admin_->Send("POST", "/api/v1/services" + q,
                            "id: rs_" + id + "\n" + Replace(yaml, "{up}", up_),
                            {{"Authorization", "Bearer " + admin_->token()},
                             {"Content-Type", "application/yaml"}});
      ASSERT_EQ(s.status, 201) << id << ": " << s.body;
      auto c = admin_->Api("POST", "/api/v1/connections" + q,
                           {{"name", id}, {"link_name", id}, {"service", "rs_" + id}});
      ASSERT_EQ(c.status, 201) << c.body;
    }
    for (const char* id : {"rs_api", "rs_plain"}) {
      auto r = admin_->Api("PUT", std::string("/api/v1/services/") + id + "/client" + q,
                           {{"client_id", p.client_id}, {"client_secret", p.client_secret}});
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_EQ(admin_->Authorize(std::string(id).substr(3), kAdminEmail, kAdminPassword,
                                  "sandbox", org),
                "");
    }
    for (const char* link : {"capped", "metered"}) {
      auto r = admin_->Api("PUT", std::string("/api/v1/connections/") + link + "/credentials" + q,
                           {{"fields", {{"token", p.access1}}}});
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }

  RelishClient::Reply Proxy(RelishClient& client, const std::string& method,
                            const std::string& path, const std::string& org,
                            const std::string& retry = "") {
    outbound::Headers h = {{"Authorization", "Bearer " + client.token()}, {"X-Relish-Org", org}};
    if (!retry.empty()) h.emplace_back("X-Relish-Retry", retry);
    return client.Send(method, "/api/v1/proxy/" + path, method == "POST" ? "{}" : "",
                       std::move(h));
  }

  RelishClient::Reply Run(RelishClient& client, const std::string& source, const std::string& org) {
    return client.Api("POST", "/api/v1/functions/run?org=" + org, {{"source", source}});
  }

  // The newest `n` audit entries of organization A, oldest first.
  Json Audit(size_t n) {
    auto r = dev_->Api("GET", "/api/v1/audit?limit=" + std::to_string(n));
    EXPECT_EQ(r.status, 200) << r.body;
    Json out = Json::array();
    for (auto it = r.json["entries"].rbegin(); it != r.json["entries"].rend(); ++it) out.push_back(*it);
    return out;
  }
  static std::vector<std::string> Notes(const Json& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(std::to_string(e["status"].get<int>()) + " " + e["note"].get<std::string>());
    return out;
  }

  std::vector<std::string> Leaks(const std::string& text) const {
    std::vector<std::string> found;
    for (const Planted* p : {&a_, &b_}) {
      for (const auto& s : p->Secrets()) {
        if (text.find(s) != std::string::npos) found.push_back(s);
      }
    }
    return found;
  }
  void ExpectNoLeaks() {
    EXPECT_EQ(Leaks(admin_->transcript()), std::vector<std::string>{});
    EXPECT_EQ(Leaks(dev_->transcript()), std::vector<std::string>{});
    EXPECT_EQ(Leaks(log_.str()), std::vector<std::string>{});
  }

  Planted a_, b_;
  std::unique_ptr<Upstream> upstream_;
  std::string up_;
  std::ostringstream log_;
  std::filesystem::path data_;
  std::unique_ptr<app::App> app_;
  std::thread server_;
  std::unique_ptr<RelishClient> admin_, dev_;
  std::string org_a_, org_b_;
};

// Zoho's way: a 200 whose body says the token is invalid. One refresh at the token endpoint,
// one retry with the new token, and the echo of it masked; organization B is not touched.
TEST_F(ResilientTest, ATokenInvalidAnswerIn200RefreshesOnceAndRetries) {
  upstream_->Revoke(a_.access1);
  auto r = Proxy(*dev_, "GET", "api/token_check", org_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"ok":true,"auth":"Bearer [REDACTED]"})");
  EXPECT_EQ(upstream_->Hits("token_check"), 2);
  EXPECT_EQ(upstream_->Authorizations("token_check"),
            (std::vector<std::string>{"Bearer " + a_.access1, "Bearer " + a_.access2}));
  EXPECT_EQ(upstream_->Refreshes(a_.client_id), 1);
  EXPECT_EQ(upstream_->Refreshes(b_.client_id), 0);
  Json audit = Audit(1);
  EXPECT_EQ(Notes(audit), std::vector<std::string>{
                              "200 retried after a token-invalid answer (HTTP 200) with a refreshed token"});
  // Next call: the new token, no refresh. A function sees the same.
  auto again = Run(*dev_, "r = invokeurl [ url: \"" + up_ + "/token_check\" type: GET connection: \"api\" ];\n"
                          "return r;\n", org_a_);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["return"], Json({{"ok", true}, {"auth", "Bearer [REDACTED]"}})) << again.body;
  EXPECT_EQ(upstream_->Refreshes(a_.client_id), 1);
  // The new token refused in turn, its credentials cached (the proxy's asynchronous half, when
  // the cache still holds them): one more request with it, one refresh, one with the next.
  upstream_->Revoke(a_.access2);
  auto third = Proxy(*dev_, "GET", "api/token_check", org_a_);
  ASSERT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(third.body, R"({"ok":true,"auth":"Bearer [REDACTED]"})");
  EXPECT_EQ(upstream_->Refreshes(a_.client_id), 2);
  EXPECT_EQ(upstream_->Authorizations("token_check"),
            (std::vector<std::string>{"Bearer " + a_.access1, "Bearer " + a_.access2,
                                      "Bearer " + a_.access2, "Bearer " + a_.access2,
                                      "Bearer " + a_.access3}));
  // The same answer from a service that declares no signal is just an answer.
  upstream_->Revoke(b_.access1);
  auto plain = Proxy(*admin_, "GET", "plain/token_check", org_b_);
  EXPECT_EQ(plain.body, R"({"code":"INVALID_OAUTHTOKEN"})");
  EXPECT_EQ(upstream_->Refreshes(b_.client_id), 0);
  ExpectNoLeaks();
}

// A 429 with Retry-After: 0 (seconds) and then an HTTP date in the past: each retried once,
// each attempt its own audit entry.
TEST_F(ResilientTest, A429IsRetriedHonouringRetryAfter) {
  auto r = Proxy(*dev_, "GET", "api/fail?name=a&n=1&status=429&after=0", org_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"ok":true,"attempt":2})");
  EXPECT_EQ(upstream_->Hits("GET a"), 2);
  EXPECT_EQ(Notes(Audit(2)),
            (std::vector<std::string>{"429 ", "200 attempt 2 of 3: retried after HTTP 429, waited 0 ms"}));
  auto dated = Proxy(*dev_, "GET",
                     "api/fail?name=b&n=1&status=429&after=Sun,%2006%20Nov%201994%2008:49:37%20GMT",
                     org_a_);
  ASSERT_EQ(dated.status, 200) << dated.body;
  EXPECT_EQ(upstream_->Hits("GET b"), 2);
  EXPECT_EQ(Notes(Audit(2)),
            (std::vector<std::string>{"429 ", "200 attempt 2 of 3: retried after HTTP 429, waited 0 ms"}));
  // A spent rate limit whose reset is now.
  auto limited = Proxy(*dev_, "GET", "api/limited", org_a_);
  ASSERT_EQ(limited.status, 200) << limited.body;
  EXPECT_EQ(upstream_->Hits("limited"), 2);
  ExpectNoLeaks();
}

// A Retry-After beyond the service's total wait (30 s) is not waited for: the 429 comes back.
TEST_F(ResilientTest, ARetryAfterBeyondTheMaximumWaitIsNotWaitedFor) {
  auto r = Proxy(*dev_, "GET", "api/fail?name=c&n=1&status=429&after=120", org_a_);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(upstream_->Hits("GET c"), 1);
}

// 503s: retried with back-off up to the service's three attempts, then the 503 is the answer.
TEST_F(ResilientTest, FiveHundredsAreRetriedUpToTheMaximumAttempts) {
  auto ok = Proxy(*dev_, "GET", "api/fail?name=d&n=2&status=503", org_a_);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(upstream_->Hits("GET d"), 3);
  auto notes = Notes(Audit(3));
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0], "503 ");
  EXPECT_TRUE(notes[1].starts_with("503 attempt 2 of 3: retried after HTTP 503, waited ")) << notes[1];
  EXPECT_TRUE(notes[2].starts_with("200 attempt 3 of 3: retried after HTTP 503, waited ")) << notes[2];
  auto gave_up = Proxy(*dev_, "GET", "api/fail?name=e&n=9&status=503", org_a_);
  EXPECT_EQ(gave_up.status, 503);
  EXPECT_EQ(upstream_->Hits("GET e"), 3);
  // 501 is not a blip.
  auto unimplemented = Proxy(*dev_, "GET", "api/fail?name=f&n=9&status=501", org_a_);
  EXPECT_EQ(unimplemented.status, 501);
  EXPECT_EQ(upstream_->Hits("GET f"), 1);
}

// POST is never repeated unless the request says `always`; `off` turns retries off; a service
// that declares nothing retries only when the request asks; a bad value is refused.
TEST_F(ResilientTest, OnlyIdempotentMethodsAreRetriedUnlessTheCallerSaysSo) {
  auto post = Proxy(*dev_, "POST", "api/fail?name=g&n=1&status=503", org_a_);
  EXPECT_EQ(post.status, 503);
  EXPECT_EQ(upstream_->Hits("POST g"), 1);
  auto asked_on = Proxy(*dev_, "POST", "api/fail?name=h&n=1&status=503", org_a_, "on");
  EXPECT_EQ(asked_on.status, 503);
  EXPECT_EQ(upstream_->Hits("POST h"), 1);
  auto always = Proxy(*dev_, "POST", "api/fail?name=i&n=1&status=503", org_a_, "always");
  EXPECT_EQ(always.status, 200) << always.body;
  EXPECT_EQ(upstream_->Hits("POST i"), 2);
  auto off = Proxy(*dev_, "GET", "api/fail?name=j&n=1&status=503", org_a_, "off");
  EXPECT_EQ(off.status, 503);
  EXPECT_EQ(upstream_->Hits("GET j"), 1);
  auto plain = Proxy(*dev_, "GET", "plain/fail?name=k&n=1&status=503", org_a_);
  EXPECT_EQ(plain.status, 503);
  EXPECT_EQ(upstream_->Hits("GET k"), 1);
  auto plain_on = Proxy(*dev_, "GET", "plain/fail?name=l&n=1&status=503", org_a_, "on");
  EXPECT_EQ(plain_on.status, 200) << plain_on.body;
  EXPECT_EQ(upstream_->Hits("GET l"), 2);
  auto bad = Proxy(*dev_, "GET", "api/fail?name=m&n=0", org_a_, "sometimes");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["message"],
            "retry must be on, off or always (always also repeats POST and PATCH), not 'sometimes'")
      << bad.body;
  EXPECT_EQ(upstream_->Hits("GET m"), 0);
}

// invokeurl's retry option: the same rules in a function, each attempt audited with the run.
TEST_F(ResilientTest, InvokeurlsRetryOption) {
  auto r = Run(*dev_,
               "a = invokeurl [ url: \"" + up_ + "/fail?name=n&n=1&status=503\" type: POST connection: \"api\" ];\n"
               "b = invokeurl [ url: \"" + up_ + "/fail?name=o&n=1&status=503\" type: POST connection: \"api\" retry: \"always\" ];\n"
               "c = invokeurl [ url: \"" + up_ + "/fail?name=p&n=1&status=503\" type: GET connection: \"plain\" retry: true ];\n"
               "d = invokeurl [ url: \"" + up_ + "/fail?name=q&n=1&status=503\" type: GET connection: \"api\" retry: false ];\n"
               "return {\"a\": a, \"b\": b, \"c\": c, \"d\": d};\n",
               org_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["return"],
            Json({{"a", {{"error", "busy"}, {"attempt", 1}}},
                  {"b", {{"ok", true}, {"attempt", 2}}},
                  {"c", {{"ok", true}, {"attempt", 2}}},
                  {"d", {{"error", "busy"}, {"attempt", 1}}}}));
  EXPECT_EQ(upstream_->Hits("POST n"), 1);
  EXPECT_EQ(upstream_->Hits("POST o"), 2);
  EXPECT_EQ(upstream_->Hits("GET p"), 2);
  EXPECT_EQ(upstream_->Hits("GET q"), 1);
  EXPECT_EQ(r.json["calls"].size(), 4u);  // the script made four calls
  // Six attempts in the audit, each with the run.
  std::string run_id = Audit(1)[0]["run_id"].get<std::string>();
  ASSERT_NE(run_id, "");
  auto by_run = dev_->Api("GET", "/api/v1/audit?run_id=" + run_id);
  ASSERT_EQ(by_run.status, 200);
  Json audit = Json::array();
  for (auto it = by_run.json["entries"].rbegin(); it != by_run.json["entries"].rend(); ++it) {
    audit.push_back(*it);
  }
  // `plain` backs off from the default 500 ms, with jitter: 250 to 500 ms.
  auto notes = Notes(audit);
  ASSERT_EQ(notes.size(), 6u);
  if (notes[4].starts_with("200 attempt 2 of 3: retried after HTTP 503, waited ")) notes[4] = "(plain)";
  const std::string again = "200 attempt 2 of 3: retried after HTTP 503, waited 0 ms";
  EXPECT_EQ(notes, (std::vector<std::string>{"503 ", "503 ", again, "503 ", "(plain)", "503 "}));
  ExpectNoLeaks();
}

// One call at a time on `capped`: a second while the first is in flight is refused with 429 and
// Relish's code, and another organization's connection of the same service is not held up.
TEST_F(ResilientTest, AConnectionsConcurrencyCapRefusesTheExcessCall) {
  // The slow call has a client of its own: a RelishClient keeps cookies and a transcript and is
  // not to be shared between threads (sharing dev_ raced, and aborted under load).
  RelishClient slow_client(dev_->base_url());
  slow_client.set_token(dev_->token());
  RelishClient::Reply first;
  std::thread t([&] { first = Proxy(slow_client, "GET", "capped/slow", org_a_); });
  // Joined on every path: an ASSERT that returns early must not leave it joinable (terminate).
  struct Joiner {
    Upstream& up;
    std::thread& t;
    ~Joiner() {
      up.Release();
      if (t.joinable()) t.join();
    }
  } joiner{*upstream_, t};
  upstream_->WaitForSlow(1);
  auto second = Proxy(*dev_, "GET", "capped/fail?name=r&n=0", org_a_);
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.json["code"], "resource_exhausted");
  EXPECT_EQ(second.json["message"],
            "call limit: connection 'capped' is at its limit of 1 calls in flight at once "
            "(its service's limits:)")
      << second.body;
  EXPECT_EQ(upstream_->Hits("GET r"), 0);
  auto other_org = Proxy(*admin_, "GET", "capped/fail?name=s&n=0", org_b_);
  EXPECT_EQ(other_org.status, 200) << other_org.body;
  auto script = Run(*dev_, "try { r = invokeurl [ url: \"" + up_ + "/fail?name=t&n=0\" connection: \"capped\" ]; }"
                           " catch (e) { info e; }\nreturn 1;\n", org_a_);
  ASSERT_EQ(script.status, 200) << script.body;
  EXPECT_NE(script.body.find("is at its limit of 1 calls in flight at once"), std::string::npos)
      << script.body;
  upstream_->Release();
  t.join();
  EXPECT_EQ(first.status, 200) << first.body << first.error;
  auto after = Proxy(*dev_, "GET", "capped/fail?name=u&n=0", org_a_);
  EXPECT_EQ(after.status, 200) << after.body;
  ExpectNoLeaks();
}

// Two calls a minute on `metered`: the third is refused, before it reaches the upstream.
TEST_F(ResilientTest, AConnectionsRateCapRefusesTheExcessCall) {
  EXPECT_EQ(Proxy(*dev_, "GET", "metered/fail?name=v&n=0", org_a_).status, 200);
  EXPECT_EQ(Proxy(*dev_, "GET", "metered/fail?name=v&n=0", org_a_).status, 200);
  auto third = Proxy(*dev_, "GET", "metered/fail?name=v&n=0", org_a_);
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(third.json["message"],
            "call limit: connection 'metered' is at its limit of 2 calls a minute "
            "(its service's limits:)")
      << third.body;
  EXPECT_EQ(upstream_->Hits("GET v"), 2);
  // Organization B's connection has its own minute.
  EXPECT_EQ(Proxy(*admin_, "GET", "metered/fail?name=w&n=0", org_b_).status, 200);
}

// The developer of A cannot reach B's connections through the proxy, retries or not.
TEST_F(ResilientTest, AnotherOrganizationsConnectionIsRefused) {
  auto r = Proxy(*dev_, "GET", "api/fail?name=x&n=1&status=503", org_b_, "on");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(upstream_->Hits("GET x"), 0);
  ExpectNoLeaks();
}

}  // namespace
}  // namespace relish
