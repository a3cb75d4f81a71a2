// Resilient calls (issue 18): which answers mean "token invalid", when and how long to wait
// before retrying a 429 or 5xx, and the per-connection call limits. docs/connections.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "connections/service.h"
#include "outbound/http_client.h"

namespace relish::connections {

// What one request asks of retries: the proxy's X-Relish-Retry header, invokeurl's `retry`.
enum class RetryMode {
  kService,  // as the service says (retry: enabled), idempotent methods only
  kOff,      // never
  kOn,       // idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS)
  kAlways,   // any method, POST and PATCH included: the caller knows the call is safe to repeat
};
// "" (kService), "on"/"true", "off"/"false", "always"; anything else is an error.
Result<RetryMode> ParseRetryMode(std::string_view text);

bool IdempotentMethod(std::string_view method);

struct RetryPlan {
  int max_attempts = 1;  // 1: no retries
  int64_t max_wait_ms = 0;
  int64_t base_delay_ms = 500;
};
RetryPlan PlanRetries(const Service& service, RetryMode mode, std::string_view method);

// How long to wait before attempt `attempt + 1` after `response`, or nullopt when the answer is
// not one to retry (only 429 and 5xx but 501 are). Retry-After (seconds or an HTTP date) comes
// first, then a spent rate limit's reset (X-RateLimit-* or RateLimit-*: seconds from now, or a
// Unix time), else exponential back-off from `base_delay_ms` with `jitter` (random) added.
std::optional<int64_t> RetryDelayMs(const outbound::Response& response, int attempt,
                                    int64_t base_delay_ms, int64_t now_epoch_ms, uint64_t jitter);

// A 401, or an answer matching one of the service's token_invalid signals.
bool TokenInvalid(const Service& service, const outbound::Response& response);

// "attempt 2 of 3: retried after HTTP 503, waited 1000 ms": the audit note of a retried attempt.
std::string AttemptNote(int attempt, int max_attempts, int previous_status, int64_t waited_ms);

// Per-connection concurrency and rate caps (a service's `limits:`). Calls over a cap wait up to
// queue_wait for room, then fail with kResourceExhausted (HTTP 429 from the proxy).
class CallLimiter {
 public:
  // Blocks for room up to limits.queue_wait_ms. `link` names the connection in the error.
  Result<void> Acquire(const std::string& key, const CallLimits& limits, std::string_view link);
  // Without waiting: false when over a cap (the caller then waits on another thread).
  bool TryAcquire(const std::string& key, const CallLimits& limits);
  void Release(const std::string& key, const CallLimits& limits);

 private:
  struct Slot {
    int in_flight = 0;
    std::deque<std::chrono::steady_clock::time_point> started;  // within the last minute
  };
  // Room now, or when there will be (for the rate cap); takes it when there is.
  bool TakeLocked(Slot& slot, const CallLimits& limits, std::chrono::steady_clock::time_point now,
                  std::chrono::steady_clock::time_point* free_at);
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Slot> slots_;
};

// True for the error CallLimiter gives (so a script does not read it as a response too large).
bool CallLimitError(const Error& error);

inline bool Limited(const CallLimits& l) { return l.concurrency > 0 || l.per_minute > 0; }

}  // namespace relish::connections
