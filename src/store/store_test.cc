#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "store/sqlite/sqlite_store.h"

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
    auto s = OpenSqlite({.path = (dir_ / "relish.db").string()});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(*s);
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
  EXPECT_EQ(r.error().message().rfind("migration notes/3 (broken): exec: near \"TABLEE\"", 0), 0u)
      << r.error().message();
  auto rows = Transact(*store_, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT name FROM sqlite_master WHERE name = 'x'");
  });
  EXPECT_TRUE(rows->empty());
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

TEST(SqliteOpenTest, BadDirectoryIsUnavailable) {
  auto s = OpenSqlite({.path = "/nonexistent-dir/x/relish.db"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace relish::store
