// Runtime's part in the first administrator's password: DATA/initial-admin-password goes once
// that password has been changed, by this process or another.
#include "app/runtime.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/testing.h"

namespace relish::app {
namespace {

namespace fs = std::filesystem;

class RuntimeTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("relish-runtime-test-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    config_.data_dir = (dir_ / "data").string();
    config_.admin_password.clear();  // generated, and written to the file
    // The same tests on PostgreSQL (runtime_test_postgres): the data directory keeps the master
    // key and the password file, the database is a fresh schema.
    if (store::testing::TestingPostgres()) {
      auto url = store::testing::NewPostgresSchemaUrl();
      ASSERT_TRUE(url.ok()) << url.error().ToString();
      config_.database_url = *url;
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Runtime> Open() {
    auto rt = Runtime::Open(config_, {.public_url = "http://127.0.0.1:1"});
    EXPECT_TRUE(rt.ok()) << rt.error().ToString();
    return rt.ok() ? std::move(*rt) : nullptr;
  }
  // The installation's database as another process opens it.
  Result<std::unique_ptr<store::Store>> OpenDatabase() const {
    if (config_.database_url.empty()) return store::OpenSqlite({.path = config_.data_dir + "/relish.db"});
    return store::OpenPostgres({.url = config_.database_url, .pool_size = 1});
  }
  fs::path PasswordFile() const { return dir_ / "data" / "initial-admin-password"; }
  std::string FilePassword() const {
    std::ifstream in(PasswordFile());
    std::string line;
    std::getline(in, line);
    return line;
  }

  fs::path dir_;
  Config config_;
};

TEST_F(RuntimeTest, InitialPasswordFileGoesWhenThePasswordIsChanged) {
  auto rt = Open();
  ASSERT_TRUE(rt);
  ASSERT_TRUE(fs::exists(PasswordFile()));
  std::string generated = FilePassword();
  auto admin = rt->identity().CheckPassword("admin@localhost", generated);
  ASSERT_TRUE(admin.ok()) << admin.error().ToString();

  // Another user's new password leaves the file alone.
  auto other = rt->identity().CreateUser("dev@example.com", "Dev", "first password 1",
                                         identity::Role::kDeveloper);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(rt->identity().SetPassword(other->id, "second password 2").ok());
  EXPECT_TRUE(fs::exists(PasswordFile()));

  ASSERT_TRUE(rt->identity().SetPassword(admin->id, "the admin's own password").ok());
  EXPECT_FALSE(fs::exists(PasswordFile()));
  EXPECT_TRUE(rt->identity().CheckPassword("admin@localhost", "the admin's own password").ok());
}

TEST_F(RuntimeTest, APasswordChangedElsewhereIsNoticedAtStart) {
  std::string generated;
  {
    auto rt = Open();
    ASSERT_TRUE(rt);
    generated = FilePassword();
  }
  // A restart with the password unchanged keeps the file.
  ASSERT_TRUE(Open());
  ASSERT_TRUE(fs::exists(PasswordFile()));
  EXPECT_EQ(FilePassword(), generated);

  {
    // Another process, which knows nothing of the file, changes the password.
    auto store = OpenDatabase();
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    identity::Identity other(**store, SystemClock(), SystemRandom());
    auto admin = other.FindUserByEmail("admin@localhost");
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE(other.SetPassword(admin->id, "changed by another process").ok());
  }
  ASSERT_TRUE(fs::exists(PasswordFile()));
  ASSERT_TRUE(Open());
  EXPECT_FALSE(fs::exists(PasswordFile()));
}

// The database is where the settings say: on PostgreSQL the data directory gets no relish.db
// (an empty one would look like a second, empty installation to a backup or a later start).
TEST_F(RuntimeTest, TheDatabaseFileIsMadeOnlyForSqlite) {
  ASSERT_TRUE(Open());
  EXPECT_EQ(fs::exists(dir_ / "data" / "relish.db"), config_.database_url.empty());
}

TEST_F(RuntimeTest, AGivenPasswordWritesNoFile) {
  config_.admin_password = "given-admin-password";
  auto rt = Open();
  ASSERT_TRUE(rt);
  EXPECT_FALSE(fs::exists(PasswordFile()));
  EXPECT_TRUE(rt->identity().CheckPassword("admin@localhost", "given-admin-password").ok());
}

}  // namespace
}  // namespace relish::app
