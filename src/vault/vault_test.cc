#include "vault/vault.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "base/log.h"
#include "store/counting_store.h"
#include "store/testing.h"

namespace relish::vault {
namespace {

namespace fs = std::filesystem;

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("relish-vault-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // On PostgreSQL, one schema for the whole test: reopening the store finds what it held.
    if (store::testing::TestingPostgres()) {
      auto url = store::testing::NewPostgresSchemaUrl();
      ASSERT_TRUE(url.ok()) << url.error().ToString();
      postgres_url_ = *url;
    }
    OpenStore();
  }
  void TearDown() override {
    vault_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void OpenStore() {
    vault_.reset();
    store_.reset();
    auto opened = postgres_url_.empty()
                      ? store::OpenSqlite({.path = (dir_ / "relish.db").string()})
                      : store::OpenPostgres({.url = postgres_url_, .pool_size = 2});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    std::vector<store::Migration> m = Vault::Migrations();
    auto tracking = Vault::TrackSealedColumns("secrets", {"value"});
    const std::string table = "CREATE TABLE secrets (id TEXT PRIMARY KEY, value TEXT);";
    m.push_back({"secrets", 1, "t", table + tracking.sqlite, table + tracking.postgres});
    ASSERT_TRUE(store_->Migrate(m).ok());
  }
  Result<std::unique_ptr<Vault>> OpenVault() {
    auto keys = TRY(LoadMasterKeys({.key_file = KeyFile()}, random_));
    auto v = TRY(Vault::Open(*store_, keys, clock_, random_));
    v->RegisterColumn({"secrets", "value", "id", "'secret:' || id"});
    return v;
  }
  std::string KeyFile() { return (dir_ / "master.key").string(); }
  // Another node: its own vault on the same database (through `store`, a counting wrapper of
  // store_), with `column` registered.
  std::unique_ptr<Vault> OtherNode(store::Store& store, Vault::SealedColumn column) {
    auto keys = LoadMasterKeys({.key_file = KeyFile()}, random_);
    if (!keys.ok()) {
      ADD_FAILURE() << keys.error().ToString();
      return nullptr;
    }
    auto node = Vault::Open(store, *keys, clock_, random_);
    if (!node.ok()) {
      ADD_FAILURE() << node.error().ToString();
      return nullptr;
    }
    (*node)->RegisterColumn(std::move(column));
    return std::move(*node);
  }
  // Runs `node`'s Learn, expecting it to read `rows_read` rows of `table` in all (what changed,
  // then the retried rows); returns how many values it opened.
  int64_t Scan(Vault& node, store::testing::CountingStore& counting, std::string_view table,
               size_t rows_read) {
    counting.Reset();
    auto learned = node.Learn();
    EXPECT_TRUE(learned.ok()) << learned.error().ToString();
    size_t rows = 0;
    for (const auto& r : counting.ReadsOf("FROM " + std::string(table) + " ")) rows += r.rows;
    EXPECT_EQ(rows, rows_read) << table;
    return learned.ok() ? *learned : -1;
  }
  // Creates a table of sealed values numbered for Learn, as a module's migration does.
  void CreateSealedTable(const std::string& create, std::string_view table,
                         const std::vector<std::string>& columns) {
    auto tracking = Vault::TrackSealedColumns(table, columns);
    const std::string sql = create + (postgres_url_.empty() ? tracking.sqlite : tracking.postgres);
    auto made = store::Transact(*store_, store::TxMode::kWrite,
                                [&](store::Transaction& tx) { return tx.ExecScript(sql); });
    ASSERT_TRUE(made.ok()) << made.error().ToString();
  }
  void Write(const std::string& sql, std::vector<store::Value> params) {
    auto wrote = store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return tx.ExecParams(sql, params);
    });
    ASSERT_TRUE(wrote.ok()) << wrote.error().ToString();
  }
  void Put(const std::string& id, const std::string& plaintext) {
    auto sealed = vault_->Seal("secret:" + id, plaintext, "org_a");
    ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
    ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
                  TRY(tx.Exec("INSERT INTO secrets (id, value) VALUES (?, ?)", id, *sealed));
                  return Ok();
                }).ok());
  }
  Result<std::string> Get(const std::string& id) {
    auto row = TRY(store::Transact(*store_, store::TxMode::kRead, [&](store::Transaction& tx) {
      return tx.QueryOne("secret", "SELECT value FROM secrets WHERE id = ?", id);
    }));
    return vault_->Open("secret:" + id, row.Text(0), "org_a");
  }
  // Everything the database holds: SQLite's files, or on PostgreSQL every row of every table in
  // the test's schema as text (its files hold the whole cluster, and are the server's).
  std::string ReadAllDatabaseBytes() {
    std::string all;
    if (!postgres_url_.empty()) {
      auto r = store::Transact(*store_, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<void> {
        auto tables = TRY(tx.Query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"));
        for (const auto& t : tables) {
          for (const auto& row : TRY(tx.Query("SELECT CAST(t AS TEXT) FROM " + t.Text(0) + " t"))) {
            all += row.Text(0);
          }
        }
        return Ok();
      });
      EXPECT_TRUE(r.ok()) << r.error().ToString();
      return all;
    }
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename().string().rfind("relish.db", 0) != 0) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      all += s.str();
    }
    return all;
  }

  fs::path dir_;
  std::string postgres_url_;  // empty: SQLite in dir_
  FakeClock clock_;
  FakeRandom random_{42};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(VaultTest, SealsAndOpensBoundToTheOwner) {
  vault_ = std::move(*OpenVault());
  auto sealed = vault_->Seal("connection:a:access_token", "ya29.super-secret-token", "org_a");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->rfind("v1.dk_", 0), 0u);
  EXPECT_EQ(*vault_->Open("connection:a:access_token", *sealed, "org_a"), "ya29.super-secret-token");
  auto other = vault_->Open("connection:b:access_token", *sealed, "org_a");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().message(),
            "secret for connection:b:access_token: sealed value does not open: wrong key, wrong "
            "owner or tampered");
  std::string tampered = *sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(vault_->Open("connection:a:access_token", tampered, "org_a").ok());
  EXPECT_FALSE(vault_->Open("x", "plaintext", "org_a").ok());
}

