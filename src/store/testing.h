// For tests: a fresh, empty store per test on the backend the run asks for. Unset
// RELISH_TEST_POSTGRES_URL: SQLite in memory. Set (tests/testing/with_postgres.sh starts a
// throwaway cluster and sets it): a new schema in that cluster, so each test starts empty without
// the cost of a database per test. ctest runs every module suite that touches data both ways
// (NAME_test and NAME_test_postgres; docs/architecture.md#store-srcstore lists them).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace relish::store::testing {

inline const char* PostgresTestUrl() {
  const char* url = std::getenv("RELISH_TEST_POSTGRES_URL");
  return url && *url ? url : nullptr;
}

inline bool TestingPostgres() { return PostgresTestUrl() != nullptr; }

// The URL of a new empty schema in the test cluster (search_path set on every connection).
inline Result<std::string> NewPostgresSchemaUrl() {
  static std::atomic<int> next{0};
  std::string base = PostgresTestUrl();
  std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(next++);
  {
    auto admin = TRY(OpenPostgres({.url = base, .pool_size = 1}));
    TRY(Transact(*admin, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
      return tx.ExecScript("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    }));
  }
  return base + (base.find('?') == std::string::npos ? "?" : "&") +
         "options=-csearch_path%3D" + schema;
}

// A fresh store; nullptr (with the reason on stderr) when it cannot be had, which the caller's
// ASSERT turns into a failure.
inline std::unique_ptr<Store> OpenTestStore(int pool_size = 4) {
  Result<std::unique_ptr<Store>> s = [&]() -> Result<std::unique_ptr<Store>> {
    if (!TestingPostgres()) return OpenSqlite({.path = ":memory:"});
    auto url = TRY(NewPostgresSchemaUrl());
    return OpenPostgres({.url = url, .pool_size = pool_size});
  }();
  if (!s.ok()) {
    std::fprintf(stderr, "OpenTestStore: %s\n", s.error().ToString().c_str());
    return nullptr;
  }
  return std::move(*s);
}

}  // namespace relish::store::testing
