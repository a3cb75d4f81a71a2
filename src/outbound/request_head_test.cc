// The request-head policy, and both clients applying it on the wire: a loopback server that keeps
// the exact bytes it receives shows what was sent, and that nothing was when a request is refused.
#include "outbound/request_head.h"

#include <gtest/gtest.h>

#include <future>

#include "base/http_wire.h"
#include "outbound/async_client.h"
#include "outbound/curl_client.h"
#include "outbound/raw_server_test_util.h"

namespace relish::outbound {
namespace {

using testing::RawServer;

TEST(RequestHeadTest, RefusesWhatWouldBreakTheHead) {
  auto check = [](Request r) {
    auto result = CheckRequestHead(r);
    return result.ok() ? std::string("ok") : result.error().message();
  };
  EXPECT_EQ(check({.url = "https://api.example.com/x?a=1", .headers = {{"X-Id", "a b\tc"}}}), "ok");
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{"X-Evil", "a\r\nX-Other: 1"}}}),
            "header 'X-Evil' has a CR, LF or NUL character in its value");
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{"X-Lf", "a\nb"}}}),
            "header 'X-Lf' has a CR, LF or NUL character in its value");
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{"X-Nul", std::string("a\0b", 3)}}}),
            "header 'X-Nul' has a CR, LF or NUL character in its value");
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{"X-Evil\r\nHost", "x"}}}),
            "header name 'X-Evil\\r\\nHost' is not valid (allowed: letters, digits and "
            "!#$%&'*+-.^_`|~)");
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{"X Space", "x"}}}),
            "header name 'X Space' is not valid (allowed: letters, digits and !#$%&'*+-.^_`|~)");
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{"", "x"}}}),
            "header name '' is not valid (allowed: letters, digits and !#$%&'*+-.^_`|~)");
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{"X:Y", "x"}}}),
            "header name 'X:Y' is not valid (allowed: letters, digits and !#$%&'*+-.^_`|~)");
  EXPECT_EQ(check({.method = "GET / HTTP/1.1\r\nX:", .url = "https://x.example.com/"}),
            "invalid HTTP method 'GET / HTTP/1.1\\r\\nX:'");
  EXPECT_EQ(check({.method = "", .url = "https://x.example.com/"}), "invalid HTTP method ''");
  EXPECT_EQ(check({.url = "https://x.example.com/a\r\nHost: evil"}),
            "the URL has a space or a control character (at byte 24)");
  EXPECT_EQ(check({.url = "https://x.example.com/a b"}),
            "the URL has a space or a control character (at byte 24)");
  EXPECT_EQ(check({.url = std::string("https://x.example.com/\0", 23)}),
            "the URL has a space or a control character (at byte 23)");
  // A quoted name is cut: error messages stay short whatever a script sends.
  EXPECT_EQ(check({.url = "https://x.example.com/", .headers = {{std::string(300, ' '), "x"}}}),
            "header name '" + std::string(kMaxQuotedBytes, ' ') +
                "...' is not valid (allowed: letters, digits and !#$%&'*+-.^_`|~)");
}

TEST(RequestHeadTest, FramingAndConnectionFieldsAreTheClients) {
  for (const char* name : {"Host", "content-length", "Transfer-Encoding", "CONNECTION", "Keep-Alive",
                           "Proxy-Connection", "TE", "Upgrade"}) {
    EXPECT_TRUE(IsClientHeader(name)) << name;
  }
  for (const char* name : {"Authorization", "Content-Type", "User-Agent", "X-Host", "Hosts"}) {
    EXPECT_FALSE(IsClientHeader(name)) << name;
  }
}

// The headers a script would set to smuggle a request: a second Host, a Content-Length that ends
// the body early, chunked framing, and connection control.
const Headers kSmuggling = {{"Host", "evil.example"},
                            {"Content-Length", "0"},
                            {"Transfer-Encoding", "chunked"},
                            {"Connection", "keep-alive, Upgrade"},
                            {"Upgrade", "h2c"},
                            {"X-Ok", "kept"}};

class CurlHeadTest : public ::testing::Test {
 protected:
  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  RawServer server_;
  std::unique_ptr<HttpClient> client_ = NewCurlClient({.egress = {.allow_loopback = true}});
};

