// The embedded SQLite backend: WAL journal, foreign keys on, a busy timeout, one serialised
// writer connection and a small pool of reader connections, each with a prepared-statement cache.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace relish::store {

struct SqliteOptions {
  std::string path;  // a file, or ":memory:" (one connection serves reads and writes)
  std::chrono::milliseconds busy_timeout{5000};
  // "normal": a killed process loses nothing; a power cut may lose the last transactions.
  // "full": fsync on every commit.
  std::string synchronous = "normal";
  int max_readers = 4;
};

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options);

}  // namespace relish::store
