// The barrier between a thread's work and whatever that work might throw.
//
// Relish's own code returns errors as values, but the libraries under it throw: nlohmann's
// type_error on an upstream answer of an unexpected shape, std::bad_alloc, std::out_of_range from
// a map lookup on data another version wrote. An exception that leaves a thread's function ends
// the process (std::terminate), taking every other tenant's requests and jobs with it. So the
// work of every thread Relish runs (request handlers, the blocking pool, workflow executors and
// dispatcher, the audit writer) passes through CatchAll, which turns anything thrown into a
// logged kInternal error for that one request or job.
#pragma once

#include <string_view>
#include <type_traits>
#include <utility>

#include "base/result.h"

namespace relish {

// The error for the exception being handled (call it inside a catch block): logged with `what`
// (redacted, like every log line), and returned as kInternal without the exception's text, which
// may describe internals or carry a value from the input.
Error CaughtException(std::string_view what) noexcept;

// Runs `fn`; a thrown exception becomes CaughtException(what). `fn` returns a Result<T> (or
// anything constructible from an Error), or nothing (then CatchAll returns Result<void>).
template <typename Fn>
auto CatchAll(std::string_view what, Fn&& fn) noexcept {
  using R = std::invoke_result_t<Fn&>;
  if constexpr (std::is_void_v<R>) {
    try {
      fn();
      return Result<void>();
    } catch (...) {
      return Result<void>(CaughtException(what));
    }
  } else {
    static_assert(std::is_constructible_v<R, Error>,
                  "CatchAll needs a result that can hold an Error");
    try {
      return R(fn());
    } catch (...) {
      return R(CaughtException(what));
    }
  }
}

}  // namespace relish
