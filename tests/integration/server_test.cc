// The real HTTP server on loopback, port 0: in-process for behaviour that needs a controllable
// handler (graceful shutdown), and as the real `relish serve` binary for the rest.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <vector>
#include <thread>

#include "server/http_server.h"
#include "server/json.h"
#include "server/offload.h"
#include "server/system_routes.h"
#include "testing/test_http.h"

namespace relish {
namespace {

using relish::testing::TestConnection;

class InProcessServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server::AddSystemRoutes(router_, metrics_);
    router_.Add("POST", "/echo", server::Access::kPublic, [](server::Request& r) {
      return server::Response::Text(200, r.body);
    });
    router_.Add("GET", "/five", server::Access::kPublic, [](server::Request&) { return server::Response::Text(200, "12345"); });
    router_.Add("GET", "/none", server::Access::kPublic, [](server::Request&) {
      server::Response r;
      r.status = 204;
      return r;
    });
    router_.Add("GET", "/evil", server::Access::kPublic, [](server::Request&) {
      auto r = server::Response::Text(200, "ok");
      r.SetHeader("X-Evil", "a\r\nSet-Cookie: planted=1");
      r.SetHeader("Content-Length", "999");  // the server's own framing wins
      r.SetHeader("X-Fine", "yes");
      r.SetHeader("x-request-id", "from-the-handler");  // the server's own id wins
      return r;
    });
    router_.AddAsync("GET", "/slow", server::Access::kPublic,
                     [this](server::Request&) -> Task<server::Response> {
                       slow_started_.set_value();
                       boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                                                   std::chrono::milliseconds(300));
                       co_await t.async_wait(use_task);
                       co_return server::Response::Text(200, "finished");
                     });
    // A handler whose blocking work throws, as nlohmann does on an upstream answer of an
    // unexpected shape: before the barrier in Offload, this ended the process.
    router_.AddAsync("GET", "/throws-on-pool", server::Access::kPublic,
                     [this](server::Request&) -> Task<server::Response> {
                       auto work = []() -> server::Response {
                         nlohmann::json answer = {{"issuer", 42}};
                         return server::Response::Text(200, answer["issuer"].get<std::string>());
                       };
                       co_return co_await server::Offload(pool_, work);
                     });
    router_.Add("GET", "/throws", server::Access::kPublic, [](server::Request&) -> server::Response {
      throw std::length_error("vector::reserve");
    });
    router_.Add("POST", "/json-echo", server::Access::kPublic, [](server::Request& r) {
      auto body = server::ParseJsonBody(r);
      if (!body.ok()) return server::ErrorResponse(body.error());
      return server::JsonResponse(200, *body);  // dump() recurses once per level
    });
    server::ServerOptions options;
    options.port = 0;
    options.max_body_bytes = 1024;
    options.threads = 2;
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
    ASSERT_TRUE(server_->Listen().ok());
    runner_ = std::thread([this] { server_->Run(false); });
  }
  void TearDown() override {
    server_->Stop();
    runner_.join();
  }

  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread runner_;
  std::promise<void> slow_started_;
  boost::asio::thread_pool pool_{2};
};

TEST_F(InProcessServer, AHandlerThatThrowsIsA500NamingTheRequest) {
  TestConnection c(server_->port());
  auto thrown = c.Request("GET", "/throws", "", "X-Request-Id: req-thrown-1\r\n");
  EXPECT_EQ(thrown.status, 500);
  EXPECT_EQ(thrown.body, R"({"code":"internal","message":"request req-thrown-1 failed )"
                         R"(unexpectedly; the server's log says why"})");
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
}

// JSON nested past kMaxJsonDepth is refused before any handler parses it, whatever the body's
// Content-Type; up to the limit it is served.
TEST_F(InProcessServer, JsonNestedPastTheLimitIsRefusedForEveryRoute) {
  TestConnection c(server_->port());
  std::string ok = "{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}";  // 64 levels
  EXPECT_EQ(c.Request("POST", "/json-echo", ok, "Content-Type: application/json\r\n").status, 200);
  std::string deep = std::string(65, '[') + std::string(65, ']');
  for (const char* path : {"/json-echo", "/echo", "/nowhere"}) {
    auto r = c.Request("POST", path, deep, "Content-Type: text/plain\r\n");
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.body, R"({"code":"invalid_argument","message":"the request body's JSON nests )"
                      R"(deeper than 64 levels"})") << path;
  }
  EXPECT_EQ(c.Request("POST", "/echo", "a=" + deep).status, 200);  // not JSON: not counted
  // nlohmann skips a UTF-8 byte order mark: behind one, the body is JSON all the same.
  auto bom = c.Request("POST", "/json-echo", "\xEF\xBB\xBF{\"a\":" + deep + "}",
                       "Content-Type: application/json\r\n");
  EXPECT_EQ(bom.status, 400);
}

