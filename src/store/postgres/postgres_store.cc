#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "store/value_refs.h"

namespace relish::store {

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::string RedactPostgresUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t start = scheme + 3;
  size_t at = url.find('@', start);
  size_t slash = url.find('/', start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    return std::string(url);
  }
  size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

std::string TranslatePlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  size_t i = 0;
  auto copy_until = [&](std::string_view end, bool backslash_escapes) {
    // Copies sql[i..] through the first `end` (not escaped), or to the end of the text.
    while (i < sql.size()) {
      if (backslash_escapes && sql[i] == '\\' && i + 1 < sql.size()) {
        out.append(sql.substr(i, 2));
        i += 2;
        continue;
      }
      if (sql.substr(i).starts_with(end)) {
        out.append(end);
        i += end.size();
        return;
      }
      out.push_back(sql[i++]);
    }
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'') {
      // An E'...' string takes backslash escapes; a doubled quote inside either is two strings
      // back to back here, which copies the same.
      bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                     (i < 2 || !(std::isalnum(static_cast<unsigned char>(sql[i - 2])) ||
                                 sql[i - 2] == '_'));
      out.push_back(c);
      ++i;
      copy_until("'", escapes);
    } else if (c == '"') {
      out.push_back(c);
      ++i;
      copy_until("\"", false);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      copy_until("\n", false);
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      out.append("/*");
      i += 2;
      copy_until("*/", false);
    } else if (c == '?') {
      out += "$" + std::to_string(++n);
      ++i;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  if (count) *count = n;
  return out;
}

namespace {

// Serialises writers across every process on the database (docs/architecture.md).
constexpr int64_t kWriterLockKey = 0x52454c495348;  // "RELISH"

bool ConnectionLost(PGconn* conn, std::string_view state) {
  return PQstatus(conn) == CONNECTION_BAD || state.starts_with("08") || state == "57P01" ||
         state == "57P02" || state == "57P03";
}

// Serialization failure and deadlock: the database undid this transaction so another could go on.
bool IsConflictState(std::string_view state) { return state == "40001" || state == "40P01"; }

std::string SqlState(const PGresult* res) {
  const char* s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}

Error PgError(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string state = SqlState(res);
  std::string message;
  if (res) {
    if (const char* m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) message = m;
    if (const char* d = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)) {
      message += std::string(" (constraint ") + d + ")";
    }
  }
  if (message.empty()) {
    message = conn ? PQerrorMessage(conn) : "no connection";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
  }
  message = std::string(what) + ": " + message;
  if (!state.empty()) message += " [" + state + "]";
  if (state == "23505") return AlreadyExists(std::move(message));
  if (state.starts_with("23")) return FailedPrecondition(std::move(message));
  // Writers are serialised, so these are rare (a deadlock with a session outside Relish, a
  // manual lock). The transaction marks itself conflicted and Transact runs it again; if it keeps
  // losing, the caller may retry later as after any kUnavailable.
  if (IsConflictState(state)) return Unavailable(std::move(message));
  if (state.starts_with("53")) return ResourceExhausted(std::move(message));
  if (state.starts_with("22")) return InvalidArgument(std::move(message));
  if (ConnectionLost(conn, state)) return Unavailable(std::move(message));
  return Internal(std::move(message));
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// One PGconn with its prepared statements. Used by one thread at a time.
class Connection {
 public:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* conn() const { return conn_; }

  // After a lost connection: one reconnect attempt, with the statement cache cleared (prepared
  // statements live in the server session that went away).
  Result<void> EnsureConnected() {
    if (PQstatus(conn_) == CONNECTION_OK) return Ok();
    prepared_.clear();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return PgError(conn_, nullptr, "reconnect");
    TRY(Exec("SET client_min_messages = warning"));
    return Ok();
  }

  // The prepared statement's name and its parameter count.
  Result<std::pair<const std::string*, int>> Prepare(std::string_view sql) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return std::make_pair(&it->second.name, it->second.params);
    int count = 0;
    std::string translated = TranslatePlaceholders(sql, &count);
    std::string name = "s" + std::to_string(next_id_++);
    PgResult res(PQprepare(conn_, name.c_str(), translated.c_str(), 0, nullptr));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return PgError(conn_, res.get(), "prepare").WithContext(std::string(sql));
    }
    auto [pos, _] = prepared_.emplace(std::string(sql), Prepared{std::move(name), count});
    return std::make_pair(&pos->second.name, pos->second.params);
  }

  // `state`, when given, receives the failed statement's SQLSTATE.
  Result<void> Exec(std::string_view sql, std::string* state = nullptr) {
    std::string s(sql);
    PgResult res(PQexec(conn_, s.c_str()));
    auto status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
        status != PGRES_EMPTY_QUERY) {
      if (state) *state = SqlState(res.get());
      return PgError(conn_, res.get(), "exec");
    }
    return Ok();
  }

 private:
  struct Prepared {
    std::string name;
    int params;
  };
  PGconn* conn_;
  std::unordered_map<std::string, Prepared> prepared_;
  int64_t next_id_ = 0;
};

