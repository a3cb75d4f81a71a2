// Captured values and Zoho data centres (issue 20), with the shipped zoho_books service: the
// callback's accounts-server decides where the code is exchanged, the token response's
// api_domain where calls and refreshes go, and no value outside Zoho's own hosts is ever used:
// a hostile one refuses the authorization before anything is sent anywhere.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "connections/test_fixture.h"
#include "outbound/fake_http_client.h"
#include "store/sqlite/sqlite_store.h"
#include "vault/vault.h"
#include "store/testing.h"

namespace relish::connections {
namespace {

constexpr const char* kSecret = "zoho-client-secret-7a1";

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_->Migrate(TestMigrations()).ok());
    vault_ = std::move(*vault::Vault::Open(*store_, {vault::MakeMasterKey(random_)}, clock_, random_));
    catalog_ = std::make_unique<Catalog>(*store_, clock_);
    ASSERT_TRUE(catalog_->LoadDefaults().ok());
    http_.SetHandler([this](const outbound::Request& r) -> Result<outbound::Response> {
      auto url = outbound::ParseUrl(r.url);
      // Every provider's token endpoint (Zoho's /oauth/v2/token, Salesforce's, Intuit's, ...).
      if (url.ok() && url->path.find("token") != std::string::npos) {
        nlohmann::json j = {{"access_token", "zoho-access-" + std::to_string(++issued_)},
                            {"refresh_token", "zoho-refresh-1"},
                            {"expires_in", 3600},
                            {"token_type", "Bearer"}};
        if (!api_domain_.empty()) j["api_domain"] = api_domain_;
        for (const auto& [k, v] : extra_) j[k] = v;
        return outbound::FakeHttpClient::Json(200, j.dump());
      }
      return outbound::FakeHttpClient::Json(200, R"({"code":0})");
    });
    connections_ = std::make_unique<Connections>(
        *store_, *vault_, *catalog_, http_, http_, clock_, random_,
        ConnectionsOptions{.public_url = "http://relish.test:8080"});
    for (const char* org : {"org1", "org2"}) {
      for (const char* service : {"zoho_books", "salesforce", "quickbooks", "pipedrive"}) {
        ASSERT_TRUE(connections_->SetClient(org, service, "zoho-client", kSecret).ok());
      }
    }
  }

  Connection Create(const std::string& org, Values params = {}, bool per_user = false) {
    auto c = connections_->Create({.org_id = org, .display_name = "Books", .service_id = "zoho_books",
                                   .params = std::move(params), .per_user = per_user,
                                   .created_by = "usr_1"});
    EXPECT_TRUE(c.ok()) << c.error().message();
    return *c;
  }

  // Begins an authorization and brings back the callback with `extra` query parameters.
  Result<CallbackResult> Callback(const std::string& org, const std::string& user,
                                  std::vector<std::pair<std::string, std::string>> extra) {
    auto begin = connections_->BeginAuthorization(org, "sandbox", "books", user, "");
    EXPECT_TRUE(begin.ok()) << begin.error().message();
    std::vector<std::pair<std::string, std::string>> q = {{"state", begin->state},
                                                          {"code", "zoho-code-1"}};
    for (auto& e : extra) q.push_back(std::move(e));
    return connections_->CompleteAuthorization(q, user);
  }

  std::vector<std::string> Urls() const {
    std::vector<std::string> out;
    for (const auto& r : http_.requests()) out.push_back(r.url);
    return out;
  }

  Values Params(const std::string& org) {
    auto c = connections_->Get(org, "sandbox", "books");
    EXPECT_TRUE(c.ok());
    return c->params;
  }

  FakeClock clock_;
  FakeRandom random_{7};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<Catalog> catalog_;
  outbound::FakeHttpClient http_;
  std::unique_ptr<Connections> connections_;
  std::string api_domain_;
  std::map<std::string, std::string> extra_;  // more token response fields
  int issued_ = 0;
};

