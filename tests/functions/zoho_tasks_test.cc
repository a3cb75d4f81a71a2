// Integration tasks of other Zoho services end to end (issue 17, and issue 20's "tasks use the
// connection's data centre"): a real Relish and the Books stand-in playing the US and EU
// accounts and API hosts, each remapped to its own port. A function calls zoho.books.* tasks
// through a connection whose user lives in the data centre under test; every
// request must reach that data centre's API host. Organization B's connection cannot be used by
// organization A's function, and no token or client secret appears in what a run returns.
#include <gtest/gtest.h>

#include <memory>

#include "testing/relish_with_books.h"

namespace relish {
namespace {

using Json = nlohmann::ordered_json;

struct DataCentre {
  const char* location;  // the stand-in's name for it
  const char* api;       // the API host the tasks must reach
};

constexpr DataCentre kDataCentres[] = {{"us", "www.zohoapis.com"}, {"eu", "www.zohoapis.eu"}};

class ZohoTasksTest : public ::testing::TestWithParam<DataCentre> {
 protected:
  static void SetUpTestSuite() {
    env_ = std::make_unique<testing::RelishWithBooks>();
    bool skipped = false;
    start_error_ = env_->Start(RELISH_SOURCE_DIR, "zoho-tasks", &skipped,
                               {"accounts.zoho.com", "www.zohoapis.com", "accounts.zoho.eu",
                                "www.zohoapis.eu"});
    skipped_ = skipped;
    if (!start_error_.empty()) return;
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
    if (client.status != 200) {
      start_error_ = "org B client: " + client.body;
      return;
    }
    // Organization B's own Books connection, authorized: organization A's functions must not
    // reach it by its link name.
    auto made = env_->relish().Api("POST", "/api/v1/connections?org=" + org_b_,
                                   {{"name", "B's Books"},
                                    {"link_name", "b_books"},
                                    {"service", "zoho_books"},
                                    {"scopes", {"ZohoBooks.fullaccess.ALL"}}});
    if (made.status != 201) {
      start_error_ = "org B connection: " + made.body;
      return;
    }
    start_error_ = env_->relish().Authorize("b_books", testing::RelishWithBooks::kAdminEmail,
                                            testing::RelishWithBooks::kAdminPassword, "sandbox",
                                            org_b_);
  }
  static void TearDownTestSuite() { env_.reset(); }

  void SetUp() override {
    // Skipped only when node is missing (as the seed flow tests); CI always has node.
    if (skipped_) GTEST_SKIP() << start_error_;
    ASSERT_EQ(start_error_, "");
  }

