// `relish store copy` (issue 16): an installation's SQLite database moved into an empty
// PostgreSQL database, every table of every module, values unchanged (sealed secrets stay sealed
// with the data directory's master key, which the copy neither reads nor needs).
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "store/sqlite_copy.h"

namespace relish::app {

struct StoreCopyOptions {
  std::string from;  // DATA/relish.db, or the data directory holding it
  std::string to;    // postgres://...
  std::function<void(const store::CopiedTable&)> on_table;
};

struct StoreCopyReport {
  std::string from;         // the file read
  std::string to;           // the URL, its password redacted
  int tables = 0;
  int64_t rows = 0;
  double seconds = 0;
};

// In order: refuses a source another process has open, a source whose schema is not this
// binary's (older or newer: each says what to do) and a target with rows in any table; migrates
// the target to this binary's schema; then copies every table in one PostgreSQL transaction,
// checking each table's row count, so a failure leaves the target's tables empty.
Result<StoreCopyReport> CopyStoreToPostgres(const StoreCopyOptions& options);

}  // namespace relish::app
