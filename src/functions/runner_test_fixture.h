// Set-up for the runner's unit tests: an in-memory store with the vault, identity, CRM, catalog
// (the default services) and connections; a user in an organization; and one FakeHttpClient
// for both environments that plays every provider's token endpoint and hands other requests to
// the test's `api` handler.
#pragma once

#include <gtest/gtest.h>
#include <sodium.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/encoding.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "crm/crm.h"
#include "functions/platform_runner.h"
#include "identity/identity.h"
#include "outbound/fake_http_client.h"
#include "store/testing.h"
#include "vault/vault.h"

namespace relish::functions {

class IdentityMembers final : public crm::UserDirectory {
 public:
  explicit IdentityMembers(identity::Identity& identity) : identity_(identity) {}
  Result<crm::Actor> FindMember(std::string_view org_id, std::string_view user_id) override {
    auto user = TRY(identity_.GetUser(user_id));
    if (!TRY(identity_.IsMember(org_id, user_id))) return NotFound("not a member");
    return crm::Actor{user.id, user.name, user.email};
  }

 private:
  identity::Identity& identity_;
};

class RunnerTest : public ::testing::Test {
 protected:
  static constexpr const char* kPublicUrl = "http://relish.test";

  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_);
    std::vector<store::Migration> m;
    for (auto list :
         {vault::Vault::Migrations(), identity::Identity::Migrations(), crm::Crm::Migrations(),
          connections::Connections::Migrations(), connections::Catalog::Migrations()}) {
      for (auto& x : list) m.push_back(std::move(x));
    }
    ASSERT_TRUE(store_->Migrate(m).ok());
    vault_ =
        std::move(*vault::Vault::Open(*store_, {vault::MakeMasterKey(random_)}, clock_, random_));
    identity_ = std::make_unique<identity::Identity>(
        *store_, clock_, random_,
        identity::IdentityOptions{.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN,
                                  .pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN});
    auto admin = identity_->CreateUser("admin@example.com", "Ada Admin", "password-for-tests",
                                       identity::Role::kAdmin);
    ASSERT_TRUE(admin.ok()) << admin.error().message();
    auto dev = identity_->CreateUser("dev@example.com", "Dev Eloper", "password-for-tests",
                                     identity::Role::kDeveloper);
    ASSERT_TRUE(dev.ok());
    user_id_ = dev->id;
    auto org = identity_->CreateOrg("Acme Inc");
    ASSERT_TRUE(org.ok());
    org_id_ = org->id;
    ASSERT_TRUE(identity_->AddMember(org_id_, admin->id).ok());
    ASSERT_TRUE(identity_->AddMember(org_id_, user_id_).ok());
    members_ = std::make_unique<IdentityMembers>(*identity_);
    crm_ = std::make_unique<crm::Crm>(*store_, clock_, random_, *members_);

    catalog_ = std::make_unique<connections::Catalog>(*store_, clock_);
    ASSERT_TRUE(catalog_->LoadDefaults().ok());
    http_.SetHandler([this](const outbound::Request& r) { return Handle(r); });
    connections_ = std::make_unique<connections::Connections>(
        *store_, *vault_, *catalog_, http_, http_, clock_, random_,
        connections::ConnectionsOptions{.public_url = kPublicUrl});
    runner_ = std::make_unique<PlatformRunner>(PlatformServices{.sandbox_http = &http_,
                                                                .production_http = &http_,
                                                                .connections = connections_.get(),
                                                                .crm = crm_.get(),
                                                                .identity = identity_.get(),
                                                                .clock = &clock_},
                                               RunnerOptions{.time_zone = "UTC"});
  }

  void TearDown() override {
    runner_.reset();
    connections_.reset();
  }

  // Creates and authorizes a sandbox connection to `service` with link name `link`; the token
  // endpoint answers with access token `token`.
  void Connect(const std::string& service, const std::string& link, const std::string& token) {
    ASSERT_TRUE(
        connections_->SetClient(org_id_, service, "client-" + service, "secret-" + service).ok());
    auto c = connections_->Create({.org_id = org_id_,
                                   .display_name = link,
                                   .link_name = link,
                                   .service_id = service,
                                   .created_by = user_id_});
    ASSERT_TRUE(c.ok()) << c.error().message();
    auto begin = connections_->BeginAuthorization(org_id_, "sandbox", link, user_id_, "");
    ASSERT_TRUE(begin.ok()) << begin.error().message();
    next_token_ = token;
    auto done = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "c-1"}}, user_id_);
    ASSERT_TRUE(done.ok()) << done.error().message();
  }

  Result<outbound::Response> Handle(const outbound::Request& r) {
    if (r.url.ends_with("/oauth/token") || r.url.ends_with("/oauth/v2/token")) {
      if (!token_error_.empty()) {
        return outbound::FakeHttpClient::Json(400, R"({"error":")" + token_error_ + R"("})");
      }
      std::string body =
          R"({"access_token":")" + next_token_ +
          R"(","refresh_token":"refresh-x","expires_in":3600,"token_type":"Bearer"})";
      return outbound::FakeHttpClient::Json(200, body);
    }
    if (!api_) return Unavailable("no API handler for " + r.url);
    return api_(r);
  }

  RunRequest Request(const std::string& source) {
    RunRequest r;
    r.org_id = org_id_;
    r.environment = "sandbox";
    r.topping = "";
    r.user_id = user_id_;
    r.run_id = "run_test_1";
    r.file_name = "test.dg";
    r.source = source;
    return r;
  }

  RunResult Run(const std::string& source, std::vector<RunRequest::Arg> args = {}) {
    RunRequest r = Request(source);
    r.args = std::move(args);
    auto result = runner_->Run(r);
    EXPECT_TRUE(result.ok()) << result.error().message();
    return result.ok() ? *result : RunResult{};
  }

  // The requests the fake saw, without the token exchanges.
  std::vector<outbound::Request> ApiRequests() const {
    std::vector<outbound::Request> out;
    for (auto& r : http_.requests()) {
      if (!r.url.ends_with("/oauth/token") && !r.url.ends_with("/oauth/v2/token")) {
        out.push_back(r);
      }
    }
    return out;
  }

  FakeClock clock_;
  FakeRandom random_{7};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<IdentityMembers> members_;
  std::unique_ptr<crm::Crm> crm_;
  std::unique_ptr<connections::Catalog> catalog_;
  outbound::FakeHttpClient http_;
  std::unique_ptr<connections::Connections> connections_;
  std::unique_ptr<PlatformRunner> runner_;
  std::function<Result<outbound::Response>(const outbound::Request&)> api_;
  std::string next_token_ = "token-1";
  std::string token_error_;  // set: the token endpoint refuses with this error
  std::string org_id_;
  std::string user_id_;
};

}  // namespace relish::functions
