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
// Zoho's download limits for services other than Creator (the invokeurl page): 5 MB from other
// domains, 15 MB from Zoho's own.
inline constexpr size_t kDefaultMaxResponseBytes = 5 * 1024 * 1024;
inline constexpr size_t kDefaultMaxZohoResponseBytes = 15 * 1024 * 1024;
// Not Zoho limits but guards for the process: one text value, one list or map, and all the values
// a run holds at once (texts, files, lists, maps and their arrays, counted per allocation).
inline constexpr size_t kDefaultMaxTextBytes = 64 * 1024 * 1024;
inline constexpr size_t kDefaultMaxCollectionSize = 5'000'000;
inline constexpr size_t kDefaultMaxMemoryBytes = 256 * 1024 * 1024;
// Built-ins report their work (about one unit per element visited or per 16 bytes scanned) and
// the run's clock is read each time this much has accumulated: a few milliseconds of work, so
// the execution-time limit holds inside one long built-in call, not only between statements.
inline constexpr size_t kWorkPerClockCheck = 1 << 20;

// Containers nested deeper than this cannot be printed, compared, converted or parsed: every walk
// over a value recurses at most this deep (a map that contains itself would otherwise print
// forever, and a list a loop nested 200,000 deep would overflow the stack). Not per run: it
// bounds the stack of the thread that runs the script, whoever the caller is.
inline constexpr int kMaxNesting = 200;

struct Limits {
  int64_t max_statements = kDefaultMaxStatements;
  std::chrono::milliseconds max_wall_time = kDefaultMaxWallTime;
  int max_call_depth = kDefaultMaxCallDepth;
  std::chrono::milliseconds invokeurl_timeout = kDefaultInvokeUrlTimeout;
  size_t max_response_bytes = kDefaultMaxResponseBytes;
  size_t max_zoho_response_bytes = kDefaultMaxZohoResponseBytes;
  size_t max_text_bytes = kDefaultMaxTextBytes;
  size_t max_collection_size = kDefaultMaxCollectionSize;
  size_t max_memory_bytes = kDefaultMaxMemoryBytes;
};

}  // namespace relish::deluge
