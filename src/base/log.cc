#include "base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <bit>
#include <cstring>
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
  g_access = access;
  spdlog::set_default_logger(main);
}

}  // namespace

void Redactor::Add(std::string_view secret) {
  if (secret.size() < kMinLength) return;
  std::unique_lock lock(mu_);
  auto& bucket = by_prefix_[std::string(secret.substr(0, kMinLength))];
  if (std::find(bucket.begin(), bucket.end(), secret) != bucket.end()) return;
  bucket.emplace_back(secret);
  order_.emplace_back(secret);
  Count(secret, 1);
  if (order_.size() > kMaxSecrets) {
    const std::string& oldest = order_.front();
    auto it = by_prefix_.find(oldest.substr(0, kMinLength));
    if (it != by_prefix_.end()) {
      std::erase(it->second, oldest);
      if (it->second.empty()) by_prefix_.erase(it);
    }
    Count(oldest, -1);
    order_.pop_front();
  }
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
  auto it = by_prefix_.find(std::string(secret.substr(0, kMinLength)));
  if (it == by_prefix_.end()) return;
  auto before = it->second.size();
  std::erase(it->second, secret);
  if (it->second.size() != before) Count(secret, -1);
  if (it->second.empty()) by_prefix_.erase(it);
  std::erase(order_, secret);
}

size_t Redactor::MatchAt(std::string_view text, size_t pos) const {
  if (filter_[WindowHash(text.data() + pos)] == 0) return 0;
  auto it = by_prefix_.find(std::string(text.substr(pos, kMinLength)));
  if (it == by_prefix_.end()) return 0;
  size_t best = 0;
  for (const auto& s : it->second) {
    if (s.size() > best && text.substr(pos, s.size()) == s) best = s.size();
  }
  return best;
}

bool Redactor::Contains(std::string_view text) const {
  if (!MayContain(text)) return false;
  std::shared_lock lock(mu_);
  if (by_prefix_.empty()) return false;
  for (size_t i = 0; i + kMinLength <= text.size(); ++i) {
    if (MatchAt(text, i) > 0) return true;
  }
  return false;
}

std::string Redactor::Scrub(std::string_view text) const {
  if (!MayContain(text)) return std::string(text);
  std::shared_lock lock(mu_);
  // Most texts hold no secret: find the first match before building anything.
  size_t first = 0;
  while (first + kMinLength <= text.size() && MatchAt(text, first) == 0) ++first;
  if (first + kMinLength > text.size()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  out.append(text.substr(0, first));
  size_t i = first;
  while (i < text.size()) {
    size_t n = i + kMinLength <= text.size() ? MatchAt(text, i) : 0;
    if (n > 0) {
      out += kMask;
      i += n;
    } else {
      out += text[i++];
    }
  }
  return out;
}

void Redactor::ScrubInPlace(std::string& text) const {
  if (Contains(text)) text = Scrub(text);  // scans twice, but only when there is a secret
}

size_t Redactor::size() const {
  std::shared_lock lock(mu_);
  return order_.size();
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
