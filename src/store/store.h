// Store: transactions over a relational database, and versioned migrations each module
// registers for its own tables. SQL uses '?' placeholders and the common subset of SQLite and
// PostgreSQL (TEXT, BIGINT, DOUBLE PRECISION; ids are generated text, never autoincrement), so a
// PostgreSQL backend can sit behind the same interface.
//
// Threading: a Store is shared by all threads. A Transaction belongs to the thread that began it
// and must not outlive its Store. Write transactions are serialised; read transactions run
// concurrently with them and with each other (SQLite WAL).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"

namespace relish::store {

// A column value or a query parameter.
class Value {
 public:
  using Variant = std::variant<std::nullptr_t, int64_t, double, std::string>;

  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}                  // NOLINT: implicit by design
  Value(bool b) : v_(int64_t{b ? 1 : 0}) {}               // NOLINT
  Value(int i) : v_(int64_t{i}) {}                        // NOLINT
  Value(unsigned i) : v_(int64_t{i}) {}                   // NOLINT
  Value(long i) : v_(int64_t{i}) {}                       // NOLINT
  Value(long long i) : v_(static_cast<int64_t>(i)) {}     // NOLINT
  Value(double d) : v_(d) {}                              // NOLINT
  Value(std::string s) : v_(std::move(s)) {}              // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}       // NOLINT
  Value(const char* s) : v_(std::string(s)) {}            // NOLINT
  template <typename T>
  Value(const std::optional<T>& o) : v_(nullptr) {        // NOLINT
    if (o) *this = Value(*o);
  }

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  const Variant& variant() const { return v_; }

  int64_t AsInt() const;             // null -> 0; text is parsed; real is truncated
  double AsReal() const;             // null -> 0
  const std::string& AsText() const;  // null -> ""; numbers are not converted (use ToText)
  std::string ToText() const;

 private:
  Variant v_;
};

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  const Value& operator[](size_t i) const { return values_.at(i); }
  bool IsNull(size_t i) const { return values_.at(i).is_null(); }
  int64_t Int(size_t i) const { return values_.at(i).AsInt(); }
  double Real(size_t i) const { return values_.at(i).AsReal(); }
  bool Bool(size_t i) const { return Int(i) != 0; }
  const std::string& Text(size_t i) const { return values_.at(i).AsText(); }
  std::optional<std::string> OptText(size_t i) const;
  std::optional<int64_t> OptInt(size_t i) const;

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

// A parameter that borrows its text: valid until the statement using it has run.
using ValueRef = std::variant<std::nullptr_t, int64_t, double, std::string_view>;

class Transaction {
 public:
  virtual ~Transaction() = default;  // rolls back unless committed

  virtual Result<Rows> QueryParams(std::string_view sql, std::vector<Value> params) = 0;
  // Returns the number of rows changed. A unique-constraint violation is kAlreadyExists;
  // a foreign-key violation is kFailedPrecondition.
  virtual Result<int64_t> ExecParams(std::string_view sql, std::vector<Value> params) = 0;
  // As ExecParams, with parameters that refer to the caller's data instead of owning it: for a
  // statement run over many rows the caller already holds (the audit writer binds 17 per row,
  // and building owning Values for them cost as much as binding them).
  virtual Result<int64_t> ExecRefs(std::string_view sql, std::span<const ValueRef> params) = 0;
  // Several statements without parameters (migrations).
  virtual Result<void> ExecScript(std::string_view sql) = 0;
  virtual Result<void> Commit() = 0;

  // True once the database has aborted this transaction as the loser of a conflict with another
  // (PostgreSQL's serialization failure or deadlock, SQLSTATE 40001 or 40P01): its work is undone
  // and running it again from the start may well succeed. Transact does that.
  // A wrapper around another transaction answers for the one it wraps.
  virtual bool conflicted() const { return conflicted_; }

  template <typename... Args>
  Result<Rows> Query(std::string_view sql, Args&&... args) {
    return QueryParams(sql, {Value(std::forward<Args>(args))...});
  }
  template <typename... Args>
  Result<int64_t> Exec(std::string_view sql, Args&&... args) {
    return ExecParams(sql, {Value(std::forward<Args>(args))...});
  }
  // The single row a query returns, or kNotFound with `what` in the message.
  template <typename... Args>
  Result<Row> QueryOne(std::string_view what, std::string_view sql, Args&&... args) {
    auto rows = TRY(QueryParams(sql, {Value(std::forward<Args>(args))...}));
    if (rows.empty()) return NotFound(std::string(what));
    return std::move(rows.front());
  }

 protected:
  void MarkConflicted() { conflicted_ = true; }

 private:
  bool conflicted_ = false;
};

enum class TxMode { kRead, kWrite };

struct Migration {
  std::string module;  // owner of the tables, e.g. "connections"
  int version;         // 1, 2, 3... per module, applied in order, never edited once shipped
  std::string description;
  std::string sql;
  // When not empty, PostgreSQL runs this instead of `sql`: only for what the common subset
  // cannot say (SQLite's WITHOUT ROWID tables). Same tables, columns and keys on both.
  std::string postgres_sql = {};
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<std::unique_ptr<Transaction>> Begin(TxMode mode) = 0;
  virtual std::string_view backend() const = 0;  // "sqlite", "postgres"

  // Applies, in order, every migration not yet recorded, each in its own transaction with its
  // record. Refuses a database whose schema for a module is newer than this binary knows.
  Result<void> Migrate(const std::vector<Migration>& migrations);
  // (module, version) pairs applied so far.
  Result<std::vector<std::pair<std::string, int>>> AppliedMigrations();
};

// How many times Transact runs a function whose transaction keeps losing conflicts.
inline constexpr int kTransactAttempts = 4;

// Before Transact's attempt `attempt` + 1: logs the conflict and sleeps a few milliseconds, more
// each time and randomised, so the transactions that collided do not collide again in step.
void PauseAfterConflict(int attempt, const Error& conflict);

// Runs `fn(Transaction&)` in a transaction and commits when it returns success.
// `fn` returns Result<T>; Transact returns it (or the commit's error).
//
// A transaction the database aborts as the loser of a conflict (Transaction::conflicted) is run
// again, from the start in a new transaction, up to kTransactAttempts times in all; then the
// conflict's error (kUnavailable) is returned. So `fn` must be re-runnable: it may read and
// write through `tx` and assign to captured variables, but must not append to or move from
// captured state, nor act outside the database (HTTP calls, caches), before Transact returns.
template <typename Fn>
auto Transact(Store& store, TxMode mode, Fn&& fn) -> decltype(fn(std::declval<Transaction&>())) {
  for (int attempt = 1;; ++attempt) {
    auto tx = TRY(store.Begin(mode));
    auto result = fn(*tx);
    std::optional<Error> failed;
    if (result.ok()) {
      auto committed = tx->Commit();
      if (committed.ok()) return result;
      failed = committed.error();
    } else {
      failed = result.error();
    }
    if (!tx->conflicted() || attempt == kTransactAttempts) {
      if (tx->conflicted()) {
        return failed->WithContext("gave up after " + std::to_string(attempt) + " attempts");
      }
      return *failed;
    }
    tx.reset();  // rolls back, and gives back the connection and the writers' turn, first
    PauseAfterConflict(attempt, *failed);
  }
}

}  // namespace relish::store
