// JobQueue: the durable queue workflow actions run from, in the store.
//
// A job is enqueued inside the transaction of the change that causes it (Enqueue(tx, ...)), so it
// exists exactly when the change committed. Workers lease due jobs: a lease moves the job's
// `run_at` to the lease's end and names the owner, so a job whose worker died becomes due again
// by itself when the lease runs out, and another worker takes it. Finishing deletes the job;
// retrying puts it back with exponential back-off. Delivery is at least once: a worker killed
// after an action's side effect but before finishing means the action runs again.
//
// Leasing happens in exactly one function, Lease(); on PostgreSQL its SELECT takes
// `FOR UPDATE SKIP LOCKED` so nodes never wait on each other's leases.
//
// Thread-safe: all state is in the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "crm/schema.h"
#include "store/store.h"

namespace relish::workflow {

// "<prefix>_" + 12 hex digits of epoch milliseconds + 8 of a process-wide counter + 8 random:
// ordered by creation within a process (jobs and runs made in the same millisecond keep their
// order, which NewId's random tail would not), time-ordered across nodes, and unguessable enough
// for ids that are only shown to the organization's own members.
std::string SequentialId(std::string_view prefix, const Clock& clock, Random& random);

struct NewJob {
  std::string org_id;
  std::string environment;
  std::string kind;  // "action" or "date"
  crm::Json payload = crm::Json::object();
  int64_t run_at = 0;  // epoch ms; 0: now
  int max_attempts = 5;
};

struct Job {
  std::string id;
  std::string org_id;
  std::string environment;
  std::string kind;
  crm::Json payload;
  int64_t scheduled_at = 0;  // when it was first due
  int64_t created_at = 0;
  int attempts = 0;  // leases so far, this one included
  int max_attempts = 5;
  std::string last_error;
  int64_t lease_until = 0;
  // Set by Lease when this lease goes past max_attempts (its workers keep dying): the caller
  // records the failure instead of running it again.
  bool exhausted = false;
};

struct QueueOptions {
  int64_t lease_ms = 120'000;
  int64_t backoff_ms = 10'000;       // after the first failure; doubles each time
  int64_t max_backoff_ms = 3'600'000;
};

struct QueueStats {
  int64_t due = 0;        // ready to run now
  int64_t scheduled = 0;  // due later (back-off, scheduled actions, date triggers)
  int64_t leased = 0;     // being run
};

class JobQueue {
 public:
  JobQueue(store::Store& store, const Clock& clock, Random& random, QueueOptions options = {});

  static std::vector<store::Migration> Migrations();

  // Inside the caller's transaction: the job commits or rolls back with it. Returns its id.
  Result<std::string> Enqueue(store::Transaction& tx, const NewJob& job);

  // Leases up to `max` due jobs, oldest first, to `owner` until now + lease.
  Result<std::vector<Job>> Lease(std::string_view owner, int max);
  // The same inside the caller's transaction (which also records finished jobs: one commit
  // for both). This is the one place jobs are leased.
  Result<std::vector<Job>> Lease(store::Transaction& tx, std::string_view owner, int max);
  // Pushes the leases `owner` holds on `ids` out to now + lease (jobs that wait or run long keep
  // their lease); returns the new lease end.
  Result<int64_t> Extend(std::string_view owner, const std::vector<std::string>& ids);
  Result<int64_t> Extend(store::Transaction& tx, std::string_view owner,
                         const std::vector<std::string>& ids);
  int64_t lease_ms() const { return options_.lease_ms; }

  // Inside the caller's transaction (which records the outcome). Return false when the lease
  // was lost meanwhile (it expired and another worker holds the job now).
  Result<bool> Finish(store::Transaction& tx, const Job& job, std::string_view owner);
  // Due again after the back-off for its attempts so far; finishes it instead when that was the
  // last attempt. Either way only while `owner` still holds the lease (held is false otherwise,
  // and the job is left to the worker that holds it now, as Finish does).
  struct Retried {
    bool again = false;  // due again; false: that was its last attempt
    bool held = false;   // `owner` still held the lease
  };
  Result<Retried> Retry(store::Transaction& tx, const Job& job, std::string_view owner,
                        std::string_view error);
  int64_t BackoffMs(int attempts) const;

  Result<QueueStats> Stats(std::string_view org_id);
  // The earliest run_at of any job (leased ones included: their lease end), or nullopt.
  Result<std::optional<int64_t>> NextDue();

  // ---- Jobs of other modules (issue 18: the health probes' sweep) ----
  // How many jobs of `kind` are queued (due, later or leased), inside the caller's transaction:
  // a module that keeps one job of a kind alive checks before it enqueues another.
  Result<int64_t> CountKind(store::Transaction& tx, std::string_view kind);

 private:
  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  QueueOptions options_;
};

}  // namespace relish::workflow
