// The audit of credentialed calls. The calling thread queues an entry (Record); a background
// thread writes the queue in batches (AuditLoop), so a call does not wait for the database
// unless audit_queue_limit entries are still unwritten (Record says why it waits then).
//
// Storage (connections migration 3): a row per call in connection_audit, clustered by
// (org_id, seq), where seq counts an organization's calls from 1. The caller's context
// (environment, link name, topping, user, origin) repeats from call to call, so it is stored
// once in connection_audit_contexts and a row refers to it by number: a row of 13 short columns
// costs SQLite about half as much to write as one of 17 with the context spelled out, and the
// proxy writes one per request. seq and context numbers are given out inside the write
// transaction, under SQLite's write lock, so two processes sharing a data directory (a server
// and `relish run`) never give out the same one.
#include <algorithm>
#include <cctype>
#include <map>
#include <span>
#include <tuple>

#include "base/barrier.h"
#include "base/log.h"
#include "connections/connections_impl.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

bool Connections::Impl::Record(AuditEntry& entry, bool may_wait) {
  // Never below one entry: a limit of 0 would make every call wait for room that never comes.
  const auto limit = std::max<int64_t>(1, static_cast<int64_t>(options_.audit_queue_limit));
  // The callers masked the connection's own secrets; any other secret of the organization the
  // vault has opened goes too. Only the organization's: the entry is shown to its members, and
  // masking another's would tell them a value is someone's secret. (A held entry recorded again
  // is masked again: nothing is left to find.)
  Redactor& redactor = GlobalRedactor();
  redactor.ScrubInPlaceFor(entry.org_id, entry.url);
  if (!entry.error.empty()) redactor.ScrubInPlaceFor(entry.org_id, entry.error);
  if (!entry.note.empty()) redactor.ScrubInPlaceFor(entry.org_id, entry.note);
  std::shared_ptr<const Observers> observers;
  {
    std::lock_guard lock(audit_mu_);
    // Before the observers see the entry, so that an entry held for later is observed once.
    // Calls racing for the last room may pass the limit by their few entries; none waits here.
    if (!may_wait && audit_enqueued_ - audit_written_ >= limit) return false;
    observers = observers_;
  }
  for (const auto& o : *observers) o(entry);
  bool full = false;
  {
    std::unique_lock lock(audit_mu_);
    // The audit is complete (every credentialed call has its row), so a call that finds
    // audit_queue_limit entries unwritten waits for the writer rather than dropping its entry:
    // memory stays bounded when the store falls behind a burst, and the calls slow to the
    // store's pace. The writer never waits for a call, and Record is never called inside a
    // store transaction, so the wait always ends (a batch the store refuses is logged and
    // counted as written).
    if (may_wait && audit_enqueued_ - audit_written_ >= limit) {
      ++audit_waits_;
      ++audit_waiting_;
      audit_flush_ = true;  // the limit may be below a batch: write what there is now
      audit_cv_.notify_one();
      audit_done_cv_.wait(lock, [&] { return audit_enqueued_ - audit_written_ < limit; });
      --audit_waiting_;
    }
    audit_queue_.push_back(std::move(entry));
    ++audit_enqueued_;
    full = audit_queue_.size() == kAuditBatch;
  }
  if (full) audit_cv_.notify_one();
  return true;
}

void Connections::Impl::AuditLoop() {
  std::vector<AuditEntry> batch;
  std::unique_lock lock(audit_mu_);
  while (true) {
    audit_cv_.wait_for(lock, kAuditTick, [&] {
      return audit_stop_ || audit_flush_ || audit_queue_.size() >= kAuditBatch;
    });
    audit_flush_ = false;
    if (audit_queue_.empty()) {
      if (audit_stop_) return;
      continue;
    }
    // The written batch's vector, emptied, becomes the next queue: no entry is moved twice and
    // the queue keeps its capacity.
    batch.swap(audit_queue_);
    lock.unlock();
    // At most kAuditBatch entries per transaction, oldest first. A backlog (the store fell
    // behind a burst of calls: 150,000 entries were seen on PostgreSQL) written in one
    // transaction held the write lock, which every other write of this process and, on
    // PostgreSQL, of every node waits for, for seconds. Each part counts as written when its
    // transaction ends, so calls waiting for room go on as soon as there is some.
    std::span<const AuditEntry> all(batch);
    for (size_t i = 0; i < all.size(); i += kAuditBatch) {
      auto part = all.subspan(i, std::min(kAuditBatch, all.size() - i));
      // The thread barrier (base/barrier.h): a part that cannot be written is logged and lost,
      // but the writer, and the process, go on.
      (void)CatchAll("writing the connections audit", [&] { WriteAudit(part); });
      lock.lock();
      audit_written_ += static_cast<int64_t>(part.size());
      lock.unlock();
      audit_done_cv_.notify_all();
    }
    batch.clear();
    lock.lock();
  }
}