TEST_F(VaultTest, KeyFileIsCreatedOwnerOnlyAndReused) {
  vault_ = std::move(*OpenVault());
  struct stat st {};
  ASSERT_EQ(::stat(KeyFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string id = vault_->master_id();
  Put("a", "first-secret-value");
  OpenStore();
  vault_ = std::move(*OpenVault());
  EXPECT_EQ(vault_->master_id(), id);
  EXPECT_EQ(*Get("a"), "first-secret-value");
  ::chmod(KeyFile().c_str(), 0644);
  auto r = LoadMasterKeys({.key_file = KeyFile()}, random_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "the master key file " + KeyFile() +
                                     " is readable by other users; run: chmod 600 " + KeyFile());
}

TEST_F(VaultTest, NoPlaintextSecretReachesTheDatabaseFile) {
  vault_ = std::move(*OpenVault());
  const std::string planted = "PLANTED-refresh-token-8c1f7e2a9b";
  Put("a", planted);
  Put("b", planted + "-two");
  std::string bytes = ReadAllDatabaseBytes();
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find(planted), std::string::npos);
  EXPECT_EQ(bytes.find("PLANTED"), std::string::npos);
}

TEST_F(VaultTest, WrongMasterKeyIsRefused) {
  vault_ = std::move(*OpenVault());
  std::string right = vault_->master_id();
  vault_.reset();
  FakeRandom other(7);
  MasterKey wrong = MakeMasterKey(other);
  auto v = Vault::Open(*store_, {wrong}, clock_, random_);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message(),
            "the master key (" + wrong.id + ") does not match this database, which was sealed with " +
                right + "; restore DATA/master.key or set RELISH_MASTER_KEY to the right key");
}

