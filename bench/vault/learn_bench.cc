// Vault::Learn over 5,000 connections' credentials laid out as the connections module keeps them
// (four sealed columns, two filled, the tenant from the connection), on SQLite (a file in WAL
// mode, as `relish serve` keeps it) and, when RELISH_TEST_POSTGRES_URL names a cluster
// (tests/testing/with_postgres.sh sets it), on PostgreSQL, side by side. Per backend:
//   first scan   what a starting node does; before scans read only what changed, every scan
//                each second did this
//   steady scan  nothing sealed since the last scan: what a serving node does each second
//   one change   one credential re-sealed by another node's vault since the last scan
// BENCHMARKS.md has the figures and bench/vault/run.sh the command.
//
//   vault_learn_bench [--connections N] [--steady-scans N]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/log.h"
#include "store/counting_store.h"
#include "store/testing.h"
#include "vault/vault.h"

namespace relish {
namespace {

struct Options {
  int connections = 5000;
  int steady_scans = 20;
};

struct Scan {
  double ms = 0;
  int64_t opened = 0;
  size_t statements = 0;
  size_t rows = 0;
};

Result<Scan> TimeScan(vault::Vault& node, store::testing::CountingStore& counting) {
  counting.Reset();
  auto started = std::chrono::steady_clock::now();
  Scan scan;
  scan.opened = TRY(node.Learn());
  scan.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
  auto reads = counting.ReadsOf("FROM connection_credentials");
  scan.statements = reads.size();
  for (const auto& r : reads) scan.rows += r.rows;
  return scan;
}

void Print(std::string_view backend, std::string_view what, const Scan& s) {
  std::printf("%-9s %-12s %9.3f ms %8lld opened %4zu statements %7zu rows read\n",
              std::string(backend).c_str(), std::string(what).c_str(), s.ms,
              static_cast<long long>(s.opened), s.statements, s.rows);
}

Result<void> Run(store::Store& store, const Options& options) {
  const std::string connection_org = "(SELECT org_id FROM connections WHERE id = connection_id)";
  const std::vector<std::string> fields = {"access_token", "refresh_token", "token_secret",
                                           "fields"};
  auto tracking = vault::Vault::TrackSealedColumns("connection_credentials", fields);
  const std::string tables =
      "CREATE TABLE connections (id TEXT PRIMARY KEY, org_id TEXT NOT NULL);"
      "CREATE TABLE connection_credentials (connection_id TEXT NOT NULL, user_id TEXT NOT NULL,"
      " access_token TEXT, refresh_token TEXT, token_secret TEXT, fields TEXT,"
      " PRIMARY KEY (connection_id, user_id));";
  auto migrations = vault::Vault::Migrations();
  migrations.push_back({"bench", 1, "credentials", tables + tracking.sqlite,
                        tables + tracking.postgres});
  TRY(store.Migrate(migrations));

  // The node that seals (every credential, then the one change), and the node that learns.
  Random& random = SystemRandom();
  vault::MasterKey master = vault::MakeMasterKey(random);
  auto writer = TRY(vault::Vault::Open(store, {master}, SystemClock(), random));
  store::testing::CountingStore counting(store);
  auto node = TRY(vault::Vault::Open(counting, {master}, SystemClock(), random));
  for (const auto& field : fields) {
    node->RegisterColumn({"connection_credentials", field, "connection_id || ':' || user_id",
                          "'cred:' || connection_id || ':' || user_id || ':" + field + "'",
                          connection_org});
  }
  auto seal = [&](int i, const char* field) {
    // Distinct leading characters, as real tokens have: the Redactor indexes values by them.
    return writer->Seal("cred:con_" + std::to_string(i) + "::" + field,
                        std::to_string(i) + "-token-" + field, i % 2 ? "org_odd" : "org_even");
  };
  std::vector<std::pair<std::string, std::string>> sealed;
  for (int i = 0; i < options.connections; ++i) {
    sealed.emplace_back(TRY(seal(i, "access_token")), TRY(seal(i, "refresh_token")));
  }
  TRY(store::Transact(store, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
    for (int i = 0; i < options.connections; ++i) {
      std::string id = "con_" + std::to_string(i);
      TRY(tx.Exec("INSERT INTO connections (id, org_id) VALUES (?, ?)", id,
                  i % 2 ? "org_odd" : "org_even"));
      TRY(tx.Exec("INSERT INTO connection_credentials (connection_id, user_id, access_token,"
                  " refresh_token) VALUES (?, '', ?, ?)",
                  id, sealed[i].first, sealed[i].second));
    }
    return Ok();
  }));

  const auto backend = store.backend();
  Print(backend, "first scan", TRY(TimeScan(*node, counting)));
  std::vector<Scan> steady;
  for (int i = 0; i < options.steady_scans; ++i) steady.push_back(TRY(TimeScan(*node, counting)));
  std::sort(steady.begin(), steady.end(), [](const Scan& a, const Scan& b) { return a.ms < b.ms; });
  if (!steady.empty()) Print(backend, "steady scan", steady[steady.size() / 2]);
  std::string token = TRY(seal(7, "access_token"));
  TRY(store::Transact(store, store::TxMode::kWrite, [&](store::Transaction& tx) {
    return tx.Exec("UPDATE connection_credentials SET access_token = ? WHERE connection_id = ?",
                   token, "con_7");
  }));
  Print(backend, "one change", TRY(TimeScan(*node, counting)));
  return Ok();
}

int Main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--connections") == 0) {
      options.connections = std::max(1, std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--steady-scans") == 0) {
      options.steady_scans = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: vault_learn_bench [--connections N] [--steady-scans N]\n");
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  std::printf("Vault::Learn over %d connections' credentials (steady scan: median of %d)\n",
              options.connections, options.steady_scans);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("relish-vault-learn-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  int rc = 0;
  auto report = [&](std::string_view backend, const Result<void>& r) {
    if (r.ok()) return;
    std::fprintf(stderr, "%s: %s\n", std::string(backend).c_str(), r.error().ToString().c_str());
    rc = 1;
  };
  {
    auto sqlite = store::OpenSqlite({.path = (dir / "relish.db").string()});
    report("sqlite", sqlite.ok() ? Run(**sqlite, options) : Result<void>(sqlite.error()));
  }
  if (store::testing::TestingPostgres()) {
    auto postgres = [&]() -> Result<void> {
      auto url = TRY(store::testing::NewPostgresSchemaUrl());
      auto store = TRY(store::OpenPostgres({.url = url, .pool_size = 2}));
      return Run(*store, options);
    }();
    report("postgres", postgres);
  } else {
    std::printf("(no PostgreSQL: run under tests/testing/with_postgres.sh for both)\n");
  }
  std::filesystem::remove_all(dir);
  return rc;
}

}  // namespace
}  // namespace relish

int main(int argc, char** argv) { return relish::Main(argc, argv); }
