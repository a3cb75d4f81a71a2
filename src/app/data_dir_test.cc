#include "app/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace relish::app {
namespace {

namespace fs = std::filesystem;

unsigned Mode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class DataDirTest : public testing::Test {
 protected:
  void SetUp() override {
    // The usual umask, which made an older Relish's files readable by everyone.
    old_umask_ = ::umask(022);
    root_ = fs::temp_directory_path() /
            ("relish-data-dir-test-" + std::to_string(::getpid()) + "-" +
             testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_);
  }
  void TearDown() override {
    fs::remove_all(root_);
    ::umask(old_umask_);
  }
  void Write(const fs::path& p, unsigned mode) {
    std::ofstream(p) << "x";
    ::chmod(p.c_str(), mode);
  }

  mode_t old_umask_ = 0;
  fs::path root_;
};

TEST_F(DataDirTest, AFreshDirectoryAndDatabaseArePrivateWhateverTheUmask) {
  fs::path dir = root_ / "fresh" / "data";
  auto fixes = PrepareDataDir(dir.string(), true);
  ASSERT_TRUE(fixes.ok()) << fixes.error().ToString();
  EXPECT_TRUE(fixes->changed.empty());
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(dir / "relish.db"), 0600u);
  EXPECT_EQ(fs::file_size(dir / "relish.db"), 0u);
}

// With PostgreSQL the directory holds the master key only: no empty relish.db to mislead a
// backup or a later SQLite start.
TEST_F(DataDirTest, NoDatabaseFileWhenTheDatabaseIsElsewhere) {
  fs::path dir = root_ / "fresh" / "data";
  auto fixes = PrepareDataDir(dir.string(), true, /*sqlite_database=*/false);
  ASSERT_TRUE(fixes.ok()) << fixes.error().ToString();
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_FALSE(fs::exists(dir / "relish.db"));
}

TEST_F(DataDirTest, AnOpenDirectoryAndItsFilesAreClosedAndNamed) {
  fs::path dir = root_ / "data";
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  Write(dir / "relish.db", 0644);
  Write(dir / "relish.db-wal", 0644);
  Write(dir / "master.key", 0640);
  Write(dir / "initial-admin-password", 0600);  // already private: not named
  Write(dir / "notes.txt", 0644);                // not Relish's: the closed directory guards it
  fs::create_symlink("/etc/hostname", dir / "relish.db-shm");

  auto fixes = PrepareDataDir(dir.string(), false);
  ASSERT_TRUE(fixes.ok()) << fixes.error().ToString();
  std::string d = dir.string();
  EXPECT_EQ(fixes->changed, (std::vector<std::string>{d + " 0755 -> 0700",
                                                      d + "/relish.db 0644 -> 0600",
                                                      d + "/relish.db-wal 0644 -> 0600",
                                                      d + "/master.key 0640 -> 0600"}));
  EXPECT_EQ(DescribeFixes(*fixes),
            "the data directory was open to group or others; made private (it holds the master "
            "key and the database): " +
                d + " 0755 -> 0700, " + d + "/relish.db 0644 -> 0600, " + d +
                "/relish.db-wal 0644 -> 0600, " + d + "/master.key 0640 -> 0600");
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(dir / "relish.db"), 0600u);
  EXPECT_EQ(Mode(dir / "master.key"), 0600u);
  EXPECT_EQ(Mode(dir / "notes.txt"), 0644u);
  EXPECT_EQ(Mode("/etc/hostname") & 0044u, 0044u) << "a link's target is not touched";

  // A second start finds nothing to change.
  auto again = PrepareDataDir(dir.string(), false);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->changed.empty());
  EXPECT_EQ(DescribeFixes(*again), "");
}

TEST_F(DataDirTest, MissingOrNotADirectory) {
  fs::path dir = root_ / "missing";
  EXPECT_EQ(PrepareDataDir(dir.string(), false).error().message(),
            "no data directory " + dir.string());
  Write(root_ / "file", 0600);
  EXPECT_EQ(PrepareDataDir((root_ / "file").string(), true).error().message(),
            "data directory " + (root_ / "file").string() + " is not a directory");
}

// procfs refuses chmod even to root, as a directory of another user refuses it to Relish.
TEST_F(DataDirTest, AnOpenDirectoryThatCannotBeClosedIsRefused) {
  ASSERT_EQ(Mode("/proc/self/fdinfo"), 0555u);
  EXPECT_EQ(PrepareDataDir("/proc/self/fdinfo", false).error().message(),
            "/proc/self/fdinfo is open to group or others (mode 0555) and Relish cannot make it "
            "private: Operation not permitted; run chmod go= /proc/self/fdinfo, or use a data "
            "directory of your own");
}

TEST_F(DataDirTest, WritePrivateFileMakesAnExistingFilePrivate) {
  fs::path p = root_ / "initial-admin-password";
  Write(p, 0644);
  ASSERT_TRUE(WritePrivateFile(p.string(), "secret\n").ok());
  EXPECT_EQ(Mode(p), 0600u);
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "secret");
}

}  // namespace
}  // namespace relish::app
