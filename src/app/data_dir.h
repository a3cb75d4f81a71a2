// The data directory: the files Relish keeps there, and who may read them.
//
// It holds the master key, the database (sealed secrets, password hashes, token digests) and the
// first administrator's password, so it belongs to the user running Relish alone: the directory
// is 0700 and every file Relish writes there 0600, whatever the process's umask. A directory or
// file found open to group or others (made by hand, or written by an older Relish that followed
// the umask) is closed again at start with one warning naming each path; when that fails (a
// directory of another user) Relish refuses to start.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/result.h"

namespace relish::app {

inline constexpr std::string_view kDatabaseFile = "relish.db";
inline constexpr std::string_view kMasterKeyFile = "master.key";
inline constexpr std::string_view kInitialPasswordFile = "initial-admin-password";

// Every file Relish writes in (or reads secrets from) the data directory, by name: the database
// and SQLite's companions (write-ahead log, its shared-memory index, a rollback journal), the
// master key and the one a rotation writes before committing it, the first administrator's
// password, the configuration file (which may hold a secret setting), and the settings the
// last server ran with. A new file Relish
// writes there is added here.
inline constexpr std::array<std::string_view, 9> kPrivateFiles = {
    kDatabaseFile,         "relish.db-wal",       "relish.db-shm",
    "relish.db-journal",   kMasterKeyFile,        "master.key.new",
    kInitialPasswordFile,  "relish.yaml",         kServerSettingsFile};

// Whether `relish serve` has made this installation's database, for the commands that open it
// but never create it (relish run, relish lsp): database_url set (PostgreSQL; a missing data
// directory or database is then Runtime::Open's error), else DATA/relish.db exists.
bool HasDatabase(const Config& config);

// What PrepareDataDir changed: "PATH MODE -> MODE" per path, for the warning.
struct DataDirFixes {
  std::vector<std::string> changed;
};

// Makes `dir` ready: creates it (0700) when `create` and it is missing, and, when `create` and
// `sqlite_database` (the database lives in this directory rather than on PostgreSQL), the empty
// database file (0600) so that SQLite's companions, which copy the database's mode, are private
// too; closes the directory and the files above to group and others. kUnavailable when the
// directory cannot be made or closed, kNotFound when it is missing and `create` is false.
Result<DataDirFixes> PrepareDataDir(const std::string& dir, bool create,
                                    bool sqlite_database = true);

// The warning line for `fixes` ("" when nothing changed).
std::string DescribeFixes(const DataDirFixes& fixes);

// Writes `text` to `path` (created or truncated) readable by the owner only.
Result<void> WritePrivateFile(const std::string& path, std::string_view text);

}  // namespace relish::app
