#include "connections/connections.h"
#include "connections/connections_impl.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "test_fixture.h"
#include "store/testing.h"

namespace relish::connections {
namespace {

// The fields a test compares, on one line.
std::string Line(const AuditEntry& e) {
  return e.id + " " + e.org_id + " " + e.environment + " " + e.link_name + " topping=" + e.topping +
         " user=" + e.user_id + " run=" + e.run_id + " " + e.origin + " " + e.method + " " + e.url +
         " " + std::to_string(e.status) + " error=" + e.error;
}

std::vector<std::string> Lines(const Result<std::vector<AuditEntry>>& entries) {
  EXPECT_TRUE(entries.ok()) << entries.error().message();
  std::vector<std::string> out;
  if (entries.ok()) {
    for (const auto& e : *entries) out.push_back(Line(e));
  }
  return out;
}

int64_t Count(store::Store& store, const std::string& table) {
  return store::Transact(store, store::TxMode::kRead, [&](store::Transaction& tx) {
           return tx.QueryOne("count", "SELECT COUNT(*) FROM " + table);
         })->Int(0);
}

TEST_F(ConnectionsTest, AuditIdsCountPerOrganizationAndContextsComeBack) {
  std::string link = Authorized();
  ASSERT_TRUE(Get(link).ok());
  CallContext other{.org_id = "org2", .environment = "production", .topping = "shop",
                    .user_id = "usr_2", .run_id = "run_7", .origin = "function"};
  EXPECT_FALSE(connections_->Call(other, "nope", {.url = "/v1/x"}).ok());
  ASSERT_TRUE(Get(link, "https://api.acme.test/v1/me?page=2").ok());
  EXPECT_EQ(Lines(connections_->Audit("org1", "", 10)),
            (std::vector<std::string>{
                "aud_2 org1 sandbox acme_sync topping= user= run= test GET "
                "https://api.acme.test/v1/me?page=2 200 error=",
                "aud_1 org1 sandbox acme_sync topping= user= run= test GET "
                "https://api.acme.test/v1/me 200 error="}));
  EXPECT_EQ(Lines(connections_->Audit("org2", "", 10)),
            (std::vector<std::string>{
                "aud_1 org2 production nope topping=shop user=usr_2 run=run_7 function GET /v1/x 0 "
                "error=no connection 'nope' in the production environment"}));
  EXPECT_EQ(Lines(connections_->Audit("org2", "run_7", 10)).size(), 1u);
  EXPECT_TRUE(Lines(connections_->Audit("org1", "run_7", 10)).empty());
  EXPECT_EQ(Lines(connections_->Audit("org1", "", 1)).size(), 1u);

  // A later batch goes on from the table's last seq, and a second writer (as another process
  // on the same database would be) finds the contexts already stored instead of adding them.
  ASSERT_TRUE(Get(link).ok());
  connections_->FlushAudit();
  auto second_on_store = ConnectionsOn(*store_);
  Connections& second = *second_on_store;
  ASSERT_TRUE(second.Call(Ctx(), link, {.url = "https://api.acme.test/v1/me"}).ok());
  auto ids = [](const Result<std::vector<AuditEntry>>& entries) {
    std::vector<std::string> out;
    for (const auto& e : *entries) out.push_back(e.id + " " + e.environment + " " + e.link_name);
    return out;
  };
  EXPECT_EQ(ids(second.Audit("org1", "", 2)),
            (std::vector<std::string>{"aud_4 sandbox acme_sync", "aud_3 sandbox acme_sync"}));
  EXPECT_EQ(Count(*store_, "connection_audit_contexts"), 2);
  EXPECT_EQ(Count(*store_, "connection_audit"), 5);
}

// A connection's last use is kept by the audit writer: the newest call of a batch, whatever its
// outcome, and never moved back by an older one written later.
TEST_F(ConnectionsTest, LastUseIsTheNewestAuditedCall) {
  std::string link = Authorized();
  EXPECT_EQ(connections_->Get("org1", "sandbox", link)->last_used_at, std::nullopt);
  clock_.Set(1'700'000'000'000);
  ASSERT_TRUE(Get(link).ok());
  clock_.Advance(Millis(5));
  EXPECT_FALSE(Get(link, "https://evil.test/x").ok());  // refused, but a use all the same
  connections_->FlushAudit();
  EXPECT_EQ(connections_->Get("org1", "sandbox", link)->last_used_at, 1'700'000'000'005);
  // Another link in the same organization, and the filter that finds each one's entries.
  std::string other = Authorized("Other");
  clock_.Advance(Millis(5));
  ASSERT_TRUE(Get(other).ok());
  auto mine = connections_->Audit("org1", AuditFilter{.environment = "sandbox", .link_name = link});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].url, "https://evil.test/x");
  EXPECT_EQ(connections_->Audit("org1", AuditFilter{.environment = "production", .link_name = link})
                ->size(),
            0u);
  EXPECT_EQ(connections_->Get("org1", "sandbox", link)->last_used_at, 1'700'000'000'005);
  EXPECT_EQ(connections_->Get("org1", "sandbox", other)->last_used_at, 1'700'000'000'010);
}

