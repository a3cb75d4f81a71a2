// Shared set-up for the connections unit tests: an in-memory store, a vault, a catalog with
// test services and a scripted provider behind FakeHttpClient.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>

#include "base/encoding.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "identity/identity.h"
#include "outbound/fake_http_client.h"
#include "store/sqlite/sqlite_store.h"
#include "vault/vault.h"
#include "store/testing.h"

namespace relish::connections {

// The migrations the catalog and connections need, in the runtime's order (the catalog's
// second migration reads identity's org_members and connections' connections).
inline std::vector<store::Migration> TestMigrations() {
  std::vector<store::Migration> m = vault::Vault::Migrations();
  for (auto& x : identity::Identity::Migrations()) m.push_back(x);
  for (auto& x : Connections::Migrations()) m.push_back(x);
  for (auto& x : Catalog::Migrations()) m.push_back(x);
  return m;
}

inline const std::vector<EmbeddedFile>& TestServices() {
  static const std::string acme = R"(id: acme
name: Acme
docs: https://acme.test/docs
category: Other
auth: oauth2
base_url: https://api.acme.test/v1
allowed_hosts: [api.acme.test]
inject: {header: Authorization, prefix: Zoho-oauthtoken}
token_hosts: [login.acme.test]
oauth2:
  authorize_url: https://login.acme.test/authorize
  token_url: https://login.acme.test/token
  revoke_url: https://login.acme.test/revoke
  scopes: [read, write]
  default_scopes: [read]
  scope_delimiter: ","
  client_auth: form
  authorize_params: {access_type: offline}
  account_id: account
test: {url: 'https://api.acme.test/v1/me'}
)";
  static const std::string keyed = R"(id: keyed
name: Keyed
docs: https://keyed.test/docs
category: Other
auth: api_key
base_url: https://api.keyed.test
allowed_hosts: [api.keyed.test]
api_key: {in: query, fields: [{name: api_key, label: Key}]}
)";
  static const std::string formkey = R"(id: formkey
name: Form key
docs: https://formkey.test/docs
category: Other
auth: api_key
base_url: https://api.formkey.test
allowed_hosts: [api.formkey.test]
api_key: {in: form, fields: [{name: token, label: Token}]}
)";
  static const std::string basic = R"(id: basicsvc
name: Basic
docs: https://basic.test/docs
category: Other
auth: basic
base_url: https://api.basic.test
allowed_hosts: [api.basic.test]
)";
  static const std::string machine = R"(id: machine
name: Machine
docs: https://machine.test/docs
category: Other
auth: oauth2_client_credentials
base_url: https://api.machine.test
allowed_hosts: [api.machine.test]
token_hosts: [login.machine.test]
oauth2: {token_url: 'https://login.machine.test/token', scopes: [jobs]}
)";
  static const std::string legacy = R"(id: legacy
name: Legacy
docs: https://legacy.test/docs
category: Other
auth: oauth1
base_url: https://api.legacy.test
allowed_hosts: [api.legacy.test]
oauth1:
  request_token_url: https://api.legacy.test/oauth/request_token
  authorize_url: https://api.legacy.test/oauth/authorize
  access_token_url: https://api.legacy.test/oauth/access_token
  authorize_params: {scope: 'read,write', expiration: never}
)";
  static const std::vector<EmbeddedFile> files = {{"/acme.yaml", acme},     {"/keyed.yaml", keyed},
                                                  {"/formkey.yaml", formkey}, {"/basicsvc.yaml", basic},
                                                  {"/machine.yaml", machine}, {"/legacy.yaml", legacy}};
  return files;
}

// A scripted provider: a token endpoint that counts calls and an API that checks tokens.
class FakeProvider {
 public:
  std::atomic<int> token_calls{0};
  std::atomic<int> revoke_calls{0};
  std::atomic<int> token_delay_ms{0};
  std::string next_access = "access-1";
  std::string next_refresh = "refresh-1";
  int expires_in = 3600;
  std::string token_error;  // e.g. "invalid_grant": the token endpoint refuses
  int token_status = 200;
  std::string token_body_override;  // garbage answers
  std::mutex mu;
  std::vector<std::string> valid_tokens = {"access-1"};
  std::vector<std::map<std::string, std::string>> token_forms;