Result<std::unique_ptr<Connection>> Connect(const PostgresOptions& options) {
  auto conn = std::make_unique<Connection>(PQconnectdb(options.url.c_str()));
  if (PQstatus(conn->conn()) != CONNECTION_OK) {
    return Unavailable("cannot connect to " + RedactPostgresUrl(options.url) + ": " +
                       PgError(conn->conn(), nullptr, "connect").message());
  }
  // Notices (e.g. "relation already exists, skipping") are not errors and would go to stderr.
  TRY(conn->Exec("SET client_min_messages = warning"));
  return conn;
}

// SQLite hands back integers, reals, text or null; so does this, by the column's type.
Value ColumnValue(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return Value();
  const char* p = PQgetvalue(res, row, col);
  size_t len = static_cast<size_t>(PQgetlength(res, row, col));
  switch (PQftype(res, col)) {
    case 20:  // int8
    case 21:  // int2
    case 23:  // int4
    case 26: {  // oid
      int64_t v = 0;
      std::from_chars(p, p + len, v);
      return Value(v);
    }
    case 16:  // bool
      return Value(int64_t{p[0] == 't' ? 1 : 0});
    case 700:   // float4
    case 701:   // float8
    case 1700: {  // numeric: sum() of BIGINT is numeric; an integer as SQLite's sum() gives
      std::string_view text(p, len);
      if (PQftype(res, col) == 1700 && text.find_first_of(".eEN") == std::string_view::npos) {
        int64_t v = 0;
        auto [end, ec] = std::from_chars(p, p + len, v);
        if (ec == std::errc() && end == p + len) return Value(v);
      }
      return Value(std::strtod(std::string(text).c_str(), nullptr));
    }
    default:
      return Value(std::string(p, len));
  }
}

std::string DoubleText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

class PostgresStore;

