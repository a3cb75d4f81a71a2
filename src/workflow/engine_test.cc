#include "workflow/engine.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/testing.h"
#include "workflow/engine_test_fixture.h"

namespace relish::workflow {
namespace {

using crm::Json;
using engine_testing::EngineTest;

TEST_F(EngineTest, ACreatedContactWithAnEmailRunsTheFunctionWithTheRecord) {
  PutFunction("sync");
  std::string rule_id = AddRule(kSeedRule);
  runner_.next.info = {"Searched by name in Books: {}", "Created Contact: {}"};
  runner_.next.calls = {{.method = "GET", .url = "https://books.zoho.com/api/v3/contacts?search_text=a%40b.example",
                         .connection = "booksconnection", .status = 200, .latency_us = 1200}};
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_TRUE(runner_.requests.empty());  // nothing runs inside the write
  EXPECT_EQ(RunDue(), 1);
  ASSERT_EQ(runner_.requests.size(), 1u);
  const auto& req = runner_.requests[0];
  EXPECT_EQ(req.org_id, "org1");
  EXPECT_EQ(req.environment, "sandbox");
  EXPECT_EQ(req.topping, "");
  EXPECT_EQ(req.user_id, "usr_ada");
  EXPECT_EQ(req.file_name, "functions/sync.dg");
  EXPECT_EQ(req.source, "info contact.get(\"Email\");");
  ASSERT_EQ(req.args.size(), 1u);
  EXPECT_EQ(req.args[0].name, "contact");
  Json contact = Json::parse(req.args[0].json);
  EXPECT_EQ(contact["Contacts.ID"], id);
  EXPECT_EQ(contact["Email"], "a@b.example");
  EXPECT_EQ(contact["Full_Name"], "Lee");
  EXPECT_FALSE(contact.contains("id"));

  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  const workflow::Run& run = runs[0];
  EXPECT_EQ(run.id, req.run_id);
  EXPECT_EQ(run.rule_id, rule_id);
  EXPECT_EQ(run.rule_name, "Sync contacts to Books");
  EXPECT_EQ(run.module, "Contacts");
  EXPECT_EQ(run.record_id, id);
  EXPECT_EQ(run.trigger, "create");
  EXPECT_EQ(run.action, "function");
  EXPECT_EQ(run.target, "sync");
  EXPECT_EQ(run.status, RunStatus::kSuccess);
  EXPECT_EQ(run.attempt, 1);
  EXPECT_EQ(run.statements, 3);
  EXPECT_EQ(run.info, (std::vector<std::string>{"Searched by name in Books: {}", "Created Contact: {}"}));
  ASSERT_EQ(run.calls.size(), 1u);
  EXPECT_EQ(run.calls[0].source, "function");
  EXPECT_EQ(run.calls[0].url, "https://books.zoho.com/api/v3/contacts?search_text=a%40b.example");
  EXPECT_EQ(run.calls[0].status, 200);
  EXPECT_EQ(run.event_at, clock_.NowMillis());
  // Who it acted as: the user whose change started it, named as they were then.
  EXPECT_EQ(run.user_id, "usr_ada");
  EXPECT_EQ(run.user_name, "Ada");
  EXPECT_EQ(run.user_email, "ada@example.com");
  EXPECT_EQ(RunToJson(run, false)["user"],
            Json({{"id", "usr_ada"}, {"name", "Ada"}, {"email", "ada@example.com"}}));
  EXPECT_EQ(engine_->Stats().runs, 1);
}

// A job whose work throws (a runner bug, a library's exception on data of an unexpected shape)
// fails on its own: before the executor's barrier the exception left the worker thread and
// ended the process. The next job runs.
TEST_F(EngineTest, AJobWhoseWorkThrowsFailsAloneAndTheNextRuns) {
  PutFunction("sync");
  AddRule(kSeedRule);
  int calls = 0;
  runner_.answer = [&](const functions::RunRequest&) -> Result<functions::RunResult> {
    if (++calls == 1) throw std::out_of_range("map::at");
    return runner_.next;
  };
  Insert("Contacts", {{"Last_Name", "One"}, {"Email", "one@b.example"}});
  Insert("Contacts", {{"Last_Name", "Two"}, {"Email", "two@b.example"}});
  EXPECT_EQ(RunDue(), 2);
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 2u);
  std::multiset<std::string> errors;
  for (const auto& r : runs) errors.insert(std::string(RunStatusName(r.status)) + ": " + r.error);
  std::string failed = "failed: workflow job " + runs[0].job_id +
                       " failed unexpectedly; the server's log says why";
  if (runs[0].status != RunStatus::kFailed) {
    failed = "failed: workflow job " + runs[1].job_id +
             " failed unexpectedly; the server's log says why";
  }
  EXPECT_EQ(errors, (std::multiset<std::string>{failed, "success: "}));
}

TEST_F(EngineTest, AContactWithoutAnEmailRunsNothing) {
  PutFunction("sync");
  AddRule(kSeedRule);
  Insert("Contacts", {{"Last_Name", "Nomail"}});
  EXPECT_EQ(RunDue(), 0);
  EXPECT_TRUE(runner_.requests.empty());
  EXPECT_TRUE(Runs().empty());
}

TEST_F(EngineTest, EditsRunAgainOnlyWhenTheRuleRepeats) {
  PutFunction("sync");
  AddRule(kSeedRule);
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  Update("Contacts", {{"id", id}, {"Phone", "555"}});
  EXPECT_EQ(RunDue(), 2);
  ASSERT_EQ(runner_.requests.size(), 2u);
  EXPECT_EQ(Json::parse(runner_.requests[1].args[0].json)["Phone"], "555");
  EXPECT_EQ(Runs()[0].trigger, "edit");

  // Without repeat: the first time the record meets the condition, then never again.
  std::string once = R"({"name": "Once", "module": "Contacts", "trigger": {"type": "create_or_edit"},
    "conditions": [{"criteria": ["Email is not empty"], "actions": [{"function": "sync"}]}]})";
  AddRule(once);
  std::string other = Insert("Contacts", {{"Last_Name", "Kim"}});
  Update("Contacts", {{"id", other}, {"Email", "kim@b.example"}});  // both rules now
  Update("Contacts", {{"id", other}, {"Phone", "1"}});              // only the repeating one
  EXPECT_EQ(RunDue(), 3);
  int once_runs = 0;
  for (const auto& r : Runs()) once_runs += r.rule_name == "Once";
  EXPECT_EQ(once_runs, 1);
}