TEST_F(CaptureTest, AnEuUserWhoKeptTheDefaultIsExchangedAtTheEuAccountsServer) {
  Create("org1");
  Create("org2");  // the other organization's connection of the same name stays as it was
  api_domain_ = "https://www.zohoapis.eu";
  auto done = Callback("org1", "usr_1",
                       {{"location", "eu"}, {"accounts-server", "https://accounts.zoho.eu"}});
  ASSERT_TRUE(done.ok()) << done.error().message();
  ASSERT_TRUE(done->completed);
  EXPECT_EQ(Urls(), std::vector<std::string>{"https://accounts.zoho.eu/oauth/v2/token"});
  EXPECT_EQ(Params("org1"),
            (Values{{"api_domain", "https://www.zohoapis.eu"}, {"dc", "eu"}}));
  EXPECT_EQ(Params("org2"), Values{});

  // Calls go to the API domain, the legacy Books host follows the data centre, and the .com
  // hosts are no longer the connection's.
  CallContext ctx{.org_id = "org1", .environment = "sandbox", .origin = "test"};
  auto base = connections_->BaseUrl(ctx, "books");
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*base, "https://www.zohoapis.eu/books/v3");
  ASSERT_TRUE(connections_->Call(ctx, "books", {.url = "/contacts"}).ok());
  EXPECT_EQ(Urls().back(), "https://www.zohoapis.eu/books/v3/contacts");
  ASSERT_TRUE(connections_->Call(ctx, "books", {.url = "https://books.zoho.eu/api/v3/contacts"}).ok());
  auto com = connections_->Call(ctx, "books", {.url = "https://www.zohoapis.com/books/v3/contacts"});
  ASSERT_FALSE(com.ok());
  EXPECT_EQ(com.error().code(), ErrorCode::kPermissionDenied);

  // The refresh goes to the EU accounts server too.
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(connections_->Call(ctx, "books", {.url = "/contacts"}).ok());
  auto urls = Urls();
  EXPECT_EQ(urls[urls.size() - 2], "https://accounts.zoho.eu/oauth/v2/token");
  EXPECT_EQ(urls.back(), "https://www.zohoapis.eu/books/v3/contacts");
}

TEST_F(CaptureTest, CanadaHasItsOwnHosts) {
  Create("org1");
  api_domain_ = "https://www.zohoapis.ca";
  auto done = Callback("org1", "usr_1",
                       {{"location", "ca"}, {"accounts-server", "https://accounts.zohocloud.ca"}});
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(Urls(), std::vector<std::string>{"https://accounts.zohocloud.ca/oauth/v2/token"});
  EXPECT_EQ(Params("org1"), (Values{{"api_domain", "https://www.zohoapis.ca"}, {"dc", "ca"}}));
  CallContext ctx{.org_id = "org1", .environment = "sandbox", .origin = "test"};
  ASSERT_TRUE(connections_->Call(ctx, "books", {.url = "/contacts"}).ok());
  EXPECT_EQ(Urls().back(), "https://www.zohoapis.ca/books/v3/contacts");
  ASSERT_TRUE(connections_->Call(ctx, "books", {.url = "https://books.zohocloud.ca/api/v3/contacts"}).ok());
  EXPECT_FALSE(connections_->Call(ctx, "books", {.url = "https://books.zoho.ca/api/v3/contacts"}).ok());
}

TEST_F(CaptureTest, ACallbackWithoutZohoParametersKeepsTheConnectionsDataCentre) {
  Create("org1", {{"dc", "in"}});
  auto done = Callback("org1", "usr_1", {});
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(Urls(), std::vector<std::string>{"https://accounts.zoho.in/oauth/v2/token"});
  EXPECT_EQ(Params("org1"), (Values{{"dc", "in"}}));
  CallContext ctx{.org_id = "org1", .environment = "sandbox", .origin = "test"};
  EXPECT_EQ(*connections_->BaseUrl(ctx, "books"), "https://www.zohoapis.in/books/v3");
}

