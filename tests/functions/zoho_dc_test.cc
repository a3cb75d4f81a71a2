// Zoho data centres end to end (issue 20), one test per data centre: a real Relish (in-process,
// on loopback) and the Books stand-in playing every data centre's accounts, API and Books hosts
// on ports of their own, each remapped by the sandbox remap, so the stand-in sees which Zoho
// host every request was meant for. The stand-in's user lives in the data centre under test,
// never the one the connection was created with: the authorization starts at the connection's
// accounts server, Zoho's redirect names the user's (`location`, `accounts-server`), the code
// is exchanged there, and the API is called at the token response's `api_domain`. A second
// organization's connection of the same name is left as it was.
#include <gtest/gtest.h>

#include <memory>

#include "testing/relish_with_books.h"

namespace relish {
namespace {

using Json = nlohmann::ordered_json;

struct DataCentre {
  const char* location;  // Zoho's `location`, and the stand-in's name for it
  const char* dc;        // the service's dc parameter
  const char* accounts;
  const char* api;
  const char* books;
};

constexpr DataCentre kDataCentres[] = {
    {"us", "com", "accounts.zoho.com", "www.zohoapis.com", "books.zoho.com"},
    {"eu", "eu", "accounts.zoho.eu", "www.zohoapis.eu", "books.zoho.eu"},
    {"in", "in", "accounts.zoho.in", "www.zohoapis.in", "books.zoho.in"},
    {"au", "com.au", "accounts.zoho.com.au", "www.zohoapis.com.au", "books.zoho.com.au"},
    {"jp", "jp", "accounts.zoho.jp", "www.zohoapis.jp", "books.zoho.jp"},
    {"ca", "ca", "accounts.zohocloud.ca", "www.zohoapis.ca", "books.zohocloud.ca"},
    {"sa", "sa", "accounts.zoho.sa", "www.zohoapis.sa", "books.zoho.sa"},
    {"uk", "uk", "accounts.zoho.uk", "www.zohoapis.uk", "books.zoho.uk"},
    {"cn", "com.cn", "accounts.zoho.com.cn", "www.zohoapis.com.cn", "books.zoho.com.cn"},
};

class ZohoDataCentreTest : public ::testing::TestWithParam<DataCentre> {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::string> plays;
    for (const auto& d : kDataCentres) plays.insert(plays.end(), {d.accounts, d.api, d.books});
    env_ = std::make_unique<testing::RelishWithBooks>();
    bool skipped = false;
    start_error_ = env_->Start(RELISH_SOURCE_DIR, "zoho-dc", &skipped, plays);
    skipped_ = skipped;
    if (!start_error_.empty()) return;
    // Organization B, with the same client, where every test makes a connection of the same
    // name as A's that no authorization of A's may touch.
    auto org = env_->relish().Api("POST", "/api/v1/orgs", {{"name", "Organization B"}});
    if (org.status != 201) {
      start_error_ = "create organization B: " + org.body;
      return;
    }
    org_b_ = org.json["id"].get<std::string>();
    auto client = env_->relish().Api(
        "PUT", "/api/v1/services/zoho_books/client?org=" + org_b_,
        {{"client_id", testing::RelishWithBooks::kBooksClientId},
         {"client_secret", testing::RelishWithBooks::kBooksClientSecret}});
    if (client.status != 200) start_error_ = "org B client: " + client.body;
  }
  static void TearDownTestSuite() { env_.reset(); }

  void SetUp() override {
    // Skipped only when the Books stand-in cannot start because node is missing (as the seed
    // flow tests do); scripts/setup.sh installs node, so CI always runs these. Any other start
    // failure fails every test below.
    if (skipped_) GTEST_SKIP() << start_error_;
    ASSERT_EQ(start_error_, "");
  }

  testing::RelishClient& relish() { return env_->relish(); }
  Json StandIn(const std::string& method, const std::string& path) {
    auto r = relish().Send(method, env_->books().url() + path);
    EXPECT_EQ(r.status, 200) << path << " " << r.body;
    return r.json;
  }

