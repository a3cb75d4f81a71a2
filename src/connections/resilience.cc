// Resilient calls: token-invalid signals, retry timing and per-connection call limits.
#include "connections/resilience.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace relish::connections {
namespace {

constexpr int64_t kMaxSingleDelayMs = 300'000;
constexpr std::string_view kLimitPrefix = "call limit: ";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int64_t> WholeNumber(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty() || s.size() > 15) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// An IMF-fixdate (RFC 9110 5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT", as Unix milliseconds.
std::optional<int64_t> HttpDateMs(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// Seconds from now, or a Unix time in seconds (some providers' X-RateLimit-Reset).
int64_t ResetDelayMs(int64_t value, int64_t now_ms) {
  if (value > 1'000'000'000) return std::max<int64_t>(0, value * 1000 - now_ms);
  return value * 1000;
}

// The value at a dotted path of a JSON body, as text (a string as it is, else its JSON).
std::optional<std::string> JsonAt(const nlohmann::json& body, const std::string& path) {
  const nlohmann::json* at = &body;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(key);
    if (it == at->end()) return std::nullopt;
    at = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at->is_string() ? at->get<std::string>() : at->dump();
}

}  // namespace

Result<RetryMode> ParseRetryMode(std::string_view text) {
  std::string t = Lower(text);
  if (t.empty()) return RetryMode::kService;
  if (t == "on" || t == "true") return RetryMode::kOn;
  if (t == "off" || t == "false") return RetryMode::kOff;
  if (t == "always") return RetryMode::kAlways;
  return InvalidArgument("retry must be on, off or always (always also repeats POST and PATCH), not '" +
                         std::string(text.substr(0, 40)) + "'");
}

bool IdempotentMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS";
}

RetryPlan PlanRetries(const Service& service, RetryMode mode, std::string_view method) {
  RetryPlan plan;
  plan.max_wait_ms = service.retry.max_wait_ms;
  plan.base_delay_ms = service.retry.base_delay_ms;
  bool on = false;
  switch (mode) {
    case RetryMode::kService: on = service.retry.enabled && IdempotentMethod(method); break;
    case RetryMode::kOff: on = false; break;
    case RetryMode::kOn: on = IdempotentMethod(method); break;
    case RetryMode::kAlways: on = true; break;
  }
  // A request that asks for retries of a service that sets none gets the defaults (3 attempts).
  if (on) plan.max_attempts = std::max(service.retry.max_attempts, service.retry.enabled ? 1 : 3);
  return plan;
}

std::optional<int64_t> RetryDelayMs(const outbound::Response& response, int attempt,
                                    int64_t base_delay_ms, int64_t now_epoch_ms, uint64_t jitter) {
  int s = response.status;
  if (s != 429 && (s < 500 || s > 599 || s == 501)) return std::nullopt;
  if (const std::string* after = response.Header("Retry-After")) {
    if (auto secs = WholeNumber(*after)) return std::min(*secs * 1000, kMaxSingleDelayMs);
    if (auto at = HttpDateMs(*after)) {
      return std::clamp<int64_t>(*at - now_epoch_ms, 0, kMaxSingleDelayMs);
    }
  }
  for (const char* prefix : {"X-RateLimit-", "RateLimit-"}) {
    const std::string* remaining = response.Header(std::string(prefix) + "Remaining");
    const std::string* reset = response.Header(std::string(prefix) + "Reset");
    if (remaining == nullptr || reset == nullptr) continue;
    auto left = WholeNumber(*remaining);
    auto when = WholeNumber(*reset);
    if (left && *left == 0 && when) {
      return std::min(ResetDelayMs(*when, now_epoch_ms), kMaxSingleDelayMs);
    }
  }
  int shift = std::clamp(attempt - 1, 0, 16);
  int64_t delay = std::min(base_delay_ms << shift, kMaxSingleDelayMs);
  // Equal jitter: half fixed, half random, so callers that failed together spread out.
  return delay / 2 + static_cast<int64_t>(jitter % static_cast<uint64_t>(delay / 2 + 1));
}

bool TokenInvalid(const Service& service, const outbound::Response& response) {
  if (response.status == 401) return true;
  std::optional<nlohmann::json> body;
  for (const auto& signal : service.token_invalid) {
    if (signal.status && *signal.status != response.status) continue;
    if (signal.json.empty()) return true;
    if (!body) {
      // Bounded: an error answer is small; a large body is not a token complaint.
      body = response.body.size() > 65'536
                 ? nlohmann::json()
                 : nlohmann::json::parse(response.body, nullptr, false, true);
    }
    if (body->is_discarded()) continue;
    if (auto v = JsonAt(*body, signal.json); v && *v == signal.equals) return true;
  }
  return false;
}

std::string AttemptNote(int attempt, int max_attempts, int previous_status, int64_t waited_ms) {
  return "attempt " + std::to_string(attempt) + " of " + std::to_string(max_attempts) +
         ": retried after HTTP " + std::to_string(previous_status) + ", waited " +
         std::to_string(waited_ms) + " ms";
}

bool CallLimiter::TakeLocked(Slot& slot, const CallLimits& limits,
                             std::chrono::steady_clock::time_point now,
                             std::chrono::steady_clock::time_point* free_at) {
  while (!slot.started.empty() && slot.started.front() + std::chrono::minutes(1) <= now) {
    slot.started.pop_front();
  }
  bool busy = limits.concurrency > 0 && slot.in_flight >= limits.concurrency;
  bool spent = limits.per_minute > 0 && static_cast<int>(slot.started.size()) >= limits.per_minute;
  if (spent && free_at != nullptr) *free_at = slot.started.front() + std::chrono::minutes(1);
  if (busy || spent) return false;
  ++slot.in_flight;
  if (limits.per_minute > 0) slot.started.push_back(now);
  return true;
}

bool CallLimiter::TryAcquire(const std::string& key, const CallLimits& limits) {
  std::lock_guard lock(mu_);
  return TakeLocked(slots_[key], limits, std::chrono::steady_clock::now(), nullptr);
}

Result<void> CallLimiter::Acquire(const std::string& key, const CallLimits& limits,
                                  std::string_view link) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.queue_wait_ms);
  std::unique_lock lock(mu_);
  Slot& slot = slots_[key];
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    auto free_at = deadline;
    if (TakeLocked(slot, limits, now, &free_at)) return Ok();
    if (now >= deadline) break;
    // Woken by a Release (concurrency) or when the oldest call leaves the minute (rate).
    cv_.wait_until(lock, std::min(deadline, free_at));
  }
  bool busy = limits.concurrency > 0 && slot.in_flight >= limits.concurrency;
  std::string why = busy ? std::to_string(limits.concurrency) + " calls in flight at once"
                         : std::to_string(limits.per_minute) + " calls a minute";
  return ResourceExhausted(std::string(kLimitPrefix) + "connection '" + std::string(link) +
                           "' is at its limit of " + why + " (its service's limits:)" +
                           (limits.queue_wait_ms > 0 ? "; waited " +
                                                           std::to_string(limits.queue_wait_ms / 1000) + " s"
                                                     : std::string()));
}

void CallLimiter::Release(const std::string& key, const CallLimits& limits) {
  {
    std::lock_guard lock(mu_);
    Slot& slot = slots_[key];
    if (slot.in_flight > 0) --slot.in_flight;
    (void)limits;
  }
  cv_.notify_all();
}

bool CallLimitError(const Error& error) {
  return error.code() == ErrorCode::kResourceExhausted &&
         error.message().starts_with(kLimitPrefix);
}

}  // namespace relish::connections