  testing::RelishClient& relish() { return env_->relish(); }
  Json StandIn(const std::string& method, const std::string& path) {
    auto r = relish().Send(method, env_->books().url() + path);
    EXPECT_EQ(r.status, 200) << path << " " << r.body;
    return r.json;
  }
  // A Books connection `link` named `name`, made with the default data centre (com) and
  // authorized by the admin whose Books user is in `d`'s, which then decides where the API is.
  // The stand-in's request log starts empty after.
  void ConnectBooks(const std::string& link, const std::string& name, const DataCentre& d) {
    auto made = relish().Api("POST", "/api/v1/connections",
                             {{"name", name},
                              {"link_name", link},
                              {"service", "zoho_books"},
                              {"scopes", {"ZohoBooks.fullaccess.ALL"}}});
    ASSERT_EQ(made.status, 201) << made.body;
    StandIn("POST", std::string("/_standin/user?dc=") + d.location);
    ASSERT_EQ(relish().Authorize(link, testing::RelishWithBooks::kAdminEmail,
                                 testing::RelishWithBooks::kAdminPassword),
              "");
    StandIn("POST", "/_standin/reset");
  }
  Json Run(const std::string& script) {
    auto r = relish().Api("POST", "/api/v1/functions/run?environment=sandbox",
                          {{"source", script}, {"args", Json::object()}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }
  // What a run showed must hold none of the stand-in's tokens, nor the Books client secret.
  void ExpectNoSecrets(const Json& run) {
    std::string shown = run.dump();
    Json tokens = StandIn("GET", "/_standin/tokens");
    ASSERT_FALSE(tokens["access_tokens"].empty());
    for (const auto& kind : {"access_tokens", "refresh_tokens"}) {
      for (const auto& t : tokens[kind]) {
        EXPECT_EQ(shown.find(t.get<std::string>()), std::string::npos) << kind;
      }
    }
    EXPECT_EQ(shown.find(testing::RelishWithBooks::kBooksClientSecret), std::string::npos);
  }

  static std::unique_ptr<testing::RelishWithBooks> env_;
  static std::string start_error_;
  static bool skipped_;
  static std::string org_b_;
};

std::unique_ptr<testing::RelishWithBooks> ZohoTasksTest::env_;
std::string ZohoTasksTest::start_error_;
bool ZohoTasksTest::skipped_ = false;
std::string ZohoTasksTest::org_b_;

TEST_P(ZohoTasksTest, BooksTasksReachTheConnectionsDataCentre) {
  const DataCentre& d = GetParam();
  const std::string link = std::string("books_") + d.location;
  ConnectBooks(link, std::string("Books ") + d.location, d);
  if (HasFatalFailure()) return;

  const std::string c = "\"" + link + "\"";
  Json run = Run(
      "made = zoho.books.createRecord(\"Invoices\", \"10234695\", {\"customer_id\": \"7\", "
      "\"reference_number\": \"R-1\"}, " + c + ");\n"
      "info made.get(\"code\");\n"
      "id = made.get(\"invoice\").get(\"invoice_id\");\n"
      "info zoho.books.getRecordsByID(\"Invoices\", \"10234695\", id, " + c +
      ").get(\"invoice\").get(\"reference_number\");\n"
      "info zoho.books.updateRecord(\"Invoices\", \"10234695\", id, {\"reference_number\": "
      "\"R-2\"}, " + c + ").get(\"invoice\").get(\"reference_number\");\n"
      "info zoho.books.markStatus(\"Invoices\", \"10234695\", id, \"sent\", " + c +
      ").get(\"code\");\n"
      "found = zoho.books.getRecords(\"Invoices\", \"10234695\", {\"reference_number\": \"r-2\"}, " +
      c + ");\n"
      "info found.get(\"invoices\").get(0).get(\"status\");\n"
      "info zoho.books.getRecords(\"Invoices\", \"999\", \"\", " + c +
      ").get(\"invoices\").size();\n"
      "info zoho.books.getRecordsByID(\"Invoices\", \"999\", id, " + c + ").get(\"code\");\n");
  ASSERT_EQ(run["ok"], true) << run.dump(2);
  EXPECT_EQ(run["info"], (Json{"0", "R-1", "R-2", "0", "sent", "0", "1002"})) << run.dump(2);

  // Every request went to the data centre's API host, at Books' paths.
  Json requests = StandIn("GET", "/_standin/requests")["requests"];
  ASSERT_EQ(requests.size(), 7u) << requests.dump();
  for (const auto& r : requests) {
    EXPECT_EQ(r["host"], d.api) << r.dump();
    EXPECT_TRUE(r["path"].get<std::string>().starts_with("/books/v3/invoices")) << r.dump();
  }
  EXPECT_EQ(requests[0]["method"], "POST");
  EXPECT_EQ(requests[0]["content_type"], "application/json");
  EXPECT_EQ(requests[0]["query"], (Json{{"organization_id", "10234695"}}));
  EXPECT_TRUE(requests[3]["path"].get<std::string>().ends_with("/status/sent")) << requests[3];
  EXPECT_EQ(requests[4]["query"],
            (Json{{"organization_id", "10234695"}, {"reference_number", "r-2"}}));
  // The execution log names each task with its connection.
  ASSERT_EQ(run["calls"].size(), 7u) << run.dump(2);
  EXPECT_EQ(run["calls"][0]["task"], "zoho.books.createRecord");
  EXPECT_EQ(run["calls"][0]["connection"], link);
  EXPECT_EQ(run["calls"][0]["method"], "POST");
  EXPECT_EQ(run["calls"][0]["url"].get<std::string>(),
            std::string("https://") + d.api + "/books/v3/invoices?organization_id=10234695");
  ExpectNoSecrets(run);
}

TEST_P(ZohoTasksTest, AnotherOrganizationsConnectionAndAMissingOneAreClearErrors) {
  const DataCentre& d = GetParam();
  const std::string link = std::string("pending_books_") + d.location;
  auto made = relish().Api("POST", "/api/v1/connections",
                           {{"name", std::string("Pending Books ") + d.location},
                            {"link_name", link},
                            {"service", "zoho_books"},
                            {"scopes", {"ZohoBooks.fullaccess.ALL"}}});
  ASSERT_EQ(made.status, 201) << made.body;
  StandIn("POST", "/_standin/reset");
  // B's authorized connection, by its link name, from A's function.
  Json run = Run("r = zoho.books.getRecords(\"Invoices\", \"1\", \"\", \"b_books\");");
  EXPECT_EQ(run["ok"], false);
  EXPECT_EQ(run["error"]["message"],
            "zoho.books.getRecords: no connection 'b_books' in the sandbox environment")
      << run.dump(2);
  run = Run("r = zoho.books.createRecord(\"Invoices\", \"1\", {\"customer_id\": \"7\"});");
  EXPECT_EQ(run["error"]["message"],
            "zoho.books.createRecord needs a connection: Relish calls Zoho Books only through "
            "one, given by its link name as the 4th argument")
      << run.dump(2);
  // A Books connection is not an Inventory connection.
  run = Run("r = zoho.inventory.getOrganization(\"" + link + "\");");
  EXPECT_EQ(run["error"]["message"],
            "zoho.inventory.getOrganization: connection '" + link +
                "' is for zoho_books; this task needs a Zoho Inventory connection "
                "(zoho_inventory)")
      << run.dump(2);
  // Nothing was sent for any of them.
  EXPECT_EQ(StandIn("GET", "/_standin/requests")["requests"], Json::array());
  ExpectNoSecrets(run);
}

// The rest of what the zoho.books.* tasks send: other modules (estimates, sales orders,
// contacts), a status, a text search, and attachFile's multipart upload.
TEST_P(ZohoTasksTest, BooksModulesStatusSearchAndAttachFile) {
  const DataCentre& d = GetParam();
  const std::string link = std::string("more_books_") + d.location;
  ConnectBooks(link, std::string("More Books ") + d.location, d);
  if (HasFatalFailure()) return;

  const std::string c = "\"" + link + "\"";
  const std::string org = "\"10234695\"";
  Json run = Run(
      "est = zoho.books.createRecord(\"Estimates\", " + org + ", {\"customer_id\": \"7\"}, " + c + ");\n"
      "id = est.get(\"estimate\").get(\"estimate_id\");\n"
      "info zoho.books.markStatus(\"Estimates\", " + org + ", id, \"sent\", " + c + ").get(\"code\");\n"
      "f = \"hello\".toFile(\"note.txt\");\n"
      "info zoho.books.attachFile(\"Estimates\", " + org + ", id, f, " + c + ").get(\"message\");\n"
      "info zoho.books.getRecords(\"Estimates\", " + org + ", \"status=sent\", " + c +
      ").get(\"estimates\").size();\n"
      "info zoho.books.getRecordsByID(\"Estimates\", " + org + ", id, " + c +
      ").get(\"estimate\").get(\"documents\").get(0).get(\"file_name\");\n"
      "so = zoho.books.createRecord(\"SalesOrders\", " + org + ", {\"customer_id\": \"7\"}, " + c + ");\n"
      "info so.get(\"salesorder\").get(\"status\");\n"
      "ann = zoho.books.createRecord(\"Contacts\", " + org + ", {\"contact_name\": \"Ann Lee\"}, " + c + ");\n"
      "info zoho.books.getRecords(\"Contacts\", " + org + ", {\"contact_name\": \"ann lee\"}, " + c +
      ").get(\"contacts\").get(0).get(\"contact_id\") == ann.get(\"contact\").get(\"contact_id\");\n"
      "info zoho.books.getRecordsByID(\"SalesOrders\", \"999\", so.get(\"salesorder\").get(\"salesorder_id\"), " +
      c + ").get(\"code\");\n");
  ASSERT_EQ(run["ok"], true) << run.dump(2);
  EXPECT_EQ(run["info"], (Json{"0", "Your file has been successfully attached to the estimate.", "1",
                               "note.txt", "draft", "true", "1002"}))
      << run.dump(2);
  Json requests = StandIn("GET", "/_standin/requests")["requests"];
  ASSERT_EQ(requests.size(), 9u) << requests.dump();
  for (const auto& r : requests) EXPECT_EQ(r["host"], d.api) << r.dump();
  const Json& attach = requests[2];
  const std::string path = attach["path"].get<std::string>();
  EXPECT_TRUE(path.starts_with("/books/v3/estimates/") && path.ends_with("/attachment")) << attach;
  EXPECT_TRUE(attach["content_type"].get<std::string>().starts_with("multipart/form-data; boundary="))
      << attach;
  EXPECT_EQ(attach["fields"]["attachment"],
            (Json::array({{{"name", "attachment"}, {"filename", "note.txt"},
                           {"content_type", "text/plain"}, {"size", 5}}})))
      << attach;
  EXPECT_EQ(requests[3]["query"], (Json{{"organization_id", "10234695"}, {"status", "sent"}}));
  ExpectNoSecrets(run);
}

// invokeapi (issue 17): the service's domain is the connection's data centre; B's connection and a
// connection of another service are errors that name them, and nothing is sent for them.
TEST_P(ZohoTasksTest, InvokeApiReachesTheConnectionsDataCentre) {
  const DataCentre& d = GetParam();
  const std::string link = std::string("api_books_") + d.location;
  ConnectBooks(link, std::string("API Books ") + d.location, d);
  if (HasFatalFailure()) return;

  const std::string c = "\"" + link + "\"";
  Json run = Run(
      "r = invokeapi\n[\n\tservice :\"books\"\n\tpath :\"/books/v3/invoices?organization_id=10234695\"\n"
      "\ttype :POST\n\tbody :{\"customer_id\":\"7\",\"reference_number\":\"A-1\"}\n"
      "\theaders :{\"Content-Type\":\"application/json\"}\n\tconnection :" + c + "\n];\n"
      "info r.get(\"invoice\").get(\"reference_number\");\n"
      "g = invokeapi [ service: \"ZohoBooks\" path: \"/books/v3/invoices\" parameters: "
      "{\"organization_id\":\"10234695\",\"reference_number\":\"a-1\"} connection: " + c + " ];\n"
      "info g.get(\"invoices\").size();\n"
      "try { x = invokeapi [ service: \"books\" path: \"/books/v3/invoices\" connection: \"b_books\" ]; }\n"
      "catch (e) { info e.message; }\n"
      "try { x = invokeapi [ service: \"crm\" path: \"/crm/v8/Leads\" connection: " + c + " ]; }\n"
      "catch (e) { info e.message; }\n");
  ASSERT_EQ(run["ok"], true) << run.dump(2);
  EXPECT_EQ(run["info"],
            (Json{"A-1", "1", "invokeapi: no connection 'b_books' in the sandbox environment",
                  "invokeapi: connection '" + link +
                      "' is for zoho_books; service 'crm' needs a Zoho CRM connection (zoho_crm)"}))
      << run.dump(2);
  Json requests = StandIn("GET", "/_standin/requests")["requests"];
  ASSERT_EQ(requests.size(), 2u) << requests.dump();
  for (const auto& r : requests) EXPECT_EQ(r["host"], d.api) << r.dump();
  EXPECT_EQ(requests[0]["method"], "POST");
  EXPECT_EQ(requests[0]["content_type"], "application/json");
  EXPECT_EQ(requests[1]["query"],
            (Json{{"organization_id", "10234695"}, {"reference_number", "a-1"}}));
  ASSERT_EQ(run["calls"].size(), 2u) << run.dump(2);
  EXPECT_EQ(run["calls"][0]["connection"], link);
  EXPECT_EQ(run["calls"][0]["url"].get<std::string>(),
            std::string("https://") + d.api + "/books/v3/invoices?organization_id=10234695");
  ExpectNoSecrets(run);
}

INSTANTIATE_TEST_SUITE_P(TwoDataCentres, ZohoTasksTest, ::testing::ValuesIn(kDataCentres),
                         [](const ::testing::TestParamInfo<DataCentre>& info) {
                           return std::string(info.param.location);
                         });

}  // namespace
}  // namespace relish
