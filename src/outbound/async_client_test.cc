// The async client against a real HTTP server on loopback.
#include "outbound/async_client.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "server/http_server.h"
#include "server/json.h"

namespace relish::outbound {
namespace {

// A plain coroutine function, not a capturing lambda: g++ 12 mishandles the captures of coroutine
// lambdas handed to co_spawn.
Task<void> SendInto(AsyncHttpClient& client, Request request,
                                      std::promise<Result<Response>>& done) {
  done.set_value(co_await client.Send(request));
}

class AsyncClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/echo", server::Access::kPublic, Echo);
    router_.Add("POST", "/echo", server::Access::kPublic, Echo);
    router_.Add("GET", "/headers", server::Access::kPublic, [](server::Request& r) {
      server::Json j = {{"host", std::string(r.Header("Host").value_or(""))},
                        {"agent", std::string(r.Header("User-Agent").value_or(""))},
                        {"length", std::string(r.Header("Content-Length").value_or("-"))}};
      return server::JsonResponse(200, j);
    });
    router_.Add("GET", "/big", server::Access::kPublic, [](server::Request&) {
      return server::Response::Text(200, std::string(100'000, 'x'));
    });
    router_.Add("GET", "/huge", server::Access::kPublic, [](server::Request&) {  // more than a socket takes in one write
      std::string body(4 << 20, 'x');
      for (size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + (i / 4096) % 26);
      return server::Response::Text(200, body);
    });
    router_.AddAsync("GET", "/slow", server::Access::kPublic, [](server::Request&) -> Task<server::Response> {
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(600));
      co_await t.async_wait(use_task);
      co_return server::Response::Text(200, "late");
    });
    router_.Add("GET", "/redirect", server::Access::kPublic, [](server::Request&) {
      server::Response r;
      r.status = 302;
      r.SetHeader("Location", "http://elsewhere.test/");
      return r;
    });
    server::ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.idle_timeout = std::chrono::milliseconds(200);  // closes kept-alive connections soon
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
    ASSERT_TRUE(server_->Listen().ok());
    server_thread_ = std::thread([this] { server_->Run(false); });
    work_ = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
        ioc_.get_executor());
    client_thread_ = std::thread([this] { ioc_.run(); });
    client_ = std::make_unique<AsyncHttpClient>(ioc_, EgressOptions{.allow_loopback = true});
  }
  void TearDown() override {
    client_.reset();
    work_.reset();
    ioc_.stop();
    client_thread_.join();
    server_->Stop();
    server_thread_.join();
  }

  static server::Response Echo(server::Request& r) {
    server::Json j = {{"method", r.method}, {"query", r.query}, {"body", r.body},
                      {"authorization", std::string(r.Header("Authorization").value_or(""))}};
    return server::JsonResponse(200, j);
  }

  Result<Response> Send(Request r) {
    std::promise<Result<Response>> done;
    boost::asio::co_spawn(ioc_, SendInto(*client_, std::move(r), done), boost::asio::detached);
    return done.get_future().get();
  }
  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread server_thread_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread client_thread_;
  std::unique_ptr<AsyncHttpClient> client_;
};

TEST_F(AsyncClientTest, SendsAndReusesConnections) {
  Request post{.method = "POST", .url = Url("/echo?a=1"),
               .headers = {{"Authorization", "Bearer t0k"}, {"Content-Type", "text/plain"}},
               .body = "hello"};
  for (int i = 0; i < 3; ++i) {
    auto r = Send(post);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"method":"POST","query":"a=1","body":"hello","authorization":"Bearer t0k"})");
    EXPECT_EQ(*r->Header("content-type"), "application/json");
  }
  // The server drops idle connections after 200ms: the next request finds its pooled connection
  // closed and transparently uses a fresh one.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto again = Send({.url = Url("/echo")});
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->status, 200);
}

// Egress decisions are kept per scheme, host and port for a second: each target keeps its own,
// and a refused one is refused every time.
TEST_F(AsyncClientTest, EachTargetKeepsItsOwnEgressDecision) {
  std::string port = std::to_string(server_->port());
  for (int i = 0; i < 2; ++i) {
    auto by_address = Send({.url = Url("/headers")});
    ASSERT_TRUE(by_address.ok()) << by_address.error().ToString();
    EXPECT_EQ(by_address->body, R"({"host":"127.0.0.1:)" + port + R"(","agent":"Relish/0.1","length":"-"})");
    auto by_name = Send({.url = "http://localhost:" + port + "/headers"});
    ASSERT_TRUE(by_name.ok()) << by_name.error().ToString();
    EXPECT_EQ(by_name->body, R"({"host":"localhost:)" + port + R"(","agent":"Relish/0.1","length":"-"})");
    auto other_port = Send({.url = "http://127.0.0.1:1/headers"});
    ASSERT_FALSE(other_port.ok());
    EXPECT_EQ(other_port.error().code(), ErrorCode::kUnavailable);
    auto meta = Send({.url = "http://169.254.169.254/latest"});
    ASSERT_FALSE(meta.ok());
    EXPECT_EQ(meta.error().message(),
              "calls to link-local and cloud metadata addresses are not allowed: 169.254.169.254");
  }
}

