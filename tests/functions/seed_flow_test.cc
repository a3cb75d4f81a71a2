// The seed's script, verbatim (tests/deluge/seed/books_sync.dg), through the real runner: a real
// Relish (in-process, on loopback) holding a contact in its CRM, a `bigin` connection authorized
// through Relish's own sign-in and consent pages, and a `zoho_books` connection authorized at the
// Books stand-in (tests/standins/books), to which the sandbox remaps books.zoho.com and
// accounts.zoho.com. The run goes through POST /api/v1/functions/run.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "testing/relish_with_books.h"

namespace relish {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using testing::ReadWholeFile;

constexpr const char* kAdminEmail = testing::RelishWithBooks::kAdminEmail;
constexpr const char* kAdminPassword = testing::RelishWithBooks::kAdminPassword;
constexpr const char* kBigin = "biginandbooksconnectionnew__biginconnection";
constexpr const char* kBooks = "biginandbooksconnectionnew__booksconnection";
constexpr const char* kBooksClientSecret = testing::RelishWithBooks::kBooksClientSecret;

class SeedFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bool skipped = false;
    std::string error = env_.Start(RELISH_SOURCE_DIR, "seed-flow", &skipped);
    if (skipped) GTEST_SKIP() << error;
    ASSERT_EQ(error, "");
    relish_ = &env_.relish();
    data_ = env_.data_dir();
    remap_ = env_.remap();

