// For the backends (sqlite/, postgres/): parameters that own their values, as borrowing ones, so
// QueryParams/ExecParams and ExecRefs bind through one path.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "store/store.h"

namespace relish::store {

// Valid while `params` is.
inline std::vector<ValueRef> Refs(const std::vector<Value>& params) {
  std::vector<ValueRef> refs;
  refs.reserve(params.size());
  for (const auto& p : params) {
    std::visit([&](const auto& v) {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, std::string>) {
        refs.emplace_back(std::string_view(v));
      } else {
        refs.emplace_back(v);
      }
    }, p.variant());
  }
  return refs;
}

}  // namespace relish::store