TEST_F(CaptureTest, AHostileAccountsServerSendsNothingAnywhere) {
  Create("org1");
  for (const char* hostile :
       {"https://evil.example", "https://accounts.zoho.eu.evil.example",
        "https://accounts.zoho.eu@evil.example", "https://evil.example@accounts.zoho.eu",
        "https://accounts.zoho.eu:8443", "https://accounts.zoho.eu/oauth", "http://accounts.zoho.eu",
        "https://accounts.zoho.eu.", "https://ACCOUNTS.ZOHO.EU", "https://accounts.zoho.evil",
        "accounts.zoho.eu", "https://accounts.zoho.eu?x=1", "https://accounts.zoho.eu#x",
        "https://accounts%2ezoho.eu", "eu"}) {
    SCOPED_TRACE(hostile);
    auto done = Callback("org1", "usr_1", {{"location", "eu"}, {"accounts-server", hostile}});
    ASSERT_FALSE(done.ok());
    EXPECT_EQ(done.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_NE(done.error().message().find("is not one of service zoho_books's"), std::string::npos)
        << done.error().message();
    EXPECT_EQ(done.error().message().find("zoho-code-1"), std::string::npos);
    EXPECT_EQ(done.error().message().find(kSecret), std::string::npos);
    EXPECT_TRUE(Urls().empty());
    EXPECT_EQ(Params("org1"), Values{});
  }
}

TEST_F(CaptureTest, AHostileApiDomainIsRefusedAndNeverCalled) {
  Create("org1");
  for (const char* hostile :
       {"https://evil.example", "https://www.zohoapis.eu.evil.example",
        "https://www.zohoapis.eu@evil.example", "https://www.zohoapis.eu:444",
        "https://www.zohoapis.eu/books", "http://www.zohoapis.eu", "https://zohoapis.eu",
        "https://www.zohoapis.evil", "https://www.zohoapis.eu.", "www.zohoapis.eu"}) {
    SCOPED_TRACE(hostile);
    size_t before = http_.requests().size();
    api_domain_ = hostile;
    auto done = Callback("org1", "usr_1",
                         {{"location", "eu"}, {"accounts-server", "https://accounts.zoho.eu"}});
    ASSERT_FALSE(done.ok());
    EXPECT_EQ(done.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_NE(done.error().message().find("api_domain"), std::string::npos);
    // Only the token endpoint was called; the connection and its parameters are unchanged.
    auto urls = Urls();
    EXPECT_EQ(std::vector<std::string>(urls.begin() + before, urls.end()),
              std::vector<std::string>{"https://accounts.zoho.eu/oauth/v2/token"});
    EXPECT_EQ(Params("org1"), Values{});
    auto c = connections_->Get("org1", "sandbox", "books");
    ASSERT_TRUE(c.ok());
    ASSERT_FALSE(c->authorizations.empty());
    EXPECT_EQ(c->authorizations[0].status, Status::kNeedsReauth);
  }
}

TEST_F(CaptureTest, APerUserConnectionStaysInOneDataCentre) {
  Create("org1", {}, /*per_user=*/true);
  api_domain_ = "https://www.zohoapis.eu";
  auto first = Callback("org1", "usr_1",
                        {{"location", "eu"}, {"accounts-server", "https://accounts.zoho.eu"}});
  ASSERT_TRUE(first.ok()) << first.error().message();
  api_domain_ = "https://www.zohoapis.in";
  auto second = Callback("org1", "usr_2",
                         {{"location", "in"}, {"accounts-server", "https://accounts.zoho.in"}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message().find("create a separate connection"), std::string::npos)
      << second.error().message();
  EXPECT_EQ(Params("org1"), (Values{{"api_domain", "https://www.zohoapis.eu"}, {"dc", "eu"}}));
  // The same data centre is fine.
  api_domain_ = "https://www.zohoapis.eu";
  auto third = Callback("org1", "usr_2",
                        {{"location", "eu"}, {"accounts-server", "https://accounts.zoho.eu"}});
  EXPECT_TRUE(third.ok()) << third.error().message();
}

// Other providers' values, captured the same way: Salesforce's instance_url and Pipedrive's
// api_domain (token response, through a match), QuickBooks' realmId (callback).
TEST_F(CaptureTest, SalesforcePipedriveAndQuickBooksValuesAreCapturedNotTyped) {
  struct Case {
    const char* service;
    std::vector<std::pair<std::string, std::string>> callback;
    std::map<std::string, std::string> token;
    Values want;
    const char* base;
  };
  const std::vector<Case> cases = {
      {"salesforce", {}, {{"instance_url", "https://acme--dev.sandbox.my.salesforce.com"}},
       {{"instance", "acme--dev"}}, "https://acme--dev.sandbox.my.salesforce.com/services/data/v62.0"},
      {"pipedrive", {}, {{"api_domain", "https://acme.pipedrive.com"}}, {{"company", "acme"}},
       "https://acme.pipedrive.com/api/v1"},
      {"quickbooks", {{"realmId", "9130357766900836"}}, {}, {{"realm_id", "9130357766900836"}},
       "https://sandbox-quickbooks.api.intuit.com/v3"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.service);
    auto made = connections_->Create({.org_id = "org1", .display_name = c.service,
                                      .service_id = c.service, .created_by = "usr_1"});
    ASSERT_TRUE(made.ok()) << made.error().message();  // nothing to type
    CallContext ctx{.org_id = "org1", .environment = "sandbox", .origin = "test"};
    EXPECT_FALSE(connections_->BaseUrl(ctx, made->link_name).ok() && c.callback.empty());
    auto begin = connections_->BeginAuthorization("org1", "sandbox", made->link_name, "usr_1", "");
    ASSERT_TRUE(begin.ok()) << begin.error().message();
    extra_ = c.token;
    std::vector<std::pair<std::string, std::string>> q = {{"state", begin->state}, {"code", "k"}};
    for (const auto& kv : c.callback) q.push_back(kv);
    auto done = connections_->CompleteAuthorization(q, "usr_1");
    ASSERT_TRUE(done.ok()) << done.error().message();
    EXPECT_EQ(done->completed->connection.params, c.want);
    EXPECT_EQ(*connections_->BaseUrl(ctx, made->link_name), c.base);
  }
  // Hostile values are refused before anything is sent to them.
  extra_ = {{"instance_url", "https://acme.my.salesforce.com.evil.example"}};
  auto made = connections_->Create({.org_id = "org2", .display_name = "sf",
                                    .service_id = "salesforce", .created_by = "usr_1"});
  ASSERT_TRUE(made.ok());
  auto begin = connections_->BeginAuthorization("org2", "sandbox", made->link_name, "usr_1", "");
  ASSERT_TRUE(begin.ok());
  auto done = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "k"}}, "usr_1");
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message().find("instance_url"), std::string::npos);
  auto quick = connections_->Create({.org_id = "org2", .display_name = "qb",
                                     .service_id = "quickbooks", .created_by = "usr_1"});
  ASSERT_TRUE(quick.ok());
  begin = connections_->BeginAuthorization("org2", "sandbox", quick->link_name, "usr_1", "");
  ASSERT_TRUE(begin.ok());
  done = connections_->CompleteAuthorization(
      {{"state", begin->state}, {"code", "k"}, {"realmId", "1/../evil"}}, "usr_1");
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message().find("realmId"), std::string::npos);
}

