#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing.h"

namespace relish::store {
namespace {

std::vector<Migration> Notes() {
  return {
      {"notes", 1, "notes table",
       "CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL, n BIGINT);"},
      {"notes", 2, "tags", "CREATE TABLE tags (note_id TEXT NOT NULL REFERENCES notes(id),"
                           " tag TEXT NOT NULL, UNIQUE (note_id, tag));"},
  };
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("relish-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (testing::TestingPostgres()) {
      store_ = testing::OpenTestStore();
      ASSERT_NE(store_, nullptr);
    } else {
      auto s = OpenSqlite({.path = (dir_ / "relish.db").string()});
      ASSERT_TRUE(s.ok()) << s.error().ToString();
      store_ = std::move(*s);
    }
    ASSERT_TRUE(store_->Migrate(Notes()).ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, MigrationsApplyOnceInOrder) {
  auto applied = store_->AppliedMigrations();
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, (std::vector<std::pair<std::string, int>>{{"notes", 1}, {"notes", 2}}));
  // Running again is a no-op; adding version 3 applies only it.
  auto more = Notes();
  more.push_back({"notes", 3, "index", "CREATE INDEX notes_n ON notes (n);"});
  ASSERT_TRUE(store_->Migrate(more).ok());
  EXPECT_EQ(store_->AppliedMigrations()->size(), 3u);
}

// Two nodes starting at once on an empty database: both read "nothing applied", then take turns
// applying; the second must find each migration done instead of failing on CREATE TABLE.
TEST_F(StoreTest, TwoProcessesMigratingAtOnceBothSucceed) {
  std::unique_ptr<Store> other;
  if (testing::TestingPostgres()) {
    auto schema = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
      return tx.QueryOne("schema", "SELECT current_schema()");
    });
    ASSERT_TRUE(schema.ok());
    auto s = OpenPostgres({.url = std::string(testing::PostgresTestUrl()) +
                                  "?options=-csearch_path%3D" + schema->Text(0),
                           .pool_size = 2});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    other = std::move(*s);
  } else {
    auto s = OpenSqlite({.path = (dir_ / "relish.db").string()});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    other = std::move(*s);
  }
  std::vector<Migration> race;
  for (int v = 1; v <= 8; ++v) {
    race.push_back({"race", v, "table " + std::to_string(v),
                    "CREATE TABLE race_" + std::to_string(v) + " (id TEXT PRIMARY KEY);"});
  }
  std::atomic<int> ready{0};
  Result<void> results[2] = {Ok(), Ok()};
  std::vector<std::thread> nodes;
  int i = 0;
  for (Store* s : {store_.get(), other.get()}) {
    nodes.emplace_back([&, s, i] {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      results[i] = s->Migrate(race);
    });
    ++i;
  }
  for (auto& t : nodes) t.join();
  EXPECT_TRUE(results[0].ok()) << results[0].error().ToString();
  EXPECT_TRUE(results[1].ok()) << results[1].error().ToString();
  auto applied = store_->AppliedMigrations();
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(std::count_if(applied->begin(), applied->end(),
                          [](const auto& a) { return a.first == "race"; }),
            8);
}

TEST_F(StoreTest, RefusesASchemaNewerThanTheBinary) {
  auto more = Notes();
  more.push_back({"notes", 3, "index", "CREATE INDEX notes_n ON notes (n);"});
  ASSERT_TRUE(store_->Migrate(more).ok());
  auto r = store_->Migrate(Notes());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "the database schema for 'notes' is at version 3, newer than this binary knows (2); "
            "upgrade relish");
}

TEST_F(StoreTest, FailedMigrationNamesItselfAndChangesNothing) {
  auto bad = Notes();
  bad.push_back({"notes", 3, "broken", "CREATE TABLE x (a TEXT); CREATE TABLEE y;"});
  auto r = store_->Migrate(bad);
  ASSERT_FALSE(r.ok());
  std::string expected = store_->backend() == "sqlite"
                             ? "migration notes/3 (broken): exec: near \"TABLEE\""
                             : "migration notes/3 (broken): exec: syntax error at or near \"TABLEE\"";
  EXPECT_EQ(r.error().message().rfind(expected, 0), 0u) << r.error().message();
  // Table x was rolled back with the failed statement's transaction.
  auto rows = Transact(*store_, TxMode::kRead,
                       [](Transaction& tx) { return tx.Query("SELECT a FROM x"); });
  EXPECT_FALSE(rows.ok());
}