TEST_F(VaultTest, EnvironmentKeyWinsAndMustBeWellFormed) {
  FakeRandom r(9);
  MasterKey k = MakeMasterKey(r);
  auto keys = LoadMasterKeys({.key_file = KeyFile(), .env_value = EncodeMasterKey(*k.key)}, random_);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].id, k.id);
  EXPECT_FALSE(fs::exists(KeyFile()));
  EXPECT_EQ(LoadMasterKeys({.env_value = "short"}, random_).error().message(),
            "RELISH_MASTER_KEY must hold 32 bytes in base64 (44 characters)");
}

TEST_F(VaultTest, RotationResealsEverythingAndRetiresTheOldMaster) {
  vault_ = std::move(*OpenVault());
  for (int i = 0; i < 20; ++i) Put("s" + std::to_string(i), "secret-number-" + std::to_string(i));
  std::string before = vault_->master_id();
  MasterKey next = MakeMasterKey(random_);
  auto report = vault_->Rotate(next, [&]() { return WriteNewKeyFile(KeyFile(), *next.key); });
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->resealed, 20);
  EXPECT_EQ(report->old_master_id, before);
  EXPECT_EQ(report->new_master_id, next.id);
  EXPECT_EQ(*Get("s7"), "secret-number-7");
  // Crash before the key file was replaced: the ".new" file is the candidate that matches.
  OpenStore();
  vault_ = std::move(*OpenVault());
  EXPECT_EQ(vault_->master_id(), next.id);
  EXPECT_EQ(*Get("s19"), "secret-number-19");
  ASSERT_TRUE(CommitKeyFile(KeyFile()).ok());
  OpenStore();
  vault_ = std::move(*OpenVault());
  EXPECT_EQ(*Get("s0"), "secret-number-0");
}

TEST_F(VaultTest, FailedRotationChangesNothing) {
  vault_ = std::move(*OpenVault());
  Put("a", "still-the-old-key");
  std::string before = vault_->master_id();
  MasterKey next = MakeMasterKey(random_);
  auto report = vault_->Rotate(next, []() -> Result<void> { return Unavailable("disk full"); });
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(vault_->master_id(), before);
  EXPECT_EQ(*Get("a"), "still-the-old-key");
  OpenStore();
  vault_ = std::move(*OpenVault());
  EXPECT_EQ(*Get("a"), "still-the-old-key");
}

TEST_F(VaultTest, OpenedSecretsAreRedactedFromLogs) {
  vault_ = std::move(*OpenVault());
  Put("a", "redact-me-please-123");
  EXPECT_EQ(GlobalRedactor().Scrub("token=redact-me-please-123"), "token=[REDACTED]");
  // Under the tenant the caller named: that organization's share of the Redactor.
  EXPECT_EQ(GlobalRedactor().ScrubFor("org_a", "redact-me-please-123"), "[REDACTED]");
  EXPECT_EQ(GlobalRedactor().ScrubFor("org_b", "redact-me-please-123"), "redact-me-please-123");
  auto sealed = vault_->Seal("secret:z", "installation-wide-secret-9", Redactor::kInstallation);
  ASSERT_TRUE(sealed.ok());
  GlobalRedactor().Remove("installation-wide-secret-9");
  EXPECT_EQ(*vault_->Open("secret:z", *sealed, Redactor::kInstallation), "installation-wide-secret-9");
  EXPECT_EQ(GlobalRedactor().ScrubFor(Redactor::kInstallation, "installation-wide-secret-9"),
            "[REDACTED]");
}

using store::testing::CountingStore;