// The console's and CLI's filters: origin, status and time, alone, together and with a link;
// another organization's entries never match.
TEST_F(ConnectionsTest, AuditFiltersByOriginStatusAndTime) {
  std::string link = Authorized();
  const int64_t t0 = 1'700'000'000'000;
  clock_.Set(t0);
  ASSERT_TRUE(Get(link, "https://api.acme.test/v1/first").ok());
  clock_.Advance(Millis(10));
  EXPECT_FALSE(Get(link, "https://evil.test/x").ok());  // refused: no answer, status 0
  clock_.Advance(Millis(10));
  CallContext as_function{.org_id = "org1", .environment = "sandbox", .run_id = "run_1",
                          .origin = "function"};
  ASSERT_TRUE(connections_->Call(as_function, link, {.url = "https://api.acme.test/v1/second"}).ok());
  CallContext elsewhere{.org_id = "org2", .environment = "sandbox", .origin = "function"};
  EXPECT_FALSE(connections_->Call(elsewhere, link, {.url = "https://api.acme.test/v1/org2"}).ok());

  auto urls = [&](AuditFilter f) {
    f.environment = "sandbox";
    std::vector<std::string> out;
    auto entries = connections_->Audit("org1", f);
    EXPECT_TRUE(entries.ok()) << entries.error().message();
    if (entries.ok()) {
      for (const auto& e : *entries) out.push_back(e.origin + " " + std::to_string(e.status) + " " + e.url);
    }
    return out;
  };
  using V = std::vector<std::string>;
  const std::string first = "test 200 https://api.acme.test/v1/first";
  const std::string refused = "test 0 https://evil.test/x";
  const std::string second = "function 200 https://api.acme.test/v1/second";
  EXPECT_EQ(urls({}), (V{second, refused, first}));
  EXPECT_EQ(urls({.status = "error"}), (V{refused}));
  EXPECT_EQ(urls({.status = "ok"}), (V{second, first}));
  EXPECT_EQ(urls({.status = "200"}), (V{second, first}));
  EXPECT_EQ(urls({.status = "404"}), V{});
  EXPECT_EQ(urls({.origin = "function"}), (V{second}));
  EXPECT_EQ(urls({.origin = "test", .status = "ok"}), (V{first}));
  EXPECT_EQ(urls({.since_ms = t0 + 10}), (V{second, refused}));
  EXPECT_EQ(urls({.until_ms = t0 + 20}), (V{refused, first}));
  EXPECT_EQ(urls({.since_ms = t0 + 10, .until_ms = t0 + 20}), (V{refused}));
  EXPECT_EQ(urls({.link_name = link, .status = "ok", .limit = 1}), (V{second}));
  EXPECT_EQ(urls({.link_name = link, .origin = "test", .since_ms = t0 + 1}), (V{refused}));
  EXPECT_EQ(urls({.run_id = "run_1", .status = "ok"}), (V{second}));
  auto bad = connections_->Audit("org1", AuditFilter{.status = "2xx"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "'status' must be ok, error or an HTTP status code such as 404");
}

// GET /api/v1/audit?link= once scanned the organization's entries newest first for the link's:
// a quiet connection in a busy organization read everything written since its last call. Now
// each of the link's contexts is read through an index, at most `limit` rows each, and merged.
TEST_F(ConnectionsTest, AConnectionsAuditReadsItsContextsThroughAnIndexNotTheOrganizations) {
  std::string quiet = Authorized("Quiet");
  std::string busy = Authorized("Busy");
  ASSERT_TRUE(Get(quiet, "https://api.acme.test/v1/first").ok());
  CallContext as_function{.org_id = "org1", .environment = "sandbox", .run_id = "run_1",
                          .origin = "function"};
  ASSERT_TRUE(connections_->Call(as_function, quiet, {.url = "https://api.acme.test/v1/second"}).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Get(busy).ok());
  ASSERT_TRUE(Get(quiet, "https://api.acme.test/v1/third").ok());
  auto urls = [&](int limit) {
    std::vector<std::string> out;
    auto entries = connections_->Audit(
        "org1", AuditFilter{.environment = "sandbox", .link_name = quiet, .limit = limit});
    EXPECT_TRUE(entries.ok());
    for (const auto& e : *entries) out.push_back(e.origin + " " + e.url);
    return out;
  };
  // Two contexts (the test calls and the function's), merged newest first.
  EXPECT_EQ(urls(10), (std::vector<std::string>{"test https://api.acme.test/v1/third",
                                                "function https://api.acme.test/v1/second",
                                                "test https://api.acme.test/v1/first"}));
  EXPECT_EQ(urls(2), (std::vector<std::string>{"test https://api.acme.test/v1/third",
                                               "function https://api.acme.test/v1/second"}));
  EXPECT_EQ(connections_->Audit("org1", AuditFilter{.environment = "sandbox", .link_name = busy,
                                                    .limit = 100})
                ->size(),
            50u);

  if (store::testing::TestingPostgres()) {
    // PostgreSQL's planner picks by statistics, and on a table this small a scan is cheapest:
    // with scans and sorts priced out, the plan shows the query can be answered from the context
    // index newest first (were it not, the plan would keep its Sort however it was priced).
    auto plan = store::Transact(*store_, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<store::Rows> {
      TRY(tx.ExecScript("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off"));
      return tx.Query("EXPLAIN (COSTS OFF) " + AuditOfContextSql(false), int64_t{1}, "org1",
                      int64_t{10});
    });
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    std::string text;
    for (const auto& r : *plan) text += r.Text(0) + "\n";
    EXPECT_NE(text.find("Index Scan Backward using connection_audit_context on connection_audit a"),
              std::string::npos) << text;
    EXPECT_EQ(text.find("Sort"), std::string::npos) << text;
    return;
  }
  // SQLite's plan: a search of the context index in seq order, no scan and no sort.
  auto plan = store::Transact(*store_, store::TxMode::kRead, [&](store::Transaction& tx) {
    return tx.Query("EXPLAIN QUERY PLAN " + AuditOfContextSql(false), int64_t{1}, "org1",
                    int64_t{10});
  });
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  std::vector<std::string> steps;
  for (const auto& r : *plan) steps.push_back(r.Text(3));
  EXPECT_EQ(steps, (std::vector<std::string>{
                       "SEARCH c USING INDEX sqlite_autoindex_connection_audit_contexts_1 (id=?)",
                       "SEARCH a USING INDEX connection_audit_context (context=?)"}));
}

TEST_F(ConnectionsTest, AuditObserversSeeEachEntryAsItIsMade) {
  std::vector<std::string> seen;
  connections_->OnAudit([&](const AuditEntry& e) { seen.push_back(e.link_name + " " + e.url); });
  std::string link = Authorized();
  ASSERT_TRUE(Get(link, "https://api.acme.test/v1/me?q=1").ok());
  EXPECT_EQ(seen, std::vector<std::string>{"acme_sync https://api.acme.test/v1/me?q=1"});
}

// A store that holds its first write transaction until told, and counts the audit rows each
// write transaction inserts: the audit writer's queue fills behind it, as it does when a database
// falls behind a burst of calls.
class HeldStore final : public store::Store {
 public:
  explicit HeldStore(store::Store& inner) : inner_(inner) {}
  std::string_view backend() const override { return inner_.backend(); }
  Result<std::unique_ptr<store::Transaction>> Begin(store::TxMode mode) override {
    if (mode == store::TxMode::kWrite) {
      std::unique_lock lock(mu_);
      // Bounded, so that a mistake here fails the test instead of hanging it.
      cv_.wait_for(lock, std::chrono::seconds(30), [&] { return open_; });
    }
    auto tx = TRY(inner_.Begin(mode));
    return std::unique_ptr<store::Transaction>(std::make_unique<Tx>(*this, std::move(tx)));
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  std::vector<size_t> RowsPerTransaction() {
    std::lock_guard lock(mu_);
    return rows_;
  }
  // The audit rows all write transactions inserted, and the most one of them did.
  std::pair<size_t, size_t> RowsInAllAndMostInOne() {
    std::lock_guard lock(mu_);
    size_t all = 0, most = 0;
    for (size_t n : rows_) {
      all += n;
      most = std::max(most, n);
    }
    return {all, most};
  }

 private:
  class Tx final : public store::Transaction {
   public:
    Tx(HeldStore& s, std::unique_ptr<store::Transaction> inner) : s_(s), inner_(std::move(inner)) {}
    Result<store::Rows> QueryParams(std::string_view sql, std::vector<store::Value> p) override {
      return inner_->QueryParams(sql, std::move(p));
    }
    Result<int64_t> ExecParams(std::string_view sql, std::vector<store::Value> p) override {
      return inner_->ExecParams(sql, std::move(p));
    }
    Result<int64_t> ExecRefs(std::string_view sql, std::span<const store::ValueRef> p) override {
      if (sql.starts_with("INSERT INTO connection_audit (")) rows_ += p.size() / 13;
      return inner_->ExecRefs(sql, p);
    }
    Result<void> ExecScript(std::string_view sql) override { return inner_->ExecScript(sql); }
    Result<void> Commit() override {
      TRY(inner_->Commit());
      if (rows_ > 0) {
        std::lock_guard lock(s_.mu_);
        s_.rows_.push_back(rows_);
      }
      return Ok();
    }
    bool conflicted() const override { return inner_->conflicted(); }

   private:
    HeldStore& s_;
    std::unique_ptr<store::Transaction> inner_;
    size_t rows_ = 0;
  };

  store::Store& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::vector<size_t> rows_;
};

// A backlog larger than a batch is written a batch per transaction, so the write lock (which,
// on PostgreSQL, every node's writes wait for) is never held for all of it; nothing is lost and
// the organization's numbers run on without a gap.
TEST_F(ConnectionsTest, AnAuditBacklogIsWrittenABatchPerTransaction) {
  std::string link = Authorized();
  HeldStore held(*store_);
  auto writer_on_held = ConnectionsOn(held);
  Connections& writer = *writer_on_held;
  constexpr int kCalls = 3000;
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(writer.Call(Ctx(), link, {.url = "https://api.acme.test/v1/me"}).ok());
  }
  held.Open();
  writer.FlushAudit();
  auto [all, most] = held.RowsInAllAndMostInOne();
  EXPECT_EQ(all, static_cast<size_t>(kCalls));
  EXPECT_LE(most, Connections::Impl::kAuditBatch);
  EXPECT_GE(held.RowsPerTransaction().size(), 3u);  // 3,000 rows, at most 1,024 a transaction
  auto newest = writer.Audit("org1", "", 1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].id, "aud_" + std::to_string(kCalls));
  EXPECT_EQ(Count(*store_, "connection_audit"), kCalls);
}