  Result<outbound::Response> Handle(const outbound::Request& r) {
    if (r.url.rfind("https://login.acme.test/token", 0) == 0 ||
        r.url.rfind("https://login.machine.test/token", 0) == 0) {
      ++token_calls;
      if (token_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(token_delay_ms));
      std::lock_guard lock(mu);
      std::map<std::string, std::string> form;
      for (auto& [k, v] : ParseFormEncoded(r.body)) form[k] = v;
      token_forms.push_back(form);
      if (!token_body_override.empty()) {
        return outbound::FakeHttpClient::Json(token_status, token_body_override);
      }
      if (!token_error.empty()) {
        return outbound::FakeHttpClient::Json(400, R"({"error":")" + token_error + R"("})");
      }
      nlohmann::json j = {{"access_token", next_access}, {"expires_in", expires_in},
                          {"token_type", "Bearer"}, {"account", "acct-42"}};
      if (!next_refresh.empty()) j["refresh_token"] = next_refresh;
      if (form["grant_type"] == "authorization_code") j["scope"] = "read";
      valid_tokens.push_back(next_access);
      return outbound::FakeHttpClient::Json(200, j.dump());
    }
    if (r.url.rfind("https://login.acme.test/revoke", 0) == 0) {
      ++revoke_calls;
      return outbound::FakeHttpClient::Json(200, "");
    }
    // The API: 200 with the headers it saw when the token is valid, else 401.
    std::string auth;
    for (const auto& [k, v] : r.headers) {
      if (k == "Authorization") auth = v;
    }
    std::lock_guard lock(mu);
    for (const auto& t : valid_tokens) {
      if (auth == "Zoho-oauthtoken " + t || auth == "Bearer " + t) {
        return outbound::FakeHttpClient::Json(200, R"({"ok":true,"auth":")" + auth + R"("})");
      }
    }
    if (r.url.find("api.keyed.test") != std::string::npos ||
        r.url.find("api.formkey.test") != std::string::npos ||
        r.url.find("api.basic.test") != std::string::npos ||
        r.url.find("api.legacy.test") != std::string::npos) {
      return outbound::FakeHttpClient::Json(200, R"({"ok":true})");
    }
    return outbound::FakeHttpClient::Json(401, R"({"code":"INVALID_TOKEN"})");
  }
};

class ConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_->Migrate(TestMigrations()).ok());
    master_ = vault::MakeMasterKey(random_);
    vault_ = std::move(*vault::Vault::Open(*store_, {master_}, clock_, random_));
    catalog_ = std::make_unique<Catalog>(*store_, clock_);
    ASSERT_TRUE(catalog_->LoadDefaults(TestServices()).ok());
    http_.SetHandler([this](const outbound::Request& r) { return provider_.Handle(r); });
    connections_ = std::make_unique<Connections>(
        *store_, *vault_, *catalog_, http_, http_, clock_, random_,
        ConnectionsOptions{.public_url = "http://relish.test:8080"});
    ASSERT_TRUE(connections_->SetClient("org1", "acme", "client-1", "client-secret-1").ok());
  }
  void TearDown() override { connections_.reset(); }

  // Creates and authorizes an acme connection; returns its link name.
  std::string Authorized(const std::string& name = "Acme Sync") {
    auto c = connections_->Create({.org_id = "org1", .display_name = name, .service_id = "acme",
                                   .created_by = "usr_1"});
    EXPECT_TRUE(c.ok()) << c.error().message();
    auto begin = connections_->BeginAuthorization("org1", "sandbox", c->link_name, "usr_1", "");
    EXPECT_TRUE(begin.ok()) << begin.error().message();
    auto done = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "code-1"}}, "usr_1");
    EXPECT_TRUE(done.ok()) << done.error().message();
    return c->link_name;
  }
  // A second Connections on `store` (a wrapper of store_), as the fixture's own is made.
  std::unique_ptr<Connections> ConnectionsOn(
      store::Store& store, size_t audit_queue_limit = ConnectionsOptions{}.audit_queue_limit) {
    return std::make_unique<Connections>(
        store, *vault_, *catalog_, http_, http_, clock_, random_,
        ConnectionsOptions{.public_url = "http://relish.test:8080",
                           .audit_queue_limit = audit_queue_limit});
  }
  CallContext Ctx() { return {.org_id = "org1", .environment = "sandbox", .origin = "test"}; }
  // The Authorization header of the last request the provider saw: which token went out (the
  // answer's echo of it comes back masked).
  std::string SentAuthorization() const {
    auto sent = http_.requests();
    for (const auto& [k, v] : sent.back().headers) {
      if (k == "Authorization") return v;
    }
    return "";
  }
  Result<outbound::Response> Get(const std::string& link, const std::string& url = "https://api.acme.test/v1/me") {
    return connections_->Call(Ctx(), link, {.url = url});
  }

  FakeClock clock_;
  FakeRandom random_{5};
  std::unique_ptr<store::Store> store_;
  vault::MasterKey master_;  // for another node's vault on the same store
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<Catalog> catalog_;
  FakeProvider provider_;
  outbound::FakeHttpClient http_;
  std::unique_ptr<Connections> connections_;
};

}  // namespace relish::connections
