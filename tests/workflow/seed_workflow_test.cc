// The seed's flow end to end, as DESIGN.md's "one flow that must always work" tells it: a real
// Relish (in-process, on loopback, its workflow workers running) and the Zoho Books stand-in
// (tests/standins/books). The real `relish topping push` sends examples/bigin-books-sync to the
// sandbox; the topping's two connections are authorized through real OAuth flows (Relish's own
// sign-in and consent pages for the CRM, the stand-in's accounts server for Books); contacts are
// created and edited through the CRM's Bigin REST API with the CRM connection's token (the
// credentialed proxy), and the rule runs the seed's script, which writes to Books. What Books
// then holds, the execution log, and the absence of every planted secret from everything Relish
// showed, logged or stored are checked.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "testing/relish_with_books.h"

namespace relish {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using testing::ReadWholeFile;
using testing::RelishWithBooks;

constexpr const char* kTopping = "biginandbooksconnectionnew";
constexpr const char* kBigin = "biginandbooksconnectionnew__biginconnection";
constexpr const char* kBooks = "biginandbooksconnectionnew__booksconnection";

class SeedWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bool skipped = false;
    std::string error = env_.Start(RELISH_SOURCE_DIR, "seed-workflow", &skipped);
    if (skipped) GTEST_SKIP() << error;
    ASSERT_EQ(error, "");
    relish_ = &env_.relish();
  }

  struct Command {
    int exit_code = -1;
    std::string out, err;
  };

  // Runs the real `relish` CLI against the server, with the test's API token.
  Command Cli(const std::string& args) {
    fs::path dir = env_.data_dir().string() + "-cli";
    fs::create_directories(dir);
    std::string command = "XDG_CONFIG_HOME=" + dir.string() + " RELISH_URL=" + relish_->base_url() +
                          " RELISH_TOKEN=" + relish_->token() + " " + RELISH_BINARY + " " + args +
                          " > " + (dir / "out").string() + " 2> " + (dir / "err").string();
    int status = std::system(command.c_str());
    Command c{WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadWholeFile(dir / "out"),
              ReadWholeFile(dir / "err")};
    cli_output_ += c.out + c.err;
    fs::remove_all(dir);
    return c;
  }

  // A Bigin REST call (/bigin/v2/...) as a user's client makes it: through the CRM connection,
  // whose Zoho-oauthtoken Relish's own OAuth server issued.
  testing::RelishClient::Reply Bigin(const std::string& method, const std::string& path,
                                     const Json& body = nullptr) {
    return relish_->Api(method, std::string("/api/v1/proxy/") + kBigin + path, body);
  }

  std::string CreateContact(const Json& fields) {
    auto r = Bigin("POST", "/Contacts", {{"data", {fields}}});
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    EXPECT_EQ(r.json["data"][0]["code"], "SUCCESS") << r.body;
    return r.json["data"][0]["details"]["id"].get<std::string>();
  }

  // The record's finished runs (not `retrying`), newest first, once there are `count` of them;
  // fails the test after a deadline.
  Json WaitForRuns(const std::string& record_id, size_t count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    Json finished = Json::array();
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = relish_->Api("GET", "/api/v1/workflow/runs?record=" + record_id);
      EXPECT_EQ(r.status, 200) << r.body;
      finished = Json::array();
      for (const auto& run : r.json["runs"]) {
        if (run["status"] != "retrying") finished.push_back(run);
      }
      if (finished.size() >= count) return finished;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no " << count << " finished runs for record " << record_id << ": "
                  << finished.dump(2);
    return finished;
  }

  Json RunDetails(const Json& run) {
    auto r = relish_->Api("GET", "/api/v1/workflow/runs/" + run["id"].get<std::string>());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }

  RelishWithBooks env_;
  testing::RelishClient* relish_ = nullptr;
  std::string cli_output_;
};