TEST_F(CurlHeadTest, InjectedLineBreaksAreRefusedAndNothingIsSent) {
  auto value = client_->Send({.url = Url("/a"), .headers = {{"X-Evil", "1\r\nX-Injected: 1"}}});
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(value.error().message(), "header 'X-Evil' has a CR, LF or NUL character in its value");
  auto second = client_->Send(
      {.url = Url("/a"), .headers = {{"X-Evil", "1\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x"}}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message(), "header 'X-Evil' has a CR, LF or NUL character in its value");
  auto name = client_->Send({.url = Url("/a"), .headers = {{"X-Evil: 1\r\nX-Injected", "1"}}});
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().message(),
            "header name 'X-Evil: 1\\r\\nX-Injected' is not valid (allowed: letters, digits and "
            "!#$%&'*+-.^_`|~)");
  auto method = client_->Send({.method = "GET /smuggled HTTP/1.1\r\nX:", .url = Url("/a")});
  ASSERT_FALSE(method.ok());
  EXPECT_EQ(method.error().message(), "invalid HTTP method 'GET /smuggled HTTP/1.1\\r\\nX:'");
  auto url = client_->Send({.url = Url("/a\r\nX-Injected: 1")});
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().message(), "the URL has a space or a control character (at byte 25)");
  EXPECT_EQ(server_.connections(), 0);
}

TEST_F(CurlHeadTest, HostLengthAndConnectionFieldsAreRelishsOwn) {
  Request post{.method = "POST", .url = Url("/in"), .headers = kSmuggling, .body = "hello"};
  auto r = client_->Send(post);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  auto got = server_.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "POST /in HTTP/1.1\r\n"
                    "Host: 127.0.0.1:" + std::to_string(server_.port()) + "\r\n"
                    "User-Agent: Relish/0.1\r\n"
                    "Accept: */*\r\n"
                    "Accept-Encoding: deflate, gzip, br, zstd\r\n"
                    "X-Ok: kept\r\n"
                    "Content-Length: 5\r\n"
                    "\r\n"
                    "hello");
}

// A plain coroutine function, not a capturing lambda: g++ 12 mishandles the captures of coroutine
// lambdas handed to co_spawn.
Task<void> SendInto(AsyncHttpClient& client, Request request,
                    std::promise<Result<Response>>& done) {
  done.set_value(co_await client.Send(request));
}

class AsyncHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    client_.reset();
    work_.reset();
    ioc_.stop();
    client_thread_.join();
  }
  Result<Response> Send(Request r) {
    std::promise<Result<Response>> done;
    boost::asio::co_spawn(ioc_, SendInto(*client_, std::move(r), done), boost::asio::detached);
    return done.get_future().get();
  }
  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }

  RawServer server_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_ =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          ioc_.get_executor());
  std::thread client_thread_;
  std::unique_ptr<AsyncHttpClient> client_ =
      std::make_unique<AsyncHttpClient>(ioc_, EgressOptions{.allow_loopback = true});
};

TEST_F(AsyncHeadTest, InjectedLineBreaksAreRefusedAndNothingIsSent) {
  auto value = Send({.url = Url("/a"), .headers = {{"X-Evil", "1\r\nX-Injected: 1"}}});
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(value.error().message(), "header 'X-Evil' has a CR, LF or NUL character in its value");
  auto name = Send({.url = Url("/a"), .headers = {{"X-Evil: 1\r\nX-Injected", "1"}}});
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().message(),
            "header name 'X-Evil: 1\\r\\nX-Injected' is not valid (allowed: letters, digits and "
            "!#$%&'*+-.^_`|~)");
  auto method = Send({.method = "GET /smuggled HTTP/1.1\r\nX:", .url = Url("/a")});
  ASSERT_FALSE(method.ok());
  EXPECT_EQ(method.error().message(), "invalid HTTP method 'GET /smuggled HTTP/1.1\\r\\nX:'");
  auto url = Send({.url = Url("/a\r\nX-Injected: 1")});
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().message(), "the URL has a space or a control character (at byte 25)");
  EXPECT_EQ(server_.connections(), 0);
}

TEST_F(AsyncHeadTest, HostLengthAndConnectionFieldsAreRelishsOwn) {
  Request post{.method = "POST", .url = Url("/in"), .headers = kSmuggling, .body = "hello"};
  auto r = Send(post);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  auto got = server_.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "POST /in HTTP/1.1\r\n"
                    "Host: 127.0.0.1:" + std::to_string(server_.port()) + "\r\n"
                    "X-Ok: kept\r\n"
                    "User-Agent: Relish/0.1\r\n"
                    "Content-Length: 5\r\n"
                    "\r\n"
                    "hello");
}

}  // namespace
}  // namespace relish::outbound
