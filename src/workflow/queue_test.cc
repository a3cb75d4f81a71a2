#include "workflow/queue.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "store/testing.h"

namespace relish::workflow {
namespace {

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_->Migrate(JobQueue::Migrations()).ok());
    queue_ = std::make_unique<JobQueue>(*store_, clock_, random_,
                                        QueueOptions{.lease_ms = 60'000, .backoff_ms = 1000});
  }

  std::string Enqueue(const std::string& name, int64_t run_at = 0, int max_attempts = 3) {
    auto id = store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return queue_->Enqueue(tx, {.org_id = "org1",
                                  .environment = "sandbox",
                                  .kind = "action",
                                  .payload = {{"name", name}},
                                  .run_at = run_at,
                                  .max_attempts = max_attempts});
    });
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : "";
  }

  std::vector<std::string> LeaseNames(const std::string& owner, int max = 10) {
    auto jobs = queue_->Lease(owner, max);
    EXPECT_TRUE(jobs.ok()) << jobs.error().ToString();
    std::vector<std::string> names;
    if (!jobs.ok()) return names;
    for (const auto& j : *jobs) names.push_back(j.payload["name"].get<std::string>());
    leased_ = *jobs;
    return names;
  }

  bool Finish(const Job& job, const std::string& owner) {
    auto r = store::Transact(*store_, store::TxMode::kWrite,
                             [&](store::Transaction& tx) { return queue_->Finish(tx, job, owner); });
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  }

  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<JobQueue> queue_;
  std::vector<Job> leased_;
};

TEST_F(QueueTest, AJobExistsOnlyIfItsTransactionCommits) {
  {
    auto tx = *store_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(queue_->Enqueue(*tx, {.org_id = "org1", .environment = "sandbox", .kind = "action"}).ok());
    // Destroyed without Commit: rolled back, like a record write a listener refused.
  }
  EXPECT_EQ(LeaseNames("w1"), std::vector<std::string>{});
  Enqueue("kept");
  EXPECT_EQ(LeaseNames("w1"), std::vector<std::string>{"kept"});
}

TEST_F(QueueTest, LeasesDueJobsOldestFirstAndOnlyOnce) {
  Enqueue("a");
  clock_.Advance(Millis(1));
  Enqueue("b");
  Enqueue("later", clock_.NowMillis() + 5000);
  EXPECT_EQ(LeaseNames("w1", 1), std::vector<std::string>{"a"});
  EXPECT_EQ(leased_[0].attempts, 1);
  EXPECT_EQ(LeaseNames("w2"), std::vector<std::string>{"b"});
  EXPECT_EQ(LeaseNames("w3"), std::vector<std::string>{});
  clock_.Advance(Millis(5000));
  EXPECT_EQ(LeaseNames("w3"), std::vector<std::string>{"later"});
  auto stats = queue_->Stats("org1");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->leased, 3);
  EXPECT_EQ(stats->due, 0);
}