// With metrics_token set, /metrics (which names every route and its traffic) needs it.
TEST(MetricsToken, MetricsNeedTheTokenWhenOneIsSet) {
  server::Router router;
  server::Metrics metrics;
  server::AddSystemRoutes(router, metrics, "metrics-token-planted-42");
  server::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  server::HttpServer http(options, router, metrics);
  ASSERT_TRUE(http.Listen().ok());
  std::thread runner([&] { http.Run(false); });
  {
    TestConnection c(http.port());
    auto none = c.Request("GET", "/metrics");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.body, R"x({"code":"unauthenticated","message":"/metrics needs 'Authorization: )x"
                         R"x(Bearer <metrics_token>' (the metrics_token setting)"})x");
    EXPECT_EQ(c.Request("GET", "/metrics", "", "Authorization: Bearer wrong-token\r\n").status, 401);
    auto ok = c.Request("GET", "/metrics", "", "Authorization: Bearer metrics-token-planted-42\r\n");
    EXPECT_EQ(ok.status, 200);
    EXPECT_NE(ok.body.find("relish_http_requests_total"), std::string::npos);
    EXPECT_EQ(ok.body.find("metrics-token-planted-42"), std::string::npos);
    EXPECT_EQ(c.Request("GET", "/healthz").status, 200);  // health stays public
  }
  http.Stop();
  runner.join();
}

TEST_F(InProcessServer, WorkThatThrowsOnTheBlockingPoolIsA500AndTheServerServesOn) {
  TestConnection c(server_->port());
  auto thrown = c.Request("GET", "/throws-on-pool");
  EXPECT_EQ(thrown.status, 500);
  EXPECT_EQ(thrown.body,
            R"({"code":"internal","message":"a request's work on the blocking pool failed )"
            R"(unexpectedly; the server's log says why"})");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.Request("GET", "/throws-on-pool").status, 500);
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
}

TEST_F(InProcessServer, HealthAndJson404) {
  TestConnection c(server_->port());
  auto health = c.Request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(health.Header("Content-Type"), "application/json");
  EXPECT_FALSE(health.Header("X-Request-Id").empty());
  auto missing = c.Request("GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"code":"not_found","message":"no route for GET /nope"})");
}

TEST_F(InProcessServer, KeepAliveServesManyRequestsOnOneConnection) {
  TestConnection c(server_->port());
  for (int i = 0; i < 5; ++i) {
    auto r = c.Request("POST", "/echo", "hello " + std::to_string(i));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello " + std::to_string(i));
    EXPECT_TRUE(r.keep_alive());
  }
  auto last = c.Request("POST", "/echo", "bye", "Connection: close\r\n");
  EXPECT_EQ(last.body, "bye");
  EXPECT_FALSE(last.keep_alive());
  EXPECT_TRUE(c.ClosedByPeer());
}

// The status line and headers up to the blank line, read as raw text.
std::string ReadHead(TestConnection& c) {
  std::string text;
  boost::asio::read_until(c.socket(), boost::asio::dynamic_buffer(text), "\r\n\r\n");
  return text;
}

TEST_F(InProcessServer, WritesMessageHeadsByTheRules) {
  TestConnection c(server_->port());
  // HEAD: the GET's length and no body; the next answer on the connection starts cleanly.
  c.Send("HEAD /five HTTP/1.1\r\nHost: test\r\n\r\n");
  std::string head = ReadHead(c);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("\r\nContent-Length: 5\r\n"), std::string::npos) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  auto next = c.Request("GET", "/five");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "12345");
  // 204: no length, no body.
  c.Send("GET /none HTTP/1.1\r\nHost: test\r\n\r\n");
  head = ReadHead(c);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 204 No Content\r\n")) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  // A header value with CR/LF is left out rather than split the response; framing is the server's.
  auto evil = c.Request("GET", "/evil");
  EXPECT_EQ(evil.status, 200);
  EXPECT_EQ(evil.body, "ok");
  EXPECT_EQ(evil.Header("X-Evil"), "");
  EXPECT_EQ(evil.Header("Set-Cookie"), "");
  EXPECT_EQ(evil.Header("Content-Length"), "2");
  EXPECT_EQ(evil.Header("X-Fine"), "yes");
  EXPECT_EQ(evil.message.count("X-Request-Id"), 1u);
  EXPECT_EQ(evil.Header("X-Request-Id").rfind("req_", 0), 0u) << evil.Header("X-Request-Id");
  // HTTP/1.0 keep-alive is said out loud.
  c.Send("GET /five HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  head = ReadHead(c);
  EXPECT_TRUE(head.starts_with("HTTP/1.0 200 OK\r\n")) << head;
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << head;
}

