#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "store/value_refs.h"

namespace relish::store {
namespace {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExists(std::move(message));
      }
      return FailedPrecondition(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(message));
    case SQLITE_FULL:
      return ResourceExhausted(std::move(message));
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
      return Unavailable(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

// One sqlite3 handle with its cached prepared statements. Used by one thread at a time.
class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  Result<void> Exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string message = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return SqliteError(nullptr, rc, message).WithContext("exec");
    }
    return Ok();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Result<std::unique_ptr<Connection>> OpenConnection(const SqliteOptions& options, bool readonly) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (readonly ? SQLITE_OPEN_READONLY
                                              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  auto conn = std::make_unique<Connection>(db);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot open database " + options.path);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  std::string pragmas = "PRAGMA foreign_keys = ON;";
  if (!readonly) {
    pragmas += "PRAGMA journal_mode = WAL; PRAGMA synchronous = " +
               std::string(options.synchronous == "full" ? "FULL" : "NORMAL") + ";";
  }
  TRY(conn->Exec(pragmas));
  return conn;
}

class SqliteStore;

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteStore* store, Connection* conn, std::unique_lock<std::mutex> writer_lock,
                    bool pooled)
      : store_(store), conn_(conn), writer_lock_(std::move(writer_lock)), pooled_(pooled) {}
  ~SqliteTransaction() override;

  Result<Rows> QueryParams(std::string_view sql, std::vector<Value> params) override {
    auto stmt = TRY(Bind(sql, Refs(params)));
    Rows rows;
    int cols = sqlite3_column_count(stmt);
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return SqliteError(conn_->db(), rc, "query");
      }
      std::vector<Value> values;
      values.reserve(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c) values.push_back(Column(stmt, c));
      rows.emplace_back(std::move(values));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  Result<int64_t> ExecParams(std::string_view sql, std::vector<Value> params) override {
    return ExecRefs(sql, Refs(params));
  }

  Result<int64_t> ExecRefs(std::string_view sql, std::span<const ValueRef> params) override {
    auto stmt = TRY(Bind(sql, params));
    int rc = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return SqliteError(conn_->db(), rc, "exec");
    return static_cast<int64_t>(sqlite3_changes64(conn_->db()));
  }

  Result<void> ExecScript(std::string_view sql) override { return conn_->Exec(sql); }

  Result<void> Commit() override {
    TRY(conn_->Exec("COMMIT"));
    done_ = true;
    return Ok();
  }

 private:
  Result<sqlite3_stmt*> Bind(std::string_view sql, std::span<const ValueRef> params) {
    auto stmt = TRY(conn_->Prepare(sql));
    sqlite3_clear_bindings(stmt);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return Internal("statement wants " + std::to_string(sqlite3_bind_parameter_count(stmt)) +
                      " parameters, got " + std::to_string(params.size()) + ": " +
                      std::string(sql));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      const ValueRef& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(stmt, idx);
      } else if (auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, idx, *d);
      } else {
        // STATIC: the text outlives the statement's run (ExecRefs' contract), so SQLite need
        // not copy it.
        auto s = std::get<std::string_view>(v);
        rc = sqlite3_bind_text64(stmt, idx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "bind");
    }
    return stmt;
  }

  static Value Column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER: return Value(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
      case SQLITE_FLOAT: return Value(sqlite3_column_double(stmt, c));
      case SQLITE_NULL: return Value();
      default: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt, c));
        return Value(std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
      }
    }
  }

  SqliteStore* store_;
  Connection* conn_;
  std::unique_lock<std::mutex> writer_lock_;
  bool pooled_;
  bool done_ = false;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)) {}

  std::string_view backend() const override { return "sqlite"; }

  Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    if (mode == TxMode::kWrite || options_.path == ":memory:") {
      std::unique_lock lock(writer_mu_);
      // IMMEDIATE takes the write lock now, so a transaction never fails half-way on upgrade.
      TRY(writer_->Exec(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
      return std::unique_ptr<Transaction>(
          std::make_unique<SqliteTransaction>(this, writer_.get(), std::move(lock), false));
    }
    Connection* conn = TRY(AcquireReader());
    auto begun = conn->Exec("BEGIN");
    if (!begun.ok()) {
      ReleaseReader(conn);
      return begun.error();
    }
    return std::unique_ptr<Transaction>(
        std::make_unique<SqliteTransaction>(this, conn, std::unique_lock<std::mutex>(), true));
  }

  void ReleaseReader(Connection* conn) {
    {
      std::lock_guard lock(pool_mu_);
      idle_readers_.push_back(conn);
    }
    pool_cv_.notify_one();
  }

 private:
  Result<Connection*> AcquireReader() {
    std::unique_lock lock(pool_mu_);
    while (idle_readers_.empty() && static_cast<int>(readers_.size()) >= options_.max_readers) {
      pool_cv_.wait(lock);
    }
    if (!idle_readers_.empty()) {
      Connection* c = idle_readers_.back();
      idle_readers_.pop_back();
      return c;
    }
    auto conn = TRY(OpenConnection(options_, /*readonly=*/true));
    readers_.push_back(std::move(conn));
    return readers_.back().get();
  }

  SqliteOptions options_;
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by writer_mu_
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> readers_;  // guarded by pool_mu_
  std::vector<Connection*> idle_readers_;             // guarded by pool_mu_
};

SqliteTransaction::~SqliteTransaction() {
  if (!done_) (void)conn_->Exec("ROLLBACK");
  if (pooled_) store_->ReleaseReader(conn_);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options) {
  if (options.synchronous != "normal" && options.synchronous != "full") {
    return InvalidArgument("store synchronous mode must be 'normal' or 'full', got '" +
                           options.synchronous + "'");
  }
  auto writer = TRY(OpenConnection(options, /*readonly=*/false));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(options, std::move(writer)));
}

}  // namespace relish::store
