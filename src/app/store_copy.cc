#include "app/store_copy.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "app/data_dir.h"
#include "app/migrations.h"
#include "store/postgres/postgres_store.h"

namespace relish::app {
namespace {

// The source's schema against this binary's: an error saying what to do when they differ.
Result<void> CheckSourceSchema(const std::string& from,
                               const std::vector<std::pair<std::string, int>>& applied) {
  if (applied.empty()) {
    return FailedPrecondition(from + " is not a Relish database (it has no relish_migrations)");
  }
  std::map<std::string, int> source;
  for (const auto& [module, version] : applied) {
    source[module] = std::max(source[module], version);
  }
  std::map<std::string, int> known;
  for (const auto& m : AllMigrations()) known[m.module] = std::max(known[m.module], m.version);
  for (const auto& [module, version] : source) {
    auto it = known.find(module);
    if (it == known.end() || version > it->second) {
      return FailedPrecondition(
          "the source's schema is newer than this relish (" + module + " at version " +
          std::to_string(version) + ", this relish knows " +
          (it == known.end() ? std::string("no such module") : std::to_string(it->second)) +
          "): copy with the relish that last ran on it, or a newer one");
    }
  }
  for (const auto& [module, version] : known) {
    int at = source.contains(module) ? source[module] : 0;
    if (at < version) {
      return FailedPrecondition(
          "the source's schema is older than this relish (" + module + " at version " +
          std::to_string(at) + ", this relish has " + std::to_string(version) +
          "): start this relish's `relish serve` on the data directory once (it migrates on "
          "start), stop it, then copy");
    }
  }
  return Ok();
}

// The tables of the target's schema, and those of them with at least one row.
struct TargetTables {
  std::set<std::string> all;
  std::vector<std::string> with_rows;
};

Result<TargetTables> ReadTargetTables(store::Store& target) {
  return store::Transact(target, store::TxMode::kRead,
                         [](store::Transaction& tx) -> Result<TargetTables> {
    TargetTables out;
    auto names = TRY(tx.Query("SELECT table_name FROM information_schema.tables"
                              " WHERE table_schema = current_schema()"
                              " AND table_type = 'BASE TABLE' ORDER BY table_name"));
    for (const auto& row : names) {
      std::string name = row.Text(0);
      auto any = TRY(tx.Query("SELECT 1 FROM " + store::QuoteIdentifier(name) + " LIMIT 1"));
      if (!any.empty()) out.with_rows.push_back(name);
      out.all.insert(std::move(name));
    }
    return out;
  });
}

std::string Join(const std::vector<std::string>& names, size_t most) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < most; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > most) out += " and " + std::to_string(names.size() - most) + " more";
  return out;
}

}  // namespace

Result<StoreCopyReport> CopyStoreToPostgres(const StoreCopyOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  StoreCopyReport report;
  report.to = store::RedactPostgresUrl(options.to);
  if (!store::IsPostgresUrl(options.to)) {
    return InvalidArgument("--to takes a postgres:// or postgresql:// URL, got '" + report.to +
                           "'");
  }
  report.from = options.from;
  std::error_code ec;
  if (std::filesystem::is_directory(options.from, ec)) {
    report.from = (std::filesystem::path(options.from) / std::string(kDatabaseFile)).string();
  }
  if (!std::filesystem::exists(report.from, ec)) {
    return NotFound("no such file: " + report.from);
  }
  TRY(store::CheckSqliteNotInUse(report.from));
  auto source = TRY(store::SqliteSource::Open(report.from));
  TRY(CheckSourceSchema(report.from, TRY(source->AppliedMigrations())));
  auto tables = TRY(source->Tables());

  auto target = TRY(store::OpenPostgres({.url = options.to, .pool_size = 1}));
  auto before = TRY(ReadTargetTables(*target));
  std::vector<std::string> data_tables;
  for (const auto& name : before.with_rows) {
    if (name != "relish_migrations") data_tables.push_back(name);
  }
  // A schema without rows (a copy that failed, or migrations run by hand) has nothing to lose.
  if (!data_tables.empty()) {
    return FailedPrecondition("the target database is not empty: " + Join(data_tables, 5) +
                              (data_tables.size() == 1 ? " has rows" : " have rows") +
                              "; copy into a new, empty database");
  }
  TRY(target->Migrate(AllMigrations()));
  auto after = TRY(ReadTargetTables(*target));
  for (const auto& name : tables) {
    if (!after.all.contains(name)) {
      return FailedPrecondition("the target has no table " + name + " after its migrations");
    }
  }

  store::CopyOptions copy{.on_table = options.on_table};
  auto copied = TRY(store::Transact(*target, store::TxMode::kWrite,
                                    [&](store::Transaction& tx) {
                                      return source->CopyInto(tx, tables, copy);
                                    }));
  report.tables = static_cast<int>(copied.size());
  for (const auto& t : copied) report.rows += t.rows;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace relish::app