// Requests are parsed from whatever arrives: split anywhere, chunked, several in one write.
TEST_F(InProcessServer, ReadsRequestsInPiecesChunkedAndPipelined) {
  TestConnection c(server_->port());
  for (const char* piece : {"POST /ec", "ho HTTP/1.1\r\nHost: t\r\nTransfer-Enc", "oding: chunked\r\n\r",
                            "\n5\r\nhel", "lo\r\n6\r\n world\r\n0\r\n", "\r\n"}) {
    c.Send(piece);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto chunked = c.Read();
  EXPECT_EQ(chunked.status, 200);
  EXPECT_EQ(chunked.body, "hello world");
  c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
         "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\ndef"
         "GET /five HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.Read().body, "abc");
  EXPECT_EQ(c.Read().body, "def");
  EXPECT_EQ(c.Read().body, "12345");
  // Both a length and chunked framing: the request could be read two ways, so it is refused.
  c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
  auto ambiguous = c.Read();
  EXPECT_EQ(ambiguous.status, 400);
  EXPECT_EQ(ambiguous.body, R"({"code":"invalid_argument","message":"malformed HTTP request: bad Transfer-Encoding"})");
  EXPECT_TRUE(c.ClosedByPeer());
  // A chunked body past the limit (1024 bytes here) is refused as it arrives.
  TestConnection big(server_->port());
  big.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" +
           std::string(1024, 'x') + "\r\n1\r\ny\r\n0\r\n\r\n");
  EXPECT_EQ(big.Read().status, 413);
}

// Many requests of both framings, written back to back and cut at arbitrary places: each is
// answered, in order, with its own body (a fixed seed, so a failure can be replayed).
TEST_F(InProcessServer, PipelinedRequestsCutAnywhereAreAnsweredInOrder) {
  std::mt19937 rng(20261129);
  std::string stream;
  std::vector<std::string> bodies;
  for (int i = 0; i < 60; ++i) {
    std::string body = "req" + std::to_string(i) + ":" + std::string(rng() % 700, static_cast<char>('a' + i % 26));
    bodies.push_back(body);
    if (i % 2 == 0) {
      stream += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body;
    } else {
      stream += "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
      for (size_t at = 0; at < body.size();) {
        size_t n = std::min<size_t>(1 + rng() % 200, body.size() - at);
        char size[16];
        std::snprintf(size, sizeof size, "%zx", n);
        stream += std::string(size) + "\r\n" + body.substr(at, n) + "\r\n";
        at += n;
      }
      stream += "0\r\n\r\n";
    }
  }
  TestConnection c(server_->port());
  // ~25 KB each way: the answers fit the loopback socket's buffers until they are read.
  for (size_t at = 0; at < stream.size();) {
    size_t n = std::min<size_t>(1 + rng() % 1500, stream.size() - at);
    c.Send(stream.substr(at, n));
    at += n;
    if (rng() % 4 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::vector<std::string> answers;
  for (size_t i = 0; i < bodies.size(); ++i) answers.push_back(c.Read().body);
  EXPECT_EQ(answers, bodies);
}

// Timeouts: a stalled request or an idle connection is closed once its timeout has passed (to
// within the sweep's tick, a quarter of the shortest timeout), and a slow handler is not one.
TEST(ServerTimeouts, CloseStalledAndIdleConnectionsButWaitForHandlers) {
  server::Router router;
  server::Metrics metrics;
  router.Add("GET", "/fast", server::Access::kPublic, [](server::Request&) { return server::Response::Text(200, "fast"); });
  router.AddAsync("GET", "/slow", server::Access::kPublic, [](server::Request&) -> Task<server::Response> {
    SteadyTimer t(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(500));
    co_await t.async_wait(use_task);
    co_return server::Response::Text(200, "finished");
  });
  server::ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.header_timeout = std::chrono::milliseconds(200);
  options.idle_timeout = std::chrono::milliseconds(400);
  server::HttpServer server(options, router, metrics);
  ASSERT_TRUE(server.Listen().ok());
  std::thread runner([&] { server.Run(false); });
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
  };

  TestConnection stalled(server.port());
  auto start = Clock::now();
  stalled.Send("GET /fast HTTP/1.1\r\nHost: test\r\n");  // never finished
  EXPECT_TRUE(stalled.ClosedByPeer());
  // The server armed the deadline when it accepted, a moment before `start`: some slack.
  EXPECT_GE(ms_since(start), 150);
  EXPECT_LT(ms_since(start), 2000);

  TestConnection idle(server.port());
  EXPECT_EQ(idle.Request("GET", "/fast").body, "fast");
  start = Clock::now();
  EXPECT_TRUE(idle.ClosedByPeer());
  EXPECT_GE(ms_since(start), 350);
  EXPECT_LT(ms_since(start), 2000);

  TestConnection slow(server.port());
  auto r = slow.Request("GET", "/slow");  // 500ms, past the 200ms header timeout
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "finished");

  server.Stop();
  runner.join();
}

