#include "app/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace relish::app {
namespace {

constexpr mode_t kGroupOther = 077;

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Takes group and other permissions off `path` when it has any. `st` is its lstat.
Result<void> CloseToOthers(const std::string& path, const struct stat& st, DataDirFixes& fixes) {
  mode_t mode = st.st_mode & 07777;
  if ((mode & kGroupOther) == 0) return Ok();
  mode_t private_mode = mode & ~kGroupOther;
  if (::chmod(path.c_str(), private_mode) != 0) {
    return Unavailable(path + " is open to group or others (mode " + Octal(mode) +
                       ") and Relish cannot make it private: " + std::strerror(errno) +
                       "; run chmod go= " + path + ", or use a data directory of your own");
  }
  fixes.changed.push_back(path + " " + Octal(mode) + " -> " + Octal(private_mode));
  return Ok();
}

}  // namespace

Result<DataDirFixes> PrepareDataDir(const std::string& dir, bool create, bool sqlite_database) {
  DataDirFixes fixes;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Unavailable("cannot use data directory " + dir + ": " + std::strerror(errno));
    }
    if (!create) return NotFound("no data directory " + dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Unavailable("cannot create data directory " + dir + ": " + ec.message());
    // Not left to the umask: the directory is private from its first moment on.
    if (::chmod(dir.c_str(), 0700) != 0 || ::stat(dir.c_str(), &st) != 0) {
      return Unavailable("cannot make data directory " + dir + " private: " +
                         std::strerror(errno));
    }
  }
  if (!S_ISDIR(st.st_mode)) return Unavailable("data directory " + dir + " is not a directory");
  TRY(CloseToOthers(dir, st, fixes));

  for (std::string_view name : kPrivateFiles) {
    std::string path = dir + "/" + std::string(name);
    struct stat file {};
    // A symbolic link is left alone: chmod would change its target, wherever that is.
    if (::lstat(path.c_str(), &file) != 0 || !S_ISREG(file.st_mode)) continue;
    TRY(CloseToOthers(path, file, fixes));
  }

  if (create && sqlite_database) {
    // SQLite gives its write-ahead log and shared-memory files the database file's mode, so a
    // database that starts private keeps its companions private too.
    std::string db = dir + "/" + std::string(kDatabaseFile);
    int fd = ::open(db.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
    } else if (errno != EEXIST) {
      return Unavailable("cannot create " + db + ": " + std::strerror(errno));
    }
  }
  return fixes;
}

bool HasDatabase(const Config& config) {
  if (!config.database_url.empty()) return true;
  std::error_code ec;
  return std::filesystem::is_regular_file(config.data_dir + "/" + std::string(kDatabaseFile), ec);
}

std::string DescribeFixes(const DataDirFixes& fixes) {
  if (fixes.changed.empty()) return "";
  std::string line =
      "the data directory was open to group or others; made private (it holds the master key "
      "and the database): ";
  for (size_t i = 0; i < fixes.changed.size(); ++i) {
    if (i > 0) line += ", ";
    line += fixes.changed[i];
  }
  return line;
}

Result<void> WritePrivateFile(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unavailable("cannot write " + path + ": " + std::strerror(errno));
  // An existing file keeps its mode through O_TRUNC: make it private as well.
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Unavailable("cannot write " + path);
  return Ok();
}

}  // namespace relish::app
