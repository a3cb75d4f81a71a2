#include <sys/stat.h>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // Whatever Relish creates is its user's alone: the data directory's files (the database,
  // SQLite's companions, the master key, the first password), the log file, the CLI's saved
  // token. The data directory sets its own modes too (app/data_dir.h); this covers the rest.
  ::umask(077);
  return relish::cli::Main(argc, argv);
}