TEST_F(InProcessServer, OversizedBodyIs413AndClosesTheConnection) {
  TestConnection c(server_->port());
  auto r = c.Request("POST", "/echo", std::string(2000, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body,
            R"({"code":"resource_exhausted","message":"request body is larger than the limit of 1024 bytes"})");
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(InProcessServer, OversizedHeadersAre431) {
  TestConnection c(server_->port());
  c.Send("GET /five HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
  auto r = c.Read();
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.body,
            R"({"code":"resource_exhausted","message":"request headers are larger than the limit of 16384 bytes"})");
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(InProcessServer, RequestIdIsEchoedWhenSane) {
  TestConnection c(server_->port());
  EXPECT_EQ(c.Request("GET", "/healthz", "", "X-Request-Id: abc-123\r\n").Header("X-Request-Id"),
            "abc-123");
  EXPECT_NE(c.Request("GET", "/healthz", "", "X-Request-Id: bad id!\r\n").Header("X-Request-Id"),
            "bad id!");
}

TEST_F(InProcessServer, MetricsCountRequestsByRouteAndStatus) {
  TestConnection c(server_->port());
  c.Request("GET", "/healthz");
  c.Request("GET", "/nope");
  auto m = c.Request("GET", "/metrics");
  EXPECT_NE(m.body.find(
                "relish_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find(
                "relish_http_requests_total{route=\"(unmatched)\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos)
      << m.body;
}

TEST_F(InProcessServer, GracefulShutdownFinishesInFlightRequests) {
  TestConnection busy(server_->port());
  TestConnection idle(server_->port());
  ASSERT_EQ(idle.Request("GET", "/healthz").status, 200);  // now idle, kept alive
  busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  slow_started_.get_future().wait();
  server_->Stop();
  auto r = busy.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "finished");
  EXPECT_FALSE(r.keep_alive());  // the server is draining
  EXPECT_TRUE(idle.ClosedByPeer());
  runner_.join();
  runner_ = std::thread([] {});  // TearDown joins
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()}, ec);
  EXPECT_TRUE(ec) << "the listener should be closed";
}

// Each I/O thread has its own io_context and connections are handed out in turn: the first
// goes to the listener's context, the second to the other one. The drain must wait for a
// request on the other thread too, and its end must stop the listener's context.
TEST_F(InProcessServer, GracefulShutdownWaitsForARequestOnAnotherThread) {
  TestConnection idle(server_->port());
  ASSERT_EQ(idle.Request("GET", "/healthz").status, 200);
  TestConnection busy(server_->port());
  busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  slow_started_.get_future().wait();
  auto stopped_at = std::chrono::steady_clock::now();
  server_->Stop();
  auto r = busy.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "finished");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(idle.ClosedByPeer());
  runner_.join();  // returns when the last session ends, not at the 30 s drain deadline
  runner_ = std::thread([] {});
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(10));
}

// The real binary: `relish serve --listen 127.0.0.1:0` prints its address, serves, and exits 0
// on SIGTERM.
class BinaryServer : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = std::filesystem::temp_directory_path() / ("relish-it-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_);
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      std::string data_flag = "--data=" + data_.string();
      ::execl(RELISH_BINARY, "relish", "serve", "--listen", "127.0.0.1:0", data_flag.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    auto colon = line.rfind(':');
    ASSERT_NE(colon, std::string::npos) << "unexpected first line: " << line;
    port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
    first_line_ = line;
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(data_);
  }
  std::filesystem::path data_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string first_line_;
};

TEST_F(BinaryServer, ServesHealthConsoleAndStopsOnSigterm) {
  EXPECT_EQ(first_line_.rfind("Relish is serving the Developer Console at http://127.0.0.1:", 0),
            0u);
  {
    TestConnection c(port_);
    EXPECT_EQ(c.Request("GET", "/healthz").body, R"({"status":"ok"})");
    auto console = c.Request("GET", "/");
    EXPECT_EQ(console.status, 200);
    EXPECT_NE(console.body.find("<title>Relish Developer Console</title>"), std::string::npos);
    EXPECT_EQ(c.Request("DELETE", "/healthz").status, 405);
  }
  EXPECT_TRUE(std::filesystem::exists(data_ / "relish.db"));
  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
  pid_ = -1;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace relish