// The calls of a run without their latencies (and bytes), which vary.
Json Calls(const Json& run) {
  Json out = Json::array();
  for (Json c : run["calls"]) {
    EXPECT_GE(c["latency_us"].get<int64_t>(), 0) << c;
    c.erase("latency_us");
    c.erase("bytes_in");
    out.push_back(c);
  }
  return out;
}

// What the seed's script sends Books for a contact: the same fields in the JSONString, the
// contact person with the full name as its last name.
Json BooksFields(const std::string& full_name, const std::string& email, const std::string& phone,
                 const std::string& mobile) {
  return {{"contact_name", full_name},
          {"email", email},
          {"phone", phone},
          {"mobile", mobile},
          {"contact_persons",
           {{{"last_name", full_name},
             {"mobile", mobile},
             {"phone", phone},
             {"email", email},
             {"is_primary_contact", true}}}}};
}

TEST_F(SeedWorkflowTest, ContactsWithAnEmailReachBooksAndNoSecretShows) {
  const std::string base = relish_->base_url();

  // 1. Push the example topping with the real CLI.
  Command push =
      Cli(std::string("topping push ") + RELISH_SOURCE_DIR + "/examples/bigin-books-sync");
  ASSERT_EQ(push.exit_code, 0) << push.out << push.err;
  EXPECT_EQ(push.out,
            "pushed biginandbooksconnectionnew 1.0.0 (Bigin and Books contact sync) in sandbox\n"
            "  function   sync_contact_to_books\n"
            "  rule       Sync contacts to Books\n"
            "  connection biginandbooksconnectionnew__biginconnection (bigin): pending\n"
            "  connection biginandbooksconnectionnew__booksconnection (zoho_books): pending\n"
            "Authorize pending connections with: relish connections authorize LINK_NAME --env "
            "sandbox\n");

  // 2. Authorize both connections as a person in a browser would.
  ASSERT_EQ(
      relish_->Authorize(kBigin, RelishWithBooks::kAdminEmail, RelishWithBooks::kAdminPassword),
      "");
  ASSERT_EQ(
      relish_->Authorize(kBooks, RelishWithBooks::kAdminEmail, RelishWithBooks::kAdminPassword),
      "");
  auto topping = relish_->Api("GET", std::string("/api/v1/toppings/") + kTopping);
  ASSERT_EQ(topping.status, 200) << topping.body;
  for (const auto& c : topping.json["connections"]) EXPECT_EQ(c["status"], "connected") << c;

  // 3. A contact with an email: the rule runs the script, which creates the Books contact.
  std::string jane = CreateContact({{"First_Name", "Jane"},
                                    {"Last_Name", "Doe"},
                                    {"Email", "jane@example.com"},
                                    {"Phone", "+1 555 0100"},
                                    {"Mobile", "+1 555 0199"}});
  ASSERT_FALSE(jane.empty());
  Json runs = WaitForRuns(jane, 1);
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  Json run = RunDetails(runs[0]);
  EXPECT_EQ(run["status"], "success") << run.dump(2);
  EXPECT_EQ(run["topping"], kTopping);
  EXPECT_EQ(run["rule"], "Sync contacts to Books");
  EXPECT_EQ(run["environment"], "sandbox");
  EXPECT_EQ(run["module"], "Contacts");
  EXPECT_EQ(run["trigger"], "create");
  EXPECT_EQ(run["action"], "function");
  EXPECT_EQ(run["target"], "sync_contact_to_books");
  EXPECT_EQ(run["attempt"], 1);
  EXPECT_EQ(run["error"], "");
  EXPECT_GT(run["statements"].get<int64_t>(), 0);

  Json contacts = env_.StandIn("/_standin/contacts")["contacts"];
  ASSERT_EQ(contacts.size(), 1u) << contacts.dump(2);
  std::string books_id = contacts[0]["contact_id"].get<std::string>();
  Json stored = contacts[0];
  stored.erase("created_time");
  stored.erase("last_modified_time");
  Json expected = BooksFields("Jane Doe", "jane@example.com", "+1 555 0100", "+1 555 0199");
  Json expected_stored = {{"contact_id", books_id}};
  expected_stored.update(expected);
  expected_stored["organization_id"] = "XXXXXXX";
  EXPECT_EQ(stored, expected_stored);
  // Books got exactly the script's JSONString, as a form field, organization_id on the query.
  Json requests = env_.StandIn("/_standin/requests")["requests"];
  ASSERT_EQ(requests.size(), 2u) << requests.dump(2);
  EXPECT_EQ(requests[0], (Json{{"method", "GET"},
                               {"path", "/api/v3/contacts"},
                               {"query", {{"search_text", "jane@example.com"}}},
                               {"content_type", nullptr},
                               {"fields", nullptr}}));
  EXPECT_EQ(requests[1], (Json{{"method", "POST"},
                               {"path", "/api/v3/contacts"},
                               {"query", {{"organization_id", "XXXXXXX"}}},
                               {"content_type", "application/x-www-form-urlencoded"},
                               {"fields", expected}}));

  // The execution log: the script's info lines, and each outbound call twice, as the function
  // saw it and as the connections audit recorded it, with its status.
  ASSERT_EQ(run["info"].size(), 2u) << run.dump(2);
  EXPECT_EQ(
      run["info"][0],
      R"(Searched by name in Books: {"code":0,"message":"success","contacts":[],"page_context":{"page":1,"per_page":200,"has_more_page":false,"search_text":"jane@example.com"}})");
  std::string created = run["info"][1].get<std::string>();
  ASSERT_TRUE(created.starts_with("Created Contact: ")) << created;
  Json created_json = Json::parse(created.substr(17));
  EXPECT_EQ(created_json["message"], "The contact has been added.");
  EXPECT_EQ(created_json["contact"]["contact_id"], books_id);
  std::string read_url = base + "/bigin/v2/Contacts/" + jane;
  std::string search_url = "https://books.zoho.com/api/v3/contacts?search_text=jane%40example.com";
  std::string create_url = "https://books.zoho.com/api/v3/contacts?organization_id=XXXXXXX";
  auto call = [](const char* source, const char* method, const std::string& url,
                 const char* connection, const char* task, int status) {
    return Json{{"source", source},         {"method", method}, {"url", url},
                {"connection", connection}, {"task", task},     {"status", status}};
  };
  EXPECT_EQ(Calls(run),
            (Json{call("function", "GET", read_url, kBigin, "zoho.bigin.getRecordById", 200),
                  call("function", "GET", search_url, kBooks, "", 200),
                  call("function", "POST", create_url, kBooks, "", 201),
                  call("audit", "GET", read_url, kBigin, "", 200),
                  call("audit", "GET", search_url, kBooks, "", 200),
                  call("audit", "POST", create_url, kBooks, "", 201)}))
      << run.dump(2);

  // 4. The contact is edited: the script finds it in Books and updates it.
  auto edited = Bigin("PUT", "/Contacts/" + jane,
                      {{"data", {{{"Phone", "+1 555 0111"}, {"Last_Name", "Doe-Smith"}}}}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  runs = WaitForRuns(jane, 2);
  ASSERT_EQ(runs.size(), 2u);
  run = RunDetails(runs[0]);
  EXPECT_EQ(run["status"], "success") << run.dump(2);
  EXPECT_EQ(run["trigger"], "edit");
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
  std::string update_url =
      "https://books.zoho.com/api/v3/contacts/" + books_id + "?organization_id=XXXXXXX";
  EXPECT_EQ(Calls(run),
            (Json{call("function", "GET", read_url, kBigin, "zoho.bigin.getRecordById", 200),
                  call("function", "GET", search_url, kBooks, "", 200),
                  call("function", "PUT", update_url, kBooks, "", 200),
                  call("audit", "GET", read_url, kBigin, "", 200),
                  call("audit", "GET", search_url, kBooks, "", 200),
                  call("audit", "PUT", update_url, kBooks, "", 200)}))
      << run.dump(2);
  contacts = env_.StandIn("/_standin/contacts")["contacts"];
  ASSERT_EQ(contacts.size(), 1u) << contacts.dump(2);
  stored = contacts[0];
  stored.erase("created_time");
  stored.erase("last_modified_time");
  expected_stored.update(
      BooksFields("Jane Doe-Smith", "jane@example.com", "+1 555 0111", "+1 555 0199"));
  EXPECT_EQ(stored, expected_stored);

  // 5. A contact without an email meets no condition: no job, no run, nothing sent to Books. A
  // contact with an email created after it shows that the queue has moved past it.
  std::string no_email = CreateContact({{"Last_Name", "Nomail"}, {"Phone", "+1 555 0123"}});
  ASSERT_FALSE(no_email.empty());
  std::string ann = CreateContact(
      {{"First_Name", "Ann"}, {"Last_Name", "Lee"}, {"Email", "ann@example.com"}, {"Mobile", "5"}});
  ASSERT_FALSE(ann.empty());
  runs = WaitForRuns(ann, 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "success") << runs[0].dump(2);
  auto none = relish_->Api("GET", "/api/v1/workflow/runs?record=" + no_email);
  EXPECT_EQ(none.json["runs"], Json::array()) << none.body;
  auto queue = relish_->Api("GET", "/api/v1/workflow/queue");
  EXPECT_EQ(queue.json, (Json{{"due", 0}, {"scheduled", 0}, {"running", 0}})) << queue.body;
  auto all = relish_->Api("GET", "/api/v1/workflow/runs");
  EXPECT_EQ(all.json["runs"].size(), 3u) << all.body;
  contacts = env_.StandIn("/_standin/contacts")["contacts"];
  ASSERT_EQ(contacts.size(), 2u) << contacts.dump(2);
  EXPECT_EQ(contacts[1]["contact_name"], "Ann Lee");
  for (const auto& r : env_.StandIn("/_standin/requests")["requests"]) {
    EXPECT_EQ(r.dump().find("555 0123"), std::string::npos) << r;
  }

  // The CLI shows the same execution log.
  Command list = Cli("runs list");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("success  sandbox  Sync contacts to Books  Contacts/" + jane +
                          "  function sync_contact_to_books"),
            std::string::npos)
      << list.out;
  Command show = Cli("runs show " + runs[0]["id"].get<std::string>());
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("Created Contact: "), std::string::npos) << show.out;

  // 6. No secret anywhere: in what Relish answered (pages, redirects and APIs, the execution
  // log included), what the CLI printed, what Relish logged, and what it stored on disk.
  Json tokens = env_.StandIn("/_standin/tokens");
  std::vector<std::string> secrets = {RelishWithBooks::kBooksClientSecret,
                                      RelishWithBooks::kAdminPassword};
  for (const auto& list : {tokens["access_tokens"], tokens["refresh_tokens"]}) {
    ASSERT_FALSE(list.empty()) << tokens;
    for (const auto& t : list) secrets.push_back(t.get<std::string>());
  }
  std::string shown = relish_->transcript() + cli_output_;
  env_.Stop(/*keep_data=*/true);
  ASSERT_EQ(env_.serve_error(), "");
  std::string logged = env_.log();
  EXPECT_NE(logged.find("POST /api/v1/proxy/"), std::string::npos) << "the access log is empty";
  std::vector<std::pair<std::string, std::string>> places = {{"responses", shown}, {"log", logged}};
  for (const auto& entry : fs::directory_iterator(env_.data_dir())) {
    places.emplace_back(entry.path().filename().string(), ReadWholeFile(entry.path()));
  }
  for (const auto& [where, text] : places) {
    for (const auto& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << where;
    }
  }
  // Relish's own API token is shown once, when made, and never again; it is kept hashed.
  for (size_t i = 1; i < places.size(); ++i) {
    EXPECT_EQ(places[i].second.find(relish_->token()), std::string::npos) << places[i].first;
  }
  fs::remove_all(env_.data_dir());
}

}  // namespace
}  // namespace relish