namespace {

// Rows per INSERT: a statement per row spent about as much on the statement (reset, bindings,
// the VM's set-up) as on the row.
constexpr size_t kAuditRowsPerInsert = 16;
constexpr size_t kAuditColumns = 13;

std::string AuditInsert(size_t rows) {
  std::string sql =
      "INSERT INTO connection_audit (org_id, seq, at, context, run_id, method, url, status,"
      " latency_us, bytes_out, bytes_in, error, note) VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < kAuditColumns; ++c) sql += c == 0 ? "?" : ", ?";
    sql += ")";
  }
  return sql;
}

// The caller's context of an entry, in the column order of connection_audit_contexts.
using AuditContextKey = std::array<std::string_view, 6>;

AuditContextKey ContextOf(const AuditEntry& e) {
  return {e.org_id, e.environment, e.link_name, e.topping, e.user_id, e.origin};
}

}  // namespace

// The number of an entry's context: from the cache, else from the table (another process may
// have added it), else a new row. New numbers go into `fresh`, which joins the cache only once
// the transaction commits.
Result<int64_t> Connections::Impl::AuditContextId(Transaction& tx, const AuditEntry& e,
                                                  const AuditContexts* committed,
                                                  AuditContexts& fresh) {
  AuditContextKey key = ContextOf(e);
  if (committed != nullptr) {
    if (auto it = committed->find(key); it != committed->end()) return it->second;
  }
  if (auto it = fresh.find(key); it != fresh.end()) return it->second;
  std::vector<store::Value> params(key.begin(), key.end());
  auto rows = TRY(tx.QueryParams(
      "SELECT id FROM connection_audit_contexts WHERE org_id = ? AND environment = ?"
      " AND link_name = ? AND topping = ? AND user_id = ? AND origin = ?",
      params));
  int64_t id = 0;
  if (!rows.empty()) {
    id = rows[0].Int(0);
  } else {
    id = TRY(tx.QueryOne("audit context", "SELECT COALESCE(MAX(id), 0) + 1 FROM connection_audit_contexts"))
             .Int(0);
    params.insert(params.begin(), id);
    TRY(tx.ExecParams("INSERT INTO connection_audit_contexts (id, org_id, environment, link_name,"
                      " topping, user_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      std::move(params)));
  }
  std::array<std::string, 6> owned;
  std::copy(key.begin(), key.end(), owned.begin());
  fresh.emplace(std::move(owned), id);
  return id;
}

Result<void> Connections::Impl::InsertAudit(Transaction& tx, std::span<const AuditEntry> batch,
                                            const AuditContexts* committed, AuditContexts& fresh) {
  static const std::string kFullInsert = AuditInsert(kAuditRowsPerInsert);
  std::vector<store::ValueRef> params;
  params.reserve(kAuditRowsPerInsert * kAuditColumns);
  std::vector<std::pair<int64_t, int64_t>> numbers(batch.size());  // (seq, context) per entry
  fresh.clear();
  // The next seq of each organization in the batch (usually one), read under the write lock.
  std::map<std::string_view, int64_t> next_seq;
  const AuditEntry* previous = nullptr;
  for (size_t i = 0; i < batch.size(); ++i) {
    const AuditEntry& e = batch[i];
    auto seq = next_seq.find(e.org_id);
    if (seq == next_seq.end()) {
      int64_t last =
          TRY(tx.QueryOne("audit seq",
                          "SELECT COALESCE(MAX(seq), 0) FROM connection_audit WHERE org_id = ?",
                          e.org_id))
              .Int(0);
      seq = next_seq.emplace(e.org_id, last + 1).first;
    }
    numbers[i].first = seq->second++;
    // Calls come in runs from one caller: the previous entry's context is the likely one.
    numbers[i].second = previous && ContextOf(*previous) == ContextOf(e)
                            ? numbers[i - 1].second
                            : TRY(AuditContextId(tx, e, committed, fresh));
    previous = &e;
  }
  for (size_t i = 0; i < batch.size(); i += kAuditRowsPerInsert) {
    size_t rows = std::min(kAuditRowsPerInsert, batch.size() - i);
    params.clear();
    for (size_t k = i; k < i + rows; ++k) {
      const AuditEntry& e = batch[k];
      params.emplace_back(std::string_view(e.org_id));
      params.emplace_back(numbers[k].first);
      params.emplace_back(e.at);
      params.emplace_back(numbers[k].second);
      params.emplace_back(std::string_view(e.run_id));
      params.emplace_back(std::string_view(e.method));
      params.emplace_back(std::string_view(e.url));
      params.emplace_back(int64_t{e.status});
      params.emplace_back(e.latency_us);
      params.emplace_back(e.bytes_out);
      params.emplace_back(e.bytes_in);
      params.emplace_back(std::string_view(e.error));
      params.emplace_back(std::string_view(e.note));
    }
    TRY(tx.ExecRefs(rows == kAuditRowsPerInsert ? kFullInsert : AuditInsert(rows), params));
  }
  return NoteLastUse(tx, batch);
}

// Connections' last use, from the batch: one update per connection the batch called, not per
// call. A policy change's entries (origin "service") are not calls.
Result<void> Connections::Impl::NoteLastUse(Transaction& tx, std::span<const AuditEntry> batch) {
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, int64_t> last;
  for (const AuditEntry& e : batch) {
    if (e.link_name.empty() || e.origin == "service") continue;
    int64_t& at = last[{e.org_id, e.environment, e.link_name}];
    at = std::max(at, e.at);
  }
  for (const auto& [key, at] : last) {
    const auto& [org_id, environment, link_name] = key;
    constexpr std::string_view kUpdate =
        "UPDATE connections SET last_used_at = ? WHERE org_id = ? AND environment = ?"
        " AND link_name = ? AND (last_used_at IS NULL OR last_used_at < ?)";
    TRY(tx.Exec(kUpdate, at, org_id, environment, link_name, at));
  }
  return Ok();
}

void Connections::Impl::WriteAudit(std::span<const AuditEntry> batch) {
  AuditContexts fresh;
  auto r = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    return InsertAudit(tx, batch, &audit_contexts_, fresh);
  });
  if (!r.ok()) {
    spdlog::error("writing {} audit entries failed: {}", batch.size(), r.error().message());
    return;
  }
  audit_contexts_.merge(fresh);
}

