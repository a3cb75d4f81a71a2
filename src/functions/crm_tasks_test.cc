// zoho.bigin.* and zoho.crm.*: the request each task makes through a connection, the value it
// returns, the same tasks in-process against the real CRM, and the workflow-trigger option.
#include "functions/crm_tasks.h"

#include <algorithm>
#include <map>

#include "deluge/datetime.h"
#include "functions/value_json.h"
#include "runner_test_fixture.h"

namespace relish::functions {
namespace {

using outbound::FakeHttpClient;

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class TasksTest : public RunnerTest {
 protected:
  // Answers "METHOD /path?query" with the body given; records what was asked.
  void Answer(std::map<std::string, std::pair<int, std::string>> answers) {
    answers_ = std::move(answers);
    api_ = [this](const outbound::Request& r) -> Result<outbound::Response> {
      std::string path = r.url.substr(std::string(kPublicUrl).size() + 9);  // after /bigin/v2
      std::string key = r.method + " " + path;
      asked_.push_back(key + (r.body.empty() ? "" : " " + r.body));
      auto it = answers_.find(key);
      if (it == answers_.end())
        return FakeHttpClient::Json(404, R"({"code":"INVALID_URL_PATTERN"})");
      outbound::Response resp = FakeHttpClient::Json(it->second.first, it->second.second);
      return resp;
    };
  }

  std::map<std::string, std::pair<int, std::string>> answers_;
  std::vector<std::string> asked_;
};

constexpr const char* kRecord =
    R"({"id":"111","Last_Name":"Doe","Email":"jane@example.com","Owner":{"name":"Dev Eloper","id":"u1","email":"dev@example.com"}})";

TEST_F(TasksTest, ReadsThroughAConnectionAskTheRestApi) {
  Connect("bigin", "crm", "bigin-token-1");
  Answer({
      {"GET /Contacts/111", {200, std::string(R"({"data":[)") + kRecord + "]}"}},
      {"GET /Contacts/111?fields=Email",
       {200, R"({"data":[{"Email":"jane@example.com","id":"111"}]})"}},
      {"GET /Contacts/999", {204, ""}},
      {"GET /Contacts?page=2&per_page=10&sort_by=Modified_Time",
       {200, std::string(R"({"data":[)") + kRecord +
                 R"(],"info":{"per_page":10,"count":1,"page":2,"more_records":false}})"}},
      {"GET /Deals?page=1&per_page=200",
       {400,
        R"({"code":"INVALID_MODULE","details":{},"message":"the module name given seems to be invalid","status":"error"})"}},
      {"GET /Contacts/search?criteria=%28Email%3Aequals%3Ajane%40example.com%29",
       {200, std::string(R"({"data":[)") + kRecord + R"(],"info":{"more_records":false}})"}},
      {"GET "
       "/Contacts/search?criteria=%28Email%3Aequals%3Anobody%40example.com%29&page=1&per_page=5",
       {204, ""}},
      {"GET /Contacts/search?email=jane%40example.com",
       {200, std::string(R"({"data":[)") + kRecord + "]}"}},
  });
  RunResult r = Run(
      "info zoho.bigin.getRecordById(\"Contacts\", \"111\", Map(), \"crm\");\n"
      "info zoho.crm.getRecordById(\"Contacts\", 111, {\"\":\"\"}, \"crm\");\n"
      "info zoho.crm.getRecordById(\"Contacts\", \"111\", {\"fields\":\"Email\"}, \"crm\");\n"
      "info zoho.bigin.getRecordById(\"Contacts\", \"999\", Map(), \"crm\");\n"
      "info zoho.bigin.getRecords(\"Contacts\", 2, 10, {\"sort_by\":\"Modified_Time\"}, "
      "\"crm\").get(0);\n"
      "info zoho.crm.getRecords(\"Deals\", 1, 200, Map(), \"crm\");\n"
      "info zoho.bigin.searchRecords(\"Contacts\", \"(Email:equals:jane@example.com)\", 1, 200, "
      "Map(), \"crm\").size();\n"
      "info zoho.crm.searchRecords(\"Contacts\", \"(Email:equals:nobody@example.com)\", 1, 5, "
      "Map(), \"crm\").size();\n"
      "info zoho.crm.searchRecordsByEmail(\"Contacts\", \"jane@example.com\", \"crm\").get(0)"
      ".get(\"Email\");\n");
  ASSERT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(
      Join(r.info),
      std::string(R"({"data":[)") + kRecord + "]}\n" + kRecord + "\n" +
          R"({"Email":"jane@example.com","id":"111"})"
          "\n"
          R"({"code":"INVALID_DATA","details":{"id":"999"},"message":"the id given seems to be invalid","status":"error"})"
          "\n" +
          kRecord +
          "\n"
          R"({"code":"INVALID_MODULE","details":{},"message":"the module name given seems to be invalid","status":"error"})"
          "\n"
          "1\n"
          "0\n"
          "jane@example.com\n");
  // The page and per_page a script gives are sent; the searchRecords default of 1 and 200
  // only when given.
  EXPECT_EQ(
      Join(asked_),
      "GET /Contacts/111\n"
      "GET /Contacts/111\n"
      "GET /Contacts/111?fields=Email\n"
      "GET /Contacts/999\n"
      "GET /Contacts?page=2&per_page=10&sort_by=Modified_Time\n"
      "GET /Deals?page=1&per_page=200\n"
      "GET "
      "/Contacts/search?criteria=%28Email%3Aequals%3Ajane%40example.com%29&page=1&per_page=200\n"
      "GET "
      "/Contacts/search?criteria=%28Email%3Aequals%3Anobody%40example.com%29&page=1&per_page=5\n"
      "GET /Contacts/search?email=jane%40example.com\n");
  auto sent = ApiRequests();
  ASSERT_EQ(sent.size(), 9u);
  for (const auto& s : sent) {
    EXPECT_EQ(s.headers.at(0), (std::pair<std::string, std::string>{"Accept", "application/json"}));
    bool authorized = false;
    for (const auto& [k, v] : s.headers)
      authorized |= k == "Authorization" && v == "Zoho-oauthtoken bigin-token-1";
    EXPECT_TRUE(authorized) << s.url;
  }
  ASSERT_EQ(r.calls.size(), 9u);
  EXPECT_EQ(r.calls[0].task, "zoho.bigin.getRecordById");
  EXPECT_EQ(r.calls[0].url, "http://relish.test/bigin/v2/Contacts/111");
  EXPECT_EQ(r.calls[0].connection, "crm");
  EXPECT_EQ(r.calls[0].status, 200);
  EXPECT_EQ(r.calls[3].status, 204);
  EXPECT_EQ(r.calls[8].task, "zoho.crm.searchRecordsByEmail");
}

TEST_F(TasksTest, WritesThroughAConnectionSuppressWorkflowsUnlessAsked) {
  Connect("bigin", "crm", "bigin-token-1");
  const std::string created =
      R"({"data":[{"code":"SUCCESS","details":{"Modified_Time":"2024-01-02T03:04:05+00:00","Modified_By":{"name":"Dev","id":"u1"},"Created_Time":"2024-01-02T03:04:05+00:00","id":"222","Created_By":{"name":"Dev","id":"u1"}},"message":"record added","status":"success"}]})";
  Answer({
      {"POST /Contacts", {201, created}},
      {"PUT /Contacts/222", {200, created}},
      {"PUT /Contacts/333",
       {400,
        R"({"data":[{"code":"INVALID_DATA","details":{"id":"333"},"message":"the id given seems to be invalid","status":"error"}]})"}},
      {"POST /Contacts/upsert",
       {200,
        R"({"data":[{"code":"SUCCESS","action":"update","duplicate_field":"Email","details":{"id":"222"},"message":"record updated","status":"success"}]})"}},
      {"DELETE /Contacts/222?wf_trigger=false",
       {200,
        R"({"data":[{"code":"SUCCESS","details":{"id":"222"},"message":"record deleted","status":"success"}]})"}},
  });
  RunResult r =
      Run("info zoho.bigin.createRecord(\"Contacts\", {\"Last_Name\":\"Doe\", \"Birthday\": "
          "'14-Feb-1990'}, Map(), \"crm\");\n"
          "info zoho.bigin.updateRecord(\"Contacts\", \"222\", {\"Phone\":\"1\"}, "
          "{\"trigger\":{\"workflow\"}}, \"crm\").get(\"id\");\n"
          "info zoho.crm.updateRecord(\"Contacts\", 333, {\"Phone\":\"1\"}, Map(), \"crm\");\n"
          "info zoho.bigin.upsert(\"Contacts\", {\"Email\":\"a@b.co\"}, "
          "{\"duplicate_check_fields\":{\"Email\"}}, \"crm\");\n"
          "info zoho.bigin.deleteRecord(\"Contacts\", \"222\", \"crm\");\n");
  ASSERT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(
      Join(r.info),
      R"({"Modified_Time":"2024-01-02T03:04:05+00:00","Modified_By":{"name":"Dev","id":"u1"},"Created_Time":"2024-01-02T03:04:05+00:00","id":"222","Created_By":{"name":"Dev","id":"u1"}})"
      "\n"
      "222\n"
      R"({"code":"INVALID_DATA","details":{"id":"333"},"message":"the id given seems to be invalid","status":"error"})"
      "\n"
      R"({"code":"SUCCESS","action":"update","duplicate_field":"Email","details":{"id":"222"},"message":"record updated","status":"success"})"
      "\n"
      R"({"code":"SUCCESS","details":{"id":"222"},"message":"record deleted","status":"success"})"
      "\n");
  EXPECT_EQ(
      Join(asked_),
      R"(POST /Contacts {"data":[{"Last_Name":"Doe","Birthday":"1990-02-14"}],"trigger":[]})"
      "\n"
      R"(PUT /Contacts/222 {"data":[{"Phone":"1"}],"trigger":["workflow"]})"
      "\n"
      R"(PUT /Contacts/333 {"data":[{"Phone":"1"}],"trigger":[]})"
      "\n"
      R"(POST /Contacts/upsert {"data":[{"Email":"a@b.co"}],"trigger":[],"duplicate_check_fields":["Email"]})"
      "\n"
      "DELETE /Contacts/222?wf_trigger=false\n");
  auto sent = ApiRequests();
  EXPECT_EQ(sent[0].headers.at(1),
            (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
}

TEST_F(TasksTest, AnApiAnswerThatIsNotJsonIsARuntimeError) {
  Connect("bigin", "crm", "bigin-token-1");
  api_ = [](const outbound::Request&) {
    outbound::Response r;
    r.status = 502;
    r.body = "<html>Bad gateway</html>";
    return r;
  };
  RunResult r =
      Run("info \"a\";\nx = zoho.bigin.getRecordById(\"Contacts\", \"1\", Map(), \"crm\");");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, 2);
  EXPECT_EQ(r.error_message,
            "zoho.bigin.getRecordById: the API answered 502 with a body that is not JSON");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].status, 502);
}

// An upstream answer nested 100,000 deep once overflowed the stack when it was copied and turned
// into a Deluge value (nlohmann's DOM recurses); it is refused as it is parsed.
TEST_F(TasksTest, AnApiAnswerNestedTooDeeplyIsARuntimeError) {
  Connect("bigin", "crm", "bigin-token-1");
  api_ = [](const outbound::Request&) {
    return FakeHttpClient::Json(
        200, R"({"data":[)" + std::string(100'000, '[') + std::string(100'000, ']') + "]}");
  };
  RunResult r =
      Run("info \"a\";\nx = zoho.bigin.getRecordById(\"Contacts\", \"1\", Map(), \"crm\");");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, 2);
  EXPECT_EQ(r.error_message,
            "zoho.bigin.getRecordById: the API answered 200 with JSON nested more than 200 levels "
            "deep");
  // Up to the limit, it is a value like any other.
  api_ = [](const outbound::Request&) {
    return FakeHttpClient::Json(
        200, R"({"data":[)" + std::string(198, '[') + std::string(198, ']') + "]}");
  };
  r = Run("x = zoho.bigin.getRecordById(\"Contacts\", \"1\", Map(), \"crm\");\n"
          "info x.get(\"data\").size();");
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(Join(r.info), "1\n");
}

// A value that shares one list many times over is small in memory but enormous as JSON: turning
// it into a request body stops at kMaxApiJsonBytes instead of exhausting memory.
TEST_F(TasksTest, ARecordTooLargeAsJsonIsARuntimeError) {
  RunResult r = Run(
      "l = List();\nl.add(\"0123456789\".repeat(1000));\n"
      "for each i in \"\".leftPad(22).toList(\"\")\n{\n\tl.addAll(l);\n}\n"
      "c = zoho.bigin.createRecord(\"Contacts\", {\"Last_Name\": \"x\", \"Tags\": l});");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, 7);
  EXPECT_EQ(r.error_message,
            "zoho.bigin.createRecord: the value is larger than 10 MB as JSON");
}