// Learn read a table once per registered column (connection_credentials four times a second),
// and a data key that did not open was looked up again for every value sealed under it, each
// time reading the database (and, when it named another master key, the key files) under the
// vault's write lock.
TEST_F(VaultTest, LearnReadsEachTableOnceAndTriesABadKeyOncePerScan) {
  CreateSealedTable("CREATE TABLE pairs (id TEXT PRIMARY KEY, org TEXT, a TEXT, b TEXT);", "pairs",
                    {"a", "b"});
  CountingStore counting(*store_);
  auto keys = LoadMasterKeys({.key_file = KeyFile()}, random_);
  ASSERT_TRUE(keys.ok());
  auto opened = Vault::Open(counting, *keys, clock_, random_);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  vault_ = std::move(*opened);
  int reloads = 0;
  vault_->ReloadMasterKeysWith([&]() -> Result<std::vector<MasterKey>> {
    ++reloads;
    return std::vector<MasterKey>{};
  });
  std::vector<std::string> learned_b;
  for (const char* column : {"a", "b"}) {
    vault_->RegisterColumn({"pairs", column, "id", "'pair:' || id || ':" + std::string(column) + "'",
                            "org",
                            [&, column](std::string_view, std::string_view plain) {
                              if (column == std::string_view("b")) learned_b.emplace_back(plain);
                            }});
  }
  // Five rows with both columns, one with only `b`, three sealed under a data key that does not
  // open (its wrapping is not the master key's).
  auto put = [&](const std::string& id, std::optional<std::string> a, std::optional<std::string> b) {
    auto seal = [&](const std::optional<std::string>& v, const char* column) -> std::optional<std::string> {
      if (!v) return std::nullopt;
      if (v->starts_with("v1.")) return *v;
      return *vault_->Seal("pair:" + id + ":" + column, *v, "org_p");
    };
    auto a_sealed = seal(a, "a"), b_sealed = seal(b, "b");
    ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
                  TRY(tx.Exec("INSERT INTO pairs (id, org, a, b) VALUES (?, 'org_p', ?, ?)", id, a_sealed,
                              b_sealed));
                  return Ok();
                }).ok());
  };
  for (int i = 0; i < 5; ++i) {
    put("p" + std::to_string(i), "PAIRxAx" + std::to_string(i), "PAIRxBx" + std::to_string(i));
  }
  put("only_b", std::nullopt, "PAIRxBxONLY");
  ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
                TRY(tx.Exec("INSERT INTO vault_keys (id, wrapped, created_at, active) VALUES"
                            " ('dk_bad', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 0, 0)"));
                // Another node's rotation, as far as this vault can tell.
                TRY(tx.Exec("UPDATE vault_meta SET value = 'mk_elsewhere' WHERE name = 'master_id'"));
                return Ok();
              }).ok());
  for (int i = 0; i < 3; ++i) put("bad" + std::to_string(i), "v1.dk_bad.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", std::nullopt);
  // Sealing told the Redactor; Learn is to tell it again.
  for (int i = 0; i < 5; ++i) {
    GlobalRedactor().Remove("PAIRxAx" + std::to_string(i));
    GlobalRedactor().Remove("PAIRxBx" + std::to_string(i));
  }
  GlobalRedactor().Remove("PAIRxBxONLY");
  ASSERT_FALSE(GlobalRedactor().Contains("PAIRxAx3"));

  for (int scan = 0; scan < 2; ++scan) {
    counting.Reset();
    reloads = 0;
    auto learned = vault_->Learn();
    ASSERT_TRUE(learned.ok()) << learned.error().ToString();
    EXPECT_EQ(*learned, scan == 0 ? 11 : 0);
    // Each row once, not once per column; then only the rows whose values did not open (the
    // rows numbered since, none, and the retried ones).
    std::vector<size_t> rows;
    for (const auto& r : counting.ReadsOf("FROM pairs")) rows.push_back(r.rows);
    const std::vector<size_t> expected = scan == 0 ? std::vector<size_t>{9} : std::vector<size_t>{0, 3};
    EXPECT_EQ(rows, expected) << "scan " << scan;
    // The bad key: one lookup, one look at which master key the database names, one reload of
    // the key files, in each scan (a later scan tries it again: the key may arrive).
    EXPECT_EQ(counting.ReadsOf("FROM vault_keys WHERE id").size(), 1u) << "scan " << scan;
    EXPECT_EQ(counting.ReadsOf("FROM vault_meta").size(), 1u) << "scan " << scan;
    EXPECT_EQ(reloads, 1) << "scan " << scan;
  }
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_p", "PAIRxAx3"));
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_p", "PAIRxBxONLY"));
  EXPECT_EQ(learned_b.size(), 6u);
}

