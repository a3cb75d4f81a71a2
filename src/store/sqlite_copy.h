// Reading a SQLite database file to copy it into another store (`relish store copy`, issue 16).
// The source is read in one read transaction (a consistent snapshot) a row at a time, so memory
// stays bounded by one batch whatever the size of a table. Values are copied as they are stored:
// sealed secrets stay the same bytes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace relish::store {

// kFailedPrecondition when another process has the database open (a running `relish serve` or
// `relish run`): SQLite's WAL mode keeps a shared lock on a byte of DATA/relish.db-shm for as long
// as a connection is open, and this asks for it without taking it. Only sees processes on this
// machine, as SQLite itself does.
Result<void> CheckSqliteNotInUse(const std::string& path);

struct CopiedTable {
  std::string name;
  int64_t rows = 0;
};

struct CopyOptions {
  // Rows per INSERT; fewer for wide tables (a statement takes at most ~30,000 parameters) and
  // sooner when the rows held reach `batch_bytes`.
  int batch_rows = 500;
  size_t batch_bytes = 8 << 20;
  // After each table is copied and counted; again for each table if the target's transaction
  // is run again (store::Transact after a conflict).
  std::function<void(const CopiedTable&)> on_table;
};

class SqliteSource {
 public:
  // Opens an existing file read-only; kNotFound when there is none.
  static Result<std::unique_ptr<SqliteSource>> Open(const std::string& path);
  virtual ~SqliteSource() = default;

  // relish_migrations' (module, version) pairs; empty when the file has no such table.
  virtual Result<std::vector<std::pair<std::string, int>>> AppliedMigrations() = 0;
  // Every table but SQLite's own and relish_migrations, each after the tables its foreign keys
  // reference (so inserting in this order satisfies them).
  virtual Result<std::vector<std::string>> Tables() = 0;
  // Copies `tables` into `target` (same table and column names; the target's tables empty),
  // then checks that each holds as many rows as the source's.
  virtual Result<std::vector<CopiedTable>> CopyInto(Transaction& target,
                                                    const std::vector<std::string>& tables,
                                                    const CopyOptions& options) = 0;
};

// "name" quoted as an SQL identifier (both backends).
std::string QuoteIdentifier(std::string_view name);

}  // namespace relish::store