TEST_F(TasksTest, ArgumentsThatDoNotFitAreRuntimeErrors) {
  RunResult r = Run("x = zoho.crm.createRecord(\"Contacts\", \"not a map\");");
  EXPECT_EQ(r.error_message, "zoho.crm.createRecord: the record must be KEY-VALUE, got TEXT");
  r = Run("x = zoho.crm.getRecords(\"Contacts\", 0);");
  EXPECT_EQ(r.error_message, "zoho.crm.getRecords: the page must be a whole number of 1 or more");
  r = Run("x = zoho.crm.getRecordById(\"Contacts\", \"\");");
  EXPECT_EQ(r.error_message, "zoho.crm.getRecordById: the record id is empty");
  r = Run("x = zoho.crm.bulkCreate(\"Contacts\", List());");
  EXPECT_EQ(r.error_message,
            "zoho.crm.bulkCreate is not available in Relish yet (docs/functions.md lists the "
            "tasks it offers)");
  r = Run("x = zoho.bigin.getRecordById(\"Contacts\", \"1\", Map(), \"nope\");");
  EXPECT_EQ(r.error_message,
            "zoho.bigin.getRecordById: no connection 'nope' in the sandbox environment");
}

// In-process: the run's organization and environment, acting as the run's user.
TEST_F(TasksTest, InProcessTasksUseTheRunsCrm) {
  RunResult r = Run(
      "c = zoho.bigin.createRecord(\"Contacts\", {\"Last_Name\":\"Doe\", \"First_Name\":\"Jane\", "
      "\"Email\":\"jane@example.com\"});\n"
      "id = c.get(\"id\");\n"
      "info c.keys();\n"
      "got = zoho.bigin.getRecordById(\"Contacts\", id);\n"
      "info got.get(\"data\").get(0).get(\"Full_Name\");\n"
      "info zoho.crm.getRecordById(\"Contacts\", id).get(\"Owner\");\n"
      "u = zoho.crm.updateRecord(\"Contacts\", id, {\"Phone\":\"+1 555 0100\"});\n"
      "info u.get(\"id\") == id;\n"
      "found = zoho.crm.searchRecords(\"Contacts\", \"(Email:equals:jane@example.com)\");\n"
      "info found.size() + \" \" + found.get(0).get(\"Phone\");\n"
      "info zoho.crm.searchRecords(\"Contacts\", \"(Email:equals:x@example.com)\").size();\n"
      "info zoho.crm.searchRecords(\"Contacts\", \"(Email:sounds_like:x)\");\n"
      "info zoho.bigin.getRecords(\"Contacts\").size();\n"
      "up = zoho.bigin.upsert(\"Contacts\", {\"Email\":\"jane@example.com\", "
      "\"Last_Name\":\"Doe\", "
      "\"Mobile\":\"2\"}, {\"duplicate_check_fields\":{\"Email\"}});\n"
      "info up.get(\"action\") + \" \" + up.get(\"duplicate_field\") + \" \" + "
      "(up.get(\"details\").get(\"id\") == id);\n"
      "info zoho.crm.createRecord(\"Contacts\", {\"First_Name\":\"No last name\"});\n"
      "info zoho.crm.getRecordById(\"Nope\", id);\n"
      "d = zoho.bigin.deleteRecord(\"Contacts\", id);\n"
      "info d.get(\"status\") + \" \" + d.get(\"message\");\n"
      "info zoho.bigin.getRecordById(\"Contacts\", id).get(\"code\");\n");
  ASSERT_TRUE(r.ok) << r.error_line << ": " << r.error_message;
  ASSERT_EQ(r.info.size(), 13u);
  EXPECT_EQ(r.info[0], "Modified_Time,Modified_By,Created_Time,id,Created_By");
  EXPECT_EQ(r.info[1], "Jane Doe");
  EXPECT_EQ(r.info[2],
            R"({"name":"Dev Eloper","id":")" + user_id_ + R"(","email":"dev@example.com"})");
  EXPECT_EQ(r.info[3], "true");
  EXPECT_EQ(r.info[4], "1 +1 555 0100");
  EXPECT_EQ(r.info[5], "0");
  EXPECT_EQ(
      r.info[6],
      R"({"code":"INVALID_QUERY","details":{"reason":"criteria: the operator 'sounds_like' does not apply to Email; use one of equals, not_equal, starts_with, ends_with, contains, not_contains, in, not_in"},"message":"invalid query formed","status":"error"})");
  EXPECT_EQ(r.info[7], "1");
  EXPECT_EQ(r.info[8], "update Email true");
  EXPECT_EQ(
      r.info[9],
      R"({"code":"MANDATORY_NOT_FOUND","details":{"api_name":"Last_Name","json_path":"$.data[0].Last_Name"},"message":"required field not found","status":"error"})");
  EXPECT_EQ(
      r.info[10],
      R"({"code":"INVALID_MODULE","details":{"resource_path_index":0},"message":"the module name given seems to be invalid","status":"error"})");
  EXPECT_EQ(r.info[11], "success record deleted");
  EXPECT_EQ(r.info[12], "INVALID_DATA");
  EXPECT_TRUE(r.calls.empty());  // nothing left the process
}