// Learn read every sealed value every second (5,000 connections: 5,000 rows, 35-60 ms per scan
// per node). Now a scan reads the rows sealed or re-sealed since the last, whichever vault wrote
// them, and each value under its own organization.
TEST_F(VaultTest, LearnReadsOnlyTheRowsSealedSinceTheLastScan) {
  CreateSealedTable("CREATE TABLE tenant_secrets (id TEXT PRIMARY KEY, org TEXT NOT NULL,"
                    " note TEXT, value TEXT);",
                    "tenant_secrets", {"value"});
  vault_ = std::move(*OpenVault());
  CountingStore counting(*store_);
  const Vault::SealedColumn column{"tenant_secrets", "value", "id", "'tenant:' || id", "org"};
  std::unique_ptr<Vault> node = OtherNode(counting, column);
  ASSERT_TRUE(node);
  auto seal = [&](const std::string& id, const std::string& org, const std::string& plain) {
    auto sealed = vault_->Seal("tenant:" + id, plain, org);
    EXPECT_TRUE(sealed.ok());
    GlobalRedactor().Remove(plain);  // what this vault sealed; the node is to learn it
    return sealed.ok() ? *sealed : std::string();
  };
  auto scan = [&](size_t rows_read) { return Scan(*node, counting, "tenant_secrets", rows_read); };
  Write("INSERT INTO tenant_secrets (id, org, value) VALUES ('a1', 'org_a', ?)",
        {seal("a1", "org_a", "ALPHA-first-secret")});
  Write("INSERT INTO tenant_secrets (id, org, value) VALUES ('b1', 'org_b', ?)",
        {seal("b1", "org_b", "BETA-first-secret")});
  Write("INSERT INTO tenant_secrets (id, org, value) VALUES ('n1', 'org_b', NULL)", {});

  EXPECT_EQ(scan(2), 2);  // the first scan: everything stored
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_a", "ALPHA-first-secret"));
  EXPECT_FALSE(GlobalRedactor().ContainsFor("org_b", "ALPHA-first-secret"));
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_b", "BETA-first-secret"));
  EXPECT_FALSE(GlobalRedactor().ContainsFor("org_a", "BETA-first-secret"));
  EXPECT_EQ(scan(0), 0);  // nothing changed: nothing read

  // Sealed by the other vault after the scan: a new row, and a new value in an existing one.
  Write("INSERT INTO tenant_secrets (id, org, value) VALUES ('a2', 'org_a', ?)",
        {seal("a2", "org_a", "ALPHA-second-secret")});
  Write("UPDATE tenant_secrets SET value = ? WHERE id = 'b1'",
        {seal("b1", "org_b", "BETA-replaced-secret")});
  EXPECT_EQ(scan(2), 2);
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_a", "ALPHA-second-secret"));
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_b", "BETA-replaced-secret"));
  EXPECT_FALSE(GlobalRedactor().ContainsFor("org_a", "BETA-replaced-secret"));
  // A row's other columns, and a sealed value written again unchanged, are not a change.
  Write("UPDATE tenant_secrets SET note = 'seen'", {});
  Write("UPDATE tenant_secrets SET value = value WHERE id = 'a1'", {});
  EXPECT_EQ(scan(0), 0);
  // A value sealed into a row that had none.
  Write("UPDATE tenant_secrets SET value = ? WHERE id = 'n1'", {seal("n1", "org_b", "BETA-late")});
  EXPECT_EQ(scan(1), 1);
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_b", "BETA-late"));
  // A starting node (a new vault) reads everything again.
  node = OtherNode(counting, column);
  ASSERT_TRUE(node);
  EXPECT_EQ(scan(4), 4);
}

