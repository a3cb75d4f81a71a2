// Issue 20, values captured from a provider's metadata URL after the code exchange, against real
// servers on loopback: a real Relish (in-process) whose sandbox remaps the shipped mailchimp and
// jira services' hosts to a local provider (login.mailchimp.com, auth.atlassian.com and
// api.atlassian.com) and to one API server per Mailchimp data centre (us19, us7). Two
// organizations, each with its own OAuth client, sign in as accounts in different data centres
// and sites; each connection captures its own value and calls go there. A hostile metadata answer
// refuses the authorization and nothing is sent to it.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
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

constexpr const char* kCloudA = "11111111-aaaa-4aaa-8aaa-111111111111";
constexpr const char* kCloudB = "22222222-bbbb-4bbb-8bbb-222222222222";
constexpr const char* kNoValue = "(no value)";  // a metadata answer without the field

// An account at the provider: the OAuth client its organization registered, the token it gets,
// and where it lives (Mailchimp data centre, Atlassian site).
struct Account {
  std::string client_id, client_secret, access, dc, cloud_id;
};

// One loopback HTTP server recording "METHOD path Authorization" for every request it gets.
class Peer {
 public:
  Peer() {
    server::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
  }
  ~Peer() {
    if (ok_) {
      server_->Stop();
      thread_.join();
    }
  }
  bool Start() {
    ok_ = server_->Listen().ok();
    if (ok_) thread_ = std::thread([this] { server_->Run(false); });
    return ok_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  server::Router& router() { return router_; }
  void Record(const server::Request& r) {
    std::lock_guard lock(mu_);
    seen_.push_back(r.method + " " + std::string(r.path) + " " +
                    std::string(r.Header("Authorization").value_or("")));
  }
  std::vector<std::string> Seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    seen_.clear();
  }

 private:
  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  bool ok_ = false;
  std::mutex mu_;
  std::vector<std::string> seen_;
};

class MetadataCaptureTest : public ::testing::Test {
 protected:
  static constexpr const char* kAdminEmail = "admin@localhost";
  static constexpr const char* kAdminPassword = "admin-password-for-capture-3e1b";