TEST_F(StoreTest, InsertQueryAndTypedColumns) {
  auto w = Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
    EXPECT_EQ(*tx.Exec("INSERT INTO notes VALUES (?, ?, ?)", "a", "hello", 42), 1);
    EXPECT_EQ(*tx.Exec("INSERT INTO notes VALUES (?, ?, ?)", "b", std::string("wörld"), nullptr),
              1);
    return Ok();
  });
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  auto rows = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT id, body, n FROM notes ORDER BY id");
  });
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].Text(1), "hello");
  EXPECT_EQ((*rows)[0].Int(2), 42);
  EXPECT_EQ((*rows)[1].Text(1), "wörld");
  EXPECT_TRUE((*rows)[1].IsNull(2));
  EXPECT_EQ((*rows)[1].OptInt(2), std::nullopt);
}

TEST_F(StoreTest, BorrowedParametersBindLikeOwnedOnes) {
  std::string body = "borrowed text";
  auto w = Transact(*store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    std::vector<ValueRef> params{std::string_view("a"), std::string_view(body), int64_t{7},
                                 std::string_view("b"), std::string_view(""), nullptr};
    EXPECT_EQ(*tx.ExecRefs("INSERT INTO notes VALUES (?, ?, ?), (?, ?, ?)", params), 2);
    auto short_by_one = tx.ExecRefs("INSERT INTO notes VALUES (?, ?, ?)", std::span(params).first(2));
    EXPECT_FALSE(short_by_one.ok());
    EXPECT_EQ(short_by_one.error().message(),
              "statement wants 3 parameters, got 2: INSERT INTO notes VALUES (?, ?, ?)");
    return Ok();
  });
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  auto rows = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT id, body, n FROM notes ORDER BY id");
  });
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].Text(1), "borrowed text");
  EXPECT_EQ((*rows)[0].Int(2), 7);
  EXPECT_EQ((*rows)[1].Text(1), "");
  EXPECT_TRUE((*rows)[1].IsNull(2));
}

TEST_F(StoreTest, UniqueViolationIsAlreadyExistsAndForeignKeysHold) {
  auto r = Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("INSERT INTO notes VALUES ('a', 'x', 1)"));
    TRY(tx.Exec("INSERT INTO notes VALUES ('a', 'y', 2)"));
    return Ok();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists);
  auto fk = Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("INSERT INTO tags VALUES ('missing', 't')"));
    return Ok();
  });
  ASSERT_FALSE(fk.ok());
  EXPECT_EQ(fk.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(StoreTest, UncommittedTransactionRollsBack) {
  {
    auto tx = store_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Exec("INSERT INTO notes VALUES ('gone', 'x', 1)").ok());
  }
  auto one = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("note gone", "SELECT id FROM notes WHERE id = ?", "gone");
  });
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error(), NotFound("note gone"));
}

// Only a transaction the database aborted to settle a conflict runs again (PostgresStoreTest has
// those); any other failure is the answer at once.
TEST_F(StoreTest, OtherFailuresAreNotRunAgain) {
  ASSERT_TRUE(Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
                TRY(tx.Exec("INSERT INTO notes VALUES ('a', 'x', 1)"));
                return Ok();
              }).ok());
  int attempts = 0;
  auto dup = Transact(*store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    ++attempts;
    TRY(tx.Exec("INSERT INTO notes VALUES ('a', 'y', 2)"));
    return Ok();
  });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(attempts, 1);
  attempts = 0;
  auto refused = Transact(*store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    ++attempts;
    TRY(tx.Exec("INSERT INTO notes VALUES ('b', 'y', 2)"));
    return FailedPrecondition("the function said no");
  });
  EXPECT_EQ(refused.error().message(), "the function said no");
  EXPECT_EQ(attempts, 1);
  auto n = Transact(*store_, TxMode::kRead,
                    [](Transaction& t) { return t.QueryOne("count", "SELECT COUNT(*) FROM notes"); });
  EXPECT_EQ(n->Int(0), 1);
}

