#include "store/sqlite_copy.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <variant>

namespace relish::store {
namespace {

// SQLite's unix VFS: the first of the WAL index's lock bytes is at 120 and the "dead man switch"
// every open connection holds a shared lock on comes after the 8 lock bytes (os_unix.c,
// UNIX_SHM_DMS).
constexpr off_t kShmDeadManSwitch = 120 + 8;

Error SqliteFailure(sqlite3* db, std::string_view what) {
  return Internal(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

class FileSource final : public SqliteSource {
 public:
  explicit FileSource(sqlite3* db) : db_(db) {}
  ~FileSource() override {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }

  Result<void> BeginSnapshot() {
    // The first read fixes the snapshot every later read of this transaction sees.
    if (sqlite3_exec(db_, "BEGIN; SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                     nullptr) != SQLITE_OK) {
      return SqliteFailure(db_, "reading the source");
    }
    return Ok();
  }

  Result<std::vector<std::pair<std::string, int>>> AppliedMigrations() override {
    std::vector<std::pair<std::string, int>> out;
    auto has = TRY(Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table'"
                           " AND name = 'relish_migrations'"));
    if (sqlite3_step(has.get()) != SQLITE_ROW) return out;
    auto rows = TRY(Prepare("SELECT module, version FROM relish_migrations ORDER BY 1, 2"));
    int rc;
    while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(rows.get(), 0)),
                       sqlite3_column_int(rows.get(), 1));
    }
    if (rc != SQLITE_DONE) return SqliteFailure(db_, "reading relish_migrations");
    return out;
  }