  void SetUp() override {
    a_ = {"mc-client-A", "mc-secret-A-71c0d2", "access-A-5e9a01", "us19", kCloudA};
    b_ = {"mc-client-B", "mc-secret-B-0b44e7", "access-B-c3d812", "us7", kCloudB};
    Provider();
    for (Peer* api : {&us19_, &us7_}) {
      for (const char* path : {"/3.0/ping", "/evil"}) {
        api->router().Add("GET", path, server::Access::kPublic, [api](server::Request& r) {
          api->Record(r);
          return server::JsonResponse(200, {{"health_status", "Everything's Chimpy!"}});
        });
      }
    }
    ASSERT_TRUE(provider_.Start() && us19_.Start() && us7_.Start());

    InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    data_ = std::filesystem::temp_directory_path() /
            ("relish-metadata-capture-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_);
    std::string remap = "login.mailchimp.com=" + provider_.url() +
                        ",auth.atlassian.com=" + provider_.url() +
                        ",api.atlassian.com=" + provider_.url() +
                        ",us19.api.mailchimp.com=" + us19_.url() +
                        ",us7.api.mailchimp.com=" + us7_.url();
    ConfigSources sources;
    sources.flags = {{"data_dir", data_.string()},
                     {"listen", "127.0.0.1:0"},
                     {"admin_email", kAdminEmail},
                     {"admin_password", kAdminPassword},
                     {"egress_allow_loopback", "true"},
                     {"sandbox_remap", remap}};
    auto config = LoadConfig(sources);
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    auto app = app::App::Open(*config);
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    app_ = std::move(*app);
    std::string base =
        "http://127.0.0.1:" + std::to_string(testing::ServeInBackground(*app_, server_));
    admin_ = std::make_unique<RelishClient>(base);
    ASSERT_EQ(admin_->SignInForToken(kAdminEmail, kAdminPassword), "");
    org_a_ = admin_->Api("GET", "/api/v1/me").json["orgs"][0]["id"].get<std::string>();
    auto org = admin_->Api("POST", "/api/v1/orgs", {{"name", "Organization B"}});
    ASSERT_EQ(org.status, 201) << org.body;
    org_b_ = org.json["id"].get<std::string>();
    for (const auto& [org_id, account] : {std::pair{org_a_, a_}, std::pair{org_b_, b_}}) {
      for (const char* service : {"mailchimp", "jira"}) {
        auto r = admin_->Api("PUT", std::string("/api/v1/services/") + service + "/client?org=" + org_id,
                             {{"client_id", account.client_id}, {"client_secret", account.client_secret}});
        ASSERT_EQ(r.status, 200) << r.body;
        // No parameter given: the captured one is left out until the authorization.
        auto c = admin_->Api("POST", "/api/v1/connections?org=" + org_id,
                             {{"name", service}, {"link_name", service}, {"service", service}});
        ASSERT_EQ(c.status, 201) << c.body;
      }
    }
  }

  void TearDown() override {
    if (app_) app_->Stop();
    if (server_.joinable()) server_.join();
    app_.reset();
    std::filesystem::remove_all(data_);
    (void)InitLogging({.level = "warn"});  // the sink refers to log_
  }

  // login.mailchimp.com, auth.atlassian.com and api.atlassian.com in one: their paths differ.
  void Provider() {
    auto& router = provider_.router();
    for (const char* path : {"/oauth2/authorize", "/authorize"}) {
      router.Add("GET", path, server::Access::kPublic, [this](server::Request& r) {
        provider_.Record(r);
        server::Response out = server::Response::Text(302, "");
        out.SetHeader("Location", r.QueryParam("redirect_uri").value_or("") + "?code=code-" +
                                      FormEncode(r.QueryParam("client_id").value_or("")) +
                                      "&state=" + FormEncode(r.QueryParam("state").value_or("")));
        return out;
      });
    }
    for (const char* path : {"/oauth2/token", "/oauth/token"}) {
      router.Add("POST", path, server::Access::kPublic, [this](server::Request& r) {
        provider_.Record(r);
        std::map<std::string, std::string> form;
        for (auto& [k, v] : server::ParseForm(r.body)) form[k] = v;
        for (const Account* p : {&a_, &b_}) {
          if (form["client_id"] == p->client_id && form["client_secret"] == p->client_secret &&
              form["code"] == "code-" + p->client_id) {
            return server::JsonResponse(200, {{"access_token", p->access}, {"token_type", "Bearer"}});
          }
        }
        return server::JsonResponse(400, {{"error", "invalid_grant"}});
      });
    }
    // Mailchimp's metadata takes "OAuth <token>", Atlassian's accessible-resources "Bearer".
    router.Add("GET", "/oauth2/metadata", server::Access::kPublic, [this](server::Request& r) {
      provider_.Record(r);
      std::string auth(r.Header("Authorization").value_or(""));
      std::lock_guard lock(mu_);
      for (const Account* p : {&a_, &b_}) {
        if (auth != "OAuth " + p->access) continue;
        std::string dc = hostile_.empty() ? p->dc : hostile_;
        Json body = {{"role", "owner"}, {"api_endpoint", "https://" + dc + ".api.mailchimp.com"}};
        if (dc != kNoValue) body["dc"] = dc;
        return server::JsonResponse(200, body);
      }
      return server::JsonResponse(401, {{"error", "invalid_token"}});
    });
    router.Add("GET", "/oauth/token/accessible-resources", server::Access::kPublic,
               [this](server::Request& r) {
                 provider_.Record(r);
                 std::string auth(r.Header("Authorization").value_or(""));
                 std::lock_guard lock(mu_);
                 for (const Account* p : {&a_, &b_}) {
                   if (auth != "Bearer " + p->access) continue;
                   std::string id = hostile_.empty() ? p->cloud_id : hostile_;
                   Json sites = Json::array();
                   sites.push_back({{"name", "site"}, {"scopes", {"read:jira-work"}}});
                   if (id != kNoValue) sites[0]["id"] = id;
                   sites.push_back({{"id", "33333333-cccc-4ccc-8ccc-333333333333"}, {"name", "other"}});
                   return server::JsonResponse(200, sites);
                 }
                 return server::JsonResponse(401, {{"error", "invalid_token"}});
               });
    router.Add("GET", "/ex/jira/{cloud}/rest/api/3/myself", server::Access::kPublic,
               [this](server::Request& r) {
                 provider_.Record(r);
                 return server::JsonResponse(200, {{"accountId", "me"}});
               });
  }

  Json Connection(const std::string& link, const std::string& org) {
    auto r = admin_->Api("GET", "/api/v1/connections/" + link + "?org=" + org);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }
  // The planted secrets (client secrets, access tokens) found in what Relish answered or logged.
  std::vector<std::string> Leaks() {
    std::vector<std::string> found;
    for (const Account* p : {&a_, &b_}) {
      for (const auto& secret : {p->client_secret, p->access}) {
        if (admin_->transcript().find(secret) != std::string::npos ||
            log_.str().find(secret) != std::string::npos) {
          found.push_back(secret);
        }
      }
    }
    return found;
  }
  RelishClient::Reply Proxy(const std::string& path, const std::string& org) {
    return admin_->Send("GET", "/api/v1/proxy/" + path, "",
                        {{"Authorization", "Bearer " + admin_->token()}, {"X-Relish-Org", org}});
  }

  Account a_, b_;
  std::mutex mu_;
  std::string hostile_;  // guarded by mu_: what both metadata URLs name instead of the account's
  Peer provider_, us19_, us7_;
  std::ostringstream log_;
  std::filesystem::path data_;
  std::unique_ptr<app::App> app_;
  std::thread server_;
  std::unique_ptr<RelishClient> admin_;
  std::string org_a_, org_b_;
};

TEST_F(MetadataCaptureTest, MailchimpDataCentreIsCapturedPerOrganizationAndCallsGoThere) {
  ASSERT_EQ(admin_->Authorize("mailchimp", kAdminEmail, kAdminPassword, "sandbox", org_a_), "");
  // The metadata URL got A's new token, with Mailchimp's prefix, right after the exchange.
  EXPECT_EQ(provider_.Seen(),
            (std::vector<std::string>{"GET /oauth2/authorize ", "POST /oauth2/token ",
                                      "GET /oauth2/metadata OAuth access-A-5e9a01"}));
  EXPECT_EQ(Connection("mailchimp", org_a_)["params"], (Json{{"dc", "us19"}}));
  // B has not authorized: its connection has no data centre yet and its calls go nowhere.
  EXPECT_EQ(Connection("mailchimp", org_b_)["params"], Json::object());
  ASSERT_EQ(admin_->Authorize("mailchimp", kAdminEmail, kAdminPassword, "sandbox", org_b_), "");
  EXPECT_EQ(Connection("mailchimp", org_b_)["params"], (Json{{"dc", "us7"}}));
  EXPECT_EQ(Connection("mailchimp", org_a_)["params"], (Json{{"dc", "us19"}}));

  auto ping_a = Proxy("mailchimp/ping", org_a_);
  EXPECT_EQ(ping_a.status, 200) << ping_a.body;
  auto ping_b = Proxy("mailchimp/ping", org_b_);
  EXPECT_EQ(ping_b.status, 200) << ping_b.body;
  EXPECT_EQ(us19_.Seen(), std::vector<std::string>{"GET /3.0/ping Bearer access-A-5e9a01"});
  EXPECT_EQ(us7_.Seen(), std::vector<std::string>{"GET /3.0/ping Bearer access-B-c3d812"});
  // A's connection cannot reach B's data centre.
  auto cross = admin_->Api("POST", "/api/v1/connections/mailchimp/test?org=" + org_a_,
                           {{"url", "https://us7.api.mailchimp.com/evil"}});
  EXPECT_FALSE(cross.status == 200 && cross.json.value("ok", false)) << cross.body;
  EXPECT_EQ(us7_.Seen().size(), 1u);
  EXPECT_EQ(Leaks(), std::vector<std::string>{});
}

TEST_F(MetadataCaptureTest, JiraCloudIdIsTheFirstGrantedSitePerOrganization) {
  ASSERT_EQ(admin_->Authorize("jira", kAdminEmail, kAdminPassword, "sandbox", org_a_), "");
  ASSERT_EQ(admin_->Authorize("jira", kAdminEmail, kAdminPassword, "sandbox", org_b_), "");
  EXPECT_EQ(Connection("jira", org_a_)["params"], (Json{{"cloud_id", kCloudA}}));
  EXPECT_EQ(Connection("jira", org_b_)["params"], (Json{{"cloud_id", kCloudB}}));
  provider_.Clear();
  EXPECT_EQ(Proxy("jira/myself", org_a_).status, 200);
  EXPECT_EQ(Proxy("jira/myself", org_b_).status, 200);
  EXPECT_EQ(provider_.Seen(),
            (std::vector<std::string>{
                std::string("GET /ex/jira/") + kCloudA + "/rest/api/3/myself Bearer access-A-5e9a01",
                std::string("GET /ex/jira/") + kCloudB + "/rest/api/3/myself Bearer access-B-c3d812"}));
}

// A metadata answer that would move a host elsewhere refuses the authorization: the token is not
// kept, the connection says why, and nothing is sent to the value (no request after the
// metadata call, at any of the servers).
TEST_F(MetadataCaptureTest, HostileMetadataValuesRefuseTheAuthorization) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"mailchimp", "us19.evil.test"}, {"mailchimp", "us7#"},   {"mailchimp", "../us19"},
      {"mailchimp", kNoValue},         {"jira", "evil.test/x"}, {"jira", "../../admin"},
      {"jira", kNoValue}};
  for (const auto& [link, value] : cases) {
    SCOPED_TRACE(link + " " + value);
    {
      std::lock_guard lock(mu_);
      hostile_ = value;
    }
    provider_.Clear();
    std::string error = admin_->Authorize(link, kAdminEmail, kAdminPassword, "sandbox", org_a_);
    EXPECT_NE(error, "");
    Json c = Connection(link, org_a_);
    EXPECT_EQ(c["params"], Json::object());
    EXPECT_EQ(c["status"], "needs_reauth") << c.dump();
    std::string reason = c.value("reason", "");
    std::string expected = value == kNoValue ? "answered without" : "does not match";
    EXPECT_NE(reason.find(expected), std::string::npos) << reason;
    auto seen = provider_.Seen();
    ASSERT_FALSE(seen.empty());
    EXPECT_TRUE(seen.back().starts_with(link == "mailchimp" ? "GET /oauth2/metadata"
                                                            : "GET /oauth/token/accessible-resources"))
        << seen.back();
    EXPECT_EQ(Proxy(link + (link == "mailchimp" ? "/ping" : "/myself"), org_a_).status / 100, 4);
    EXPECT_EQ(provider_.Seen().size(), seen.size());
  }
  EXPECT_EQ(us19_.Seen(), std::vector<std::string>{});
  EXPECT_EQ(us7_.Seen(), std::vector<std::string>{});
  // B's connections were never touched.
  EXPECT_EQ(Connection("mailchimp", org_b_)["status"], "pending");
  // The refusals quote the value, never the token that fetched it.
  EXPECT_EQ(Leaks(), std::vector<std::string>{});
}

}  // namespace
}  // namespace relish
