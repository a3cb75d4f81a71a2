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

TEST_F(EngineTest, AJobWhoseWorkersKeepDyingIsRecordedAsFailed) {
  PutFunction("sync");
  AddRule(kSeedRule);
  Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  for (int i = 0; i < 3; ++i) {  // max_attempts is 3 in this fixture
    auto leased = queue_->Lease("dies-" + std::to_string(i), 10);
    ASSERT_TRUE(leased.ok());
    ASSERT_EQ(leased->size(), 1u);
    clock_.Advance(Millis(120'000));
  }
  EXPECT_EQ(RunDue(), 1);
  EXPECT_TRUE(runner_.requests.empty());
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kFailed);
  EXPECT_EQ(runs[0].attempt, 4);
  EXPECT_EQ(runs[0].error, "gave up after 3 attempts: the worker running it stopped before it finished");
  EXPECT_EQ(RunDue(), 0);
}

// A retry (or a give-up) written after this worker's lease ran out, by which time another worker
// holds the job, enqueues none of its follow-ups: the holder does when it is done, as for a job
// that finished (Finish). Before, Retry's give-up ignored Finish's answer and the chain forked.
TEST_F(EngineTest, ARetryAfterTheLeaseRanOutEnqueuesNoFollowUps) {
  for (int max_attempts : {1, 3}) {  // the last attempt gives up; an earlier one would come again
    std::string kind = "test_chain_" + std::to_string(max_attempts);
    std::string next = kind + "_next";
    engine_->AddJobKind(kind, [&](const Job&) {
      // This worker stalls past its lease, and another takes the job meanwhile.
      clock_.Advance(Millis(queue_options_.lease_ms));
      auto other = queue_->Lease("another-node", 10);
      EXPECT_TRUE(other.ok() && !other->empty());
      JobOutcome out;
      out.retry = true;
      out.error = "upstream down";
      out.followups.push_back({.kind = next, .run_at = clock_.NowMillis() + 3'600'000});
      return out;
    });
    ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                  return queue_->Enqueue(tx, {.kind = kind, .max_attempts = max_attempts});
                }).ok());
    EXPECT_EQ(RunDue(), 1);
    auto count = [&](const std::string& k) {
      return store::Transact(*store_, store::TxMode::kRead, [&](store::Transaction& tx) {
        return queue_->CountKind(tx, k);
      });
    };
    EXPECT_EQ(count(next).value(), 0) << max_attempts;
    EXPECT_EQ(count(kind).value(), 1) << max_attempts;  // still the other worker's
  }
}

TEST_F(EngineTest, WorkerThreadsRunEveryJobOnce) {
  PutFunction("sync");
  AddRule(kSeedRule);
  engine_->Start();
  std::set<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    ids.insert(Insert("Contacts", {{"Last_Name", "C" + std::to_string(i)},
                                   {"Email", "c" + std::to_string(i) + "@b.example"}}));
  }
  // Liveness only: give up after a minute rather than hang.
  for (int i = 0; i < 6000 && engine_->Stats().runs < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  engine_->Stop();
  EXPECT_EQ(engine_->Stats().runs, 30);
  std::set<std::string> ran;
  for (const auto& r : runner_.requests) {
    ran.insert(Json::parse(r.args.at(0).json)["Contacts.ID"].get<std::string>());
  }
  EXPECT_EQ(runner_.requests.size(), 30u);
  EXPECT_EQ(ran, ids);
  EXPECT_EQ(Runs({.status = "success", .limit = 100}).size(), 30u);
  EXPECT_EQ(RunDue(), 0);  // nothing left in the queue
}