    // The topping's two connections, as the seed creates them.
    auto bigin = relish_->Api("POST", "/api/v1/connections",
                              {{"name", "Bigin Connection"},
                               {"link_name", kBigin},
                               {"service", "bigin"},
                               {"scopes", {"ZohoBigin.modules.ALL"}}});
    ASSERT_EQ(bigin.status, 201) << bigin.body;
    auto books = relish_->Api("POST", "/api/v1/connections",
                              {{"name", "Books Connection"},
                               {"link_name", kBooks},
                               {"service", "zoho_books"},
                               {"scopes", {"ZohoBooks.fullaccess.ALL"}}});
    ASSERT_EQ(books.status, 201) << books.body;
    ASSERT_EQ(relish_->Authorize(kBigin, kAdminEmail, kAdminPassword), "");
    ASSERT_EQ(relish_->Authorize(kBooks, kAdminEmail, kAdminPassword), "");
  }

  Json StandIn(const std::string& path) {
    Json j = env_.StandIn(path);
    EXPECT_FALSE(j.is_null()) << path;
    return j;
  }

  // Runs the seed's script for a contact, as the workflow would (the record as `contact`).
  Json RunSeed(const std::string& contact_id) {
    std::string script =
        ReadWholeFile(fs::path(RELISH_SOURCE_DIR) / "tests/deluge/seed/books_sync.dg");
    auto r =
        relish_->Api("POST", "/api/v1/functions/run?environment=sandbox",
                     {{"source", script}, {"args", {{"contact", {{"Contacts.ID", contact_id}}}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }

  testing::RelishWithBooks env_;
  testing::RelishClient* relish_ = nullptr;
  fs::path data_;
  std::string remap_;
};

TEST_F(SeedFlowTest, ANewContactIsCreatedInBooksAndAnEditUpdatesIt) {
  auto made = relish_->Api("POST", "/api/v1/crm/modules/Contacts/records?environment=sandbox",
                           {{"data",
                             {{{"First_Name", "Jane"},
                               {"Last_Name", "Doe"},
                               {"Email", "jane@example.com"},
                               {"Phone", "+1 555 0100"},
                               {"Mobile", "+1 555 0199"}}}}});
  ASSERT_EQ(made.status, 201) << made.body;
  std::string id = made.json["data"][0]["details"]["id"].get<std::string>();
  std::string base = relish_->base_url();

  // 1. Books has no such contact: the script creates it.
  Json run = RunSeed(id);
  ASSERT_EQ(run["ok"], true) << run.dump(2);
  EXPECT_TRUE(run["error"].is_null());
  EXPECT_EQ(run["mails"], Json::array());
  ASSERT_EQ(run["info"].size(), 2u) << run.dump(2);
  EXPECT_EQ(
      run["info"][0],
      R"(Searched by name in Books: {"code":0,"message":"success","contacts":[],"page_context":{"page":1,"per_page":200,"has_more_page":false,"search_text":"jane@example.com"}})");
  std::string created = run["info"][1].get<std::string>();
  ASSERT_TRUE(created.starts_with("Created Contact: ")) << created;
  Json created_json = Json::parse(created.substr(17));
  EXPECT_EQ(created_json["code"], 0);
  EXPECT_EQ(created_json["message"], "The contact has been added.");
  std::string books_id = created_json["contact"]["contact_id"].get<std::string>();

  ASSERT_EQ(run["calls"].size(), 3u) << run.dump(2);
  auto call = [&](size_t i) {
    Json c = run["calls"][i];
    EXPECT_GE(c["latency_us"].get<int64_t>(), 0);
    c.erase("latency_us");
    return c;
  };
  EXPECT_EQ(call(0), (Json{{"method", "GET"},
                           {"url", base + "/bigin/v2/Contacts/" + id},
                           {"connection", kBigin},
                           {"task", "zoho.bigin.getRecordById"},
                           {"status", 200},
                           {"error", nullptr}}));
  EXPECT_EQ(call(1),
            (Json{{"method", "GET"},
                  {"url", "https://books.zoho.com/api/v3/contacts?search_text=jane%40example.com"},
                  {"connection", kBooks},
                  {"task", nullptr},
                  {"status", 200},
                  {"error", nullptr}}));
  EXPECT_EQ(call(2),
            (Json{{"method", "POST"},
                  {"url", "https://books.zoho.com/api/v3/contacts?organization_id=XXXXXXX"},
                  {"connection", kBooks},
                  {"task", nullptr},
                  {"status", 201},
                  {"error", nullptr}}));

  Json contacts = StandIn("/_standin/contacts")["contacts"];
  ASSERT_EQ(contacts.size(), 1u) << contacts.dump(2);
  Json contact = contacts[0];
  EXPECT_EQ(contact["contact_id"], books_id);
  contact.erase("created_time");
  contact.erase("last_modified_time");
  Json person = {{"last_name", "Jane Doe"},
                 {"mobile", "+1 555 0199"},
                 {"phone", "+1 555 0100"},
                 {"email", "jane@example.com"},
                 {"is_primary_contact", true}};
  EXPECT_EQ(contact, (Json{{"contact_id", books_id},
                           {"contact_name", "Jane Doe"},
                           {"email", "jane@example.com"},
                           {"phone", "+1 555 0100"},
                           {"mobile", "+1 555 0199"},
                           {"contact_persons", {person}},
                           {"organization_id", "XXXXXXX"}}));
  // The create went as the JSONString form field, organization_id on the query string.
  Json requests = StandIn("/_standin/requests")["requests"];
  ASSERT_EQ(requests.size(), 2u) << requests.dump(2);
  EXPECT_EQ(requests[0]["method"], "GET");
  EXPECT_EQ(requests[0]["query"], (Json{{"search_text", "jane@example.com"}}));
  EXPECT_EQ(requests[1]["content_type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(requests[1]["query"], (Json{{"organization_id", "XXXXXXX"}}));

  // 2. The contact is edited: the script finds it in Books and updates it.
  auto edited =
      relish_->Api("PUT", "/api/v1/crm/modules/Contacts/records/" + id + "?environment=sandbox",
                   {{"data", {{{"Phone", "+1 555 0111"}, {"Last_Name", "Doe-Smith"}}}}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  run = RunSeed(id);
  ASSERT_EQ(run["ok"], true) << run.dump(2);
  ASSERT_EQ(run["info"].size(), 3u) << run.dump(2);
  EXPECT_TRUE(run["info"][0].get<std::string>().starts_with(
      R"(Searched by name in Books: {"code":0,"message":"success","contacts":[{"contact_id":")" +
      books_id + "\""))
      << run["info"][0];
  EXPECT_EQ(
      run["info"][1],
      R"(parameters_data value:{"JSONString":"{\"contact_name\":\"Jane Doe-Smith\",\"phone\":\"+1 555 0111\",\"mobile\":\"+1 555 0199\",\"email\":\"jane@example.com\",\"contact_persons\":[{\"last_name\":\"Jane Doe-Smith\",\"mobile\":\"+1 555 0199\",\"phone\":\"+1 555 0111\",\"email\":\"jane@example.com\",\"is_primary_contact\":true}]}"})");
  EXPECT_TRUE(run["info"][2].get<std::string>().starts_with(
      R"(Updated Contact: {"code":0,"message":"Contact information has been saved.")"))
      << run["info"][2];
  ASSERT_EQ(run["calls"].size(), 3u);
  EXPECT_EQ(call(2), (Json{{"method", "PUT"},
                           {"url", "https://books.zoho.com/api/v3/contacts/" + books_id +
                                       "?organization_id=XXXXXXX"},
                           {"connection", kBooks},
                           {"task", nullptr},
                           {"status", 200},
                           {"error", nullptr}}));
  contacts = StandIn("/_standin/contacts")["contacts"];
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0]["contact_name"], "Jane Doe-Smith");
  EXPECT_EQ(contacts[0]["phone"], "+1 555 0111");
  person["last_name"] = "Jane Doe-Smith";
  person["phone"] = "+1 555 0111";
  EXPECT_EQ(contacts[0]["contact_persons"], Json::array({person}));

  // No secret anywhere in what the runs showed: the stand-in's tokens, the Books client secret.
  Json tokens = StandIn("/_standin/tokens");
  std::string shown = run.dump();
  EXPECT_EQ(shown.find(kBooksClientSecret), std::string::npos);
  for (const auto& list : {tokens["access_tokens"], tokens["refresh_tokens"]}) {
    ASSERT_FALSE(list.empty());
    for (const auto& t : list) EXPECT_EQ(shown.find(t.get<std::string>()), std::string::npos);
  }
  // The connections audit ties each credentialed call to the run.
  auto audit = relish_->Api("GET", "/api/v1/audit?run_id=" + run["run_id"].get<std::string>());
  ASSERT_EQ(audit.status, 200) << audit.body;
  ASSERT_EQ(audit.json["entries"].size(), 3u) << audit.body;
  for (const auto& e : audit.json["entries"]) EXPECT_EQ(e["origin"], "function");
}

// `relish run`, another process on the same data directory, sees the same connections and CRM.
TEST_F(SeedFlowTest, RelishRunUsesTheDataDirectorysConnections) {
  auto made = relish_->Api("POST", "/api/v1/crm/modules/Contacts/records?environment=sandbox",
                           {{"data",
                             {{{"Last_Name", "Lee"},
                               {"First_Name", "Ann"},
                               {"Email", "ann@example.com"},
                               {"Mobile", "5"}}}}});
  ASSERT_EQ(made.status, 201) << made.body;
  std::string id = made.json["data"][0]["details"]["id"].get<std::string>();
  fs::path out = data_.string() + ".out", err = data_.string() + ".err";
  std::string command = std::string(RELISH_BINARY) + " run " + RELISH_SOURCE_DIR +
                        "/tests/deluge/seed/books_sync.dg --data " + data_.string() +
                        " --set public_url=" + relish_->base_url() +
                        " --set egress_allow_loopback=true --set sandbox_remap=" + remap_ +
                        " --calls --arg 'contact={\"Contacts.ID\":\"" + id + "\"}' > " +
                        out.string() + " 2> " + err.string();
  int status = std::system(command.c_str());
  std::string stdout_text = ReadWholeFile(out), stderr_text = ReadWholeFile(err);
  fs::remove(out);
  fs::remove(err);
  ASSERT_EQ(status, 0) << stderr_text;
  EXPECT_TRUE(stdout_text.starts_with(
      R"(Searched by name in Books: {"code":0,"message":"success","contacts":[],)"))
      << stdout_text;
  EXPECT_NE(stdout_text.find(
                "\nCreated Contact: {\"code\":0,\"message\":\"The contact has been added.\""),
            std::string::npos)
      << stdout_text;
  std::regex calls(
      "relish: GET " + relish_->base_url() + "/bigin/v2/Contacts/" + id +
      R"( -> 200 \(\d+ ms, connection biginandbooksconnectionnew__biginconnection, zoho.bigin.getRecordById\)
relish: GET https://books.zoho.com/api/v3/contacts\?search_text=ann%40example.com -> 200 \(\d+ ms, connection biginandbooksconnectionnew__booksconnection\)
relish: POST https://books.zoho.com/api/v3/contacts\?organization_id=XXXXXXX -> 201 \(\d+ ms, connection biginandbooksconnectionnew__booksconnection\)
)");
  EXPECT_TRUE(std::regex_match(stderr_text, calls)) << stderr_text;
  Json contacts = StandIn("/_standin/contacts")["contacts"];
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0]["contact_name"], "Ann Lee");
}

TEST_F(SeedFlowTest, AContactThatDoesNotExistStopsTheScriptWithTheLine) {
  Json run = RunSeed("5725767000000000001");
  EXPECT_EQ(run["ok"], false);
  // zoho.bigin.getRecordById answers Zoho's INVALID_DATA map, which has no "data".
  EXPECT_EQ(run["error"]["line"], 5);
  EXPECT_EQ(run["error"]["message"], "Value is empty and 'get' function cannot be applied");
  EXPECT_EQ(run["info"], Json::array());
  ASSERT_EQ(run["calls"].size(), 1u);
  EXPECT_EQ(run["calls"][0]["status"], 204);
  EXPECT_EQ(StandIn("/_standin/requests")["requests"], Json::array());
}

// Every organization's bigin connections authenticate with Relish's own OAuth client, whose
// secret Relish keeps in its vault. Replacing it over the API handed the new secret to the
// caller and left the vault's stale: the connections' next code exchange or refresh failed.
// It is refused, as is deleting the client, and the connections keep working.
TEST_F(SeedFlowTest, TheSystemClientsSecretIsNotReplacedOverTheApi) {
  auto clients = relish_->Api("GET", "/api/v1/oauth/clients");
  ASSERT_EQ(clients.status, 200) << clients.body;
  std::string own;
  for (const auto& c : clients.json["clients"]) {
    if (c["system"] == true) own = c["client_id"].get<std::string>();
  }
  ASSERT_FALSE(own.empty()) << clients.body;
  const std::string refused =
      "{\"code\":\"failed_precondition\",\"message\":\"Relish's own client is used by every "
      "organization's bigin connections; its secret cannot be replaced and it cannot be deleted "
      "over the API (Relish replaces the secret itself when its vault has lost it)\"}";
  auto rotate = relish_->Api("POST", "/api/v1/oauth/clients/" + own + "/secret");
  EXPECT_EQ(rotate.status, 409);
  EXPECT_EQ(rotate.body, refused);
  auto remove = relish_->Api("DELETE", "/api/v1/oauth/clients/" + own);
  EXPECT_EQ(remove.status, 409);
  EXPECT_EQ(remove.body, refused);
  // The code exchange authenticates with the client's secret: it still works.
  ASSERT_EQ(relish_->Authorize(kBigin, kAdminEmail, kAdminPassword), "");
  auto test = relish_->Api("POST", std::string("/api/v1/connections/") + kBigin + "/test",
                           {{"url", relish_->base_url() + "/bigin/v2/Contacts"}});
  ASSERT_EQ(test.status, 200) << test.body;
  EXPECT_EQ(test.json["ok"], true) << test.body;
}

}  // namespace
}  // namespace relish