TEST_F(QueueTest, AKilledWorkersJobIsTakenOverWhenItsLeaseExpires) {
  Enqueue("a");
  EXPECT_EQ(LeaseNames("dead-worker"), std::vector<std::string>{"a"});
  Job first = leased_[0];
  clock_.Advance(Millis(59'999));
  EXPECT_EQ(LeaseNames("w2"), std::vector<std::string>{});
  clock_.Advance(Millis(1));
  EXPECT_EQ(LeaseNames("w2"), std::vector<std::string>{"a"});
  EXPECT_EQ(leased_[0].attempts, 2);
  // The first worker wakes up late: the job is no longer its to finish.
  EXPECT_FALSE(Finish(first, "dead-worker"));
  EXPECT_TRUE(Finish(leased_[0], "w2"));
  clock_.Advance(Millis(120'000));
  EXPECT_EQ(LeaseNames("w3"), std::vector<std::string>{});
}

TEST_F(QueueTest, RetriesBackOffAndStopAtTheLastAttempt) {
  Enqueue("flaky", 0, 3);
  EXPECT_EQ(queue_->BackoffMs(1), 1000);
  EXPECT_EQ(queue_->BackoffMs(2), 2000);
  EXPECT_EQ(queue_->BackoffMs(3), 4000);
  auto retry = [&](const std::string& owner) {
    auto r = store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return queue_->Retry(tx, leased_[0], owner, "upstream down");
    });
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.ok() && r->held);
    return r.ok() && r->again;
  };
  EXPECT_EQ(LeaseNames("w"), std::vector<std::string>{"flaky"});
  EXPECT_TRUE(retry("w"));
  clock_.Advance(Millis(999));
  EXPECT_EQ(LeaseNames("w"), std::vector<std::string>{});
  clock_.Advance(Millis(1));
  EXPECT_EQ(LeaseNames("w"), std::vector<std::string>{"flaky"});
  EXPECT_EQ(leased_[0].attempts, 2);
  EXPECT_EQ(leased_[0].last_error, "upstream down");
  EXPECT_TRUE(retry("w"));
  clock_.Advance(Millis(2000));
  EXPECT_EQ(LeaseNames("w"), std::vector<std::string>{"flaky"});
  EXPECT_EQ(leased_[0].attempts, 3);
  EXPECT_FALSE(retry("w"));  // the third attempt was the last: the job is gone
  clock_.Advance(Millis(3'600'000));
  EXPECT_EQ(LeaseNames("w"), std::vector<std::string>{});
}

// A worker whose lease ran out retries (or gives up on) a job another worker holds now: the job
// stays that worker's, and Retry says the lease was lost, so the caller enqueues no follow-ups.
TEST_F(QueueTest, ARetryAfterTheLeaseRanOutLeavesTheJobToItsNewHolder) {
  for (int max_attempts : {2, 1}) {  // a retry that would come again; one that would give up
    std::string id = Enqueue("slow", 0, max_attempts);
    EXPECT_EQ(LeaseNames("late"), std::vector<std::string>{"slow"});
    Job first = leased_[0];
    clock_.Advance(Millis(60'000));
    EXPECT_EQ(LeaseNames("w2"), std::vector<std::string>{"slow"});
    auto r = store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return queue_->Retry(tx, first, "late", "upstream down");
    });
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->held) << max_attempts;
    EXPECT_EQ(r->again, max_attempts == 2);
    EXPECT_TRUE(Finish(leased_[0], "w2")) << max_attempts;  // still w2's, untouched
  }
}

TEST_F(QueueTest, AJobWhoseWorkersKeepDyingIsLeasedOnceMoreAsExhausted) {
  Enqueue("poison", 0, 2);
  EXPECT_EQ(LeaseNames("w1"), std::vector<std::string>{"poison"});
  EXPECT_FALSE(leased_[0].exhausted);
  clock_.Advance(Millis(60'000));
  EXPECT_EQ(LeaseNames("w2"), std::vector<std::string>{"poison"});
  EXPECT_FALSE(leased_[0].exhausted);
  clock_.Advance(Millis(60'000));
  EXPECT_EQ(LeaseNames("w3"), std::vector<std::string>{"poison"});
  EXPECT_TRUE(leased_[0].exhausted);
  EXPECT_EQ(leased_[0].attempts, 3);
}

TEST_F(QueueTest, ExtendKeepsASlowBatchLeased) {
  Enqueue("a");
  Enqueue("b");
  EXPECT_EQ(LeaseNames("w1").size(), 2u);
  clock_.Advance(Millis(50'000));
  auto until = queue_->Extend("w1", {leased_[0].id, leased_[1].id});
  ASSERT_TRUE(until.ok());
  EXPECT_EQ(*until, clock_.NowMillis() + 60'000);
  clock_.Advance(Millis(20'000));
  EXPECT_EQ(LeaseNames("w2"), std::vector<std::string>{});
  auto next = queue_->NextDue();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(**next, *until);
}

}  // namespace
}  // namespace relish::workflow