// Thousands of parentheses once overflowed the stack of the criteria parser and ended the
// process; the task now answers INVALID_QUERY, in-process as over HTTP (tests/api/crm/
// criteria_depth.test sends the same criteria to /bigin/v2).
TEST_F(TasksTest, DeeplyNestedCriteriaAreAnInvalidQuery) {
  std::string deep = std::string(6000, '(') + "Email:equals:a@b.c" + std::string(6000, ')');
  RunResult r = Run("r = zoho.bigin.searchRecords(\"Contacts\", \"" + deep +
                    "\");\ninfo r;\n");
  ASSERT_TRUE(r.ok) << r.error_message;
  ASSERT_EQ(r.info.size(), 1u);
  EXPECT_EQ(
      r.info[0],
      R"({"code":"INVALID_QUERY","details":{"reason":"criteria: parentheses nest more than 32 levels deep at column 33"},"message":"invalid query formed","status":"error"})");
}

TEST_F(TasksTest, InProcessWritesFireWorkflowsOnlyWhenAsked) {
  RunResult r =
      Run("a = zoho.bigin.createRecord(\"Contacts\", {\"Last_Name\":\"Quiet\"});\n"
          "b = zoho.bigin.createRecord(\"Contacts\", {\"Last_Name\":\"Loud\"}, "
          "{\"trigger\":{\"workflow\"}});\n"
          "zoho.crm.updateRecord(\"Contacts\", a.get(\"id\"), {\"Phone\":\"1\"}, "
          "{\"trigger\":\"workflow\"});\n"
          "zoho.crm.updateRecord(\"Contacts\", b.get(\"id\"), {\"Phone\":\"2\"}, "
          "{\"trigger\":{}});\n"
          "zoho.crm.deleteRecord(\"Contacts\", a.get(\"id\"));\n");
  ASSERT_TRUE(r.ok) << r.error_line << ": " << r.error_message;
  auto events = crm_->ListEvents({org_id_, "sandbox"}, "Contacts", "", 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 5u);
  // The clock stands still in this test, so the events' order is by record and sequence.
  std::vector<std::string> seen;
  for (const auto& e : *events) {
    seen.push_back(e.record["Last_Name"].get<std::string>() + " " + std::to_string(e.sequence) +
                   " " + std::string(crm::ChangeKindName(e.kind)) + " " +
                   (e.fire_workflows ? "fire" : "quiet") + " " + e.actor.email);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "Loud 1 create fire dev@example.com",
                      "Loud 2 edit quiet dev@example.com",
                      "Quiet 1 create quiet dev@example.com",
                      "Quiet 2 edit fire dev@example.com",
                      "Quiet 3 delete quiet dev@example.com",
                  }));
}