TEST_F(EngineTest, EditTriggersWatchTheirFields) {
  PutFunction("sync");
  AddRule(R"({"name": "Phone changed", "module": "Contacts",
    "trigger": {"type": "edit", "fields": ["Phone"], "repeat": true},
    "conditions": [{"criteria": "all", "actions": [{"function": "sync"}]}]})");
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}});
  Update("Contacts", {{"id", id}, {"Email", "x@y.example"}});
  EXPECT_EQ(RunDue(), 0);
  Update("Contacts", {{"id", id}, {"Phone", "123"}});
  EXPECT_EQ(RunDue(), 1);
}

// Deleting a function that rules still run names the first of them by name, on both engines
// (PostgreSQL hands rows back in no fixed order, SQLite in insertion order).
TEST_F(EngineTest, AFunctionRulesStillRunIsKeptAndTheFirstRuleByNameIsNamed) {
  PutFunction("sync");
  for (std::string name : {"Zeta", "Alpha", "Mid"}) {
    AddRule(R"({"name": ")" + name + R"(", "module": "Contacts", "trigger": "create",
      "conditions": [{"criteria": ["Email is not empty"], "actions": [{"function": "sync"}]}]})");
  }
  if (store::testing::TestingPostgres()) {
    // With statistics a table this small is read by a scan, in the order rows were written.
    ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [](store::Transaction& tx) {
                  return tx.ExecScript("ANALYZE wf_rules");
                }).ok());
  }
  auto deleted = repo_->DeleteFunction(space_, "", "sync");
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().message(),
            "function 'sync' is run by rule 'Alpha'; change or delete the rule first");
}

TEST_F(EngineTest, DeleteTriggersSeeTheRecordAsItWas) {
  PutFunction("gone");
  AddRule(R"({"name": "Deleted", "module": "Contacts", "trigger": "delete",
    "conditions": [{"criteria": ["Email ends with @b.example"], "actions": [{"function": "gone"}]}]})");
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  auto deleted = crm_->DeleteRecords(space_, "Contacts", {id}, ada_, {});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(RunDue(), 1);
  EXPECT_EQ(Json::parse(runner_.requests[0].args[0].json)["Email"], "a@b.example");
  EXPECT_EQ(Runs()[0].trigger, "delete");
}

