#include "functions/program_cache.h"

namespace relish::functions {

std::shared_ptr<const deluge::Compiled> ProgramCache::Get(
    std::string_view source, const std::vector<std::string>& arg_names) {
  // Names cannot hold NUL, so NUL separates them from the source and from each other.
  std::string key(source);
  for (const auto& name : arg_names) {
    key += '\0';
    key += name;
  }
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      order_.splice(order_.begin(), order_, it->second.position);
      return it->second.compiled;
    }
  }
  // Compile outside the lock: two threads may compile the same source at once, which costs a
  // little work but never blocks one run behind another's compile.
  auto compiled =
      std::make_shared<const deluge::Compiled>(deluge::Compile(source, {.arg_names = arg_names}));
  std::lock_guard lock(mu_);
  ++compiles_;
  auto [it, inserted] = entries_.try_emplace(key);
  if (!inserted) {
    order_.splice(order_.begin(), order_, it->second.position);
    return it->second.compiled;
  }
  order_.push_front(&it->first);
  it->second = {compiled, order_.begin()};
  while (entries_.size() > capacity_) {
    auto oldest = entries_.find(*order_.back());
    order_.pop_back();
    entries_.erase(oldest);
  }
  return compiled;
}

size_t ProgramCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

size_t ProgramCache::compiles() const {
  std::lock_guard lock(mu_);
  return compiles_;
}

}  // namespace relish::functions
