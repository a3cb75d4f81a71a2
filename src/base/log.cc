#include "base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <mutex>

namespace relish {
namespace {

constexpr std::string_view kMask = "[REDACTED]";

// A sink that scrubs known secrets out of each message, then forwards to the real sink.
class RedactingSink final : public spdlog::sinks::sink {
 public:
  explicit RedactingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!GlobalRedactor().Contains(payload)) {
      inner_->log(msg);
      return;
    }
    std::string scrubbed = GlobalRedactor().Scrub(payload);
    spdlog::details::log_msg copy(msg);
    copy.payload = scrubbed;
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

std::shared_ptr<spdlog::logger> g_access;  // set once at start-up, before any request

void Install(std::shared_ptr<spdlog::sinks::sink> sink, spdlog::level::level_enum level) {
  auto redacting = std::make_shared<RedactingSink>(std::move(sink));
  auto main = std::make_shared<spdlog::logger>("relish", redacting);
  auto access = std::make_shared<spdlog::logger>("access", redacting);
  main->set_level(level);
  access->set_level(level);
  // Every line reaches the file as it is written, as it does on standard error: someone tailing
  // `log_file` (the first administrator's notice, a failing refresh) must not wait for a
  // buffer to fill or for shutdown.
  main->flush_on(spdlog::level::trace);
  access->flush_on(spdlog::level::trace);
  g_access = access;
  spdlog::set_default_logger(main);
}

}  // namespace

void Redactor::Add(std::string_view owner, std::string_view secret) {
  if (secret.size() < kMinLength) return;
  std::unique_lock lock(mu_);
  auto [it, inserted] = secrets_.try_emplace(std::string(secret));
  Node* node = &*it;
  if (inserted) {
    by_prefix_[std::string(secret.substr(0, kMinLength))].push_back(node);
    Count(secret, 1);
  }
  auto owner_it = owners_.try_emplace(std::string(owner)).first;
  std::list<Node*>& order = owner_it->second.order;
  for (Holder& h : node->second.holders) {
    if (h.owner == &*owner_it) {
      order.splice(order.end(), order, h.position);  // the newest again
      return;
    }
  }
  order.push_back(node);
  node->second.holders.push_back({&*owner_it, std::prev(order.end())});
  if (order.size() > kMaxSecretsPerOwner) {
    Node* oldest = order.front();
    for (size_t i = 0; i < oldest->second.holders.size(); ++i) {
      if (oldest->second.holders[i].owner == &*owner_it) {
        Release(oldest, i);
        break;
      }
    }
  }
}

void Redactor::Release(Node* node, size_t holder) {
  Holder h = node->second.holders[holder];
  node->second.holders.erase(node->second.holders.begin() + static_cast<ptrdiff_t>(holder));
  h.owner->second.order.erase(h.position);
  if (h.owner->second.order.empty()) owners_.erase(owners_.find(h.owner->first));
  if (!node->second.holders.empty()) return;
  const std::string& secret = node->first;
  auto bucket = by_prefix_.find(secret.substr(0, kMinLength));
  if (bucket != by_prefix_.end()) {
    std::erase(bucket->second, node);
    if (bucket->second.empty()) by_prefix_.erase(bucket);
  }
  Count(secret, -1);
  secrets_.erase(secrets_.find(secret));  // by iterator: `secret` is the erased node's key
}

size_t Redactor::WindowHash(const char* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, kMinLength);
  constexpr int kShift = 64 - std::bit_width(kFilterSlots - 1);  // the top bits index a slot
  return static_cast<size_t>((v * 0x9E3779B97F4A7C15ull) >> kShift);
}

