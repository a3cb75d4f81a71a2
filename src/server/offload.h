// Runs blocking work (outbound HTTP, long store work) on a separate thread pool from an async
// handler, so the server's I/O threads keep serving while it waits.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>

#include "base/barrier.h"
#include "server/asio.h"
#include "server/json.h"

namespace relish::server {

// `work` through the thread barrier (base/barrier.h): a Response, or any Result, even when it
// throws; an exception escaping a pool thread would end the process.
template <typename Fn>
std::invoke_result_t<Fn&> Barrier(Fn& work) {
  using R = std::invoke_result_t<Fn&>;
  if constexpr (std::is_same_v<R, Response>) {
    auto r =
        CatchAll("a request's work on the blocking pool", [&] { return Result<Response>(work()); });
    return r.ok() ? std::move(*r) : ErrorResponse(r.error());
  } else {
    return CatchAll("a request's work on the blocking pool", work);
  }
}

// `work` must stay alive until the co_await completes: keep it in a named local of the calling
// coroutine. (g++ 12 destroys non-trivial temporaries of a co_await expression wrongly, so
// passing a capturing lambda straight in corrupts the heap; ASan caught it.)
template <typename Fn>
Task<std::invoke_result_t<Fn&>> Offload(boost::asio::thread_pool& pool, Fn& work) {
  using R = std::invoke_result_t<Fn&>;
  // The result travels in the completion itself (no state shared between the two threads);
  // optional because the awaitable machinery default-constructs its value type.
  std::optional<R> result =
      co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<IoExecutor>&,
                                           void(std::optional<R>)>(
          [&pool, &work](auto handler) {
            boost::asio::post(pool, [&work, handler = std::move(handler)]() mutable {
              std::optional<R> value(Barrier(work));
              auto executor = boost::asio::get_associated_executor(handler);
              boost::asio::dispatch(
                  executor, [handler = std::move(handler), value = std::move(value)]() mutable {
                    std::move(handler)(std::move(value));
                  });
            });
          },
          use_task);
  co_return std::move(*result);
}

}  // namespace relish::server
