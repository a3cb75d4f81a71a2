// Issue 20, `production_remap`, through real HTTP on loopback: a real Relish (in-process) with a
// bearer service at https://localhost:1 (where nothing listens), a sandbox stand-in and a
// production stand-in. With production_remap set, production calls reach the production stand-in
// and sandbox calls the sandbox's (the two remaps are separate); without it (the default),
// production is not remapped: the call goes to the service's own host and neither stand-in sees
// it, while the sandbox still is. Two organizations each call with their own token.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "base/config.h"
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

// A stand-in that records the Authorization of each GET /ping.
class StandIn {
 public:
  StandIn() {
    router_.Add("GET", "/ping", server::Access::kPublic, [this](server::Request& r) {
      std::lock_guard lock(mu_);
      seen_.emplace_back(r.Header("Authorization").value_or(""));
      return server::JsonResponse(200, {{"pong", true}});
    });
    server::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
    ok_ = server_->Listen().ok();
    if (ok_) thread_ = std::thread([this] { server_->Run(false); });
  }
  ~StandIn() {
    if (ok_) {
      server_->Stop();
      thread_.join();
    }
  }
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> seen_;
  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  bool ok_ = false;
};

class ProductionRemapTest : public ::testing::Test {
 protected:
  static constexpr const char* kAdminEmail = "admin@localhost";
  static constexpr const char* kAdminPassword = "admin-password-for-remap-8d3f";

  void TearDown() override {
    if (app_) app_->Stop();
    if (server_.joinable()) server_.join();
    app_.reset();
    std::filesystem::remove_all(data_);
    (void)InitLogging({.level = "warn"});  // the sink refers to log_
  }

  // Starts Relish with the sandbox remapped to its stand-in and, when `remap_production`,
  // production to its own; then, in organizations A and B, a connection `api` in each
  // environment with a token naming the organization and environment.
  void Start(bool remap_production) {
    ASSERT_TRUE(sandbox_.ok() && production_.ok());
    InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    data_ = std::filesystem::temp_directory_path() /
            ("relish-production-remap-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_);
    ConfigSources sources;
    sources.flags = {{"data_dir", data_.string()},
                     {"listen", "127.0.0.1:0"},
                     {"admin_email", kAdminEmail},
                     {"admin_password", kAdminPassword},
                     {"egress_allow_loopback", "true"},
                     {"sandbox_remap", "localhost=" + sandbox_.url()}};
    if (remap_production) sources.flags.emplace_back("production_remap", "localhost=" + production_.url());
    auto config = LoadConfig(sources);
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    auto app = app::App::Open(*config);
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    app_ = std::move(*app);
    admin_ = std::make_unique<RelishClient>(
        "http://127.0.0.1:" + std::to_string(testing::ServeInBackground(*app_, server_)));
    ASSERT_EQ(admin_->SignInForToken(kAdminEmail, kAdminPassword), "");
    org_a_ = admin_->Api("GET", "/api/v1/me").json["orgs"][0]["id"].get<std::string>();
    auto org = admin_->Api("POST", "/api/v1/orgs", {{"name", "Organization B"}});
    ASSERT_EQ(org.status, 201) << org.body;
    org_b_ = org.json["id"].get<std::string>();
    for (const auto& [org_id, name] : {std::pair{org_a_, "A"}, std::pair{org_b_, "B"}}) {
      auto s = admin_->Send("POST", "/api/v1/services?org=" + org_id,
                            "id: remapped\nname: Remapped\nauth: bearer\n"
                            "base_url: https://localhost:1\nallowed_hosts: ['https://localhost:1']\n"
                            "test: {url: 'https://localhost:1/ping'}\n",
                            {{"Authorization", "Bearer " + admin_->token()},
                             {"Content-Type", "application/yaml"}});
      ASSERT_EQ(s.status, 201) << s.body;
      for (const char* env : {"sandbox", "production"}) {
        std::string q = "?org=" + org_id + "&environment=" + env;
        auto c = admin_->Api("POST", "/api/v1/connections" + q,
                             {{"name", "api"}, {"link_name", "api"}, {"service", "remapped"},
                              {"environment", env}});
        ASSERT_EQ(c.status, 201) << c.body;
        auto t = admin_->Api("PUT", "/api/v1/connections/api/credentials" + q,
                             {{"fields", {{"token", std::string("token-") + name + "-" + env}}}});
        ASSERT_EQ(t.status, 200) << t.body;
      }
    }
  }

  RelishClient::Reply Test(const std::string& org, const std::string& env) {
    return admin_->Api("POST", "/api/v1/connections/api/test?org=" + org + "&environment=" + env);
  }

  StandIn sandbox_, production_;
  std::ostringstream log_;
  std::filesystem::path data_;
  std::unique_ptr<app::App> app_;
  std::thread server_;
  std::unique_ptr<RelishClient> admin_;
  std::string org_a_, org_b_;
};

TEST_F(ProductionRemapTest, WithProductionRemapProductionReachesItsOwnStandIn) {
  Start(/*remap_production=*/true);
  for (const std::string& org : {org_a_, org_b_}) {
    for (const char* env : {"production", "sandbox"}) {
      auto r = Test(org, env);
      EXPECT_EQ(r.status, 200) << env << " " << r.body;
      EXPECT_EQ(r.json["status"], 200) << r.body;
    }
  }
  EXPECT_EQ(production_.seen(), (std::vector<std::string>{"Bearer token-A-production",
                                                          "Bearer token-B-production"}));
  EXPECT_EQ(sandbox_.seen(),
            (std::vector<std::string>{"Bearer token-A-sandbox", "Bearer token-B-sandbox"}));
}

TEST_F(ProductionRemapTest, WithoutItProductionGoesToTheRealHost) {
  Start(/*remap_production=*/false);
  for (const std::string& org : {org_a_, org_b_}) {
    auto production = Test(org, "production");
    // https://localhost:1 itself: nothing listens there, so the call fails to connect.
    EXPECT_FALSE(production.status == 200 && production.json.value("status", 0) == 200)
        << production.body;
    auto sandbox = Test(org, "sandbox");
    EXPECT_EQ(sandbox.status, 200) << sandbox.body;
  }
  EXPECT_EQ(production_.seen(), std::vector<std::string>{});
  EXPECT_EQ(sandbox_.seen(),
            (std::vector<std::string>{"Bearer token-A-sandbox", "Bearer token-B-sandbox"}));
}

}  // namespace
}  // namespace relish