void Redactor::Count(std::string_view secret, int delta) {
  size_t index = WindowHash(secret.data());
  uint16_t& slot = filter_[index];
  // Saturates rather than wraps: a stuck slot only costs a map probe.
  if (slot != UINT16_MAX) slot = static_cast<uint16_t>(slot + delta);
  uint64_t bit = uint64_t{1} << (index % 64);
  if (slot != 0) {
    bits_[index / 64].fetch_or(bit, std::memory_order_relaxed);
  } else {
    bits_[index / 64].fetch_and(~bit, std::memory_order_relaxed);
  }
}

// Relaxed loads suffice: a secret whose Add happened before the text was made (the only case
// scrubbing can promise) has its bit visible here by coherence.
bool Redactor::MayContain(std::string_view text) const {
  for (size_t i = 0; i + kMinLength <= text.size(); ++i) {
    size_t index = WindowHash(text.data() + i);
    if (bits_[index / 64].load(std::memory_order_relaxed) & (uint64_t{1} << (index % 64))) return true;
  }
  return false;
}

void Redactor::Remove(std::string_view secret) {
  if (secret.size() < kMinLength) return;
  std::unique_lock lock(mu_);
  auto it = secrets_.find(std::string(secret));
  if (it == secrets_.end()) return;
  Node* node = &*it;
  // The last Release erases the node itself.
  for (size_t n = node->second.holders.size(); n > 0; --n) Release(node, n - 1);
}

size_t Redactor::MatchAt(std::string_view text, size_t pos, const std::string_view* owner) const {
  if (filter_[WindowHash(text.data() + pos)] == 0) return 0;
  auto it = by_prefix_.find(std::string(text.substr(pos, kMinLength)));
  if (it == by_prefix_.end()) return 0;
  size_t best = 0;
  for (const Node* node : it->second) {
    const std::string& s = node->first;
    if (s.size() <= best || text.substr(pos, s.size()) != s) continue;
    if (owner != nullptr &&
        std::none_of(node->second.holders.begin(), node->second.holders.end(),
                     [&](const Holder& h) { return h.owner->first == *owner; })) {
      continue;
    }
    best = s.size();
  }
  return best;
}

bool Redactor::ContainsLocked(std::string_view text, const std::string_view* owner) const {
  if (by_prefix_.empty()) return false;
  for (size_t i = 0; i + kMinLength <= text.size(); ++i) {
    if (MatchAt(text, i, owner) > 0) return true;
  }
  return false;
}