TEST_F(StoreTest, ReadersSeeCommittedDataWhileAWriterIsOpen) {
  ASSERT_TRUE(Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
                TRY(tx.Exec("INSERT INTO notes VALUES ('a', 'committed', 1)"));
                return Ok();
              }).ok());
  auto writer = store_->Begin(TxMode::kWrite);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Exec("UPDATE notes SET body = 'pending' WHERE id = 'a'").ok());
  std::string seen;
  std::thread reader([&] {
    auto row = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
      return tx.QueryOne("a", "SELECT body FROM notes WHERE id = 'a'");
    });
    seen = row.ok() ? row->Text(0) : row.error().ToString();
  });
  reader.join();
  EXPECT_EQ(seen, "committed");
  ASSERT_TRUE((*writer)->Commit().ok());
}

TEST_F(StoreTest, WritersFromManyThreadsAllLand) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = Transact(*store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
          TRY(tx.Exec("INSERT INTO notes VALUES (?, 'x', ?)",
                      std::to_string(t) + "-" + std::to_string(i), i));
          return Ok();
        });
        ASSERT_TRUE(r.ok()) << r.error().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  auto n = Transact(*store_, TxMode::kRead,
                    [](Transaction& tx) { return tx.QueryOne("count", "SELECT COUNT(*) FROM notes"); });
  EXPECT_EQ(n->Int(0), 200);
}

// Both backends hand back the same C++ types for the common subset, so module code reading a
// Row never asks which one it runs on.
TEST_F(StoreTest, ValuesComeBackWithTheSameTypesOnBothBackends) {
  ASSERT_TRUE(store_->Migrate({{"types", 1, "types",
                                "CREATE TABLE kinds (t TEXT, i BIGINT, d DOUBLE PRECISION);"}})
                  .ok());
  auto w = Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("INSERT INTO kinds VALUES (?, ?, ?)", "it's ?", int64_t{9007199254740993}, 2.5));
    TRY(tx.Exec("INSERT INTO kinds VALUES (?, ?, ?)", nullptr, true, -0.125));
    return Ok();
  });
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  auto rows = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    // A '?' inside quotes is text, not a parameter; CAST(? AS TEXT) types a parameter that its
    // use does not (PostgreSQL infers the others from their columns).
    return tx.Query("SELECT t, i, d, 'what?', COUNT(*) OVER (), CAST(? AS TEXT) IS NULL"
                    " FROM kinds WHERE i > ? ORDER BY i DESC", nullptr, 0);
  });
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 2u);
  const Row& r = (*rows)[0];
  EXPECT_EQ(std::get<std::string>(r[0].variant()), "it's ?");
  EXPECT_EQ(std::get<int64_t>(r[1].variant()), 9007199254740993);
  EXPECT_EQ(std::get<double>(r[2].variant()), 2.5);
  EXPECT_EQ(std::get<std::string>(r[3].variant()), "what?");
  EXPECT_EQ(std::get<int64_t>(r[4].variant()), 2);
  EXPECT_EQ(r.Int(5), 1);  // a boolean is the integer 1 or 0, as in SQLite
  EXPECT_TRUE((*rows)[1].IsNull(0));
  EXPECT_EQ(std::get<int64_t>((*rows)[1][1].variant()), 1);
  EXPECT_EQ(std::get<double>((*rows)[1][2].variant()), -0.125);
  auto sums = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("sums", "SELECT SUM(i), SUM(d), MAX(i), MIN(t) FROM kinds");
  });
  ASSERT_TRUE(sums.ok()) << sums.error().ToString();
  EXPECT_EQ(std::get<int64_t>((*sums)[0].variant()), 9007199254740994);
  EXPECT_EQ(std::get<double>((*sums)[1].variant()), 2.375);
  EXPECT_EQ(std::get<int64_t>((*sums)[2].variant()), 9007199254740993);
  EXPECT_EQ(std::get<std::string>((*sums)[3].variant()), "it's ?");
}