// A live node keeps the jobs it runs however short its lease (workflow_lease): the dispatcher
// wakes to extend a lease before it runs out. Before, a lease shorter than a run lapsed and
// another node ran the job a second time while the first still ran it.
class ShortLeaseEngineTest : public EngineTest {
 protected:
  void SetUp() override {
    queue_options_ = {.lease_ms = 3'000};
    // One job in flight fills the dispatcher: only the lease margin wakes it then.
    engine_options_ = {.workers = 1, .in_flight = 1, .poll_ms = 20};
    EngineTest::SetUp();
  }
};

TEST_F(ShortLeaseEngineTest, ALiveWorkerKeepsALeaseShorterThanItsRun) {
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool running = false, release = false;
  runner_.answer = [&](const functions::RunRequest&) -> Result<functions::RunResult> {
    std::unique_lock lock(gate_mu);
    running = true;
    gate_cv.notify_all();
    gate_cv.wait(lock, [&] { return release; });
    return runner_.next;
  };
  PutFunction("sync");
  AddRule(kSeedRule);
  engine_->Start();
  Insert("Contacts", {{"Last_Name", "Long"}, {"Email", "long@b.example"}});
  {
    std::unique_lock lock(gate_mu);
    ASSERT_TRUE(gate_cv.wait_for(lock, std::chrono::seconds(30), [&] { return running; }));
  }
  // The run takes four leases' worth of (fake) time, in steps that each leave less than the
  // margin (2 s of 3 s) of the lease; after each, another node finds nothing due.
  for (int step = 0; step < 12; ++step) {
    std::optional<int64_t> before = *queue_->NextDue();
    clock_.Advance(std::chrono::milliseconds(1'100));
    // Liveness only: the dispatcher extends within its poll (20 ms); give up after 30 s.
    for (int i = 0; i < 3000 && *queue_->NextDue() == before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(**queue_->NextDue(), clock_.NowMillis() + 3'000) << "step " << step;
    auto other = queue_->Lease("another-node", 10);
    ASSERT_TRUE(other.ok());
    ASSERT_EQ(other->size(), 0u) << "another node took the job at step " << step;
  }
  {
    std::lock_guard lock(gate_mu);
    release = true;
  }
  gate_cv.notify_all();
  for (int i = 0; i < 3000 && engine_->Stats().runs < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  engine_->Stop();
  EXPECT_EQ(runner_.requests.size(), 1u);
  EXPECT_EQ(Runs({.status = "success"}).size(), 1u);
}

TEST_F(EngineTest, RunAgainRunsTheSameActionForTheRecordAsItIsNowAsTheCaller) {
  PutFunction("sync");
  std::string rule_id = AddRule(kSeedRule);
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.example"}});
  EXPECT_EQ(RunDue(), 1);
  auto first = Runs();
  ASSERT_EQ(first.size(), 1u);

  crm::Actor bob{"usr_bob", "Bob", "bob@example.com"};
  auto job = engine_->RunAgain("org1", first[0].id, bob);
  ASSERT_TRUE(job.ok()) << job.error().ToString();
  EXPECT_EQ(RunDue(), 1);
  ASSERT_EQ(runner_.requests.size(), 2u);
  EXPECT_EQ(runner_.requests[1].user_id, "usr_bob");
  EXPECT_EQ(runner_.requests[1].file_name, "functions/sync.dg");
  Json contact = Json::parse(runner_.requests[1].args[0].json);
  EXPECT_EQ(contact["Contacts.ID"], id);
  EXPECT_EQ(contact["Email"], "a@b.example");
  auto runs = Runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].job_id, *job);
  EXPECT_EQ(runs[0].rule_id, rule_id);
  EXPECT_EQ(runs[0].record_id, id);
  EXPECT_EQ(runs[0].trigger, "create");
  EXPECT_EQ(runs[0].action, "function");
  EXPECT_EQ(runs[0].target, "sync");
  EXPECT_EQ(runs[0].status, RunStatus::kSuccess);
  // Run again by Bob: the new run acts as Bob, the first stays Ada's.
  EXPECT_EQ(runs[0].user_email, "bob@example.com");
  EXPECT_EQ(runs[0].user_name, "Bob");
  EXPECT_EQ(runs[1].user_email, "ada@example.com");

  // Another organization's run is not found; a run whose rule is gone has nothing to run.
  EXPECT_EQ(engine_->RunAgain("org2", first[0].id, bob).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(repo_->DeleteRule(space_, rule_id).ok());
  auto gone = engine_->RunAgain("org1", first[0].id, bob);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(gone.error().message(), "the rule 'Sync contacts to Books' was deleted; nothing to run again");
  EXPECT_EQ(RunDue(), 0);
}

}  // namespace
}  // namespace relish::workflow