void Connections::FlushAudit() {
  Impl& d = *impl_;
  std::unique_lock lock(d.audit_mu_);
  int64_t target = d.audit_enqueued_;
  if (d.audit_written_ >= target) return;
  d.audit_flush_ = true;  // wake the writer now rather than at its next tick
  d.audit_cv_.notify_one();
  d.audit_done_cv_.wait(lock, [&] { return d.audit_written_ >= target; });
}

Connections::AuditQueueStats Connections::AuditQueue() {
  std::lock_guard lock(impl_->audit_mu_);
  return {.unwritten = impl_->audit_enqueued_ - impl_->audit_written_,
          .waits = impl_->audit_waits_,
          .waiting = impl_->audit_waiting_};
}

void Connections::OnAudit(std::function<void(const AuditEntry&)> observer) {
  std::lock_guard lock(impl_->audit_mu_);
  auto next = std::make_shared<Impl::Observers>(*impl_->observers_);
  next->push_back(std::move(observer));
  impl_->observers_ = std::move(next);
}

Result<std::vector<AuditEntry>> Connections::Audit(std::string_view org_id,
                                                   std::string_view run_id, int limit) {
  return Audit(org_id, AuditFilter{.run_id = std::string(run_id), .limit = limit});
}

// Sorts rows newest first (their first column is seq) and drops all but the first `limit`.
static void KeepNewest(store::Rows& rows, size_t limit) {
  std::sort(rows.begin(), rows.end(),
            [](const store::Row& a, const store::Row& b) { return a.Int(0) > b.Int(0); });
  if (rows.size() > limit) rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(limit), rows.end());
}

