// relish store copy (issue 16): an installation's SQLite database into an empty PostgreSQL one.
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/store_copy.h"
#include "cli/answer.h"
#include "cli/command.h"
#include "store/postgres/postgres_store.h"

namespace relish::cli {
namespace {

int CopyStore(const std::string& from, const std::string& to) {
  if (!store::IsPostgresUrl(to)) {
    std::cerr << "relish: --to takes a postgres:// or postgresql:// URL, got '"
              << Printable(store::RedactPostgresUrl(to)) << "'\n";
    return kExitUsage;
  }
  auto report = app::CopyStoreToPostgres({.from = from, .to = to});
  if (!report.ok()) return Fail(report.error());
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", report->seconds);
  std::cout << "copied " << report->tables << " tables, " << report->rows << " rows from "
            << Printable(report->from) << " to " << Printable(report->to) << " in " << seconds
            << " s\n"
            << "Sealed secrets were copied as they are: start each node with this data "
               "directory's master key (DATA/master.key, or RELISH_MASTER_KEY) and "
               "database_url set to the target.\n";
  return kExitOk;
}

}  // namespace

void AddStoreCommands(CLI::App& root, Commands& commands) {
  auto* store_cmd = root.add_subcommand("store", "Move an installation's database");
  store_cmd->require_subcommand(1);
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto* copy = store_cmd->add_subcommand(
      "copy",
      "Copy a SQLite database (DATA/relish.db) into an empty PostgreSQL database. Stop relish "
      "serve first: it refuses a database another process has open. The target is migrated to "
      "this relish's schema, must have no rows, and gets everything in one transaction; "
      "sealed secrets keep needing this data directory's master key.");
  copy->add_option("--from", *from, "The SQLite file, or the data directory holding relish.db")
      ->required();
  copy->add_option("--to", *to, "postgres://USER:PASSWORD@HOST:PORT/DATABASE (libpq's URL)")
      ->required();
  commands.Add(copy, [from, to] { return CopyStore(*from, *to); });
}

}  // namespace relish::cli
