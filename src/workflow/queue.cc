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
           // leased (so an expired lease is simply due again).
           "CREATE TABLE wf_jobs ("
           " id TEXT PRIMARY KEY,"
           " org_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " kind TEXT NOT NULL,"
           " payload TEXT NOT NULL,"
           " run_at BIGINT NOT NULL,"
           " scheduled_at BIGINT NOT NULL,"
           " attempts BIGINT NOT NULL,"
           " max_attempts BIGINT NOT NULL,"
           " lease_owner TEXT,"
           " last_error TEXT NOT NULL,"
           " created_at BIGINT NOT NULL);"
           "CREATE INDEX wf_jobs_due ON wf_jobs (run_at, id);"
           "CREATE INDEX wf_jobs_org ON wf_jobs (org_id);"}};
}

Result<std::string> JobQueue::Enqueue(Transaction& tx, const NewJob& job) {
  int64_t now = clock_.NowMillis();
  std::string id = SequentialId("job", clock_, random_);
  int64_t run_at = job.run_at > 0 ? job.run_at : now;
  TRY(tx.Exec("INSERT INTO wf_jobs (id, org_id, environment, kind, payload, run_at, scheduled_at,"
              " attempts, max_attempts, lease_owner, last_error, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, '', ?)",
              id, job.org_id, job.environment, job.kind, job.payload.dump(), run_at, run_at,
              std::max(1, job.max_attempts), now));
  return id;
}

Result<std::vector<Job>> JobQueue::Lease(std::string_view owner, int max) {
  if (max <= 0) return std::vector<Job>{};
  // Row locks skip what other nodes are leasing on PostgreSQL; SQLite serialises writers anyway.
  const bool postgres = store_.backend() == "postgres";
  std::string select =
      "SELECT id, org_id, environment, kind, payload, scheduled_at, attempts, max_attempts,"
      " last_error, created_at FROM wf_jobs WHERE run_at <= ? ORDER BY run_at, id LIMIT ?";
  if (postgres) select += " FOR UPDATE SKIP LOCKED";
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<std::vector<Job>> {
    int64_t now = clock_.NowMillis();
    auto rows = TRY(tx.Query(select, now, max));
    std::vector<Job> jobs;
    if (rows.empty()) return jobs;
    int64_t until = now + options_.lease_ms;
    std::string ids;
    std::vector<store::Value> params = {store::Value(until), store::Value(std::string(owner))};
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
      ids += ids.empty() ? "?" : ", ?";
      params.emplace_back(j.id);
      jobs.push_back(std::move(j));
    }
    TRY(tx.ExecParams("UPDATE wf_jobs SET run_at = ?, lease_owner = ?, attempts = attempts + 1"
                      " WHERE id IN (" + ids + ")",
                      std::move(params)));
    return jobs;
  });
}

Result<int64_t> JobQueue::Extend(std::string_view owner, const std::vector<Job>& jobs) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<int64_t> {
    int64_t until = clock_.NowMillis() + options_.lease_ms;
    for (const auto& j : jobs) {
      TRY(tx.Exec("UPDATE wf_jobs SET run_at = ? WHERE id = ? AND lease_owner = ?", until, j.id,
                  owner));
    }
    return until;
  });
}

Result<bool> JobQueue::Finish(Transaction& tx, const Job& job, std::string_view owner) {
  // A job whose lease expired may be running on another worker now: leave it to that one.
  int64_t n = TRY(tx.Exec("DELETE FROM wf_jobs WHERE id = ? AND lease_owner = ?", job.id, owner));
  return n == 1;
}

int64_t JobQueue::BackoffMs(int attempts) const {
  int64_t delay = options_.backoff_ms;
  for (int i = 1; i < attempts && delay < options_.max_backoff_ms; ++i) delay *= 2;
  return std::min(delay, options_.max_backoff_ms);
}

Result<bool> JobQueue::Retry(Transaction& tx, const Job& job, std::string_view owner,
                             std::string_view error) {
  if (job.attempts >= job.max_attempts) {
    TRY(Finish(tx, job, owner));
    return false;
  }
  int64_t at = clock_.NowMillis() + BackoffMs(job.attempts);
  TRY(tx.Exec("UPDATE wf_jobs SET run_at = ?, lease_owner = NULL, last_error = ?"
              " WHERE id = ? AND lease_owner = ?",
              at, error, job.id, owner));
  return true;
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

}  // namespace relish::workflow