// Every shipped Zoho service: for each data centre value, every host it can send a credential or
// a client secret to is one of Zoho's own domains.
TEST(ZohoCatalogTest, EveryZohoServiceCoversEveryDataCentreOnZohoHostsOnly) {
  const std::vector<std::string> dcs = {"com", "eu", "in", "com.au", "jp", "ca", "sa", "uk", "com.cn"};
  int services = 0;
  for (const auto& file : DefaultServiceFiles()) {
    auto s = ParseService(file.data, file.path);
    ASSERT_TRUE(s.ok()) << s.error().message();
    if (!s->id.starts_with("zoho_")) continue;
    ++services;
    for (const auto& dc : dcs) {
      SCOPED_TRACE(s->id + " " + dc);
      auto values = ResolveParameters(*s, {{"dc", dc}}, "http://relish.test");
      ASSERT_TRUE(values.ok()) << values.error().message();
      const Service& svc = *s;
      for (const std::vector<std::string>* list : {&svc.allowed_hosts, &svc.TokenHosts()}) {
        auto rules = ExpandOrigins(*list, *values);
        ASSERT_TRUE(rules.ok()) << rules.error().message();
        for (const auto& rule : *rules) {
          EXPECT_FALSE(rule.wildcard);
          EXPECT_EQ(rule.scheme, "https");
          EXPECT_EQ(rule.port, 443);
          bool zoho = rule.host.ends_with(".zoho." + dc) || rule.host.ends_with(".zohoapis." + dc) ||
                      (dc == "ca" && (rule.host.ends_with(".zohocloud.ca") ||
                                      rule.host.ends_with(".zohoapis.ca")));
          EXPECT_TRUE(zoho) << rule.host;
        }
      }
      auto token = Expand(s->oauth2->token_url, *values);
      ASSERT_TRUE(token.ok());
      EXPECT_EQ(*token, "https://" + std::string(dc == "ca" ? "accounts.zohocloud.ca"
                                                            : "accounts.zoho." + dc) +
                            "/oauth/v2/token");
    }
  }
  EXPECT_GE(services, 15);  // CRM, Books, ... and the real Zoho Bigin
}

}  // namespace
}  // namespace relish::connections