// The audit queue is bounded (audit_queue_limit): while the store is held, a call that finds the
// limit of entries unwritten waits for the writer instead of growing the queue or dropping its
// entry; once the store goes on, every call is audited and no transaction wrote more than the
// limit.
TEST_F(ConnectionsTest, ACallWaitsWhenTheAuditQueueIsFullAndNoEntryIsLost) {
  std::string link = Authorized();
  HeldStore held(*store_);
  constexpr size_t kLimit = 10;
  auto writer_on_held = ConnectionsOn(held, kLimit);
  Connections& writer = *writer_on_held;
  constexpr int kCalls = 25;
  std::atomic<bool> done = false;
  std::thread calls([&] {
    for (int i = 0; i < kCalls; ++i) {
      EXPECT_TRUE(writer.Call(Ctx(), link, {.url = "https://api.acme.test/v1/me"}).ok());
    }
    done = true;
  });
  // Liveness only: give up after 30 s rather than hang.
  for (int i = 0; i < 3000 && writer.AuditQueue().waiting == 0 && !done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Connections::AuditQueueStats waiting = writer.AuditQueue();
  EXPECT_FALSE(done);
  EXPECT_EQ(waiting.waiting, 1);
  EXPECT_EQ(waiting.unwritten, static_cast<int64_t>(kLimit));
  held.Open();
  calls.join();
  writer.FlushAudit();
  Connections::AuditQueueStats after = writer.AuditQueue();
  EXPECT_EQ(after.unwritten, 0);
  EXPECT_EQ(after.waiting, 0);
  EXPECT_GE(after.waits, 1);
  auto [all, most] = held.RowsInAllAndMostInOne();
  EXPECT_EQ(all, static_cast<size_t>(kCalls));
  EXPECT_LE(most, kLimit);
  EXPECT_EQ(Count(*store_, "connection_audit"), kCalls);
}

// The proxy finishes its calls on an I/O thread: a full queue holds the entry in the call for
// RecordHeld (run on the blocking pool) instead of blocking that thread.
TEST_F(ConnectionsTest, FinishOnAFullQueueHoldsTheEntryInsteadOfWaiting) {
  std::string link = Authorized();
  HeldStore held(*store_);
  constexpr size_t kLimit = 2;
  auto writer_on_held = ConnectionsOn(held, kLimit);
  Connections& writer = *writer_on_held;
  std::vector<std::unique_ptr<Connections::Prepared>> calls;
  for (int i = 0; i < 3; ++i) {
    auto prepared = writer.Prepare(Ctx(), link, {.url = "/me?n=" + std::to_string(i)});
    ASSERT_TRUE(prepared.ok()) << prepared.error().message();
    Result<outbound::Response> answer = outbound::Response{.status = 200};
    EXPECT_FALSE(writer.Finish(**prepared, answer));  // returns while the store is held
    calls.push_back(std::move(*prepared));
  }
  EXPECT_TRUE(calls[0]->held_audit.empty());
  EXPECT_TRUE(calls[1]->held_audit.empty());
  ASSERT_EQ(calls[2]->held_audit.size(), 1u);
  EXPECT_EQ(calls[2]->held_audit[0].url, "https://api.acme.test/v1/me?n=2");
  EXPECT_EQ(writer.AuditQueue().unwritten, static_cast<int64_t>(kLimit));
  std::thread pool([&] { writer.RecordHeld(*calls[2]); });  // waits for room
  held.Open();
  pool.join();
  EXPECT_TRUE(calls[2]->held_audit.empty());
  writer.FlushAudit();
  EXPECT_EQ(writer.AuditQueue().unwritten, 0);
  EXPECT_EQ(Count(*store_, "connection_audit"), 3);
}

// A database written before connections migration 3: its audit rows survive the migration with
// their ids, their order and their callers' contexts.
TEST(AuditMigrationTest, RowsFromBeforeKeepTheirIdsOrderAndContexts) {
  auto store = store::testing::OpenTestStore();
  std::vector<store::Migration> all = TestMigrations();
  std::vector<store::Migration> before;
  for (const auto& m : all) {
    if (m.module != "connections" || m.version <= 2) before.push_back(m);
  }
  ASSERT_TRUE(store->Migrate(before).ok());
  auto put = store::Transact(*store, store::TxMode::kWrite, [](store::Transaction& tx) -> Result<void> {
    const char* insert =
        "INSERT INTO connection_audit (id, at, org_id, environment, link_name, topping, user_id,"
        " run_id, origin, method, url, status, latency_us, bytes_out, bytes_in, error, note)"
        " VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, 'GET', ?, ?, 10, 0, 2, ?, '')";
    TRY(tx.Exec(insert, "aud_01hf7yat0000000000000002", 2, "org1", "sandbox", "books", "usr_1",
                "", "proxy", "https://b.test/2", 200, ""));
    TRY(tx.Exec(insert, "aud_01hf7yat0000000000000001", 1, "org1", "sandbox", "books", "usr_1",
                "", "proxy", "https://b.test/1", 200, ""));
    TRY(tx.Exec(insert, "aud_01hf7yat0000000000000003", 3, "org1", "production", "books", "usr_1",
                "run_9", "function", "https://b.test/3", 0, "timed out"));
    TRY(tx.Exec(insert, "aud_01hf7yat0000000000000004", 4, "org2", "sandbox", "crm", "usr_2", "",
                "task", "https://c.test/4", 201, ""));
    return Ok();
  });
  ASSERT_TRUE(put.ok()) << put.error().message();
  auto migrated = store->Migrate(all);
  ASSERT_TRUE(migrated.ok()) << migrated.error().message();

  FakeClock clock;
  FakeRandom random{5};
  auto vault = std::move(*vault::Vault::Open(*store, {vault::MakeMasterKey(random)}, clock, random));
  Catalog catalog(*store, clock);
  outbound::FakeHttpClient http;
  Connections connections(*store, *vault, catalog, http, http, clock, random, {});
  EXPECT_EQ(Lines(connections.Audit("org1", "", 10)),
            (std::vector<std::string>{
                "aud_01hf7yat0000000000000003 org1 production books topping= user=usr_1 run=run_9 "
                "function GET https://b.test/3 0 error=timed out",
                "aud_01hf7yat0000000000000002 org1 sandbox books topping= user=usr_1 run= proxy GET "
                "https://b.test/2 200 error=",
                "aud_01hf7yat0000000000000001 org1 sandbox books topping= user=usr_1 run= proxy GET "
                "https://b.test/1 200 error="}));
  EXPECT_EQ(Lines(connections.Audit("org1", "run_9", 10)).size(), 1u);
  EXPECT_EQ(Lines(connections.Audit("org2", "", 10)),
            (std::vector<std::string>{"aud_01hf7yat0000000000000004 org2 sandbox crm topping= "
                                      "user=usr_2 run= task GET https://c.test/4 201 error="}));
  EXPECT_EQ(Count(*store, "connection_audit_contexts"), 3);

  // New entries follow the old ones, numbered after them.
  EXPECT_FALSE(connections.Call({.org_id = "org1", .environment = "sandbox", .user_id = "usr_1",
                                 .origin = "proxy"},
                                "books", {.url = "/x"})
                   .ok());
  auto newest = connections.Audit("org1", "", 1);
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].id, "aud_4");
  EXPECT_EQ(Count(*store, "connection_audit_contexts"), 3);  // the context was there already
}

}  // namespace
}  // namespace relish::connections
