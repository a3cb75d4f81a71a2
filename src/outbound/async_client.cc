#include "outbound/async_client.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <tuple>
#include <variant>

#include "base/barrier.h"
#include "base/clock.h"
#include "base/deadline_sweep.h"
#include "base/http_io.h"
#include "base/http_wire.h"
#include "base/ttl_cache.h"
#include "outbound/curl_client.h"
#include "outbound/request_head.h"

namespace relish::outbound {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxIdlePerTarget = 64;
// How long a name's addresses are used before it is resolved again (curl's default is 60 s).
constexpr std::chrono::seconds kNameTtl{30};

// The egress policy's resolver for this client: numeric hosts as they are, names from the
// addresses Send resolved just before (asynchronously), and getaddrinfo only if such an entry
// expired in between.
class ResolvedNames final : public Resolver {
 public:
  Result<std::vector<std::string>> Resolve(const std::string& host) override {
    if (auto numeric = NumericHost(host)) return std::vector<std::string>{*numeric};
    if (auto known = names_.Get(host)) return *known;
    return SystemResolver().Resolve(host);
  }
  bool Knows(const std::string& host) const {
    return NumericHost(host).has_value() || names_.Get(host).has_value();
  }
  void Put(const std::string& host, std::vector<std::string> addresses) {
    names_.Put(host, std::move(addresses));
  }

 private:
  TtlCache<std::string, std::vector<std::string>> names_{SystemClock(), kNameTtl};
};

using PlainStream = TcpSocket;
using TlsStream = beast::ssl_stream<TcpSocket>;

struct Conn {
  std::variant<PlainStream, TlsStream> stream;
  beast::flat_buffer buffer;
  template <typename S>
  explicit Conn(S&& s) : stream(std::forward<S>(s)) {}
  TcpSocket& tcp() {
    if (auto* p = std::get_if<PlainStream>(&stream)) return *p;
    return std::get<TlsStream>(stream).next_layer();
  }
};

// Request timeouts are swept per io_context (base/deadline_sweep.h) every kTick.
constexpr std::chrono::milliseconds kTick{20};

// Threads that carry requests to the blocking client when a proxy is configured: as many
// proxied requests wait for their answers at once, per client; more queue.
constexpr size_t kProxiedThreads = 16;

// How long an egress decision is reused for requests to the same scheme, host and port.
constexpr std::chrono::seconds kRouteTtl{1};

// An egress decision (EgressPolicy::Check) and what follows from it for requests to one scheme,
// host and port: the pool of connections to use and the Host header to send.
struct Route {
  Target target;  // of the request that made the decision: only scheme, host, port and address apply to the others
  std::string pool_key;   // scheme|host|port|address, after remap
  std::string host_line;  // "Host: ...\r\n"
  std::chrono::steady_clock::time_point checked;
};
using RouteKey = std::tuple<std::string, std::string, uint16_t>;
using RouteView = std::tuple<std::string_view, std::string_view, uint16_t>;

// Per io_context, used on its one thread only: idle connections by target, the deadlines of
// the requests in flight, and the egress decisions of the last second. Checking the policy
// (resolve, classify each address, copy the URL twice) cost a proxied request more than
// parsing its answer did.
struct Watch {
  explicit Watch(asio::io_context& ioc) : sweep(std::make_shared<DeadlineSweep>(ioc, kTick)) {}
  std::shared_ptr<DeadlineSweep> sweep;
  std::map<std::string, std::vector<std::unique_ptr<Conn>>, std::less<>> idle;
  std::map<RouteKey, std::shared_ptr<const Route>, std::less<>> routes;
};

// Parses a response straight into a Response (see base/http_io.h), names lowercased.
class ResponseParser final : public StringBodyParser<false> {
 public:
  ResponseParser(Response& out, size_t limit) : StringBodyParser(out.body, limit), out_(out) {}

 private:
  void on_response_impl(int code, string_view, int, error_code&) override { out_.status = code; }
  void on_field_impl(http::field, string_view name, string_view value, error_code&) override {
    std::string lower(name.data(), name.size());
    AsciiLowerInPlace(lower);
    out_.headers.emplace_back(std::move(lower), std::string(value.data(), value.size()));
  }

