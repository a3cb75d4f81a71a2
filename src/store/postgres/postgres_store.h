// The PostgreSQL backend, on libpq: a pool of connections, each with its own cache of prepared
// statements. SQL is written with SQLite's '?' placeholders and translated to $1..$n once per
// statement and connection. Write transactions are serialised, as SQLite's are, by a
// transaction-scoped advisory lock (docs/architecture.md, "The store", says why).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace relish::store {

struct PostgresOptions {
  std::string url;     // postgres://user:password@host:port/database?options (libpq's syntax)
  int pool_size = 8;   // connections opened at most; a transaction holds one until it ends
};

Result<std::unique_ptr<Store>> OpenPostgres(const PostgresOptions& options);

// True for a database_url this backend takes (postgres:// or postgresql://).
bool IsPostgresUrl(std::string_view url);

// '?' placeholders to $1..$n, leaving those inside quoted text, quoted identifiers and comments.
// Sets *count to the number of placeholders.
std::string TranslatePlaceholders(std::string_view sql, int* count);

// The URL without its password, for messages and logs.
std::string RedactPostgresUrl(std::string_view url);

}  // namespace relish::store
