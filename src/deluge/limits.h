// The limits of one run, as named constants with Deluge's values; a caller may change them per
// run (the benchmark raises the statement limit). Each ends the run with an error naming the
// limit (docs/language/limits.md). Limit errors cannot be caught by try/catch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace relish::deluge {

inline constexpr int64_t kDefaultMaxStatements = 200'000;
inline constexpr std::chrono::milliseconds kDefaultMaxWallTime{60'000};
inline constexpr int kDefaultMaxCallDepth = 75;
inline constexpr std::chrono::milliseconds kDefaultInvokeUrlTimeout{40'000};
inline constexpr size_t kDefaultMaxResponseBytes = 10 * 1024 * 1024;
// Not Zoho limits but guards for the process: one text value, one list or map.
inline constexpr size_t kDefaultMaxTextBytes = 64 * 1024 * 1024;
inline constexpr size_t kDefaultMaxCollectionSize = 5'000'000;

struct Limits {
  int64_t max_statements = kDefaultMaxStatements;
  std::chrono::milliseconds max_wall_time = kDefaultMaxWallTime;
  int max_call_depth = kDefaultMaxCallDepth;
  std::chrono::milliseconds invokeurl_timeout = kDefaultInvokeUrlTimeout;
  size_t max_response_bytes = kDefaultMaxResponseBytes;
  size_t max_text_bytes = kDefaultMaxTextBytes;
  size_t max_collection_size = kDefaultMaxCollectionSize;
};

}  // namespace relish::deluge