TEST_F(EngineTest, AChangeThatRollsBackLeavesNoJob) {
  PutFunction("sync");
  AddRule(kSeedRule);
  refusing_.refuse = true;
  auto r = crm_->InsertRecords(space_, "Contacts",
                               Json::array({{{"Last_Name", "Lee"}, {"Email", "a@b.example"}}}), ada_, {});
  EXPECT_FALSE(r.ok());
  refusing_.refuse = false;
  EXPECT_EQ(RunDue(), 0);
  EXPECT_TRUE(runner_.requests.empty());
}

TEST_F(EngineTest, WritesThatDoNotAskForWorkflowsFireNothing) {
  PutFunction("sync");
  AddRule(kSeedRule);
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}}, {.fire_workflows = false});
  EXPECT_EQ(RunDue(), 0);
}

TEST_F(EngineTest, ArgumentsMapFieldsAndConstants) {
  PutFunction("byid", {}, "void automation.byid(String contactId, String mail, Int weight) { info contactId; }");
  AddRule(R"({"name": "Args", "module": "Contacts", "trigger": "create",
    "conditions": [{"actions": [{"function": "byid",
       "args": {"contactId": {"field": "ID"}, "mail": {"field": "Email"}, "weight": 7}}]}]})");
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  const auto& args = runner_.requests[0].args;
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0].name, "contactId");
  EXPECT_EQ(args[0].json, "\"" + id + "\"");
  EXPECT_EQ(args[1].name, "mail");
  EXPECT_EQ(args[1].json, "\"a@b.example\"");
  EXPECT_EQ(args[2].name, "weight");
  EXPECT_EQ(args[2].json, "7");
}

TEST_F(EngineTest, ScriptErrorsAreRecordedWithTheirLineAndNotRetried) {
  PutFunction("sync");
  AddRule(kSeedRule);
  runner_.next = {.ok = false, .error_line = 4, .error_message = "Variable 'x' is not defined",
                  .info = {"before the error"}, .statements = 2};
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  clock_.Advance(Millis(3'600'000));
  EXPECT_EQ(RunDue(), 0);
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kFailed);
  EXPECT_EQ(runs[0].error, "Variable 'x' is not defined");
  EXPECT_EQ(runs[0].error_line, 4);
  EXPECT_EQ(runs[0].info, std::vector<std::string>{"before the error"});
  EXPECT_EQ(engine_->Stats().failed, 1);
}