TEST_F(TasksTest, InProcessTasksSeeOnlyTheRunsEnvironment) {
  RunRequest prod = Request(
      "c = zoho.bigin.createRecord(\"Contacts\", {\"Last_Name\":\"P\"});\n"
      "return c.get(\"id\");");
  prod.environment = "production";
  auto made = runner_->Run(prod);
  ASSERT_TRUE(made.ok() && made->ok) << made->error_message;
  std::string id = made->return_json.substr(1, made->return_json.size() - 2);
  RunResult r = Run("info zoho.bigin.getRecordById(\"Contacts\", \"" + id +
                    "\").get(\"code\");\n"
                    "info zoho.bigin.getRecords(\"Contacts\").size();");
  EXPECT_EQ(r.info, (std::vector<std::string>{"INVALID_DATA", "0"}));
}

TEST_F(TasksTest, InProcessTasksNeedAUser) {
  RunRequest req = Request("x = zoho.bigin.getRecords(\"Contacts\");");
  req.user_id = "";
  auto r = runner_->Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->error_message,
            "zoho.bigin.getRecords without a connection acts as the run's user, and this run has "
            "none");
}

}  // namespace
}  // namespace relish::functions

namespace relish::functions {
namespace {

TEST(ValueJsonTest, DatesGoInTheApisFormatsInTheRunsZone) {
  deluge::Heap heap;
  deluge::Value list = heap.NewList();
  int64_t local = deluge::FromCivil({2024, 1, 31, 10, 20, 30, 0});
  list.list()->items.push_back(deluge::Value::Date(deluge::FromCivil({2024, 1, 31})));
  list.list()->items.push_back(deluge::Value::DateTime(local));
  list.list()->items.push_back(deluge::Value::Decimal(1.5));
  list.list()->items.push_back(deluge::Value::Text("é"));
  auto kolkata = ToApiJson(list, "Asia/Kolkata");
  ASSERT_TRUE(kolkata.ok());
  EXPECT_EQ(kolkata->dump(), R"(["2024-01-31","2024-01-31T10:20:30+05:30",1.5,"é"])");
  EXPECT_EQ(ToApiJson(list, "Nowhere/Unknown")->dump(),
            R"(["2024-01-31","2024-01-31T10:20:30Z",1.5,"é"])");
  auto back = FromApiJson(*kolkata, heap);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->list()->items.size(), 4u);
}

}  // namespace
}  // namespace relish::functions
