// Engine: turns record changes into workflow runs.
//
// As a crm::ChangeListener it sees every record change inside the change's own transaction,
// finds the active rules whose trigger and first matching condition apply, and enqueues one job
// per action (instant ones due now, scheduled ones later; a date trigger enqueues one job for the
// moment it is due). Its workers lease due jobs from the queue and run them: a function through
// the FunctionRunner, a webhook through a connection or the environment's outbound client, a
// field update through the CRM. Each attempt is written to the run log, with the connections
// audit's entries for it.
//
// Writes that run actions cause (a field update, a function's own writes) fire rules only when
// they ask to; chains of such writes stop at EngineOptions::max_chain_depth.
//
// Threading: OnRecordChange runs on the writing thread. Start() runs `workers` threads; RunDue()
// does the same work on the calling thread (tests, with a FakeClock). Stop() waits for the jobs
// in hand. The engine must be stopped before the things it uses are destroyed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "connections/connections.h"
#include "crm/crm.h"
#include "functions/runner.h"
#include "outbound/http_client.h"
#include "workflow/queue.h"
#include "workflow/repository.h"
#include "workflow/run_log.h"

namespace relish::workflow {

struct EngineOptions {
  int workers = 4;  // threads that run jobs
  int batch = 8;    // jobs RunDue leases at once
  int in_flight = 0;  // jobs leased but not yet recorded, at most; 0: 4 per worker
  int64_t poll_ms = 500;  // how often idle workers look for due jobs nobody announced
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // run log
  int64_t purge_every_ms = 60'000;
  int max_attempts = 5;
  int max_chain_depth = 3;
};

struct EngineDeps {
  store::Store& store;
  crm::Crm& crm;
  Repository& repository;
  JobQueue& queue;
  RunLog& runs;
  functions::FunctionRunner& runner;
  connections::Connections* connections;  // webhooks with a connection; the audit (may be null)
  outbound::HttpClient& sandbox_http;     // webhooks without a connection
  outbound::HttpClient& production_http;
  const Clock& clock;
  Random& random;
};

// ---- Jobs of other modules (issue 18: webhook deliveries) ----
// A job kind another module runs on the engine's workers, through the same durable queue. Its
// handler records what it did itself (no run in the run log); `followups` are enqueued in the
// transaction that finishes the job, so a next attempt exists exactly when this one is done.
struct JobOutcome {
  bool retry = false;  // the queue's own back-off and max_attempts
  std::string error;
  std::vector<NewJob> followups;
};
using JobHandler = std::function<JobOutcome(const Job& job)>;

// Counters since start, for metrics and the benchmark.
struct EngineStats {
  int64_t events = 0;    // changes seen that may fire rules
  int64_t enqueued = 0;  // jobs enqueued
  int64_t runs = 0;      // attempts finished
  int64_t failed = 0;
};

class Engine final : public crm::ChangeListener {
 public:
  Engine(EngineDeps deps, EngineOptions options);
  ~Engine() override;

  // All the tables the workflow module owns.
  static std::vector<store::Migration> Migrations();

  Result<void> OnRecordChange(store::Transaction& tx, const crm::ChangeEvent& event) override;
  // The cached rules were compiled against the space's modules: a schema change bumps the
  // space's rule version, so every node reloads them with its next change.
  Result<void> OnSchemaChange(store::Transaction& tx, const crm::Space& space,
                              std::string_view module) override;

  void Start();
  void Stop();
  // Leases and runs due jobs on this thread until none is due; returns how many ran.
  Result<int> RunDue();

  // "Run again": enqueues the action of the run `run_id` of `org_id` once more, for its record
  // as it is now, as `actor`, due at once; returns the job's id. The rule must still hold the
  // action (matched by kind and target) and the record must still exist: kFailedPrecondition
  // otherwise; kNotFound for another organization's run.
  Result<std::string> RunAgain(std::string_view org_id, std::string_view run_id,
                               const crm::Actor& actor);

  EngineStats Stats() const;

  // Registers the handler of jobs of `kind` (not "action" or "date"). Before Start() or
  // RunDue(): the workers read the table without a lock.
  void AddJobKind(std::string kind, JobHandler handler);

  class Executor;  // executor.cc

 private:
  struct SpaceRules {
    int64_t version = -1;
    std::map<std::string, crm::Module> modules;  // by API name
    std::vector<Rule> rules;                     // active, compiled
  };
  // What running a job came to.
  struct Outcome {
    bool retry = false;      // a transient failure: run it again after the back-off
    std::optional<Run> run;  // the attempt to record (date jobs that only expand record none)
    std::vector<NewJob> followups;  // jobs to enqueue with it (a due date trigger's actions)
    std::string error;              // for the queue's last_error when retrying
  };
  using Done = std::vector<std::pair<Job, Outcome>>;

  Result<std::shared_ptr<const SpaceRules>> RulesFor(store::Transaction& tx,
                                                     const crm::Space& space);
  Result<void> EnqueueActions(store::Transaction& tx, const crm::ChangeEvent& event,
                              const Rule& rule, size_t condition, const crm::Module& module,
                              std::string_view trigger, int depth);
  // Finishes or re-queues each job, enqueues follow-ups and records the runs, in `tx`. Runs again
  // on a retried transaction, so what it sets in `done` it sets whole, never appends to.
  Result<void> WriteOutcomes(store::Transaction& tx, const std::string& owner, Done& done);
  // RunDue's step: leases one batch, runs it on this thread, writes it; returns how many ran.
  Result<int> ProcessBatch(const std::string& owner);
  // Start()'s threads: one dispatcher leases jobs and writes outcomes, in one transaction per
  // round, so the store sees few commits however many executors there are; the executors run
  // the jobs.
  void DispatchLoop();
  void ExecutorLoop();
  void Wake();

  // Audit entries of runs in progress, by run id (the connections audit observer fills it).
  void BeginCollecting(const std::string& run_id);
  std::vector<connections::AuditEntry> EndCollecting(const std::string& run_id);

  EngineDeps d_;
  EngineOptions options_;

  std::mutex cache_mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const SpaceRules>> cache_;

  std::mutex audit_mu_;
  std::map<std::string, std::vector<connections::AuditEntry>> collecting_;

  std::mutex mu_;  // guards what follows, down to executors_
  std::condition_variable dispatch_cv_;
  std::condition_variable execute_cv_;
  std::deque<Job> ready_;                      // leased, waiting for an executor
  Done done_;                                  // run, waiting to be written
  std::map<std::string, int64_t> in_flight_;   // leased and not yet written: id -> lease end
  bool work_signal_ = false;                   // jobs may be due: lease
  bool stopping_ = false;
  std::thread dispatcher_;
  std::vector<std::thread> executors_;

  std::atomic<int64_t> events_{0}, enqueued_{0}, runs_{0}, failed_{0};
  std::string node_;  // this process's lease-owner prefix
  std::map<std::string, JobHandler> job_kinds_;  // other modules' jobs (AddJobKind)
};

}  // namespace relish::workflow