TEST_F(EngineTest, RunnerOutagesAreRetriedWithBackOff) {
  PutFunction("sync");
  AddRule(kSeedRule);
  int calls = 0;
  runner_.answer = [&](const functions::RunRequest&) -> Result<functions::RunResult> {
    if (++calls < 3) return Unavailable("the store is busy");
    return functions::RunResult{.ok = true, .return_json = "null"};
  };
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  EXPECT_EQ(RunDue(), 0);
  clock_.Advance(Millis(10'000));
  EXPECT_EQ(RunDue(), 1);
  clock_.Advance(Millis(10'000));
  EXPECT_EQ(RunDue(), 0);  // the second back-off is 20 s
  clock_.Advance(Millis(10'000));
  EXPECT_EQ(RunDue(), 1);
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[2].status, RunStatus::kRetrying);
  EXPECT_EQ(runs[2].error, "the store is busy");
  EXPECT_EQ(runs[2].attempt, 1);
  EXPECT_EQ(runs[1].status, RunStatus::kRetrying);
  EXPECT_EQ(runs[0].status, RunStatus::kSuccess);
  EXPECT_EQ(runs[0].attempt, 3);
  EXPECT_EQ(runs[0].job_id, runs[2].job_id);
}

// The outcomes' transaction can lose a conflict on PostgreSQL and run again (store::Transact):
// a run that gave up is recorded once, with its error said once. Skipped on SQLite, where it
// cannot be made: SQLite writers never lose a conflict, and the conflict here comes from a
// PostgreSQL deferred trigger. workflow_test_postgres runs it in every ctest.
TEST_F(EngineTest, OutcomesWrittenAgainAfterAConflictAreRecordedOnce) {
  if (!store::testing::TestingPostgres()) GTEST_SKIP() << "runs in workflow_test_postgres";
  ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [](store::Transaction& tx) {
                return tx.ExecScript(
                    "CREATE SEQUENCE lost;"
                    "CREATE FUNCTION lose_first_failure() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN IF NEW.status = 'failed' AND nextval('lost') = 1 THEN RAISE EXCEPTION"
                    " 'lost at commit' USING ERRCODE = 'serialization_failure'; END IF;"
                    " RETURN NULL; END $$;"
                    "CREATE CONSTRAINT TRIGGER wf_runs_commit AFTER INSERT ON wf_runs DEFERRABLE"
                    " INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lose_first_failure()");
              }).ok());
  PutFunction("sync");
  AddRule(kSeedRule);
  runner_.answer = [&](const functions::RunRequest&) -> Result<functions::RunResult> {
    return Unavailable("the store is busy");
  };
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  clock_.Advance(Millis(10'000));
  EXPECT_EQ(RunDue(), 1);
  clock_.Advance(Millis(20'000));
  EXPECT_EQ(RunDue(), 1);  // the third attempt gives up; its first commit loses
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].status, RunStatus::kFailed);
  EXPECT_EQ(runs[0].error, "gave up after 3 attempts: the store is busy");
  EXPECT_EQ(runs[1].error, "the store is busy");
  auto stats = queue_->Stats("org1");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->due + stats->scheduled + stats->leased, 0);
}

TEST_F(EngineTest, AKilledWorkersJobRunsElsewhereAfterItsLease) {
  PutFunction("sync");
  AddRule(kSeedRule);
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  // A worker leases the job and dies before finishing it.
  auto leased = queue_->Lease("worker-that-dies", 10);
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ(RunDue(), 0);
  clock_.Advance(Millis(120'000));
  EXPECT_EQ(RunDue(), 1);
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kSuccess);
  EXPECT_EQ(runs[0].attempt, 2);
}

TEST_F(EngineTest, FieldUpdatesDoNotFireRulesUnlessAsked) {
  PutFunction("sync");
  AddRule(kSeedRule);
  AddRule(R"({"name": "Stamp", "module": "Contacts", "trigger": "create",
    "conditions": [{"actions": [{"update": {"Description": "stamped", "Title": {"field": "Last_Name"}}}]}]})");
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 2);  // the function, and the update, which fires nothing
  EXPECT_EQ(runner_.requests.size(), 1u);
  auto record = crm_->GetRecord(space_, "Contacts", id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ((*record)["Description"], "stamped");
  EXPECT_EQ((*record)["Title"], "Lee");
  auto runs = Runs({.status = "success"});
  ASSERT_EQ(runs.size(), 2u);
}

TEST_F(EngineTest, ChainsOfRuleWritesStopAtTheDepthLimit) {
  // Every edit flips Description and asks for workflows: a loop only the limit breaks.
  AddRule(R"({"name": "Flip", "module": "Contacts", "trigger": {"type": "edit", "repeat": true},
    "conditions": [
      {"criteria": ["Description is a"], "actions": [{"update": {"Description": "b"}, "trigger_workflows": true}]},
      {"criteria": "all", "actions": [{"update": {"Description": "a"}, "trigger_workflows": true}]}]})");
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}});
  Update("Contacts", {{"id", id}, {"Phone", "1"}});
  int total = 0;
  for (int i = 0; i < 10; ++i) total += RunDue();
  // The user's edit starts depth 1 (a), which fires depth 2 (b), which fires depth 3 (a); the
  // write at depth 3 fires nothing.
  EXPECT_EQ(total, 3);
  auto record = crm_->GetRecord(space_, "Contacts", id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ((*record)["Description"], "a");
}

TEST_F(EngineTest, WebhooksRenderTheRecordAndRetryServerErrors) {
  AddRule(R"({"name": "Hook", "module": "Contacts", "trigger": "create",
    "conditions": [{"actions": [{"webhook": {"url": "https://hooks.example/c/${Contacts.ID}?n=${Contacts.Last_Name}",
      "body": "{\"email\":\"${Contacts.Email}\",\"note\":\"${Contacts.Description}\"}",
      "headers": {"X-Source": "relish"}}}]}]})");
  int calls = 0;
  http_.SetHandler([&](const outbound::Request&) -> Result<outbound::Response> {
    return outbound::FakeHttpClient::Json(++calls == 1 ? 503 : 200, "{}");
  });
  std::string id = Insert("Contacts", {{"Last_Name", "O'Neil & Co"}, {"Email", "a@b.example"},
                                      {"Description", "say \"hi\"\n"}});
  EXPECT_EQ(RunDue(), 1);
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "https://hooks.example/c/" + id + "?n=O%27Neil%20%26%20Co");
  EXPECT_EQ(requests[0].body, R"({"email":"a@b.example","note":"say \"hi\"\n"})");
  EXPECT_EQ(requests[0].headers,
            (outbound::Headers{{"X-Source", "relish"}, {"Content-Type", "application/json"}}));
  EXPECT_EQ(Runs()[0].status, RunStatus::kRetrying);
  EXPECT_EQ(Runs()[0].error, "the webhook answered HTTP 503");
  clock_.Advance(Millis(10'000));
  EXPECT_EQ(RunDue(), 1);
  auto runs = Runs();
  EXPECT_EQ(runs[0].status, RunStatus::kSuccess);
  EXPECT_EQ(runs[0].result, "HTTP 200");
  ASSERT_EQ(runs[0].calls.size(), 1u);
  EXPECT_EQ(runs[0].calls[0].source, "webhook");
  EXPECT_EQ(runs[0].calls[0].status, 200);
}

// Rules are checked when saved, and the checks get tighter over time. A rule stored before a
// check (here written straight into the table) comes back with its problem and never fires; the
// organization's record writes and its other rules go on, and it can be deactivated but not
// activated until saved again.
TEST_F(EngineTest, ARuleStoredBeforeAStricterCheckNeverFiresAndBlocksNothing) {
  PutFunction("sync");
  AddRule(kSeedRule);
  std::string hook = AddRule(R"({"name": "Hook", "module": "Contacts", "trigger": "create",
    "conditions": [{"actions": [{"webhook": {"url": "https://hooks.example/c",
      "headers": {"X-Source": "relish"}}}]}]})");
  {
    auto tx = *store_->Begin(store::TxMode::kWrite);
    auto def = tx->Query("SELECT definition FROM wf_rules WHERE id = ?", hook);
    ASSERT_TRUE(def.ok() && def->size() == 1u);
    std::string text = (*def)[0].Text(0);
    auto at = text.find("\"relish\"");
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, 8, "\"relish\\r\\nX-Injected: 1\"");
    ASSERT_TRUE(tx->Exec("UPDATE wf_rules SET definition = ? WHERE id = ?", text, hook).ok());
    ASSERT_TRUE(tx->Exec("UPDATE wf_versions SET version = version + 1").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(RunDue(), 1);
  EXPECT_TRUE(http_.requests().empty());
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].target, "sync");

  auto stored = repo_->GetRule(space_, hook);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name, "Hook");
  EXPECT_EQ(stored->module, "Contacts");
  EXPECT_FALSE(stored->active);
  EXPECT_EQ(stored->problem,
            "conditions[0].actions[0].webhook.headers: header 'X-Source' has a CR, LF or NUL "
            "character in its value");
  auto listed = repo_->ListRules(space_, {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u);
  auto on = repo_->SetActive(space_, hook, true);
  ASSERT_FALSE(on.ok());
  EXPECT_EQ(on.error().message(),
            "rule 'Hook' cannot be activated: " + stored->problem + "; save it again with that fixed");
  EXPECT_TRUE(repo_->SetActive(space_, hook, false).ok());
  EXPECT_EQ(repo_->GetRule(space_, hook)->problem, stored->problem);  // the definition is kept
}