std::string Redactor::ScrubLocked(std::string_view text, const std::string_view* owner) const {
  // Most texts hold no secret: find the first match before building anything.
  size_t first = 0;
  while (first + kMinLength <= text.size() && MatchAt(text, first, owner) == 0) ++first;
  if (first + kMinLength > text.size()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  out.append(text.substr(0, first));
  size_t i = first;
  while (i < text.size()) {
    size_t n = i + kMinLength <= text.size() ? MatchAt(text, i, owner) : 0;
    if (n > 0) {
      out += kMask;
      i += n;
    } else {
      out += text[i++];
    }
  }
  return out;
}

bool Redactor::Contains(std::string_view text) const {
  if (!MayContain(text)) return false;
  std::shared_lock lock(mu_);
  return ContainsLocked(text, nullptr);
}

bool Redactor::ContainsFor(std::string_view owner, std::string_view text) const {
  if (!MayContain(text)) return false;
  std::shared_lock lock(mu_);
  return ContainsLocked(text, &owner);
}

std::string Redactor::Scrub(std::string_view text) const {
  if (!MayContain(text)) return std::string(text);
  std::shared_lock lock(mu_);
  return ScrubLocked(text, nullptr);
}

std::string Redactor::ScrubFor(std::string_view owner, std::string_view text) const {
  if (!MayContain(text)) return std::string(text);
  std::shared_lock lock(mu_);
  return ScrubLocked(text, &owner);
}

void Redactor::ScrubInPlace(std::string& text) const {
  if (Contains(text)) text = Scrub(text);  // scans twice, but only when there is a secret
}

void Redactor::ScrubInPlaceFor(std::string_view owner, std::string& text) const {
  if (ContainsFor(owner, text)) text = ScrubFor(owner, text);
}

size_t Redactor::size() const {
  std::shared_lock lock(mu_);
  return secrets_.size();
}

size_t Redactor::size(std::string_view owner) const {
  std::shared_lock lock(mu_);
  auto it = owners_.find(std::string(owner));
  return it == owners_.end() ? 0 : it->second.order.size();
}

SecretValues::SecretValues(std::vector<std::string> values) {
  std::erase_if(values, [](const std::string& v) { return v.size() < Redactor::kMinLength; });
  // Longest first, so that a value inside a longer one is found as part of it.
  std::sort(values.begin(), values.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  values.erase(std::unique(values.begin(), values.end()), values.end());
  values_ = std::move(values);
  shortest_ = values_.empty() ? SIZE_MAX : values_.back().size();
}

namespace {

// Where `needle` next occurs in `text` from `from`, or npos. Most texts scrubbed on the proxy's
// path are a few dozen bytes (header values, a URL): there string_view::find (memchr for the
// first byte, then a compare) costs a few dozen instructions, where glibc's memmem spends
// hundreds preparing its two-way search. Long texts (a body) get memmem, which does not try
// every position whose first byte matches.
constexpr size_t kShortText = 256;
size_t Find(std::string_view text, std::string_view needle, size_t from) {
  if (from >= text.size() || text.size() - from < needle.size()) return std::string_view::npos;
  if (text.size() - from < kShortText) return text.find(needle, from);
  const void* at = ::memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos
                       : static_cast<size_t>(static_cast<const char*>(at) - text.data());
}

}  // namespace

bool SecretValues::Contains(std::string_view text) const {
  if (text.size() < shortest_) return false;
  for (const auto& v : values_) {
    if (Find(text, v, 0) != std::string_view::npos) return true;
  }
  return false;
}

std::string SecretValues::Scrub(std::string_view text) const {
  std::string out(text);
  ScrubInPlace(out);
  return out;
}

void SecretValues::ScrubInPlace(std::string& text) const {
  // The proxy's path: most texts are clean, and many are shorter than any secret.
  if (text.size() < shortest_ || !Contains(text)) return;
  // Every occurrence of every value as [begin, end); overlapping ones (two secrets sharing
  // bytes) merge, so no part of either is left showing.
  std::vector<std::pair<size_t, size_t>> spans;
  for (const auto& v : values_) {
    for (size_t at = Find(text, v, 0); at != std::string_view::npos; at = Find(text, v, at + 1)) {
      spans.emplace_back(at, at + v.size());
    }
  }
  if (spans.empty()) return;
  std::sort(spans.begin(), spans.end());
  std::string out;
  out.reserve(text.size());
  size_t done = 0;
  for (size_t i = 0; i < spans.size();) {
    size_t begin = spans[i].first, end = spans[i].second;
    for (++i; i < spans.size() && spans[i].first < end; ++i) end = std::max(end, spans[i].second);
    out.append(text, done, begin - done);
    out += kMask;
    done = end;
  }
  out.append(text, done, std::string::npos);
  text = std::move(out);
}

Redactor& GlobalRedactor() {
  static Redactor redactor;
  return redactor;
}

Result<void> InitLogging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return InvalidArgument("unknown log level '" + options.level +
                           "' (use trace, debug, info, warn, error or off)");
  }
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    if (options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Unavailable(std::string("cannot open log file: ") + e.what());
  }
  sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %n: %v");
  Install(std::move(sink), level);
  return Ok();
}

void InitLoggingForTest(std::shared_ptr<spdlog::sinks::sink> sink) {
  sink->set_pattern("%l %n: %v");
  Install(std::move(sink), spdlog::level::trace);
}

spdlog::logger& AccessLog() {
  // Not initialised (a unit test): fall back to the default logger.
  return g_access ? *g_access : *spdlog::default_logger();
}

}  // namespace relish