  static std::unique_ptr<testing::RelishWithBooks> env_;
  static std::string start_error_;
  static bool skipped_;
  static std::string org_b_;
};

std::unique_ptr<testing::RelishWithBooks> ZohoDataCentreTest::env_;
std::string ZohoDataCentreTest::start_error_;
bool ZohoDataCentreTest::skipped_ = false;
std::string ZohoDataCentreTest::org_b_;

TEST_P(ZohoDataCentreTest, TheCodeIsExchangedAndTheApiCalledInTheUsersDataCentre) {
  const DataCentre& d = GetParam();
  const std::string link = std::string("books_") + d.location;
  // The connection is made for another data centre than the user's: the default (com) for
  // everyone outside the US, the EU for the US user.
  Json created_with = std::string(d.location) == "us" ? Json{{"dc", "eu"}} : Json::object();
  const std::string started_at =
      std::string(d.location) == "us" ? "accounts.zoho.eu" : "accounts.zoho.com";
  for (const std::string& org : {std::string(), org_b_}) {
    auto made = relish().Api("POST", "/api/v1/connections" + (org.empty() ? "" : "?org=" + org),
                             {{"name", std::string("Books ") + d.location},
                              {"link_name", link},
                              {"service", "zoho_books"},
                              {"params", created_with},
                              {"scopes", {"ZohoBooks.fullaccess.ALL"}}});
    ASSERT_EQ(made.status, 201) << made.body;
  }
  StandIn("POST", "/_standin/reset");
  StandIn("POST", std::string("/_standin/user?dc=") + d.location);

  auto begin = relish().Api("POST", "/api/v1/connections/" + link + "/authorize");
  ASSERT_EQ(begin.status, 200) << begin.body;
  auto authorize_url = begin.json["authorize_url"].get<std::string>();
  // Remapped for the sandbox: the browser goes to the stand-in's port for the connection's own
  // accounts server.
  EXPECT_EQ(authorize_url.rfind(env_->books().played().at(started_at) + "/oauth/v2/auth?", 0), 0u)
      << authorize_url;
  ASSERT_EQ(relish().Authorize(link, testing::RelishWithBooks::kAdminEmail,
                               testing::RelishWithBooks::kAdminPassword),
            "");

  // One code exchange, at the user's own accounts server.
  Json accounts = StandIn("GET", "/_standin/accounts")["requests"];
  ASSERT_EQ(accounts.size(), 1u) << accounts.dump();
  EXPECT_EQ(accounts[0]["host"], d.accounts);
  EXPECT_EQ(accounts[0]["grant_type"], "authorization_code");
  EXPECT_EQ(accounts[0]["outcome"], "ok");

  auto conn = relish().Api("GET", "/api/v1/connections/" + link);
  ASSERT_EQ(conn.status, 200) << conn.body;
  EXPECT_EQ(conn.json["status"], "connected");
  EXPECT_EQ(conn.json["params"],
            (Json{{"api_domain", std::string("https://") + d.api}, {"dc", d.dc}}));

  // The API at api_domain, then the legacy Books host of the same data centre.
  auto test = relish().Api("POST", "/api/v1/connections/" + link + "/test",
                           {{"url", "/contacts?search_text=nobody"}});
  ASSERT_EQ(test.status, 200) << test.body;
  EXPECT_EQ(test.json["status"], 200) << test.body;
  auto legacy = relish().Api("POST", "/api/v1/connections/" + link + "/test",
                             {{"url", std::string("https://") + d.books + "/api/v3/contacts"}});
  ASSERT_EQ(legacy.status, 200) << legacy.body;
  EXPECT_EQ(legacy.json["status"], 200) << legacy.body;
  Json requests = StandIn("GET", "/_standin/requests")["requests"];
  ASSERT_EQ(requests.size(), 2u) << requests.dump();
  EXPECT_EQ(requests[0]["host"], d.api);
  EXPECT_EQ(requests[0]["path"], "/books/v3/contacts");
  EXPECT_EQ(requests[1]["host"], d.books);
  EXPECT_EQ(requests[1]["path"], "/api/v3/contacts");

  // Organization B's connection of the same name: untouched.
  auto other = relish().Api("GET", "/api/v1/connections/" + link + "?org=" + org_b_);
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(other.json["status"], "pending");
  EXPECT_EQ(other.json["params"], created_with);
}

INSTANTIATE_TEST_SUITE_P(EveryDataCentre, ZohoDataCentreTest, ::testing::ValuesIn(kDataCentres),
                         [](const ::testing::TestParamInfo<DataCentre>& info) {
                           return std::string(info.param.location);
                         });

}  // namespace
}  // namespace relish
