#include "workflow/queue.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

namespace relish::workflow {

std::string SequentialId(std::string_view prefix, const Clock& clock, Random& random) {
  static std::atomic<uint32_t> counter{0};
  uint32_t n = counter.fetch_add(1, std::memory_order_relaxed);
  uint32_t r = static_cast<uint32_t>(random.Next64());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%012llx%08x%08x",
                static_cast<unsigned long long>(clock.NowMillis()) & 0xffffffffffffULL, n, r);
  return std::string(prefix) + "_" + buf;
}

using store::Transaction;
using store::TxMode;

JobQueue::JobQueue(store::Store& store, const Clock& clock, Random& random, QueueOptions options)
    : store_(store), clock_(clock), random_(random), options_(options) {}

std::vector<store::Migration> JobQueue::Migrations() {
  return {{"workflow_queue", 1, "job queue",
           // run_at is when the job may next be leased: its due time, or its lease's end while
           // leased (so an expired lease is simply due again). The payload sits in its own table
           // so that leasing, which rewrites the job's row, does not rewrite the payload too.
           "CREATE TABLE wf_jobs ("
           " id TEXT PRIMARY KEY,"
           " org_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " kind TEXT NOT NULL,"
           " run_at BIGINT NOT NULL,"
           " scheduled_at BIGINT NOT NULL,"
           " attempts BIGINT NOT NULL,"
           " max_attempts BIGINT NOT NULL,"
           " lease_owner TEXT,"
           " last_error TEXT NOT NULL,"
           " created_at BIGINT NOT NULL);"
           "CREATE INDEX wf_jobs_due ON wf_jobs (run_at, id);"
           "CREATE TABLE wf_job_payloads ("
           " id TEXT PRIMARY KEY,"
           " payload TEXT NOT NULL);"}};
}

Result<std::string> JobQueue::Enqueue(Transaction& tx, const NewJob& job) {
  int64_t now = clock_.NowMillis();
  std::string id = SequentialId("job", clock_, random_);
  int64_t run_at = job.run_at > 0 ? job.run_at : now;
  TRY(tx.Exec("INSERT INTO wf_jobs (id, org_id, environment, kind, run_at, scheduled_at,"
              " attempts, max_attempts, lease_owner, last_error, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?, 0, ?, NULL, '', ?)",
              id, job.org_id, job.environment, job.kind, run_at, run_at,
              std::max(1, job.max_attempts), now));
  TRY(tx.Exec("INSERT INTO wf_job_payloads (id, payload) VALUES (?, ?)", id, job.payload.dump()));
  return id;
}

Result<std::vector<Job>> JobQueue::Lease(std::string_view owner, int max) {
  if (max <= 0) return std::vector<Job>{};
  return store::Transact(store_, TxMode::kWrite,
                         [&](Transaction& tx) { return Lease(tx, owner, max); });
}

Result<std::vector<Job>> JobQueue::Lease(Transaction& tx, std::string_view owner, int max) {
  std::vector<Job> jobs;
  if (max <= 0) return jobs;
  // Row locks skip what other nodes are leasing on PostgreSQL; SQLite serialises writers anyway.
  static const std::string kSelect =
      "SELECT j.id, j.org_id, j.environment, j.kind, p.payload, j.scheduled_at, j.attempts,"
      " j.max_attempts, j.last_error, j.created_at FROM wf_jobs j JOIN wf_job_payloads p"
      " ON p.id = j.id WHERE j.run_at <= ? ORDER BY j.run_at, j.id LIMIT ?";
  static const std::string kSelectSkipLocked = kSelect + " FOR UPDATE OF j SKIP LOCKED";
  int64_t now = clock_.NowMillis();
  auto rows = TRY(tx.Query(store_.backend() == "postgres" ? kSelectSkipLocked : kSelect, now, max));
  if (rows.empty()) return jobs;
  int64_t until = now + options_.lease_ms;
  for (const auto& r : rows) {
    Job j;
    j.id = r.Text(0);
    j.org_id = r.Text(1);
    j.environment = r.Text(2);
    j.kind = r.Text(3);
    j.payload = crm::Json::parse(r.Text(4), nullptr, false);
    j.scheduled_at = r.Int(5);
    j.attempts = static_cast<int>(r.Int(6)) + 1;
    j.max_attempts = static_cast<int>(r.Int(7));
    j.last_error = r.Text(8);
    j.created_at = r.Int(9);
    j.lease_until = until;
    j.exhausted = j.attempts > j.max_attempts;
    // One statement per job keeps the prepared-statement cache small (an IN list of varying
    // length would be a new statement per batch size).
    TRY(tx.Exec("UPDATE wf_jobs SET run_at = ?, lease_owner = ?, attempts = attempts + 1"
                " WHERE id = ?",
                until, owner, j.id));
    jobs.push_back(std::move(j));
  }
  return jobs;
}

