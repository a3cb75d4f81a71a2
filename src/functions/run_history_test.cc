#include "functions/run_history.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "store/testing.h"

namespace relish::functions {
namespace {

class RunHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_);
    ASSERT_TRUE(store_->Migrate(RunHistory::Migrations()).ok());
    history_ = std::make_unique<RunHistory>(*store_);
  }

  // Ids sort by start time, as NewId's do.
  RecordedRun Run(std::string org, int n, std::string function = "") {
    char id[32];
    std::snprintf(id, sizeof id, "run_%06d", n);
    RecordedRun r{.id = id,
                  .org_id = std::move(org),
                  .environment = "sandbox",
                  .function = std::move(function),
                  .user_id = "usr_1",
                  .user_email = "dev@example.com",
                  .user_name = "Dev One"};
    r.result.ok = true;
    r.result.return_json = "null";
    r.result.started_at = 1000 + n;
    r.result.ended_at = 1001 + n;
    return r;
  }

  std::vector<std::string> Ids(const RunHistoryFilter& f, const std::string& org = "org1") {
    auto runs = history_->List(org, f);
    EXPECT_TRUE(runs.ok()) << runs.error().message();
    std::vector<std::string> ids;
    for (const auto& r : *runs) ids.push_back(r.id);
    return ids;
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RunHistory> history_;
};

TEST_F(RunHistoryTest, ARunComesBackWithItsDetails) {
  RecordedRun r = Run("org1", 1, "sync_contact");
  r.args = {{"id", "42"}, {"contact", R"({"Email":"a@b.co"})"}};
  r.result.ok = false;
  r.result.error_line = 3;
  r.result.error_column = 5;
  r.result.error_message = "Given index 3 is greater than the list size";
  r.result.info = {"before"};
  r.result.calls = {{.method = "GET",
                     .url = "https://books.zoho.com/api/v3/contacts",
                     .connection = "books",
                     .status = 200,
                     .latency_us = 1200}};
  r.result.mails = {"to a@b.co: Hi"};
  r.result.return_json = R"({"a":1})";
  r.result.statements = 3;
  ASSERT_TRUE(history_->Record(r).ok());
  auto got = history_->Get("org1", "run_000001");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->function, "sync_contact");
  EXPECT_EQ(got->user_email, "dev@example.com");
  EXPECT_EQ(got->user_name, "Dev One");
  ASSERT_EQ(got->args.size(), 2u);
  EXPECT_EQ(got->args[1].json, R"({"Email":"a@b.co"})");
  EXPECT_EQ(got->result.error_column, 5);
  EXPECT_EQ(got->result.error_message, r.result.error_message);
  EXPECT_EQ(got->result.info, r.result.info);
  ASSERT_EQ(got->result.calls.size(), 1u);
  EXPECT_EQ(got->result.calls[0].connection, "books");
  EXPECT_EQ(got->result.mails, r.result.mails);
  EXPECT_EQ(got->result.return_json, R"({"a":1})");
  EXPECT_FALSE(got->truncated);
  EXPECT_EQ(history_->Get("org2", "run_000001").error().code(), ErrorCode::kNotFound);
}

TEST_F(RunHistoryTest, ListsByFunctionToppingAndEnvironmentNewestFirst) {
  ASSERT_TRUE(history_->Record(Run("org1", 1, "a")).ok());
  ASSERT_TRUE(history_->Record(Run("org1", 2)).ok());
  RecordedRun in_topping = Run("org1", 3, "a");
  in_topping.topping = "shop";
  in_topping.environment = "production";
  ASSERT_TRUE(history_->Record(in_topping).ok());
  ASSERT_TRUE(history_->Record(Run("org2", 4, "a")).ok());
  using V = std::vector<std::string>;
  EXPECT_EQ(Ids({}), (V{"run_000003", "run_000002", "run_000001"}));
  EXPECT_EQ(Ids({.function = "a"}), (V{"run_000003", "run_000001"}));
  EXPECT_EQ(Ids({.function = "a", .topping = ""}), (V{"run_000001"}));
  EXPECT_EQ(Ids({.function = ""}), (V{"run_000002"}));
  EXPECT_EQ(Ids({.environment = "production"}), (V{"run_000003"}));
  EXPECT_EQ(Ids({.before = "run_000003", .limit = 1}), (V{"run_000002"}));
  EXPECT_EQ(Ids({}, "org2"), (V{"run_000004"}));
}

// A run keeps at most kMaxRecordedRunBytes of details: the arguments, return value, calls and
// mails first, then the info lines that fit.
TEST_F(RunHistoryTest, DetailsAreBounded) {
  RecordedRun r = Run("org1", 1);
  r.result.return_json = R"("kept")";
  for (int i = 0; i < 100; ++i) r.result.info.push_back(std::string(1000, 'x'));
  ASSERT_TRUE(history_->Record(r).ok());
  auto got = *history_->Get("org1", "run_000001");
  EXPECT_TRUE(got.truncated);
  EXPECT_EQ(got.result.return_json, R"("kept")");
  EXPECT_GT(got.result.info.size(), 50u);
  EXPECT_LT(got.result.info.size(), 66u);
}

// An organization keeps its newest kRunsKeptPerOrganization runs; another's are not touched.
TEST_F(RunHistoryTest, AnOrganizationKeepsItsNewestRuns) {
  ASSERT_TRUE(history_->Record(Run("org2", 0)).ok());
  for (int i = 1; i <= kRunsKeptPerOrganization + 5; ++i) {
    ASSERT_TRUE(history_->Record(Run("org1", i)).ok());
  }
  auto kept = Ids({.limit = 1000});
  ASSERT_EQ(kept.size(), static_cast<size_t>(kRunsKeptPerOrganization));
  EXPECT_EQ(kept.back(), "run_000006");
  EXPECT_EQ(Ids({}, "org2").size(), 1u);
}

}  // namespace
}  // namespace relish::functions