// The columns of an entry, its context joined in; ReadEntry reads them in this order.
constexpr std::string_view kAuditSelect =
    "SELECT a.seq, a.legacy_id, a.at, a.org_id, c.environment, c.link_name, c.topping,"
    " c.user_id, a.run_id, c.origin, a.method, a.url, a.status, a.latency_us, a.bytes_out,"
    " a.bytes_in, a.error, a.note FROM connection_audit a"
    " JOIN connection_audit_contexts c ON c.id = a.context";

bool ValidAuditStatus(std::string_view status) {
  if (status.empty() || status == "ok" || status == "error") return true;
  return status.size() == 3 && std::all_of(status.begin(), status.end(), ::isdigit) &&
         status[0] >= '1' && status[0] <= '5';
}

namespace {

// The filter's conditions on an entry's own columns (alias a), appended with their values.
void EntryConditions(const AuditFilter& filter, std::string& sql, std::vector<store::Value>& params) {
  if (!filter.run_id.empty()) {
    sql += " AND a.run_id = ?";
    params.emplace_back(filter.run_id);
  }
  if (filter.status == "ok") {
    sql += " AND a.status >= 200 AND a.status < 400";
  } else if (filter.status == "error") {
    sql += " AND (a.status < 200 OR a.status >= 400)";
  } else if (!filter.status.empty()) {
    sql += " AND a.status = ?";
    params.emplace_back(int64_t{std::stoi(filter.status)});
  }
  if (filter.since_ms > 0) {
    sql += " AND a.at >= ?";
    params.emplace_back(filter.since_ms);
  }
  if (filter.until_ms > 0) {
    sql += " AND a.at < ?";
    params.emplace_back(filter.until_ms);
  }
}

// A column as an expression no index serves (SQLite then reads the index the other terms
// choose). org_id is NOT NULL, so the concatenation never meets NULL (NULL || '' is NULL on both).
std::string NotIndexed(std::string_view column) { return "(" + std::string(column) + " || '')"; }

bool ScansAWindow(const AuditFilter& filter) {
  return !filter.status.empty() || filter.since_ms > 0 || filter.until_ms > 0;
}

// The newest kAuditScanWindow entries matching `where` (on connection_audit's own columns, with
// its values already in `params`), as a table aliased a, the rest of the query to follow. Callers
// go on with " WHERE 1 = 1" and conditions starting " AND": PostgreSQL's WHERE wants a boolean,
// not SQLite's integer 1.
std::string WindowedSelect(std::string_view where) {
  std::string select(kAuditSelect);
  const std::string from = " FROM connection_audit a";
  select.replace(select.find(from), from.size(),
                 " FROM (SELECT * FROM connection_audit WHERE " + std::string(where) +
                     " ORDER BY seq DESC LIMIT " + std::to_string(kAuditScanWindow) + ") a");
  return select;
}

}  // namespace

std::string AuditOfContextSql(bool with_run) {
  // The index connection_audit_context (context, seq) hands a context's rows over newest first:
  // without a run to match, the query reads at most LIMIT rows, however many the organization
  // has. A context belongs to one organization; the org_id test is a second lock, written as an
  // expression so that SQLite does not walk the primary key (org_id, seq) instead, which it would
  // otherwise prefer, filtering the organization's every row by context. The expression is
  // `org_id || ''` (NotIndexed), not SQLite's idiom `+org_id`: PostgreSQL has no unary +
  // for text.
  return std::string(kAuditSelect) + " WHERE a.context = ? AND " + NotIndexed("a.org_id") + " = ?" +
         (with_run ? " AND a.run_id = ?" : "") + " ORDER BY a.seq DESC LIMIT ?";
}

