// The one way to include Asio and Beast, and the coroutine type every async layer uses.
//
// Debian 12's Boost 1.74 asio/awaitable.hpp uses std::exchange without including <utility>;
// g++ 12 in C++20 mode then fails, so <utility> comes first.
#pragma once

#include <utility>

// Boost 1.74 enables co_await under clang only with <experimental/coroutine>, which libstdc++
// lacks; clang 14 (the fuzz build) has C++20 coroutines and libstdc++ has <coroutine>.
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT) && __cpp_impl_coroutine >= 201902L
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace relish {

// Coroutines and sockets are bound to an io_context and say so in their types. Asio's default,
// any_io_executor, is type-erased: every async step copied and dispatched it through function
// pointers (callgrind: 14% of a proxied request's instructions went to any_executor alone).
using IoExecutor = boost::asio::io_context::executor_type;
template <typename T = void>
using Task = boost::asio::awaitable<T, IoExecutor>;
// The completion token for co_await inside a Task (boost::asio::use_awaitable is for the
// type-erased executor and does not compile there).
inline constexpr boost::asio::use_awaitable_t<IoExecutor> use_task{};
using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;
using TcpStream = boost::beast::basic_stream<boost::asio::ip::tcp, IoExecutor>;
using SteadyTimer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                      boost::asio::wait_traits<std::chrono::steady_clock>,
                                                      IoExecutor>;

}  // namespace relish