  Response& out_;
};

std::string HostLine(const Url& url) {
  std::string out = "Host: ";
  url.AppendAuthority(out);
  out.append("\r\n"sv);
  return out;
}

// The request line and headers (see base/http_wire.h) of a request CheckRequestHead passed;
// `host_line` is HostLine of the URL the request goes to (after remap). A caller's User-Agent
// replaces Relish's; the body's length is sent when there is a body, and for POST, PUT and
// OPTIONS always, as Beast did.
std::string RequestHead(const Request& request, const Url& url, std::string_view host_line) {
  std::string out;
  out.reserve(512);
  out.append(request.method).append(" "sv).append(url.path);
  if (!url.query.empty()) out.append("?"sv).append(url.query);
  out.append(" HTTP/1.1\r\n"sv).append(host_line);
  bool agent = false;
  for (const auto& [k, v] : request.headers) {
    if (IsClientHeader(k)) continue;
    out.append(k).append(": "sv).append(v).append("\r\n"sv);
    agent = agent || SameHeaderName(k, "user-agent");
  }
  if (!agent) out.append("User-Agent: Relish/0.1\r\n"sv);
  bool always = request.method == "POST" || request.method == "PUT" || request.method == "OPTIONS";
  if (!request.body.empty() || always) {
    out.append("Content-Length: "sv);
    AppendDecimal(out, request.body.size());
    out.append("\r\n"sv);
  }
  out.append("\r\n"sv);
  return out;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

}  // namespace

class AsyncHttpClient::Impl {
 public:
  Impl(EgressOptions egress, Resolver* resolver)
      : injected_(resolver != nullptr),
        policy_(std::move(egress), resolver ? *resolver : names_),
        tls_(asio::ssl::context::tls_client) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(asio::ssl::verify_peer);
    if (!policy_.options().proxy.empty()) {
      blocking_ = NewCurlClient({.egress = policy_.options(), .resolver = resolver});
      pool_ = std::make_unique<asio::thread_pool>(kProxiedThreads);
    }
  }

  Task<Result<Response>> Send(const Request& request, const Url* parsed) {
    auto started = std::chrono::steady_clock::now();
    if (auto head = CheckRequestHead(request); !head.ok()) co_return head.error();
    if (blocking_) co_return co_await ThroughProxy(request);
    std::optional<Url> own;
    if (parsed == nullptr) {
      auto u = ParseUrl(request.url);
      if (!u.ok()) co_return u.error();
      own = std::move(*u);
      parsed = &*own;
    }
    const Url& url = *parsed;
    // Idle connections are kept per io_context: one taken up on another context's thread
    // would have every completion cross threads.
    auto executor = co_await asio::this_coro::executor;
    Watch& watch = WatchOf(asio::query(executor, asio::execution::context));
    // Held, not borrowed: another request on this thread may replace the map's entry meanwhile.
    std::shared_ptr<const Route> route = FreshRoute(watch, url, started);
    if (!route) {
      if (!injected_) {
        // getaddrinfo blocks; on an I/O thread it would stall every connection the thread
        // serves. Asio's resolver runs it on a thread of its own.
        // Checked here first: a coroutine call costs a frame even when it has nothing to do.
        std::string host = policy_.HostToResolve(url);
        if (!host.empty() && !names_.Knows(host)) {
          auto resolved = co_await ResolveName(host);
          if (!resolved.ok()) co_return resolved.error();
        }
      }
      auto target = policy_.Check(url);
      if (!target.ok()) co_return target.error();
      route = PutRoute(watch, url, std::move(*target), started);
    }
    const Target& target = route->target;
    DeadlineSweep::Deadline flight{.at = started + request.timeout};
    DeadlineSweep::Registration watched(watch.sweep, flight);

    std::string head = RequestHead(request, url, route->host_line);
    std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(request.body)};

