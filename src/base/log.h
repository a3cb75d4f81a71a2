// Logging through spdlog, with one redaction hook every line passes through before any sink.
//
// The vault registers each secret it decrypts with the Redactor, and the connections module
// every value of a connection's credentials (its registry of secrets), each under the
// organization it belongs to; from then on any log line containing that value, whatever its
// origin, shows "[REDACTED]" instead. This is the last line of defence: code should not log
// secrets in the first place.
#pragma once

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
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
//
// Each secret has owners: the organizations whose secret it is, or kInstallation for the
// installation's own (settings, the system OAuth client's secret). Capacity is per owner: an
// owner keeps its kMaxSecretsPerOwner most recently added secrets (adding one it holds already
// makes it the newest again), so one tenant's churn (tokens refreshing, many connections)
// forgets only that tenant's oldest secrets, never another's. A value stays known while any
// owner holds it. Owners are organizations, which only installation administrators create, so
// the whole set is bounded by (organizations + 1) x kMaxSecretsPerOwner values.
//
// Scrub masks every known secret (the log, which only operators read); ScrubFor masks only the
// secrets one owner holds, for what that tenant is shown: masking another tenant's secret in a
// tenant's own output would tell them that a text they printed is someone's secret.
class Redactor {
 public:
  // Values shorter than kMinLength are ignored: redacting "a" would destroy every log line,
  // and no credential is that short.
  static constexpr size_t kMinLength = 6;
  // How many secrets one owner keeps; its oldest are forgotten beyond this.
  static constexpr size_t kMaxSecretsPerOwner = 4'096;
  // The owner of the installation's own secrets.
  static constexpr std::string_view kInstallation = "";

  void Add(std::string_view owner, std::string_view secret);
  void Remove(std::string_view secret);  // from every owner
  std::string Scrub(std::string_view text) const;
  // The same, changing `text` only when it holds a secret (no copy of a clean text).
  void ScrubInPlace(std::string& text) const;
  bool Contains(std::string_view text) const;  // true if text holds any known secret
  // Only the secrets `owner` holds.
  std::string ScrubFor(std::string_view owner, std::string_view text) const;
  void ScrubInPlaceFor(std::string_view owner, std::string& text) const;
  bool ContainsFor(std::string_view owner, std::string_view text) const;
  size_t size() const;                        // distinct secrets
  size_t size(std::string_view owner) const;  // secrets `owner` holds

 private:
  struct Entry;
  using Node = std::pair<const std::string, Entry>;  // a secret and its owners
  struct OwnerList {
    std::list<Node*> order;  // oldest first
  };
  using Owners = std::unordered_map<std::string, OwnerList>;
  struct Holder {
    Owners::value_type* owner;
    std::list<Node*>::iterator position;  // in the owner's order
  };
  struct Entry {
    std::vector<Holder> holders;  // usually one
  };

  // The longest known secret starting at text[pos] (held by `owner` when not null), or 0.
  size_t MatchAt(std::string_view text, size_t pos, const std::string_view* owner) const;
  bool ContainsLocked(std::string_view text, const std::string_view* owner) const;
  std::string ScrubLocked(std::string_view text, const std::string_view* owner) const;
  // Takes `node` from `holder`'s owner; forgets the secret when nobody holds it any more.
  void Release(Node* node, size_t holder);
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
  // Node-based maps: the index, the owners' lists and the holders point into them.
  std::unordered_map<std::string, Entry> secrets_;                 // guarded by mu_
  Owners owners_;                                                  // guarded by mu_
  std::unordered_map<std::string, std::vector<Node*>> by_prefix_;  // guarded by mu_
};

// A few secrets, scrubbed with a plain search for each: what one connection holds (see
// connections' registry), applied to everything that comes back from its upstream before
// anyone sees it. Costs k searches of the text for k values and builds nothing when the text is
// clean, so it suits the proxy's hot path, where the Redactor's index would be more work for
// three or four values. Values shorter than Redactor::kMinLength are left out, as there.
// Immutable once made; share it.
class SecretValues {
 public:
  SecretValues() = default;
  explicit SecretValues(std::vector<std::string> values);

  const std::vector<std::string>& values() const { return values_; }
  bool empty() const { return values_.empty(); }
  bool Contains(std::string_view text) const;
  // Replaces every stretch of `text` covered by a value with one mask; leaves a clean text as
  // it is, without copying it.
  void ScrubInPlace(std::string& text) const;
  std::string Scrub(std::string_view text) const;

 private:
  std::vector<std::string> values_;  // distinct, longest first
  size_t shortest_ = SIZE_MAX;       // a text shorter than this holds none
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