TEST_F(EngineTest, ScheduledActionsWaitAndSkipDeletedRecords) {
  PutFunction("later");
  AddRule(R"({"name": "Later", "module": "Contacts", "trigger": "create",
    "conditions": [{"criteria": ["Email is not empty"], "scheduled": [{"offset": "2h", "actions": [{"function": "later"}]}]}]})");
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  std::string gone = Insert("Contacts", {{"Last_Name", "Kim"}, {"Email", "k@b.example"}});
  EXPECT_EQ(RunDue(), 0);
  clock_.Advance(Millis(3'600'000));
  EXPECT_EQ(RunDue(), 0);
  ASSERT_TRUE(crm_->DeleteRecords(space_, "Contacts", {gone}, ada_, {}).ok());
  clock_.Advance(Millis(3'600'000));
  EXPECT_EQ(RunDue(), 2);
  EXPECT_EQ(runner_.requests.size(), 1u);
  auto skipped = Runs({.status = "skipped"});
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].record_id, gone);
  EXPECT_EQ(skipped[0].error, "the record was deleted");
}

TEST_F(EngineTest, DateTriggersRunWhenTheDateComes) {
  auto f = repo_->PutFunction(space_, "", {.name = "remind", .source = "info pipeline;", .params = {"pipeline"}}, "usr_ada");
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  AddRule(R"({"name": "Day before closing", "module": "Pipelines",
    "trigger": {"type": "date", "field": "Closing_Date", "offset": "-1d", "time": "09:00"},
    "conditions": [{"criteria": ["Stage isn't Closed Lost"], "actions": [{"function": "remind"}]}]})");
  // The clock starts at 2023-11-14T22:13:20Z: due 2023-11-16T09:00Z.
  std::string id = Insert("Pipelines", {{"Deal_Name", "Big"}, {"Stage", "Qualification"},
                                        {"Closing_Date", "2023-11-17"}});
  EXPECT_EQ(RunDue(), 0);
  clock_.Set(1'700'125'200'000 - 1);  // 2023-11-16T09:00:00Z, less a millisecond
  EXPECT_EQ(RunDue(), 0);
  clock_.Advance(Millis(1));
  EXPECT_EQ(RunDue(), 2);  // the date job, then the action it started
  ASSERT_EQ(runner_.requests.size(), 1u);
  EXPECT_EQ(Json::parse(runner_.requests[0].args[0].json)["Pipelines.ID"], id);
  EXPECT_EQ(Runs()[0].trigger, "date");

  // Moving the date re-schedules; the old job finds the date changed and does nothing.
  std::string moved = Insert("Pipelines", {{"Deal_Name", "Moved"}, {"Stage", "Qualification"},
                                           {"Closing_Date", "2023-11-20"}});
  Update("Pipelines", {{"id", moved}, {"Closing_Date", "2023-11-25"}});
  clock_.Set(1'700'125'200'000 + 3 * 86'400'000LL);  // 2023-11-19T09:00Z
  EXPECT_EQ(RunDue(), 1);
  EXPECT_EQ(runner_.requests.size(), 1u);
}

