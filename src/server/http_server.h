// HttpServer: HTTP/1.1 on Boost.Beast with C++20 coroutines. Keep-alive, a request size limit
// (413), header and idle timeouts, request ids, an access log, metrics, and graceful shutdown:
// Stop() closes the listener and idle connections at once, lets requests already being received
// or handled finish (their responses carry "Connection: close"), and Run() returns when the last
// one is done or the drain deadline passes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "server/metrics.h"
#include "server/router.h"

namespace relish::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port; see HttpServer::port()
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds drain_timeout{30'000};
  int threads = 0;  // I/O threads, each with its own io_context; 0: one per core (at least 2)
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; after it returns, port() is the bound port.
  Result<void> Listen();
  uint16_t port() const;
  // Serves until Stop() (or SIGTERM/SIGINT when `handle_signals`); blocks the calling thread.
  void Run(bool handle_signals);
  // Thread-safe and idempotent; may be called from any thread, including a handler.
  void Stop();
  // The first of the server's io_contexts (the listener's), for components that need one at
  // construction. Requests are served on all of them: async code should use its coroutine's
  // executor, not this context.
  boost::asio::io_context& io_context();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace relish::server