Result<int64_t> JobQueue::Extend(std::string_view owner, const std::vector<std::string>& ids) {
  return store::Transact(store_, TxMode::kWrite,
                         [&](Transaction& tx) { return Extend(tx, owner, ids); });
}

Result<int64_t> JobQueue::Extend(Transaction& tx, std::string_view owner,
                                 const std::vector<std::string>& ids) {
  int64_t until = clock_.NowMillis() + options_.lease_ms;
  for (const auto& id : ids) {
    TRY(tx.Exec("UPDATE wf_jobs SET run_at = ? WHERE id = ? AND lease_owner = ?", until, id, owner));
  }
  return until;
}

Result<bool> JobQueue::Finish(Transaction& tx, const Job& job, std::string_view owner) {
  // A job whose lease expired may be running on another worker now: leave it to that one.
  int64_t n = TRY(tx.Exec("DELETE FROM wf_jobs WHERE id = ? AND lease_owner = ?", job.id, owner));
  if (n == 1) TRY(tx.Exec("DELETE FROM wf_job_payloads WHERE id = ?", job.id));
  return n == 1;
}

int64_t JobQueue::BackoffMs(int attempts) const {
  int64_t delay = options_.backoff_ms;
  for (int i = 1; i < attempts && delay < options_.max_backoff_ms; ++i) delay *= 2;
  return std::min(delay, options_.max_backoff_ms);
}

Result<JobQueue::Retried> JobQueue::Retry(Transaction& tx, const Job& job, std::string_view owner,
                                          std::string_view error) {
  if (job.attempts >= job.max_attempts) {
    return Retried{.again = false, .held = TRY(Finish(tx, job, owner))};
  }
  int64_t at = clock_.NowMillis() + BackoffMs(job.attempts);
  int64_t n = TRY(tx.Exec("UPDATE wf_jobs SET run_at = ?, lease_owner = NULL, last_error = ?"
                          " WHERE id = ? AND lease_owner = ?",
                          at, error, job.id, owner));
  return Retried{.again = true, .held = n == 1};
}

Result<QueueStats> JobQueue::Stats(std::string_view org_id) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<QueueStats> {
    int64_t now = clock_.NowMillis();
    auto rows = TRY(tx.Query(
        "SELECT"
        " SUM(CASE WHEN lease_owner IS NULL AND run_at <= ? THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN lease_owner IS NULL AND run_at > ? THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN lease_owner IS NOT NULL THEN 1 ELSE 0 END)"
        " FROM wf_jobs WHERE org_id = ?",
        now, now, org_id));
    QueueStats s;
    if (!rows.empty()) {
      s.due = rows[0].Int(0);
      s.scheduled = rows[0].Int(1);
      s.leased = rows[0].Int(2);
    }
    return s;
  });
}

Result<std::optional<int64_t>> JobQueue::NextDue() {
  return store::Transact(store_, TxMode::kRead,
                         [&](Transaction& tx) -> Result<std::optional<int64_t>> {
                           auto rows = TRY(tx.Query("SELECT MIN(run_at) FROM wf_jobs"));
                           if (rows.empty() || rows[0].IsNull(0)) return std::optional<int64_t>();
                           return std::optional<int64_t>(rows[0].Int(0));
                         });
}

// ---- Jobs of other modules (issue 18) ----
Result<int64_t> JobQueue::CountKind(Transaction& tx, std::string_view kind) {
  auto row = TRY(tx.QueryOne("jobs", "SELECT COUNT(*) FROM wf_jobs WHERE kind = ?", kind));
  return row.Int(0);
}

}  // namespace relish::workflow