TEST(PlaceholderTest, QuestionMarksOutsideQuotesAndCommentsBecomeNumbered) {
  int n = 0;
  EXPECT_EQ(TranslatePlaceholders("SELECT a FROM t WHERE a = ? AND b IN (?, ?)", &n),
            "SELECT a FROM t WHERE a = $1 AND b IN ($2, $3)");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(TranslatePlaceholders("SELECT '?', 'it''s ?', \"odd?col\" -- why?\n, ? /* ? */ ?", &n),
            "SELECT '?', 'it''s ?', \"odd?col\" -- why?\n, $1 /* ? */ $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(TranslatePlaceholders("SELECT E'\\'?' || ?", &n), "SELECT E'\\'?' || $1");
  EXPECT_EQ(n, 1);
  // An unterminated quote swallows the rest: the server then reports the syntax error.
  EXPECT_EQ(TranslatePlaceholders("SELECT 'open ?", &n), "SELECT 'open ?");
  EXPECT_EQ(n, 0);
}

TEST(PostgresUrlTest, PasswordsAreRedacted) {
  EXPECT_EQ(RedactPostgresUrl("postgres://relish:s3cret@db:5432/relish"),
            "postgres://relish:***@db:5432/relish");
  EXPECT_EQ(RedactPostgresUrl("postgres://relish@db/relish"), "postgres://relish@db/relish");
  EXPECT_TRUE(IsPostgresUrl("postgresql://x/y"));
  EXPECT_FALSE(IsPostgresUrl("/var/lib/relish/relish.db"));
}

// What only the PostgreSQL backend has: a server that can go away, and other processes.
class PostgresStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    if (!testing::TestingPostgres()) GTEST_SKIP() << "runs in store_test_postgres";
    StoreTest::SetUp();
  }
  // Another process's store on this test's schema.
  std::unique_ptr<Store> OpenOther(int pool_size) {
    auto search_path = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
      return tx.QueryOne("schema", "SELECT current_schema()");
    });
    if (!search_path.ok()) return nullptr;
    std::string base = testing::PostgresTestUrl();
    auto other = OpenPostgres({.url = base + "?options=-csearch_path%3D" + search_path->Text(0),
                               .pool_size = pool_size});
    if (!other.ok()) return nullptr;
    return std::move(*other);
  }
  int64_t CountNotes() {
    auto n = Transact(*store_, TxMode::kRead,
                      [](Transaction& t) { return t.QueryOne("count", "SELECT COUNT(*) FROM notes"); });
    return n.ok() ? n->Int(0) : -1;
  }
};