// Another node rotated the master key: every value is re-sealed under a data key this node cannot
// open until the new key reaches it. Those rows are read again each scan (and only they), and
// learned once the key is there.
TEST_F(VaultTest, LearnRetriesValuesThatDidNotOpenUntilTheirKeyArrives) {
  vault_ = std::move(*OpenVault());
  CountingStore counting(*store_);
  std::unique_ptr<Vault> node = OtherNode(counting, {"secrets", "value", "id", "'secret:' || id"});
  ASSERT_TRUE(node);
  std::vector<MasterKey> arrived;  // what the node's key file holds
  node->ReloadMasterKeysWith([&]() -> Result<std::vector<MasterKey>> { return arrived; });
  auto scan = [&](size_t rows_read) { return Scan(*node, counting, "secrets", rows_read); };
  Put("a", "ROTATED-secret-a");
  Put("b", "ROTATED-secret-b");
  EXPECT_EQ(scan(2), 2);
  EXPECT_EQ(scan(0), 0);

  MasterKey next = MakeMasterKey(random_);
  auto rotated = vault_->Rotate(next, nullptr);
  ASSERT_TRUE(rotated.ok()) << rotated.error().ToString();
  Put("c", "ROTATED-secret-c");
  Write("INSERT INTO secrets (id, value) VALUES ('d', ?)",  // never opens
        {"v1.dk_none.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
  for (const char* s : {"ROTATED-secret-a", "ROTATED-secret-b", "ROTATED-secret-c"}) {
    GlobalRedactor().Remove(s);
  }
  EXPECT_EQ(scan(4), 0);  // re-sealed a and b, new c and d: none opens yet
  EXPECT_EQ(scan(4), 0);  // the same four again, nothing else
  arrived.push_back(next);
  EXPECT_EQ(scan(4), 3);
  for (const char* s : {"ROTATED-secret-a", "ROTATED-secret-b", "ROTATED-secret-c"}) {
    EXPECT_TRUE(GlobalRedactor().ContainsFor(Redactor::kInstallation, s)) << s;
  }
  EXPECT_EQ(scan(1), 0);  // only the value that never opens
  Write("UPDATE secrets SET value = ? WHERE id = 'd'",
        {*vault_->Seal("secret:d", "ROTATED-secret-d", "org_a")});
  GlobalRedactor().Remove("ROTATED-secret-d");
  EXPECT_EQ(scan(1), 1);  // re-sealed: its new number is read, its old one forgotten
  EXPECT_TRUE(GlobalRedactor().Contains("ROTATED-secret-d"));
  EXPECT_EQ(scan(0), 0);
}

// Rows a table held before its numbering was added (the migration runs on an installation in
// use) get numbers of their own: a row read again is that row, never every older one. Two rows
// of two organizations, one of which never opens: the retry reads that row alone.
TEST_F(VaultTest, RowsFromBeforeTheNumberingAreNumberedOneByOne) {
  vault_ = std::move(*OpenVault());
  Write("CREATE TABLE old_secrets (id TEXT PRIMARY KEY, org TEXT NOT NULL, value TEXT)", {});
  Write("INSERT INTO old_secrets (id, org, value) VALUES ('x', 'org_a', ?)",
        {*vault_->Seal("old:x", "OLDxSECRETxA", "org_a")});
  Write("INSERT INTO old_secrets (id, org, value) VALUES ('y', 'org_b', 'v1.dk_none.AAAA')", {});
  GlobalRedactor().Remove("OLDxSECRETxA");
  auto tracking = Vault::TrackSealedColumns("old_secrets", {"value"});
  const std::string& sql = postgres_url_.empty() ? tracking.sqlite : tracking.postgres;
  ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                return tx.ExecScript(sql);
              }).ok());
  auto numbers = store::Transact(*store_, store::TxMode::kRead, [](store::Transaction& tx) {
    return tx.Query("SELECT COUNT(DISTINCT sealed_seq), MIN(sealed_seq) FROM old_secrets");
  });
  ASSERT_TRUE(numbers.ok());
  EXPECT_EQ((*numbers)[0].Int(0), 2);
  EXPECT_GT((*numbers)[0].Int(1), 0);

  CountingStore counting(*store_);
  std::unique_ptr<Vault> node =
      OtherNode(counting, {"old_secrets", "value", "id", "'old:' || id", "org"});
  ASSERT_TRUE(node);
  auto scan = [&](size_t rows_read) { return Scan(*node, counting, "old_secrets", rows_read); };
  EXPECT_EQ(scan(2), 1);
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org_a", "OLDxSECRETxA"));
  EXPECT_FALSE(GlobalRedactor().ContainsFor("org_b", "OLDxSECRETxA"));
  EXPECT_EQ(scan(1), 0);  // y alone, not x again
  EXPECT_EQ(scan(1), 0);
}

