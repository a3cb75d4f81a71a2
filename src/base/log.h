// Logging through spdlog, with one redaction hook every line passes through before any sink.
//
// The vault registers each secret it decrypts with the Redactor; from then on any log line
// containing that value, whatever its origin, shows "[REDACTED]" instead. This is the last line
// of defence: code should not log secrets in the first place.
#pragma once

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace relish {

// Thread-safe set of known secret values; Scrub replaces each occurrence with "[REDACTED]".
// Lookups cost time linear in the text, not in the number of secrets: every secret is indexed by
// its first kMinLength bytes, and the text's windows of that length are looked up.
class Redactor {
 public:
  // Values shorter than kMinLength are ignored: redacting "a" would destroy every log line,
  // and no credential is that short.
  static constexpr size_t kMinLength = 6;
  // The oldest secrets are forgotten beyond this many (tokens get replaced as they refresh).
  static constexpr size_t kMaxSecrets = 20'000;

  void Add(std::string_view secret);
  void Remove(std::string_view secret);
  std::string Scrub(std::string_view text) const;
  // The same, changing `text` only when it holds a secret (no copy of a clean text).
  void ScrubInPlace(std::string& text) const;
  bool Contains(std::string_view text) const;  // true if text holds any known secret
  size_t size() const;

 private:
  // The longest known secret starting at text[pos], or 0.
  size_t MatchAt(std::string_view text, size_t pos) const;
  // A hash of the kMinLength bytes at `p`, for the filter below.
  static size_t WindowHash(const char* p);
  void Count(std::string_view secret, int delta);

  // How many known secrets' first bytes hash to each slot: most windows of a text hit an empty
  // slot, which rules them out without building a key and probing the map (audit URLs and log
  // lines are scrubbed on every request).
  static constexpr size_t kFilterSlots = 1 << 12;
  std::vector<uint16_t> filter_ = std::vector<uint16_t>(kFilterSlots);  // guarded by mu_
  // The same slots as bits (set when the count is not 0), written under mu_ and read without
  // it: a text none of whose windows has its bit set holds no secret, and Contains says so
  // without the lock, whose shared count every I/O thread would otherwise write on every
  // request, and from 512 bytes instead of 8 KiB.
  std::array<std::atomic<uint64_t>, kFilterSlots / 64> bits_{};
  bool MayContain(std::string_view text) const;

  mutable std::shared_mutex mu_;
  std::deque<std::string> order_;  // guarded by mu_; oldest first
  std::unordered_map<std::string, std::vector<std::string>> by_prefix_;  // guarded by mu_
};

// The process-wide redactor used by the log sinks.
Redactor& GlobalRedactor();

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, off
  std::string file;            // empty: standard error
};

// Installs the default logger ("relish") and the access logger ("access"), both redacting.
Result<void> InitLogging(const LogOptions& options);

// Routes both loggers into `sink` (after redaction); for tests that inspect log output.
void InitLoggingForTest(std::shared_ptr<spdlog::sinks::sink> sink);

spdlog::logger& AccessLog();

}  // namespace relish