TEST_F(AsyncClientTest, WritesItsOwnFramingAndRefusesBrokenHeaders) {
  std::string host = "127.0.0.1:" + std::to_string(server_->port());
  // Host is always the URL's; a caller's User-Agent replaces Relish's; no length for an empty GET.
  auto r = Send({.url = Url("/headers"), .headers = {{"Host", "other.example"}, {"Content-Length", "7"}}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, R"({"host":")" + host + R"(","agent":"Relish/0.1","length":"-"})");
  r = Send({.url = Url("/headers"), .headers = {{"user-agent", "script/2"}}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, R"({"host":")" + host + R"(","agent":"script/2","length":"-"})");
  auto evil = Send({.url = Url("/headers"), .headers = {{"X-Evil", "a\r\nX-Other: 1"}}});
  ASSERT_FALSE(evil.ok());
  EXPECT_EQ(evil.error().message(), "header 'X-Evil' has a CR, LF or NUL character in its value");
  auto method = Send({.method = "GET /x", .url = Url("/headers")});
  ASSERT_FALSE(method.ok());
  EXPECT_EQ(method.error().message(), "invalid HTTP method 'GET /x'");
}

TEST_F(AsyncClientTest, HeadAnswersHaveALengthButNoBody) {
  for (int i = 0; i < 2; ++i) {  // the second reuses the connection: nothing left unread on it
    auto r = Send({.method = "HEAD", .url = Url("/big")});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(*r->Header("content-length"), "100000");
    EXPECT_EQ(r->body, "");
  }
  auto get = Send({.url = Url("/big")});
  ASSERT_TRUE(get.ok()) << get.error().ToString();
  EXPECT_EQ(get->body.size(), 100'000u);
}

TEST_F(AsyncClientTest, LargeAnswersArriveWhole) {
  auto r = Send({.url = Url("/huge")});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->body.size(), size_t{4} << 20);
  for (size_t i = 0; i < r->body.size(); i += 4096) {
    ASSERT_EQ(r->body[i], static_cast<char>('a' + (i / 4096) % 26)) << "at " << i;
    ASSERT_EQ(r->body[i + 1], 'x') << "at " << i + 1;
  }
}

TEST_F(AsyncClientTest, RedirectsAreReturnedAsTheyCame) {
  auto r = Send({.url = Url("/redirect")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(*r->Header("location"), "http://elsewhere.test/");
}

TEST_F(AsyncClientTest, CapsTimeoutAndPolicy) {
  auto big = Send({.url = Url("/big"), .max_response_bytes = 1000});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().message(), "response from 127.0.0.1 is larger than the limit of 1000 bytes");
  auto slow = Send({.url = Url("/slow"), .timeout = std::chrono::milliseconds(200)});
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().message(), "request to 127.0.0.1 timed out after 200ms");
  auto meta = Send({.url = "http://169.254.169.254/latest"});
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().code(), ErrorCode::kPermissionDenied);
  AsyncHttpClient strict(ioc_, EgressOptions{});
  std::promise<Result<Response>> done;
  boost::asio::co_spawn(ioc_, SendInto(strict, {.url = Url("/echo")}, done), boost::asio::detached);
  auto refused = done.get_future().get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "calls to loopback addresses are not allowed: 127.0.0.1");
  // A name is resolved (off the I/O thread) and each of its addresses checked.
  std::promise<Result<Response>> named;
  boost::asio::co_spawn(ioc_, SendInto(strict, {.url = "http://localhost:" + std::to_string(server_->port()) + "/echo"}, named),
                        boost::asio::detached);
  auto by_name = named.get_future().get();
  ASSERT_FALSE(by_name.ok());
  EXPECT_TRUE(by_name.error().message().starts_with(
      "calls to loopback addresses are not allowed: localhost ("))
      << by_name.error().message();
  auto down = Send({.url = "http://127.0.0.1:1/"});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace relish::outbound
