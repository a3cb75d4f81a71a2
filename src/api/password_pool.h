// PasswordPool: the threads that hash and verify passwords, and nothing else.
//
// An Argon2id hash takes ~0.1 s of CPU and 64 MiB at the default cost. On an I/O thread, twenty
// wrong sign-ins stalled every request on that thread (/healthz included) for seconds; on the
// general blocking pool (32 threads) they would take 2 GiB and every core. Here at most
// kPasswordThreads hash at once, at most kPasswordQueue more wait, and anything beyond is turned
// away at once (Run gives nullopt: the route answers 503 with Retry-After) rather than queued
// without bound.
//
// Run may be awaited from any I/O thread; `work` runs on a pool thread through the thread
// barrier (server/offload.h), and the result comes back on the awaiting thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "server/asio.h"
#include "server/offload.h"

namespace relish::api {

inline constexpr size_t kPasswordThreads = 2;
inline constexpr size_t kPasswordQueue = 16;
// What a caller turned away is told to wait: the queue drains in well under a second.
inline constexpr int64_t kPasswordBusyRetryAfterSeconds = 1;

class PasswordPool {
 public:
  explicit PasswordPool(size_t threads = kPasswordThreads, size_t queue = kPasswordQueue)
      : pool_(threads), capacity_(threads + queue) {}
  PasswordPool(const PasswordPool&) = delete;
  PasswordPool& operator=(const PasswordPool&) = delete;
  ~PasswordPool() { pool_.join(); }

  // `work`'s result, or nullopt without running it when `threads` run and `queue` wait already.
  // `work` must stay alive until the co_await completes (a named local of the caller: see
  // server::Offload).
  template <typename Fn>
  Task<std::optional<std::invoke_result_t<Fn&>>> Run(Fn& work) {
    using R = std::invoke_result_t<Fn&>;
    if (admitted_.fetch_add(1) >= capacity_) {
      admitted_.fetch_sub(1);
      co_return std::nullopt;
    }
    auto counted = [this, &work]() -> R {
      // Released on the pool thread, thrown or not, before the result travels back.
      struct Release {
        std::atomic<size_t>& admitted;
        ~Release() { admitted.fetch_sub(1); }
      } release{admitted_};
      return work();
    };
    R result = co_await server::Offload(pool_, counted);
    co_return std::optional<R>(std::move(result));
  }

  // Waits for the work in hand (at shutdown, after the server stopped taking requests).
  void Join() { pool_.join(); }

  // Work running or waiting now.
  size_t admitted() const { return admitted_.load(); }

 private:
  boost::asio::thread_pool pool_;
  const size_t capacity_;
  std::atomic<size_t> admitted_{0};
};

}  // namespace relish::api
