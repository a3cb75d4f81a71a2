#include "vault/vault.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
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
    m.push_back({"secrets", 1, "t", "CREATE TABLE secrets (id TEXT PRIMARY KEY, value TEXT);"});
    ASSERT_TRUE(store_->Migrate(m).ok());
  }
  Result<std::unique_ptr<Vault>> OpenVault() {
    auto keys = TRY(LoadMasterKeys({.key_file = KeyFile()}, random_));
    auto v = TRY(Vault::Open(*store_, keys, clock_, random_));
    v->RegisterColumn({"secrets", "value", "id", "'secret:' || id"});
    return v;
  }
  std::string KeyFile() { return (dir_ / "master.key").string(); }
  void Put(const std::string& id, const std::string& plaintext) {
    auto sealed = vault_->Seal("secret:" + id, plaintext, "org_a");
    ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
    ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
                  TRY(tx.Exec("INSERT INTO secrets VALUES (?, ?)", id, *sealed));
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

}  // namespace
}  // namespace relish::vault