// Waits, in `tx`, until some session waits for the advisory lock `key` (a bounded wait).
Result<void> UntilSomeoneWaitsFor(Transaction& tx, int64_t key) {
  for (int i = 0; i < 3000; ++i) {
    auto waiting = TRY(tx.QueryOne("waiting",
                                   "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND"
                                   " NOT granted AND CAST(objid AS BIGINT) = CAST(? AS BIGINT)",
                                   key));
    if (waiting.Int(0) > 0) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return DeadlineExceeded("nobody waited for advisory lock " + std::to_string(key));
}

// A real deadlock between a Relish write and a session outside the writers' turns (here another
// process's reader; in life an operator's psql or a migration tool). PostgreSQL aborts one of the
// two; when that is the Relish write, Transact runs it again and it lands once.
TEST_F(PostgresStoreTest, AWriteThatLosesADeadlockRunsAgainAndLandsOnce) {
  auto other = OpenOther(1);
  ASSERT_NE(other, nullptr);
  // Keys of this process's own: other tests' processes share the cluster.
  const int64_t a = 1000000 + int64_t{::getpid()} * 2;
  const int64_t b = a + 1;
  std::atomic<bool> other_holds_b{false};
  std::atomic<bool> we_hold_a{false};
  Result<void> outside = Ok();
  std::thread outsider([&] {
    outside = Transact(*other, TxMode::kRead, [&](Transaction& tx) -> Result<void> {
      // Not the one to find the deadlock: that check runs a minute after it starts waiting.
      TRY(tx.ExecScript("SET LOCAL deadlock_timeout = '60s'"));
      TRY(tx.Query("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", b));
      other_holds_b = true;
      for (int i = 0; i < 3000 && !we_hold_a; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      TRY(tx.Query("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", a));  // waits for us
      return Ok();
    });
  });
  int attempts = 0;
  auto wrote = Transact(*store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    ++attempts;
    TRY(tx.ExecScript("SET LOCAL deadlock_timeout = '100ms'"));
    TRY(tx.Query("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", a));
    if (attempts == 1) {
      for (int i = 0; i < 3000 && !other_holds_b; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      we_hold_a = true;
      TRY(UntilSomeoneWaitsFor(tx, a));
    }
    TRY(tx.Exec("INSERT INTO notes VALUES (?, 'written', ?)", "n" + std::to_string(attempts),
                attempts));
    TRY(tx.Query("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", b));  // closes the circle
    return Ok();
  });
  outsider.join();
  ASSERT_TRUE(wrote.ok()) << wrote.error().ToString();
  ASSERT_TRUE(outside.ok()) << outside.error().ToString();
  EXPECT_EQ(attempts, 2);
  // The first attempt's row went with its transaction.
  auto rows = Transact(*store_, TxMode::kRead,
                       [](Transaction& tx) { return tx.Query("SELECT id, n FROM notes"); });
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text(0), "n2");
}

TEST_F(PostgresStoreTest, AConflictAtCommitRunsTheTransactionAgain) {
  // A deferred constraint trigger that fails the first commit with a serialization failure (a
  // sequence counts, because nothing a failed transaction writes survives it).
  ASSERT_TRUE(Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
                return tx.ExecScript(
                    "CREATE SEQUENCE commits;"
                    "CREATE FUNCTION fail_first_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN IF nextval('commits') = 1 THEN RAISE EXCEPTION 'lost at commit'"
                    " USING ERRCODE = 'serialization_failure'; END IF; RETURN NULL; END $$;"
                    "CREATE CONSTRAINT TRIGGER notes_commit AFTER INSERT ON notes"
                    " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_first_commit()");
              }).ok());
  int attempts = 0;
  auto wrote = Transact(*store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    ++attempts;
    TRY(tx.Exec("INSERT INTO notes VALUES ('once', 'x', 1)"));
    return Ok();
  });
  ASSERT_TRUE(wrote.ok()) << wrote.error().ToString();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(CountNotes(), 1);
}

TEST_F(PostgresStoreTest, AWriteThatKeepsLosingGivesUpUnavailable) {
  int attempts = 0;
  auto wrote = Transact(*store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    ++attempts;
    TRY(tx.Exec("INSERT INTO notes VALUES (?, 'x', 1)", "n" + std::to_string(attempts)));
    return tx.ExecScript(
        "DO $$ BEGIN RAISE EXCEPTION 'lost again' USING ERRCODE = 'serialization_failure'; END $$");
  });
  ASSERT_FALSE(wrote.ok());
  EXPECT_EQ(attempts, kTransactAttempts);
  EXPECT_EQ(wrote.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(wrote.error().message(), "gave up after 4 attempts: exec: lost again [40001]");
  EXPECT_EQ(CountNotes(), 0);
}

TEST_F(PostgresStoreTest, AStatementAfterAFailedOneFailsAndCommitRefuses) {
  auto tx = store_->Begin(TxMode::kWrite);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->Exec("INSERT INTO notes VALUES ('a', 'x', 1)").ok());
  auto dup = (*tx)->Exec("INSERT INTO notes VALUES ('a', 'y', 2)");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  auto commit = (*tx)->Commit();
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.error().message(), "commit: an earlier statement in the transaction failed");
  tx->reset();
  auto n = Transact(*store_, TxMode::kRead,
                    [](Transaction& t) { return t.QueryOne("count", "SELECT COUNT(*) FROM notes"); });
  EXPECT_EQ(n->Int(0), 0);
}

