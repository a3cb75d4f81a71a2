// The one way to include Asio and Beast. Debian 12's Boost 1.74 asio/awaitable.hpp uses
// std::exchange without including <utility>; g++ 12 in C++20 mode then fails, so include it first.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