  Result<std::vector<std::string>> Tables() override {
    auto list = TRY(Prepare("SELECT name FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                            " AND name <> 'relish_migrations' ORDER BY name"));
    std::vector<std::string> names;
    int rc;
    while ((rc = sqlite3_step(list.get())) == SQLITE_ROW) {
      names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list.get(), 0)));
    }
    if (rc != SQLITE_DONE) return SqliteFailure(db_, "listing the source's tables");
    std::map<std::string, std::set<std::string>> references;
    for (const auto& name : names) {
      auto fks = TRY(Prepare("SELECT \"table\" FROM pragma_foreign_key_list(?)"));
      sqlite3_bind_text(fks.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step(fks.get())) == SQLITE_ROW) {
        std::string to = reinterpret_cast<const char*>(sqlite3_column_text(fks.get(), 0));
        if (to != name) references[name].insert(to);  // a table's own rows go in rowid order
      }
      if (rc != SQLITE_DONE) return SqliteFailure(db_, "reading " + name + "'s foreign keys");
    }
    // Depth-first: a table after everything it references; a cycle is reported, not looped.
    std::vector<std::string> ordered;
    std::map<std::string, int> state;  // 1 visiting, 2 done
    std::function<Result<void>(const std::string&)> visit =
        [&](const std::string& name) -> Result<void> {
      if (state[name] == 2) return Ok();
      if (state[name] == 1) {
        return FailedPrecondition("the source's foreign keys form a cycle through " + name);
      }
      state[name] = 1;
      for (const auto& to : references[name]) TRY(visit(to));
      state[name] = 2;
      ordered.push_back(name);
      return Ok();
    };
    for (const auto& name : names) TRY(visit(name));
    return ordered;
  }

  Result<std::vector<CopiedTable>> CopyInto(Transaction& target,
                                            const std::vector<std::string>& tables,
                                            const CopyOptions& options) override {
    std::vector<CopiedTable> out;
    for (const auto& table : tables) {
      // Every row read is inserted, and the rows read are the source's count: its snapshot
      // does not change under it. So the target's count is the one to check.
      CopiedTable copied{.name = table, .rows = TRY(CopyTable(target, table, options))};
      auto target_rows = TRY(target.Query("SELECT COUNT(*) FROM " + QuoteIdentifier(table)));
      int64_t target_count = target_rows.empty() ? -1 : target_rows.front().Int(0);
      if (target_count != copied.rows) {
        return Internal("table " + table + ": the source's " + std::to_string(copied.rows) +
                        " rows were copied and the target has " +
                        std::to_string(target_count));
      }
      if (options.on_table) options.on_table(copied);
      out.push_back(std::move(copied));
    }
    return out;
  }

 private:
  Result<Stmt> Prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return SqliteFailure(db_, "reading the source").WithContext(sql);
    }
    return Stmt(stmt);
  }

  // Returns the rows read from the source and inserted into `target`.
  Result<int64_t> CopyTable(Transaction& target, const std::string& table,
                            const CopyOptions& options) {
    auto select = TRY(Prepare("SELECT * FROM " + QuoteIdentifier(table)));
    const int columns = sqlite3_column_count(select.get());
    if (columns == 0) return 0;
    std::string insert_head = "INSERT INTO " + QuoteIdentifier(table) + " (";
    std::string row_placeholders = "(";
    for (int c = 0; c < columns; ++c) {
      insert_head += (c ? ", " : "") + QuoteIdentifier(sqlite3_column_name(select.get(), c));
      row_placeholders += c ? ", ?" : "?";
    }
    insert_head += ") VALUES ";
    row_placeholders += ")";
    const int max_rows = std::max(1, std::min(options.batch_rows, 30000 / columns));

    // One batch: the values as owned text or numbers, then refs to them for the statement.
    std::vector<std::variant<std::nullptr_t, int64_t, double, std::string>> held;
    size_t held_bytes = 0;
    int held_rows = 0;
    int64_t copied = 0;
    std::string statement;
    int statement_rows = 0;
    auto flush = [&]() -> Result<void> {
      if (held_rows == 0) return Ok();
      if (statement_rows != held_rows) {
        statement = insert_head;
        for (int r = 0; r < held_rows; ++r) statement += (r ? ", " : "") + row_placeholders;
        statement_rows = held_rows;
      }
      std::vector<ValueRef> refs;
      refs.reserve(held.size());
      for (const auto& v : held) {
        if (auto* s = std::get_if<std::string>(&v)) {
          refs.emplace_back(std::string_view(*s));
        } else if (auto* i = std::get_if<int64_t>(&v)) {
          refs.emplace_back(*i);
        } else if (auto* d = std::get_if<double>(&v)) {
          refs.emplace_back(*d);
        } else {
          refs.emplace_back(nullptr);
        }
      }
      auto inserted = target.ExecRefs(statement, refs);
      if (!inserted.ok()) return inserted.error().WithContext("copying " + table);
      copied += held_rows;
      held.clear();
      held_bytes = 0;
      held_rows = 0;
      return Ok();
    };
    int rc;
    while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(select.get(), c)) {
          case SQLITE_INTEGER:
            held.emplace_back(static_cast<int64_t>(sqlite3_column_int64(select.get(), c)));
            break;
          case SQLITE_FLOAT:
            held.emplace_back(sqlite3_column_double(select.get(), c));
            break;
          case SQLITE_NULL:
            held.emplace_back(nullptr);
            break;
          default: {  // text (and a blob, which Relish never writes, as its bytes)
            const auto* bytes = static_cast<const char*>(sqlite3_column_blob(select.get(), c));
            int size = sqlite3_column_bytes(select.get(), c);
            std::string text(bytes ? bytes : "", static_cast<size_t>(size));
            if (text.find('\0') != std::string::npos) {
              return FailedPrecondition("table " + table + ", column " +
                                        sqlite3_column_name(select.get(), c) +
                                        ": a value with a zero byte, which PostgreSQL text cannot hold");
            }
            held_bytes += text.size();
            held.emplace_back(std::move(text));
          }
        }
      }
      ++held_rows;
      if (held_rows >= max_rows || held_bytes >= options.batch_bytes) TRY(flush());
    }
    if (rc != SQLITE_DONE) return SqliteFailure(db_, "reading " + table);
    TRY(flush());
    return copied;
  }

  sqlite3* db_;
};

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<void> CheckSqliteNotInUse(const std::string& path) {
  std::string shm = path + "-shm";
  int fd = ::open(shm.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Ok();  // no WAL index: no process has it open in WAL mode
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = kShmDeadManSwitch;
  probe.l_len = 1;
  int rc = ::fcntl(fd, F_GETLK, &probe);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Unavailable("cannot check whether " + path + " is in use: " + std::strerror(err));
  if (probe.l_type == F_UNLCK) return Ok();
  return FailedPrecondition(path + " is open in another process (pid " +
                            std::to_string(probe.l_pid) +
                            "): stop relish serve (and any relish run) using it first, so that "
                            "nothing written after the copy is lost");
}

Result<std::unique_ptr<SqliteSource>> SqliteSource::Open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound("no SQLite database at " + path);
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  auto source = std::make_unique<FileSource>(db);
  if (rc != SQLITE_OK) return SqliteFailure(db, "opening " + path);
  sqlite3_busy_timeout(db, 5000);
  auto begun = source->BeginSnapshot();
  if (!begun.ok()) return begun.error().WithContext(path + " is not a database Relish can read");
  return std::unique_ptr<SqliteSource>(std::move(source));
}

}  // namespace relish::store
