// A connection's credentials and redirects, end to end: Call injects the credential where the
// service says and records where (outbound::CredentialPlaces); the real curl client follows the
// redirect. Two loopback servers on two ports are two origins; the service's host is remapped to
// the first, which redirects to the second, and the test reads the exact bytes the second got.
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "connections/test_fixture.h"
#include "outbound/curl_client.h"
#include "outbound/raw_server_test_util.h"
#include "store/sqlite/sqlite_store.h"
#include "vault/vault.h"
#include "store/testing.h"

namespace relish::connections {
namespace {

using outbound::testing::RawServer;

// One service per place a credential can go.
const std::vector<EmbeddedFile>& PlacementServices() {
  static const std::string header = R"(id: headerkey
name: Header key
docs: https://headerkey.test/docs
category: Other
auth: api_key
base_url: https://api.headerkey.test
allowed_hosts: [api.headerkey.test]
api_key: {in: header, fields: [{name: X-Api-Key, label: Key}]}
)";
  static const std::string query = R"(id: querykey
name: Query key
docs: https://querykey.test/docs
category: Other
auth: api_key
base_url: https://api.querykey.test
allowed_hosts: [api.querykey.test]
api_key: {in: query, fields: [{name: api_key, label: Key}]}
)";
  static const std::string inject_query = R"(id: querytoken
name: Query token
docs: https://querytoken.test/docs
category: Other
auth: bearer
base_url: https://api.querytoken.test
allowed_hosts: [api.querytoken.test]
inject: {query: access_token}
)";
  static const std::string form = R"(id: formkey
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
inject: {header: X-Basic-Auth, prefix: Basic}
)";
  static const std::vector<EmbeddedFile> files = {
      {"/headerkey.yaml", header}, {"/querykey.yaml", query}, {"/querytoken.yaml", inject_query},
      {"/formkey.yaml", form},     {"/basicsvc.yaml", basic}};
  return files;
}

class CredentialRedirectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_->Migrate(TestMigrations()).ok());
    vault_ = std::move(*vault::Vault::Open(*store_, {vault::MakeMasterKey(random_)}, clock_, random_));
    catalog_ = std::make_unique<Catalog>(*store_, clock_);
    ASSERT_TRUE(catalog_->LoadDefaults(PlacementServices()).ok());
    outbound::EgressOptions egress{.allow_loopback = true};
    for (const char* host : {"api.headerkey.test", "api.querykey.test", "api.querytoken.test",
                             "api.formkey.test", "api.basic.test"}) {
      egress.remap[host] = Origin(a_);
    }
    http_ = outbound::NewCurlClient({.egress = egress});
    connections_ = std::make_unique<Connections>(*store_, *vault_, *catalog_, *http_, *http_,
                                                 clock_, random_, ConnectionsOptions{});
    // Another organization has the same connections with its own secrets, which no request
    // of org1's may carry (Second checks).
    for (const char* org : {"org1", "org2"}) {
      std::string mark = org == std::string("org1") ? "SECRET" : "OTHER-ORG";
      Connect(org, "headerkey", {{"X-Api-Key", "hk-" + mark}});
      Connect(org, "querykey", {{"api_key", "qk-" + mark}});
      Connect(org, "querytoken", {{"token", "qt-" + mark}});
      Connect(org, "formkey", {{"token", "fk-" + mark}});
      Connect(org, "basicsvc", {{"username", "ada"}, {"password", "pw-" + mark}});
    }
  }
  void TearDown() override { connections_.reset(); }

  void Connect(const std::string& org, const std::string& service,
               std::map<std::string, std::string> fields) {
    ASSERT_TRUE(connections_->Create({.org_id = org, .display_name = service,
                                      .service_id = service}).ok());
    auto set = connections_->SetCredentials(org, "sandbox", service, "usr_1", fields);
    ASSERT_TRUE(set.ok()) << set.error().ToString();
  }
  static std::string Origin(const RawServer& s) {
    return "http://127.0.0.1:" + std::to_string(s.port());
  }
  // The first server answers `status` with this Location, then 200.
  void Redirect(int status, const std::string& location) {
    a_.Answer("HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + location +
              "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    a_.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  }
  // What the second server got; the request must have succeeded.
  std::string Second(const std::string& link, outbound::Request request) {
    auto r = connections_->Call({.org_id = "org1", .environment = "sandbox", .origin = "test"},
                                link, std::move(request));
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    auto got = b_.Requests();
    for (const auto& bytes : a_.Requests()) EXPECT_EQ(bytes.find("OTHER-ORG"), std::string::npos);
    return got.empty() ? "(nothing)" : got[0];
  }
  std::string Head(const std::string& request_line) {
    return request_line + "\r\nHost: 127.0.0.1:" + std::to_string(b_.port()) +
           "\r\nUser-Agent: Relish/0.1\r\nAccept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n";
  }

  FakeClock clock_;
  FakeRandom random_{5};
  RawServer a_;
  RawServer b_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<outbound::HttpClient> http_;
  std::unique_ptr<Connections> connections_;
};

TEST_F(CredentialRedirectTest, CustomHeaderIsDroppedOnFoundAndTemporaryRedirects) {
  Redirect(302, Origin(b_) + "/next");
  EXPECT_EQ(Second("headerkey", {.url = "https://api.headerkey.test/start"}),
            Head("GET /next HTTP/1.1") + "\r\n");
  // The first server got the key: it is the service's.
  EXPECT_NE(a_.Requests()[0].find("X-Api-Key: hk-SECRET\r\n"), std::string::npos);
}

TEST_F(CredentialRedirectTest, CustomHeaderIsDroppedOnATemporaryRedirectWithItsBody) {
  Redirect(307, Origin(b_) + "/next");
  EXPECT_EQ(Second("headerkey", {.method = "POST", .url = "https://api.headerkey.test/start",
                                 .headers = {{"Content-Type", "application/json"}},
                                 .body = R"({"a":1})"}),
            Head("POST /next HTTP/1.1") +
                "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
}

TEST_F(CredentialRedirectTest, BasicInACustomHeaderIsDropped) {
  Redirect(307, Origin(b_) + "/next");
  EXPECT_EQ(Second("basicsvc", {.url = "https://api.basic.test/start"}),
            Head("GET /next HTTP/1.1") + "\r\n");
  EXPECT_NE(a_.Requests()[0].find("X-Basic-Auth: Basic " + Base64Encode("ada:pw-SECRET")),
            std::string::npos);
}

TEST_F(CredentialRedirectTest, ApiKeyInTheQueryIsDroppedEvenWhenTheLocationCopiesIt) {
  Redirect(302, Origin(b_) + "/next?q=1&api_key=qk-SECRET");
  EXPECT_EQ(Second("querykey", {.url = "https://api.querykey.test/start?q=1"}),
            Head("GET /next?q=1 HTTP/1.1") + "\r\n");
  EXPECT_EQ(a_.Requests()[0].substr(0, 37), "GET /start?q=1&api_key=qk-SECRET HTTP");
}

TEST_F(CredentialRedirectTest, TokenInjectedAsAQueryParameterIsDropped) {
  Redirect(307, Origin(b_) + "/next?access_token=qt-SECRET&q=1");
  EXPECT_EQ(Second("querytoken", {.url = "https://api.querytoken.test/start?q=1"}),
            Head("GET /next?q=1 HTTP/1.1") + "\r\n");
}

TEST_F(CredentialRedirectTest, FormKeyOnAGetGoesInTheQueryAndIsDropped) {
  Redirect(302, Origin(b_) + "/next?token=fk-SECRET");
  EXPECT_EQ(Second("formkey", {.url = "https://api.formkey.test/start"}),
            Head("GET /next HTTP/1.1") + "\r\n");
  EXPECT_EQ(a_.Requests()[0].substr(0, 32), "GET /start?token=fk-SECRET HTTP/");
}

TEST_F(CredentialRedirectTest, FormKeyInTheBodyIsDroppedWhenTemporaryRedirectsResendIt) {
  for (int status : {307, 308}) {
    SCOPED_TRACE(status);
    RawServer a;
    RawServer b;
    a.Answer("HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + Origin(b) +
             "/next\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    outbound::EgressOptions egress{.allow_loopback = true};
    egress.remap["api.formkey.test"] = Origin(a);
    auto http = outbound::NewCurlClient({.egress = egress});
    Connections connections(*store_, *vault_, *catalog_, *http, *http, clock_, random_, {});
    auto r = connections.Call({.org_id = "org1", .environment = "sandbox", .origin = "test"},
                              "formkey",
                              {.method = "POST", .url = "https://api.formkey.test/send",
                               .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                               .body = "message=hi+there"});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(a.Requests()[0].substr(a.Requests()[0].find("\r\n\r\n")),
              "\r\n\r\nmessage=hi+there&token=fk-SECRET");
    auto got = b.Requests();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], "POST /next HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(b.port()) +
                          "\r\nUser-Agent: Relish/0.1\r\nAccept: */*\r\n"
                          "Accept-Encoding: deflate, gzip, br, zstd\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: 16\r\n\r\nmessage=hi+there");
  }
}

TEST_F(CredentialRedirectTest, TheSameOriginKeepsTheCredentials) {
  // "/next" on the service's own origin (remapped to the first server again).
  Redirect(307, "/next?api_key=qk-SECRET&q=1");
  auto r = connections_->Call({.org_id = "org1", .environment = "sandbox", .origin = "test"},
                              "querykey", {.url = "https://api.querykey.test/start?q=1"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto got = a_.Requests(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].substr(0, 41), "GET /next?api_key=qk-SECRET&q=1 HTTP/1.1\r");
  EXPECT_EQ(b_.connections(), 0);
}

}  // namespace
}  // namespace relish::connections