Result<std::vector<AuditEntry>> Connections::Audit(std::string_view org_id,
                                                   const AuditFilter& filter) {
  if (!ValidAuditStatus(filter.status)) {
    return InvalidArgument("'status' must be ok, error or an HTTP status code such as 404");
  }
  FlushAudit();
  auto rows = TRY(store::Transact(impl_->store_, TxMode::kRead, [&](Transaction& tx) -> Result<store::Rows> {
    if (!filter.link_name.empty() || !filter.origin.empty()) {
      // A connection's (or an origin's) entries: each of its contexts (a topping, user and origin that called
      // it) gives its newest `limit`, and the newest `limit` of those are the answer. Scanning
      // the organization's entries newest first for the link's would read every entry since
      // the link's last call: unbounded in a busy organization.
      std::string contexts_sql = "SELECT id FROM connection_audit_contexts WHERE org_id = ?";
      std::vector<store::Value> params = {store::Value(org_id)};
      if (!filter.link_name.empty()) {
        contexts_sql += " AND link_name = ?";
        params.emplace_back(filter.link_name);
      }
      if (!filter.environment.empty()) {
        contexts_sql += " AND environment = ?";
        params.emplace_back(filter.environment);
      }
      if (!filter.origin.empty()) {
        contexts_sql += " AND origin = ?";
        params.emplace_back(filter.origin);
      }
      auto contexts = TRY(tx.QueryParams(contexts_sql, params));
      store::Rows all;
      for (const auto& context : contexts) {
        std::string sql;
        std::vector<store::Value> p = {store::Value(context.Int(0)), store::Value(org_id)};
        if (ScansAWindow(filter)) {
          sql = WindowedSelect("context = ? AND " + NotIndexed("org_id") + " = ?") + " WHERE 1 = 1";
          EntryConditions(filter, sql, p);
          sql += " ORDER BY a.seq DESC LIMIT ?";
        } else {
          sql = AuditOfContextSql(!filter.run_id.empty());
          if (!filter.run_id.empty()) p.emplace_back(filter.run_id);
        }
        p.emplace_back(int64_t{filter.limit});
        for (auto& r : TRY(tx.QueryParams(sql, p))) all.push_back(std::move(r));
        // Only the newest `limit` can be answered: keep no more than that between contexts, so
        // a connection called from many contexts holds at most twice `limit` rows.
        KeepNewest(all, static_cast<size_t>(filter.limit));
      }
      return all;
    }
    std::vector<store::Value> params = {store::Value(org_id)};
    std::string sql;
    if (ScansAWindow(filter)) {
      sql = WindowedSelect("org_id = ?") + " WHERE 1 = 1";
      EntryConditions(filter, sql, params);
    } else {
      sql = std::string(kAuditSelect) + " WHERE a.org_id = ?";
      if (!filter.run_id.empty()) {
        // The run index is partial (run_id != ''): the query must say so for SQLite to use it.
        sql += " AND a.run_id = ? AND a.run_id != ''";
        params.emplace_back(filter.run_id);
      }
    }
    if (!filter.environment.empty()) {
      sql += " AND c.environment = ?";
      params.emplace_back(filter.environment);
    }
    sql += " ORDER BY a.seq DESC LIMIT ?";
    params.emplace_back(int64_t{filter.limit});
    return tx.QueryParams(sql, params);
  }));
  std::vector<AuditEntry> out;
  for (const auto& r : rows) {
    AuditEntry e;
    // Entries written before migration 3 keep the random ids they were given then.
    e.id = r.IsNull(1) ? "aud_" + std::to_string(r.Int(0)) : r.Text(1);
    e.at = r.Int(2);
    e.org_id = r.Text(3);
    e.environment = r.Text(4);
    e.link_name = r.Text(5);
    e.topping = r.Text(6);
    e.user_id = r.Text(7);
    e.run_id = r.Text(8);
    e.origin = r.Text(9);
    e.method = r.Text(10);
    e.url = r.Text(11);
    e.status = static_cast<int>(r.Int(12));
    e.latency_us = r.Int(13);
    e.bytes_out = r.Int(14);
    e.bytes_in = r.Int(15);
    e.error = r.Text(16);
    e.note = r.Text(17);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace relish::connections
