// For tests: a Store that passes everything to another and counts what goes through, so a test
// can say how many transactions (and which statements) an operation costs. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"

namespace relish::store::testing {

class CountingStore final : public Store {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}

  std::string_view backend() const override { return inner_.backend(); }
  Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    auto tx = TRY(inner_.Begin(mode));
    {
      std::lock_guard lock(mu_);
      ++(mode == TxMode::kWrite ? writes_ : reads_);
    }
    return std::unique_ptr<Transaction>(std::make_unique<Tx>(*this, std::move(tx)));
  }

  int reads() {
    std::lock_guard lock(mu_);
    return reads_;
  }
  int writes() {
    std::lock_guard lock(mu_);
    return writes_;
  }
  // Every statement since the last Reset, in order.
  std::vector<std::string> statements() {
    std::lock_guard lock(mu_);
    return statements_;
  }
  // The queries whose text contains `part` since the last Reset, with the rows each returned.
  struct Read {
    std::string sql;
    size_t rows;
  };
  std::vector<Read> ReadsOf(std::string_view part) {
    std::lock_guard lock(mu_);
    std::vector<Read> out;
    for (const auto& r : queries_) {
      if (r.sql.find(part) != std::string::npos) out.push_back(r);
    }
    return out;
  }
  void Reset() {
    std::lock_guard lock(mu_);
    reads_ = writes_ = 0;
    statements_.clear();
    queries_.clear();
  }

 private:
  class Tx final : public Transaction {
   public:
    Tx(CountingStore& s, std::unique_ptr<Transaction> inner) : s_(s), inner_(std::move(inner)) {}
    Result<Rows> QueryParams(std::string_view sql, std::vector<Value> p) override {
      s_.Note(sql);
      auto rows = TRY(inner_->QueryParams(sql, std::move(p)));
      std::lock_guard lock(s_.mu_);
      s_.queries_.push_back({std::string(sql), rows.size()});
      return rows;
    }
    Result<int64_t> ExecParams(std::string_view sql, std::vector<Value> p) override {
      s_.Note(sql);
      return inner_->ExecParams(sql, std::move(p));
    }
    Result<int64_t> ExecRefs(std::string_view sql, std::span<const ValueRef> p) override {
      s_.Note(sql);
      return inner_->ExecRefs(sql, p);
    }
    Result<void> ExecScript(std::string_view sql) override {
      s_.Note(sql);
      return inner_->ExecScript(sql);
    }
    Result<void> Commit() override { return inner_->Commit(); }
    bool conflicted() const override { return inner_->conflicted(); }

   private:
    CountingStore& s_;
    std::unique_ptr<Transaction> inner_;
  };

  void Note(std::string_view sql) {
    std::lock_guard lock(mu_);
    statements_.emplace_back(sql);
  }

  Store& inner_;
  std::mutex mu_;
  int reads_ = 0;
  int writes_ = 0;
  std::vector<std::string> statements_;
  std::vector<Read> queries_;
};

}  // namespace relish::store::testing