class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(PostgresStore* store, Connection* conn,
                      std::unique_lock<std::mutex> writer_lock)
      : store_(store), conn_(conn), writer_lock_(std::move(writer_lock)) {}
  ~PostgresTransaction() override;

  Result<Rows> QueryParams(std::string_view sql, std::vector<Value> params) override {
    auto res = TRY(Run(sql, Refs(params)));
    Rows rows;
    int n = PQntuples(res.get());
    int cols = PQnfields(res.get());
    rows.reserve(static_cast<size_t>(n));
    for (int r = 0; r < n; ++r) {
      std::vector<Value> values;
      values.reserve(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c) values.push_back(ColumnValue(res.get(), r, c));
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  Result<int64_t> ExecParams(std::string_view sql, std::vector<Value> params) override {
    return ExecRefs(sql, Refs(params));
  }

  Result<int64_t> ExecRefs(std::string_view sql, std::span<const ValueRef> params) override {
    auto res = TRY(Run(sql, params));
    const char* changed = PQcmdTuples(res.get());
    int64_t n = 0;
    if (changed && *changed) std::from_chars(changed, changed + std::strlen(changed), n);
    return n;
  }

  Result<void> ExecScript(std::string_view sql) override { return CheckExec(sql); }

  Result<void> Commit() override {
    // A transaction with a failed statement can only roll back; COMMIT would say so quietly.
    if (PQtransactionStatus(conn_->conn()) == PQTRANS_INERROR) {
      return Internal("commit: an earlier statement in the transaction failed");
    }
    // A deferred constraint or a serializable transaction can lose its conflict here.
    auto committed = CheckExec("COMMIT");
    // A COMMIT that fails has ended the transaction too (rolled back): nothing left to roll back.
    done_ = committed.ok() || PQtransactionStatus(conn_->conn()) == PQTRANS_IDLE;
    return committed;
  }

 private:
  Result<void> CheckExec(std::string_view sql) {
    std::string state;
    auto r = Check(conn_->Exec(sql, &state));
    if (IsConflictState(state)) MarkConflicted();
    return r;
  }

  template <typename T>
  Result<T> Check(Result<T> r) {
    if (!r.ok() && PQstatus(conn_->conn()) == CONNECTION_BAD) lost_ = true;
    return r;
  }

  // Parameters go as text of unknown type, so the server infers each from its use, as SQLite
  // takes any value anywhere: '5' compared with a BIGINT column is the number 5. Where nothing
  // says (`? IS NULL`), the SQL says CAST(? AS TEXT).
  Result<PgResult> Run(std::string_view sql, std::span<const ValueRef> params) {
    auto [name, count] = TRY(Check(conn_->Prepare(sql)));
    if (static_cast<size_t>(count) != params.size()) {
      return Internal("statement wants " + std::to_string(count) + " parameters, got " +
                      std::to_string(params.size()) + ": " + std::string(sql));
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const ValueRef& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) continue;
      if (auto* n = std::get_if<int64_t>(&v)) {
        texts[i] = std::to_string(*n);
      } else if (auto* d = std::get_if<double>(&v)) {
        texts[i] = DoubleText(*d);
      } else {
        texts[i] = std::string(std::get<std::string_view>(v));
      }
      values[i] = texts[i].c_str();
    }
    PgResult res(PQexecPrepared(conn_->conn(), name->c_str(), static_cast<int>(params.size()),
                                values.data(), nullptr, nullptr, 0));
    auto status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      if (PQstatus(conn_->conn()) == CONNECTION_BAD) lost_ = true;
      if (IsConflictState(SqlState(res.get()))) MarkConflicted();
      return PgError(conn_->conn(), res.get(), "query").WithContext(std::string(sql));
    }
    return res;
  }

  PostgresStore* store_;
  Connection* conn_;
  std::unique_lock<std::mutex> writer_lock_;
  bool done_ = false;
  bool lost_ = false;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(PostgresOptions options, std::unique_ptr<Connection> first)
      : options_(std::move(options)) {
    idle_.push_back(first.get());
    all_.push_back(std::move(first));
  }

  std::string_view backend() const override { return "postgres"; }

  Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    // Writers queue here rather than holding a pooled connection while they wait for the
    // database's lock: readers keep the rest of the pool.
    std::unique_lock<std::mutex> writer;
    if (mode == TxMode::kWrite) writer = std::unique_lock(writer_mu_);
    Connection* conn = TRY(Acquire());
    auto begun = [&]() -> Result<void> {
      TRY(conn->EnsureConnected());
      if (mode == TxMode::kWrite) {
        // READ COMMITTED under the lock: each statement sees every earlier commit, and no other
        // writer runs until this one ends, which is SQLite's BEGIN IMMEDIATE.
        return conn->Exec("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" +
                          std::to_string(kWriterLockKey) + ")");
      }
      // A reader sees one snapshot throughout, as a SQLite WAL reader does.
      return conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }();
    if (!begun.ok()) {
      (void)conn->Exec("ROLLBACK");
      Release(conn);
      return begun.error();
    }
    return std::unique_ptr<Transaction>(
        std::make_unique<PostgresTransaction>(this, conn, std::move(writer)));
  }

  void Release(Connection* conn) {
    {
      std::lock_guard lock(pool_mu_);
      idle_.push_back(conn);
    }
    pool_cv_.notify_one();
  }

 private:
  Result<Connection*> Acquire() {
    std::unique_lock lock(pool_mu_);
    while (idle_.empty() && static_cast<int>(all_.size()) + opening_ >= options_.pool_size) {
      pool_cv_.wait(lock);
    }
    if (!idle_.empty()) {
      Connection* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    // Counted before connecting (outside the lock), so the pool never exceeds its size.
    ++opening_;
    lock.unlock();
    auto conn = Connect(options_);
    lock.lock();
    --opening_;
    if (!conn.ok()) {
      pool_cv_.notify_one();
      return conn.error();
    }
    all_.push_back(std::move(*conn));
    return all_.back().get();
  }

  PostgresOptions options_;
  std::mutex writer_mu_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> all_;  // guarded by pool_mu_
  std::vector<Connection*> idle_;                 // guarded by pool_mu_
  int opening_ = 0;                               // guarded by pool_mu_
};

PostgresTransaction::~PostgresTransaction() {
  if (!done_ && !lost_) (void)conn_->Exec("ROLLBACK");
  store_->Release(conn_);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgres(const PostgresOptions& options) {
  if (!IsPostgresUrl(options.url)) {
    return InvalidArgument("a PostgreSQL database URL starts with postgres://");
  }
  if (options.pool_size < 1 || options.pool_size > 1000) {
    return InvalidArgument("the database pool size must be 1 to 1000, got " +
                           std::to_string(options.pool_size));
  }
  auto first = TRY(Connect(options));
  // Text must order as SQLite's does (bytes): ids are compared in SQL (cursors: id > ?) and in
  // C++, and a language collation would disagree with both.
  {
    PgResult res(PQexec(first->conn(),
                        "SELECT datcollate, datlocprovider FROM pg_database"
                        " WHERE datname = current_database()"));
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) != 1) {
      return PgError(first->conn(), res.get(), "reading the database's collation");
    }
    std::string collate = PQgetvalue(res.get(), 0, 0);
    if (std::string_view(PQgetvalue(res.get(), 0, 1)) != "c") collate = "ICU";
    if (collate != "C" && collate != "POSIX" && !collate.starts_with("C.")) {
      return FailedPrecondition(
          "the database orders text by '" + collate +
          "'; Relish needs byte order: create it with CREATE DATABASE ... TEMPLATE template0 "
          "LC_COLLATE 'C' LC_CTYPE 'C.UTF-8' (docs/deployment.md)");
    }
  }
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(options, std::move(first)));
}

}  // namespace relish::store
