// TtlCache: a small thread-safe map whose entries expire after a fixed time, for the hot paths
// that would otherwise read the store on every request (API tokens, services, connections).
// Writers that change the underlying data call Erase or Clear; other processes' changes are seen
// once the entry expires, so the TTL is the staleness a cache may add.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>

#include "base/clock.h"

namespace relish {

template <typename Key, typename Value>
class TtlCache {
 public:
  TtlCache(const Clock& clock, std::chrono::milliseconds ttl, size_t max_entries = 10'000)
      : clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

  std::optional<Value> Get(const Key& key) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires <= clock_.Monotonic()) return std::nullopt;
    return it->second.value;
  }
  void Put(const Key& key, Value value) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= max_entries_) entries_.clear();  // crude, and rare: fine for a cache
    entries_[key] = {std::move(value), clock_.Monotonic() + ttl_};
  }
  void Erase(const Key& key) {
    std::lock_guard lock(mu_);
    entries_.erase(key);
  }
  void Clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

 private:
  struct Entry {
    Value value;
    std::chrono::steady_clock::time_point expires;
  };
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  size_t max_entries_;
  mutable std::mutex mu_;
  std::map<Key, Entry> entries_;  // guarded by mu_
};

}  // namespace relish