// A table a scan cannot read (here: registered, but never given its numbering) is logged and
// its error returned, after the other tables were read: one broken table does not stop every
// node learning the rest.
TEST_F(VaultTest, ATableThatCannotBeReadDoesNotStopTheOthers) {
  // The broken table first, so that the scan has a table to go on to.
  auto keys = LoadMasterKeys({.key_file = KeyFile()}, random_);
  ASSERT_TRUE(keys.ok());
  vault_ = std::move(*Vault::Open(*store_, *keys, clock_, random_));
  Write("CREATE TABLE untracked (id TEXT PRIMARY KEY, value TEXT)", {});
  vault_->RegisterColumn({"untracked", "value", "id", "'u:' || id"});
  vault_->RegisterColumn({"secrets", "value", "id", "'secret:' || id"});
  Put("a", "AFTERxBROKENxTABLE");
  GlobalRedactor().Remove("AFTERxBROKENxTABLE");
  auto learned = vault_->Learn();
  ASSERT_FALSE(learned.ok());
  EXPECT_NE(learned.error().message().find("sealed_seq"), std::string::npos)
      << learned.error().ToString();
  EXPECT_TRUE(GlobalRedactor().Contains("AFTERxBROKENxTABLE"));
}

// Shipped migrations (connections 8, webhooks 2) hold what TrackSealedColumns returns: its text
// may never change, or databases migrated before would differ from new ones.
TEST(TrackSealedColumnsTest, TheMigrationTextIsPinned) {
  auto sql = Vault::TrackSealedColumns("t", {"a", "b"});
  EXPECT_EQ(sql.sqlite,
            "ALTER TABLE t ADD COLUMN sealed_seq BIGINT NOT NULL DEFAULT 0;\n"
            "CREATE INDEX t_sealed_seq ON t (sealed_seq);\n"
            "UPDATE t SET sealed_seq = rowid + (SELECT CAST(value AS INTEGER) FROM vault_meta WHERE"
            " name = 'sealed_seq');\n"
            "UPDATE vault_meta SET value = CAST(value AS INTEGER) + COALESCE((SELECT MAX(rowid) FROM"
            " t), 0) WHERE name = 'sealed_seq';\n"
            "CREATE TRIGGER t_sealed_insert AFTER INSERT ON t BEGIN\n"
            "  UPDATE vault_meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'sealed_seq';\n"
            "  UPDATE t SET sealed_seq = (SELECT CAST(value AS INTEGER) FROM vault_meta WHERE name ="
            " 'sealed_seq') WHERE rowid = NEW.rowid;\n"
            "END;\n"
            "CREATE TRIGGER t_sealed_update AFTER UPDATE OF a, b ON t WHEN NEW.a IS NOT OLD.a OR"
            " NEW.b IS NOT OLD.b BEGIN\n"
            "  UPDATE vault_meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'sealed_seq';\n"
            "  UPDATE t SET sealed_seq = (SELECT CAST(value AS INTEGER) FROM vault_meta WHERE name ="
            " 'sealed_seq') WHERE rowid = NEW.rowid;\n"
            "END;\n");
  EXPECT_EQ(sql.postgres,
            "ALTER TABLE t ADD COLUMN sealed_seq BIGINT NOT NULL DEFAULT 0;\n"
            "CREATE INDEX t_sealed_seq ON t (sealed_seq);\n"
            "UPDATE t SET sealed_seq = nextval('vault_sealed_seq');\n"
            "CREATE TRIGGER t_sealed_insert BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION"
            " vault_next_sealed_seq();\n"
            "CREATE TRIGGER t_sealed_update BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN (NEW.a IS"
            " DISTINCT FROM OLD.a OR NEW.b IS DISTINCT FROM OLD.b) EXECUTE FUNCTION"
            " vault_next_sealed_seq();\n");
}

}  // namespace
}  // namespace relish::vault
