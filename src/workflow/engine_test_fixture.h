// The workflow engine's test fixture: an engine on a fresh store (SQLite, or the PostgreSQL
// test cluster's new schema: store/testing.h) with fake users, function runner and HTTP, for the
// engine's tests in engine_test.cc and engine_workers_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "outbound/fake_http_client.h"
#include "store/testing.h"
#include "workflow/engine.h"

namespace relish::workflow::engine_testing {

using crm::Json;

class FakeUsers : public crm::UserDirectory {
 public:
  Result<crm::Actor> FindMember(std::string_view, std::string_view user_id) override {
    return crm::Actor{std::string(user_id), "Ada", "ada@example.com"};
  }
};

// Records what it was asked to run and answers with `next` (or what `answer` computes).
// Executor threads may call it at once.
class FakeRunner : public functions::FunctionRunner {
 public:
  Result<functions::RunResult> Run(const functions::RunRequest& request) override {
    std::lock_guard lock(mu);
    requests.push_back(request);
    if (answer) return answer(request);
    return next;
  }
  std::vector<functions::RunRequest> requests;
  functions::RunResult next{.ok = true, .info = {"hello"}, .return_json = "null", .statements = 3};
  std::function<Result<functions::RunResult>(const functions::RunRequest&)> answer;
  std::mutex mu;
};

// Refuses every write when told to, after the engine has enqueued: the whole change rolls back.
class RefusingListener : public crm::ChangeListener {
 public:
  Result<void> OnRecordChange(store::Transaction&, const crm::ChangeEvent&) override {
    if (refuse) return Internal("refused");
    return Ok();
  }
  bool refuse = false;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_->Migrate(crm::Crm::Migrations()).ok());
    ASSERT_TRUE(store_->Migrate(Engine::Migrations()).ok());
    crm_ = std::make_unique<crm::Crm>(*store_, clock_, random_, users_);
    repo_ = std::make_unique<Repository>(*store_, *crm_, clock_, random_);
    queue_ = std::make_unique<JobQueue>(*store_, clock_, random_, queue_options_);
    runs_ = std::make_unique<RunLog>(*store_);
    engine_ = std::make_unique<Engine>(
        EngineDeps{*store_, *crm_, *repo_, *queue_, *runs_, runner_, nullptr, http_, http_,
                   clock_, random_},
        engine_options_);
    crm_->AddListener(*engine_);
    crm_->AddListener(refusing_);
  }

  QueueOptions queue_options_{.lease_ms = 120'000, .backoff_ms = 10'000};
  EngineOptions engine_options_{.batch = 2, .max_attempts = 3};

  void PutFunction(const std::string& name, std::vector<std::string> params = {"contact"},
                   const std::string& source = "info contact.get(\"Email\");") {
    auto f = repo_->PutFunction(space_, "", {.name = name, .source = source, .params = params}, "usr_ada");
    ASSERT_TRUE(f.ok()) << f.error().ToString();
  }

  std::string AddRule(const std::string& json) {
    auto rule = repo_->CreateRule(space_, "", Json::parse(json), "usr_ada");
    EXPECT_TRUE(rule.ok()) << rule.error().ToString();
    return rule.ok() ? rule->id : "";
  }

  std::string Insert(const std::string& module, Json record, crm::WriteOptions options = {}) {
    auto r = crm_->InsertRecords(space_, module, Json::array({std::move(record)}), ada_, options);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok() || !(*r)[0].ok) return "";
    return (*r)[0].details.value("id", "");
  }

  void Update(const std::string& module, Json record, crm::WriteOptions options = {}) {
    auto r = crm_->UpdateRecords(space_, module, Json::array({std::move(record)}), ada_, options);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_TRUE((*r)[0].ok) << (*r)[0].error.message;
  }

  int RunDue() {
    auto n = engine_->RunDue();
    EXPECT_TRUE(n.ok()) << n.error().ToString();
    return n.ok() ? *n : -1;
  }

  std::vector<workflow::Run> Runs(RunFilter filter = {}) {
    auto runs = runs_->List("org1", filter);
    EXPECT_TRUE(runs.ok());
    return runs.ok() ? *runs : std::vector<workflow::Run>{};
  }

  static constexpr const char* kSeedRule = R"({
    "name": "Sync contacts to Books", "module": "Contacts",
    "trigger": {"type": "create_or_edit", "repeat": true},
    "conditions": [{"criteria": ["Email is not empty"], "actions": [{"function": "sync"}]}]})";

  FakeClock clock_;
  FakeRandom random_;
  FakeUsers users_;
  FakeRunner runner_;
  RefusingListener refusing_;
  outbound::FakeHttpClient http_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crm::Crm> crm_;
  std::unique_ptr<Repository> repo_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<RunLog> runs_;
  std::unique_ptr<Engine> engine_;
  crm::Space space_{"org1", "sandbox"};
  crm::Actor ada_{"usr_ada", "Ada", "ada@example.com"};
};

}  // namespace relish::workflow::engine_testing
