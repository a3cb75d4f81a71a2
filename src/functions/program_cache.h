// Compiled programs, kept by source text and argument names, so a function that the workflow
// engine runs thousands of times is parsed and checked once. Least recently used entries go
// first beyond the capacity. Thread-safe; a compiled Program may run on many threads at once.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deluge/deluge.h"

namespace relish::functions {

class ProgramCache {
 public:
  explicit ProgramCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The compiled program (or its diagnostics) for `source` given these argument names.
  std::shared_ptr<const deluge::Compiled> Get(std::string_view source,
                                              const std::vector<std::string>& arg_names);

  size_t size() const;
  size_t compiles() const;  // how many times Get had to compile

 private:
  // Points at the keys inside entries_ (node keys never move), most recently used first.
  using Order = std::list<const std::string*>;
  struct Entry {
    std::shared_ptr<const deluge::Compiled> compiled;
    Order::iterator position;
  };

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
  Order order_;                                     // guarded by mu_
  size_t compiles_ = 0;                             // guarded by mu_
};

}  // namespace relish::functions