TEST_F(EngineTest, RulesChangedAtRuntimeApplyToTheNextChange) {
  PutFunction("sync");
  std::string rule_id = AddRule(kSeedRule);
  ASSERT_TRUE(repo_->SetActive(space_, rule_id, false).ok());
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 0);
  ASSERT_TRUE(repo_->SetActive(space_, rule_id, true).ok());
  Insert("Contacts", {{"Last_Name", "Kim"}, {"Email", "k@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  // Another environment has its own rules: none here.
  auto prod = crm_->InsertRecords({"org1", "production"}, "Contacts",
                                  Json::array({{{"Last_Name", "P"}, {"Email", "p@b.example"}}}), ada_, {});
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ(RunDue(), 0);
}

TEST_F(EngineTest, TheRunLogFiltersAndForgetsOldRuns) {
  PutFunction("sync");
  AddRule(kSeedRule);
  std::string a = Insert("Contacts", {{"Last_Name", "A"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  clock_.Advance(Millis(1000));
  std::string b = Insert("Contacts", {{"Last_Name", "B"}, {"Email", "b@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  EXPECT_EQ(Runs().size(), 2u);
  EXPECT_EQ(Runs({.record_id = a}).size(), 1u);
  EXPECT_EQ(Runs({.function = "sync"}).size(), 2u);
  EXPECT_EQ(Runs({.function = "other"}).size(), 0u);
  EXPECT_EQ(Runs({.environment = "production"}).size(), 0u);
  auto newest = Runs({.limit = 1});
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].record_id, b);
  EXPECT_EQ(Runs({.before = newest[0].id})[0].record_id, a);
  auto got = runs_->Get("org1", newest[0].id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->record_id, b);
  EXPECT_EQ(runs_->Get("org2", newest[0].id).error().code(), ErrorCode::kNotFound);
  auto purged = runs_->Purge(clock_.NowMillis());
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(Runs().size(), 1u);
}

}  // namespace
}  // namespace relish::workflow
