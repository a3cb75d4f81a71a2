// The SQLite reader under `relish store copy`: into a test store (SQLite in memory, or a fresh
// PostgreSQL schema in store_test_postgres), in batches, foreign keys first, values unchanged.
#include "store/sqlite_copy.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"
#include "store/testing.h"

namespace relish::store {
namespace {

// The child's name sorts first: the copy must put the parent before it all the same.
std::vector<Migration> Schema() {
  return {{"copy", 1, "tables",
           "CREATE TABLE z_parent (id TEXT PRIMARY KEY, \"select\" TEXT);"
           "CREATE TABLE a_child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL"
           " REFERENCES z_parent(id), n BIGINT, x DOUBLE PRECISION, note TEXT);"}};
}

class SqliteCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("relish-copy-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "relish.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The source: `rows` children of two parents, with every kind of value.
  void MakeSource(int rows) {
    auto source = OpenSqlite({.path = path_});
    ASSERT_TRUE(source.ok()) << source.error().ToString();
    ASSERT_TRUE((*source)->Migrate(Schema()).ok());
    auto r = Transact(**source, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
      TRY(tx.Exec("INSERT INTO z_parent (id, \"select\") VALUES ('p1', 'a \"quoted\" name')"));
      TRY(tx.Exec("INSERT INTO z_parent (id, \"select\") VALUES ('p2', NULL)"));
      for (int i = 0; i < rows; ++i) {
        TRY(tx.Exec("INSERT INTO a_child (id, parent_id, n, x, note) VALUES (?, ?, ?, ?, ?)",
                    "c" + std::to_string(i), i % 2 ? "p1" : "p2", int64_t{1} << 40 | i, i + 0.5,
                    i % 3 ? Value("sealed:v1:" + std::string(100, 'k') + std::to_string(i))
                          : Value(nullptr)));
      }
      return Ok();
    });
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteCopyTest, CopiesEveryTableInBatchesParentsFirst) {
  MakeSource(1234);
  auto source = SqliteSource::Open(path_);
  ASSERT_TRUE(source.ok()) << source.error().ToString();
  auto applied = (*source)->AppliedMigrations();
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, (std::vector<std::pair<std::string, int>>{{"copy", 1}}));
  auto tables = (*source)->Tables();
  ASSERT_TRUE(tables.ok()) << tables.error().ToString();
  EXPECT_EQ(*tables, (std::vector<std::string>{"z_parent", "a_child"}));

  auto target = testing::OpenTestStore();
  ASSERT_NE(target, nullptr);
  ASSERT_TRUE(target->Migrate(Schema()).ok());
  std::vector<std::string> reported;
  auto copied = Transact(*target, TxMode::kWrite, [&](Transaction& tx) {
    return (*source)->CopyInto(tx, *tables,
                               {.batch_rows = 100,
                                .batch_bytes = 20000,  // ~150 rows: some batches end by size
                                .on_table = [&](const CopiedTable& t) {
                                  reported.push_back(t.name + "=" + std::to_string(t.rows));
                                }});
  });
  ASSERT_TRUE(copied.ok()) << copied.error().ToString();
  EXPECT_EQ(reported, (std::vector<std::string>{"z_parent=2", "a_child=1234"}));

  auto rows = Transact(*target, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT id, parent_id, n, x, note FROM a_child WHERE id IN ('c0', 'c1', 'c1233')"
                    " ORDER BY id");
  });
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].Text(1), "p2");
  EXPECT_EQ((*rows)[0].Int(2), int64_t{1} << 40);
  EXPECT_DOUBLE_EQ((*rows)[0].Real(3), 0.5);
  EXPECT_TRUE((*rows)[0].IsNull(4));
  EXPECT_EQ((*rows)[1].Text(4), "sealed:v1:" + std::string(100, 'k') + "1");
  EXPECT_EQ((*rows)[2].Text(0), "c1233");
  EXPECT_EQ((*rows)[2].Int(2), (int64_t{1} << 40) | 1233);
  auto parent = Transact(*target, TxMode::kRead, [](Transaction& tx) {
    return tx.QueryOne("parent", "SELECT \"select\" FROM z_parent WHERE id = 'p1'");
  });
  ASSERT_TRUE(parent.ok()) << parent.error().ToString();
  EXPECT_EQ(parent->Text(0), "a \"quoted\" name");
}

TEST_F(SqliteCopyTest, ATargetThatAlreadyHasARowFailsTheCount) {
  MakeSource(3);
  auto source = SqliteSource::Open(path_);
  ASSERT_TRUE(source.ok());
  auto target = testing::OpenTestStore();
  ASSERT_NE(target, nullptr);
  ASSERT_TRUE(target->Migrate(Schema()).ok());
  auto copied = Transact(*target, TxMode::kWrite, [&](Transaction& tx) -> Result<std::vector<CopiedTable>> {
    TRY(tx.Exec("INSERT INTO z_parent (id) VALUES ('p0')"));
    return (*source)->CopyInto(tx, {"z_parent"}, {});
  });
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.error().message(),
            "table z_parent: the source's 2 rows were copied and the target has 3");
}

TEST_F(SqliteCopyTest, MissingFileAndNotADatabase) {
  auto missing = SqliteSource::Open(path_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "no SQLite database at " + path_);
  FILE* f = std::fopen(path_.c_str(), "w");
  std::fputs("not a database, just words that go on for a while to fill a page header......", f);
  std::fclose(f);
  auto junk = SqliteSource::Open(path_);
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message().find("is not a database Relish can read"), std::string::npos)
      << junk.error().message();
}

// Another process with the database open (as relish serve keeps it): refused, naming its pid;
// once it has closed it, not.
TEST_F(SqliteCopyTest, RefusesADatabaseAnotherProcessHasOpen) {
  MakeSource(1);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = OpenSqlite({.path = path_});
    if (s.ok()) (void)Transact(**s, TxMode::kRead, [](Transaction& tx) {
      return tx.Query("SELECT 1 FROM z_parent");
    });
    char c = s.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto in_use = CheckSqliteNotInUse(path_);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  ASSERT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(in_use.error().message(),
            path_ + " is open in another process (pid " + std::to_string(child) +
                "): stop relish serve (and any relish run) using it first, so that nothing "
                "written after the copy is lost");
  EXPECT_TRUE(CheckSqliteNotInUse(path_).ok());
}

TEST(QuoteIdentifierTest, DoublesQuotes) {
  EXPECT_EQ(QuoteIdentifier("plain"), "\"plain\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace relish::store