    std::unique_ptr<Conn> conn = TakeIdle(watch, route->pool_key);
    bool reused = conn != nullptr;
    for (int attempt = 0;; ++attempt) {
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
          started + request.timeout - std::chrono::steady_clock::now());
      if (remaining.count() <= 0) {
        co_return DeadlineExceeded("request to " + url.host + " timed out after " +
                                   FormatDuration(request.timeout));
      }
      boost::system::error_code ec;
      if (!conn) {
        conn = co_await Connect(target, flight, ec);
        if (ec) co_return Failure(url, request, flight, ec, false);
      }
      flight.socket = &conn->tcp();
      Response out;
      out.headers.reserve(8);
      ResponseParser parser(out, request.max_response_bytes);
      if (request.method == "HEAD") parser.skip(true);  // a length, but no body follows
      if (auto* p = std::get_if<PlainStream>(&conn->stream)) {
        co_await WriteAll(*p, message, ec);
        if (!ec) co_await ReadHttpMessage(*p, conn->buffer, parser, ec);
      } else {
        auto& s = std::get<TlsStream>(conn->stream);
        co_await asio::async_write(s, message, asio::redirect_error(use_task, ec));
        if (!ec) co_await ReadHttpMessage(s, conn->buffer, parser, ec);
      }
      if (ec) {
        // A kept-alive connection the upstream closed meanwhile: try once on a fresh one.
        bool stale = reused && attempt == 0 && !parser.got_some() &&
                     (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                      ec == asio::error::broken_pipe || ec == asio::error::eof);
        flight.socket = nullptr;
        conn.reset();
        if (stale) {
          reused = false;
          continue;
        }
        co_return Failure(url, request, flight, ec, ec == http::error::body_limit);
      }
      out.url = request.url;
      out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - started);
      flight.socket = nullptr;
      if (parser.keep_alive()) PutIdle(watch, route->pool_key, std::move(conn));
      co_return out;
    }
  }

 private:
  // This client speaks to no proxy: with one configured, requests go through the blocking
  // client, which tunnels through it, on this client's own threads, and come back to the
  // caller's thread. (The result travels in the completion, as in server/offload.h.)
  Task<Result<Response>> ThroughProxy(const Request& request) {
    using Outcome = std::optional<Result<Response>>;
    Outcome outcome = co_await asio::async_initiate<const asio::use_awaitable_t<IoExecutor>&,
                                                    void(Outcome)>(
        [this, &request](auto handler) {
          asio::post(*pool_, [this, &request, handler = std::move(handler)]() mutable {
            // Nothing may leave a pool thread: the one barrier every thread's work passes.
            Outcome value = CatchAll("an outbound request through the proxy",
                                     [&] { return blocking_->Send(request); });
            auto executor = asio::get_associated_executor(handler);
            asio::dispatch(executor, [handler = std::move(handler),
                                      value = std::move(value)]() mutable {
              std::move(handler)(std::move(value));
            });
          });
        },
        use_task);
    co_return std::move(*outcome);
  }

  Task<Result<void>> ResolveName(const std::string& host) {
    asio::ip::basic_resolver<tcp, IoExecutor> resolver(co_await asio::this_coro::executor);
    boost::system::error_code ec;
    auto results = co_await resolver.async_resolve(host, "",
                                                   asio::redirect_error(use_task, ec));
    if (ec) co_return Unavailable("cannot resolve host " + host + ": " + ec.message());
    std::vector<std::string> addresses;
    for (const auto& entry : results) {
      std::string address = entry.endpoint().address().to_string();
      if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
        addresses.push_back(std::move(address));
      }
    }
    if (addresses.empty()) co_return Unavailable("host " + host + " has no addresses");
    names_.Put(host, std::move(addresses));
    co_return Ok();
  }

  Error Failure(const Url& url, const Request& request, const DeadlineSweep::Deadline& flight,
                const boost::system::error_code& ec, bool too_large) {
    if (too_large) {
      return ResourceExhausted("response from " + url.host + " is larger than the limit of " +
                               std::to_string(request.max_response_bytes) + " bytes");
    }
    if (flight.expired) {
      return DeadlineExceeded("request to " + url.host + " timed out after " +
                              FormatDuration(request.timeout));
    }
    return Unavailable("cannot reach " + url.host + ": " + ec.message());
  }

  // The socket being connected is the flight's, so the deadline covers connect and handshake.
  Task<std::unique_ptr<Conn>> Connect(const Target& target, DeadlineSweep::Deadline& flight,
                                      boost::system::error_code& ec) {
    auto executor = co_await asio::this_coro::executor;
    tcp::endpoint endpoint(asio::ip::make_address(target.address, ec), target.actual.port);
    if (ec) co_return nullptr;
    TcpSocket socket(executor);
    flight.socket = &socket;
    co_await socket.async_connect(endpoint, asio::redirect_error(use_task, ec));
    flight.socket = nullptr;
    if (ec) co_return nullptr;
    socket.set_option(tcp::no_delay(true), ec);
    if (target.actual.scheme == "http") co_return std::make_unique<Conn>(std::move(socket));
    TlsStream tls(std::move(socket), tls_);
    flight.socket = &tls.next_layer();
    if (!SSL_set_tlsext_host_name(tls.native_handle(), target.actual.host.c_str())) {
      ec = asio::error::invalid_argument;
      co_return nullptr;
    }
    tls.set_verify_callback(asio::ssl::host_name_verification(target.actual.host));
    co_await tls.async_handshake(asio::ssl::stream_base::client,
                                 asio::redirect_error(use_task, ec));
    flight.socket = nullptr;
    if (ec) co_return nullptr;
    co_return std::make_unique<Conn>(std::move(tls));
  }

  Watch& WatchOf(asio::io_context& context) {
    // The last answer on this thread, by client and context: a thread serves one context and
    // mostly one client, so the lock and the map are skipped nearly always. Clients are told
    // apart by a number never reused, not by address (a new client may get a freed one's).
    struct Last {
      uint64_t client = 0;
      asio::io_context* context = nullptr;
      Watch* watch = nullptr;
    };
    static thread_local Last last;
    if (last.client == id_ && last.context == &context) return *last.watch;
    std::lock_guard lock(mu_);
    auto& w = watches_[&context];
    if (!w) w = std::make_unique<Watch>(context);
    last = {id_, &context, w.get()};
    return *w;
  }

  // The decision made for `url`'s scheme, host and port within kRouteTtl, or null.
  static std::shared_ptr<const Route> FreshRoute(Watch& w, const Url& url,
                                                 std::chrono::steady_clock::time_point now) {
    auto it = w.routes.find(RouteView(url.scheme, url.host, url.port));
    if (it == w.routes.end() || now - it->second->checked >= kRouteTtl) return nullptr;
    return it->second;
  }

  static std::shared_ptr<const Route> PutRoute(Watch& w, const Url& url, Target target,
                                               std::chrono::steady_clock::time_point now) {
    auto route = std::make_shared<Route>();
    const Url& actual = target.actual;
    route->pool_key.append(actual.scheme).append("|").append(actual.host).append("|");
    route->pool_key.append(std::to_string(actual.port)).append("|").append(target.address);
    route->host_line = HostLine(actual);
    route->target = std::move(target);
    route->checked = now;
    // Expired entries are dropped whenever one is added: the map holds about the targets of
    // the last second.
    std::erase_if(w.routes, [&](const auto& e) { return now - e.second->checked >= kRouteTtl; });
    w.routes[RouteKey(url.scheme, url.host, url.port)] = route;
    return route;
  }

  static std::unique_ptr<Conn> TakeIdle(Watch& w, const std::string& key) {
    auto it = w.idle.find(key);
    if (it == w.idle.end() || it->second.empty()) return nullptr;
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    return conn;
  }

  static void PutIdle(Watch& w, const std::string& key, std::unique_ptr<Conn> conn) {
    auto it = w.idle.find(key);
    if (it == w.idle.end()) it = w.idle.emplace(key, std::vector<std::unique_ptr<Conn>>{}).first;
    auto& list = it->second;
    if (list.size() < kMaxIdlePerTarget) list.push_back(std::move(conn));
  }

  static inline std::atomic<uint64_t> next_id_{1};
  const uint64_t id_ = next_id_++;
  bool injected_;        // a resolver was given (tests): the policy asks it directly
  ResolvedNames names_;  // before policy_, which may refer to it
  EgressPolicy policy_;
  asio::ssl::context tls_;
  std::unique_ptr<HttpClient> blocking_;        // with a proxy only; used by pool_'s threads
  std::unique_ptr<asio::thread_pool> pool_;     // destroyed (joined) before blocking_
  std::mutex mu_;
  std::map<asio::io_context*, std::unique_ptr<Watch>> watches_;  // guarded by mu_
};

// Requests run on their caller's io_context (Watch), not on `ioc`.
AsyncHttpClient::AsyncHttpClient(asio::io_context& /*ioc*/, EgressOptions egress, Resolver* resolver)
    : impl_(std::make_unique<Impl>(std::move(egress), resolver)) {}
AsyncHttpClient::~AsyncHttpClient() = default;

Task<Result<Response>> AsyncHttpClient::Send(const Request& request) {
  return impl_->Send(request, nullptr);
}

Task<Result<Response>> AsyncHttpClient::Send(const Request& request, const Url& parsed) {
  return impl_->Send(request, &parsed);
}

}  // namespace relish::outbound