TEST_F(PostgresStoreTest, ALostConnectionIsUnavailableThenReconnects) {
  auto pid = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("pid", "SELECT pg_backend_pid()");
  });
  ASSERT_TRUE(pid.ok()) << pid.error().ToString();
  // The pool holds one idle connection: the one that answered. Kill its server process.
  auto killer = testing::OpenTestStore(1);
  ASSERT_NE(killer, nullptr);
  auto killed = Transact(*killer, TxMode::kWrite, [&](Transaction& tx) {
    return tx.QueryOne("kill", "SELECT pg_terminate_backend(CAST(? AS INTEGER))", pid->Int(0));
  });
  ASSERT_TRUE(killed.ok()) << killed.error().ToString();
  auto lost = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("one", "SELECT 1");
  });
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code(), ErrorCode::kUnavailable) << lost.error().ToString();
  auto again = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("notes", "SELECT COUNT(*) FROM notes WHERE n > ?", 0);
  });
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->Int(0), 0);
}

// Two stores on one database are two Relish processes: their writers take turns, so a
// read-then-write (here: counter = counter + 1 through the application) never loses an update.
TEST_F(PostgresStoreTest, WritersInTwoProcessesTakeTurns) {
  ASSERT_TRUE(Transact(*store_, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
                TRY(tx.Exec("INSERT INTO notes VALUES ('counter', 'x', 0)"));
                return Ok();
              }).ok());
  auto other = OpenOther(2);
  ASSERT_NE(other, nullptr);
  std::vector<std::thread> threads;
  for (Store* s : {store_.get(), other.get()}) {
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([s] {
        for (int i = 0; i < 25; ++i) {
          auto r = Transact(*s, TxMode::kWrite, [](Transaction& tx) -> Result<void> {
            auto row = TRY(tx.QueryOne("counter", "SELECT n FROM notes WHERE id = 'counter'"));
            TRY(tx.Exec("UPDATE notes SET n = ? WHERE id = 'counter'", row.Int(0) + 1));
            return Ok();
          });
          ASSERT_TRUE(r.ok()) << r.error().ToString();
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  auto n = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("counter", "SELECT n FROM notes WHERE id = 'counter'");
  });
  EXPECT_EQ(n->Int(0), 100);
}

TEST(PostgresOpenTest, AnUnreachableServerIsUnavailableWithoutItsPassword) {
  auto s = OpenPostgres({.url = "postgres://relish:s3cret@127.0.0.1:1/relish?connect_timeout=2"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(s.error().message().find("s3cret"), std::string::npos) << s.error().message();
  EXPECT_EQ(OpenPostgres({.url = "postgres://x/y", .pool_size = 0}).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(PostgresStoreTest, ADatabaseOrderingTextByLanguageIsRefused) {
  std::string base = testing::PostgresTestUrl();
  auto admin = OpenPostgres({.url = base, .pool_size = 1});
  ASSERT_TRUE(admin.ok()) << admin.error().ToString();
  std::string name = "icu_" + std::to_string(::getpid());
  {
    // CREATE DATABASE cannot run in a transaction block: end the store's own first.
    auto tx = (*admin)->Begin(TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    for (const std::string& sql : std::vector<std::string>{"ROLLBACK", "DROP DATABASE IF EXISTS " + name,
                            "CREATE DATABASE " + name + " TEMPLATE template0 LOCALE_PROVIDER icu"
                            " ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'",
                            std::string("BEGIN")}) {
      auto r = (*tx)->ExecScript(sql);
      ASSERT_TRUE(r.ok()) << r.error().ToString();
    }
  }
  size_t slash = base.rfind('/');
  auto refused = OpenPostgres({.url = base.substr(0, slash + 1) + name});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().message().rfind("the database orders text by 'ICU'; Relish needs byte order", 0), 0u)
      << refused.error().message();
}

TEST(SqliteOpenTest, BadDirectoryIsUnavailable) {
  auto s = OpenSqlite({.path = "/nonexistent-dir/x/relish.db"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace relish::store
