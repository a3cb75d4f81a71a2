#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <thread>

#include "base/barrier.h"
#include "base/deadline_sweep.h"
#include "base/fast_random.h"
#include "base/http_io.h"
#include "base/http_wire.h"
#include "base/ids.h"
#include "base/json_depth.h"
#include "base/log.h"
#include "server/json.h"
#include "server/request_parser.h"

namespace relish::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Fields the server writes itself: a handler's copy would contradict the framing.
bool FramingHeader(std::string_view name) {
  return SameHeaderName(name, "content-length") || SameHeaderName(name, "transfer-encoding") ||
         SameHeaderName(name, "connection");
}

// The status line and headers of `r` (see base/http_wire.h), with X-Request-Id: `request_id`
// in place of any the handler set. 1xx, 204 and 304 answers carry no body and no
// Content-Length; a HEAD answer gets the length its GET would have.
std::string ResponseHead(const Response& r, std::string_view request_id, unsigned version,
                         bool keep_alive, bool bodiless) {
  std::string out;
  out.reserve(256);
  out.append(version == 10 ? "HTTP/1.0 "sv : "HTTP/1.1 "sv);
  AppendDecimal(out, static_cast<uint64_t>(r.status));
  out += ' ';
  auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
  out.append(reason.data(), reason.size());
  out.append("\r\n"sv);
  for (const auto& [k, v] : r.headers) {
    if (FramingHeader(k) || SameHeaderName(k, "x-request-id")) continue;
    if (!AppendHeaderLine(out, k, v)) spdlog::warn("dropped a response header with an invalid name or value");
  }
  AppendHeaderLine(out, "X-Request-Id", request_id);  // generated, or checked by SaneRequestId
  if (!bodiless) {
    out.append("Content-Length: "sv);
    AppendDecimal(out, r.body.size());
    out.append("\r\n"sv);
  }
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n"sv);
  if (version != 10 && !keep_alive) out.append("Connection: close\r\n"sv);
  out.append("\r\n"sv);
  return out;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, const Router& router, Metrics& metrics)
      : options_(std::move(options)),
        router_(router),
        metrics_(metrics),
        contexts_(MakeContexts(options_.threads)),
        ioc_(*contexts_.front()),
        acceptor_(ioc_),
        tick_(std::clamp(std::min(options_.header_timeout, options_.idle_timeout) / 4,
                         std::chrono::milliseconds(10), std::chrono::milliseconds(1000))) {
    for (auto& context : contexts_) sweeps_.push_back(std::make_shared<DeadlineSweep>(*context, tick_));
  }

  // Header and idle timeouts: a session's deadline is that of its pending read or write, swept
  // by its context's DeadlineSweep every quarter of the shortest timeout.
  struct Session {
    Session(TcpSocket s, std::shared_ptr<DeadlineSweep> w) : socket(std::move(s)), sweep(std::move(w)) {
      deadline.socket = &socket;
    }
    TcpSocket socket;
    std::shared_ptr<DeadlineSweep> sweep;
    DeadlineSweep::Deadline deadline;
    std::atomic<bool> idle{true};  // waiting for the first byte of a request
  };

  Result<void> Listen() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgument("cannot listen on '" + options_.host + "': not an IP address");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + options_.host + ":" +
                         std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return Ok();
  }

  void Run(bool handle_signals) {
    if (handle_signals) {
      signals_ = std::make_unique<asio::signal_set>(ioc_, SIGTERM, SIGINT);
      signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("received signal {}, finishing in-flight requests", sig);
        Stop();
      });
    }
    asio::co_spawn(ioc_, Accept(), asio::detached);
    // The other contexts have no work of their own until the listener hands them a connection.
    using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
    std::vector<Guard> guards;
    std::vector<std::thread> threads;
    for (size_t i = 1; i < contexts_.size(); ++i) {
      guards.push_back(asio::make_work_guard(*contexts_[i]));
      threads.emplace_back([this, i] { contexts_[i]->run(); });
    }
    // Stop() cancels the signal wait, so the first context runs out of work once the listener,
    // the signals and the last session (or the drain deadline) are gone.
    ioc_.run();
    guards.clear();
    for (auto& t : threads) t.join();
  }

  void Stop() {
    if (stopping_.exchange(true)) return;
    asio::post(ioc_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      if (signals_) signals_->cancel(ec);
      std::lock_guard lock(sessions_mu_);
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) CloseIfIdle(s);
      }
      // Bound the drain: whatever is still open after the deadline is closed.
      drain_timer_ = std::make_unique<asio::steady_timer>(ioc_, options_.drain_timeout);
      drain_timer_->async_wait([this](const boost::system::error_code& e) {
        if (e) return;
        std::lock_guard l(sessions_mu_);
        for (auto& [id, weak] : sessions_) {
          if (auto s = weak.lock()) {
            asio::post(s->socket.get_executor(), [s] {
              boost::system::error_code ignored;
              s->socket.close(ignored);
            });
          }
        }
      });
      if (sessions_.empty()) SessionsEmptied();
    });
  }

  void SessionsEmptied() {
    // Called with sessions_mu_ held when the last session ends during a drain, from the thread
    // of that session's context: the timer belongs to the first context's thread.
    if (stopping_ && drain_timer_) {
      asio::post(ioc_, [this] {
        std::lock_guard lock(sessions_mu_);
        drain_timer_->cancel();
      });
    }
  }

  asio::io_context& io_context() { return ioc_; }
  uint16_t port() const { return port_; }

 private:
  // One io_context per thread: a connection lives on one context, so its handlers run on one
  // thread with no strand, and a thread waits in its own epoll instead of waking the others.
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int threads) {
    int n = threads > 0 ? threads : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < n; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  void CloseIfIdle(const std::shared_ptr<Session>& s) {
    asio::post(s->socket.get_executor(), [s] {
      if (s->idle) {
        boost::system::error_code ec;
        s->socket.shutdown(tcp::socket::shutdown_both, ec);
        s->socket.close(ec);
      }
    });
  }

  Task<void> Accept() {
    while (!stopping_) {
      // Round robin: the connections of a benchmark or a busy client spread evenly.
      size_t index = next_context_++ % contexts_.size();
      TcpSocket socket(*contexts_[index]);
      boost::system::error_code ec;
      co_await acceptor_.async_accept(socket, asio::redirect_error(use_task, ec));
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) break;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto session = std::make_shared<Session>(std::move(socket), sweeps_[index]);
      uint64_t id = 0;
      {
        std::lock_guard lock(sessions_mu_);
        id = ++next_session_id_;
        sessions_.emplace(id, session);
      }
      auto executor = session->socket.get_executor();
      asio::co_spawn(executor, Serve(std::move(session)), [this, id](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("connection handler failed: {}", ex.what());
          }
        }
        std::lock_guard lock(sessions_mu_);
        sessions_.erase(id);
        if (sessions_.empty()) SessionsEmptied();
      });
    }
  }

  Task<void> Serve(std::shared_ptr<Session> s) {
    DeadlineSweep::Registration swept(s->sweep, s->deadline);
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    std::string remote;
    {
      auto ep = s->socket.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    bool first = true;
    while (true) {
      // Wait for the first byte of the next request (idle), then give the client header_timeout
      // to send headers and body.
      if (buffer.size() == 0) {
        s->idle = true;
        if (stopping_) break;
        s->deadline.Arm(first ? options_.header_timeout : options_.idle_timeout);
        boost::system::error_code rec;
        size_t n = co_await s->socket.async_read_some(
            buffer.prepare(4096), asio::redirect_error(use_task, rec));
        if (rec) break;  // closed, timed out, or closed by Stop()
        buffer.commit(n);
      }
      s->idle = false;
      first = false;
      s->deadline.Arm(options_.header_timeout);
      Request request;
      request.headers.reserve(8);
      RequestParser parser(request, options_.max_body_bytes, options_.max_header_bytes);
      auto started = std::chrono::steady_clock::now();
      boost::system::error_code rec;
      if (!ParseBuffered(buffer, parser, rec)) co_await ReadHttpMessage(s->socket, buffer, parser, rec);
      if (rec) {
        if (rec == http::error::end_of_stream || rec == asio::error::operation_aborted ||
            rec == beast::error::timeout || rec == asio::error::connection_reset) {
          break;
        }
        Response err;
        if (rec == http::error::body_limit) {
          err = ErrorResponse(ResourceExhausted("request body is larger than the limit of " +
                                                std::to_string(options_.max_body_bytes) +
                                                " bytes"));
          err.status = 413;
        } else if (rec == http::error::header_limit) {
          err = ErrorResponse(ResourceExhausted("request headers are larger than the limit of " +
                                                std::to_string(options_.max_header_bytes) +
                                                " bytes"));
          err.status = 431;
        } else {
          err = ErrorResponse(InvalidArgument("malformed HTTP request: " + rec.message()));
        }
        // The rest of the request cannot be trusted: answer and close.
        Request bare;
        bare.method = parser.is_header_done() ? request.method : "-";
        bare.path = parser.is_header_done() ? request.target : "-";
        bare.route = "(rejected)";
        bare.remote = remote;
        bare.request_id = NewId("req", SystemClock(), FastRandom());
        co_await Write(s, bare, std::move(err), 11, false, started);
        break;
      }
      s->deadline.Disarm();  // the handler takes what it takes; the write is timed again
      unsigned version = parser.version();
      bool keep_alive = parser.keep_alive();
      CompleteRequest(request, remote);
      Response response;
      if (!request.body.empty() && LooksLikeJson(request.body) && !JsonDepthWithin(request.body)) {
        // Once, here, for every route: handlers and what they call may then recurse over the
        // JSON they parse (base/json_depth.h).
        request.route = "(rejected)";
        response = ErrorResponse(InvalidArgument("the request body's JSON nests deeper than " +
                                                 std::to_string(kMaxJsonDepth) + " levels"));
      } else {
        try {
          response = co_await router_.Dispatch(request);
        } catch (...) {
          // The thread barrier (base/barrier.h) for handlers that run on this I/O thread.
          response = ErrorResponse(CaughtException("request " + request.request_id));
        }
      }
      keep_alive = keep_alive && !stopping_;
      bool ok = co_await Write(s, request, std::move(response), version, keep_alive, started);
      if (!ok || !keep_alive) break;
    }
    s->idle = true;
    s->socket.shutdown(tcp::socket::shutdown_both, ec);
    s->socket.close(ec);
  }

  Task<bool> Write(const std::shared_ptr<Session>& s, const Request& request,
                              Response&& response, unsigned version, bool keep_alive,
                              std::chrono::steady_clock::time_point started) {
    int status = response.status;
    bool bodiless = (status >= 100 && status < 200) || status == 204 || status == 304;
    std::string head = ResponseHead(response, request.request_id, version, keep_alive, bodiless);
    size_t bytes = bodiless || request.method == "HEAD" ? 0 : response.body.size();
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(response.body.data(), bytes)};
    s->deadline.Arm(options_.header_timeout);
    boost::system::error_code ec;
    co_await WriteAll(s->socket, buffers, ec);
    s->deadline.Disarm();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.Observe(request.route, request.method, status, seconds);
    // The path only: query strings can carry authorization codes and other one-time secrets.
    AccessLog().info("{} {} \"{} {}{}\" {} {} {:.3f}ms", request.request_id, request.remote,
                     request.method, request.path, request.query.empty() ? "" : "?…", status,
                     bytes, seconds * 1000);
    co_return !ec;
  }

  ServerOptions options_;
  const Router& router_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  asio::io_context& ioc_;  // the first: listener, signals, drain timer
  size_t next_context_ = 0;  // used by Accept only
  std::vector<std::shared_ptr<DeadlineSweep>> sweeps_;  // one per context, same order
  tcp::acceptor acceptor_;
  std::chrono::milliseconds tick_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<asio::signal_set> signals_;
  std::unique_ptr<asio::steady_timer> drain_timer_;
  std::mutex sessions_mu_;
  uint64_t next_session_id_ = 0;                         // guarded by sessions_mu_
  std::map<uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by sessions_mu_
};

HttpServer::HttpServer(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}
HttpServer::~HttpServer() = default;
Result<void> HttpServer::Listen() { return impl_->Listen(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Run(bool handle_signals) { impl_->Run(handle_signals); }
void HttpServer::Stop() { impl_->Stop(); }
boost::asio::io_context& HttpServer::io_context() { return impl_->io_context(); }

}  // namespace relish::server
