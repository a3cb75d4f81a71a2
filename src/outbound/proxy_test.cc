// Proxies and addresses on the wire: proxy environment variables never take a request away from
// the egress policy and the pinned address; an explicit proxy gets a CONNECT to the checked
// address (never a name to resolve itself), for both clients; IPv6 literal URLs are pinned right.
#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <map>
#include <optional>

#include "outbound/async_client.h"
#include "outbound/curl_client.h"
#include "outbound/raw_server_test_util.h"

namespace relish::outbound {
namespace {

using testing::ConnectProxy;
using testing::RawServer;

// Sets environment variables for a test's lifetime, then puts back what was there.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, std::string>& vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k.c_str());
      saved_[k] = old ? std::optional<std::string>(old) : std::nullopt;
      setenv(k.c_str(), v.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v) {
        setenv(k.c_str(), v->c_str(), 1);
      } else {
        unsetenv(k.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// "api.test" is 127.0.0.1; "meta.test" the metadata address; "lan.test" a private one.
class TestResolver final : public Resolver {
 public:
  Result<std::vector<std::string>> Resolve(const std::string& host) override {
    if (auto numeric = NumericHost(host)) return std::vector<std::string>{*numeric};
    if (host == "api.test") return std::vector<std::string>{"127.0.0.1"};
    if (host == "meta.test") return std::vector<std::string>{"169.254.169.254"};
    if (host == "lan.test") return std::vector<std::string>{"10.0.0.7"};
    return Unavailable("cannot resolve host " + host);
  }
};

std::string CurlHead(const std::string& request_line, const std::string& host) {
  return request_line + "\r\nHost: " + host +
         "\r\nUser-Agent: Relish/0.1\r\nAccept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n\r\n";
}

TEST(ProxyTest, EnvironmentProxiesAreIgnored) {
  RawServer target;
  RawServer trap;  // would get the request if libcurl used the environment's proxy
  std::string trap_url = "http://127.0.0.1:" + std::to_string(trap.port());
  ScopedEnv env({{"http_proxy", trap_url}, {"HTTP_PROXY", trap_url}, {"https_proxy", trap_url},
                 {"HTTPS_PROXY", trap_url}, {"all_proxy", trap_url}, {"ALL_PROXY", trap_url},
                 {"no_proxy", ""}, {"NO_PROXY", ""}});
  TestResolver resolver;
  auto client = NewCurlClient({.egress = {.allow_loopback = true}, .resolver = &resolver});
  std::string port = std::to_string(target.port());
  auto by_address = client->Send({.url = "http://127.0.0.1:" + port + "/a"});
  ASSERT_TRUE(by_address.ok()) << by_address.error().ToString();
  auto by_name = client->Send({.url = "http://api.test:" + port + "/b"});
  ASSERT_TRUE(by_name.ok()) << by_name.error().ToString();
  auto got = target.Requests(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], CurlHead("GET /a HTTP/1.1", "127.0.0.1:" + port));
  EXPECT_EQ(got[1], CurlHead("GET /b HTTP/1.1", "api.test:" + port));
  EXPECT_EQ(trap.connections(), 0);
}

TEST(ProxyTest, AnExplicitProxyGetsAConnectToTheCheckedAddress) {
  RawServer target;
  ConnectProxy proxy;
  std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  // NO_PROXY names the target: it still goes through the proxy, as configured.
  ScopedEnv env({{"no_proxy", "api.test,127.0.0.1"}, {"NO_PROXY", "api.test,127.0.0.1"}});
  TestResolver resolver;
  auto client = NewCurlClient(
      {.egress = {.allow_loopback = true, .proxy = proxy_url}, .resolver = &resolver});
  std::string port = std::to_string(target.port());
  auto r = client->Send({.url = "http://api.test:" + port + "/through?x=1",
                         .headers = {{"Proxy-Authorization", "Basic c2NyaXB0"}}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  auto heads = proxy.Heads();
  ASSERT_EQ(heads.size(), 1u);
  // The proxy is asked for the address Relish checked, and sees none of the request's headers.
  EXPECT_EQ(heads[0], "CONNECT 127.0.0.1:" + port + " HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                          "\r\nUser-Agent: Relish/0.1\r\nProxy-Connection: Keep-Alive\r\n\r\n");
  auto got = target.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "GET /through?x=1 HTTP/1.1\r\nHost: api.test:" + port +
                        "\r\nUser-Agent: Relish/0.1\r\nAccept: */*\r\n"
                        "Accept-Encoding: deflate, gzip, br, zstd\r\n"
                        "Proxy-Authorization: Basic c2NyaXB0\r\n\r\n");
}

TEST(ProxyTest, TheEgressPolicyHoldsThroughAProxy) {
  ConnectProxy proxy;
  TestResolver resolver;
  auto client = NewCurlClient(
      {.egress = {.proxy = "http://127.0.0.1:" + std::to_string(proxy.port())}, .resolver = &resolver});
  auto meta = client->Send({.url = "http://meta.test/latest/meta-data"});
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().message(),
            "calls to link-local and cloud metadata addresses are not allowed: meta.test "
            "(169.254.169.254)");
  auto lan = client->Send({.url = "http://lan.test/"});
  ASSERT_FALSE(lan.ok());
  EXPECT_EQ(lan.error().message(),
            "calls to private network addresses are not allowed: lan.test (10.0.0.7)");
  auto loopback = client->Send({.url = "http://api.test:9/"});
  ASSERT_FALSE(loopback.ok());
  EXPECT_EQ(loopback.error().message(),
            "calls to loopback addresses are not allowed: api.test (127.0.0.1)");
  EXPECT_TRUE(proxy.Heads().empty());
}

TEST(ProxyTest, AProxyThatRefusesIsAClearError) {
  RawServer refusing;  // answers the CONNECT with 403: no tunnel
  refusing.Answer("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  auto client = NewCurlClient(
      {.egress = {.allow_loopback = true,
                  .proxy = "http://127.0.0.1:" + std::to_string(refusing.port())}});
  auto r = client->Send({.url = "http://127.0.0.1:9/x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message(),
            "cannot reach 127.0.0.1 through the outbound proxy: Failure when receiving data from "
            "the peer");
  auto connect = refusing.Requests();
  ASSERT_EQ(connect.size(), 1u);
  EXPECT_EQ(connect[0].substr(0, 29), "CONNECT 127.0.0.1:9 HTTP/1.1\r");
}

TEST(ProxyTest, IPv6LiteralUrlsArePinnedAndSent) {
  RawServer target("::1");
  std::string port = std::to_string(target.port());
  auto client = NewCurlClient({.egress = {.allow_loopback = true}});
  auto r = client->Send({.url = "http://[::1]:" + port + "/six?a=1"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->url, "http://[::1]:" + port + "/six?a=1");
  auto got = target.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], CurlHead("GET /six?a=1 HTTP/1.1", "[::1]:" + port));
  // Loopback is still loopback in brackets.
  auto strict = NewCurlClient({});
  auto refused = strict->Send({.url = "http://[::1]:" + port + "/"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "calls to loopback addresses are not allowed: ::1");
  EXPECT_EQ(target.connections(), 1);
}

TEST(ProxyTest, IPv6TargetsThroughAProxy) {
  RawServer target("::1");
  ConnectProxy proxy;
  std::string port = std::to_string(target.port());
  auto client = NewCurlClient(
      {.egress = {.allow_loopback = true, .proxy = "http://127.0.0.1:" + std::to_string(proxy.port())}});
  auto r = client->Send({.url = "http://[::1]:" + port + "/six"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(proxy.Heads().size(), 1u);
  EXPECT_EQ(proxy.Heads()[0].substr(0, proxy.Heads()[0].find("\r\n")),
            "CONNECT [::1]:" + port + " HTTP/1.1");
  EXPECT_EQ(target.Requests()[0], CurlHead("GET /six HTTP/1.1", "[::1]:" + port));
}

TEST(ProxyTest, ProxyUrlsAreChecked) {
  EXPECT_TRUE(CheckProxyUrl("http://proxy.internal:3128").ok());
  EXPECT_TRUE(CheckProxyUrl("https://user:pa55@proxy.internal:8443/").ok());
  const std::string shape =
      "outbound_proxy must be http://HOST:PORT or https://HOST:PORT (user info allowed, nothing "
      "after the port)";
  for (const char* bad : {"proxy.internal:3128", "socks5://proxy.internal:1080", "http://proxy.internal",
                          "http://proxy.internal:3128/path", "http://proxy.internal:3128/?a=1",
                          "http://user:s3cret@:3128", "not a url"}) {
    auto r = CheckProxyUrl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message(), shape) << bad;
  }
}

// A plain coroutine function, not a capturing lambda: g++ 12 mishandles the captures of coroutine
// lambdas handed to co_spawn.
Task<void> SendInto(AsyncHttpClient& client, Request request,
                    std::promise<Result<Response>>& done) {
  done.set_value(co_await client.Send(request));
}

class AsyncProxyTest : public ::testing::Test {
 protected:
  void SetUp() override { thread_ = std::thread([this] { ioc_.run(); }); }
  void TearDown() override {
    work_.reset();
    ioc_.stop();
    thread_.join();
  }
  Result<Response> Send(AsyncHttpClient& client, Request r) {
    std::promise<Result<Response>> done;
    boost::asio::co_spawn(ioc_, SendInto(client, std::move(r), done), boost::asio::detached);
    return done.get_future().get();
  }

  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_ =
      std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          ioc_.get_executor());
  std::thread thread_;
};

TEST_F(AsyncProxyTest, WithAProxyConfiguredRequestsGoThroughIt) {
  RawServer target;
  ConnectProxy proxy;
  std::string port = std::to_string(target.port());
  AsyncHttpClient client(
      ioc_, {.allow_loopback = true, .proxy = "http://127.0.0.1:" + std::to_string(proxy.port())});
  for (int i = 0; i < 2; ++i) {
    auto r = Send(client, {.method = "POST", .url = "http://127.0.0.1:" + port + "/in",
                           .headers = {{"Host", "evil.example"}}, .body = "hi"});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->body, "ok");
  }
  auto heads = proxy.Heads();
  ASSERT_EQ(heads.size(), 2u);
  for (const auto& head : heads) EXPECT_EQ(head.substr(0, head.find("\r\n")), "CONNECT 127.0.0.1:" + port + " HTTP/1.1");
  auto got = target.Requests(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "POST /in HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                        "\r\nUser-Agent: Relish/0.1\r\nAccept: */*\r\n"
                        "Accept-Encoding: deflate, gzip, br, zstd\r\nContent-Length: 2\r\n"
                        "\r\nhi");
  // The policies hold on that path too.
  auto meta = Send(client, {.url = "http://169.254.169.254/latest"});
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().message(),
            "calls to link-local and cloud metadata addresses are not allowed: 169.254.169.254");
  auto evil = Send(client, {.url = "http://127.0.0.1:" + port + "/", .headers = {{"X-A", "1\r\n"}}});
  ASSERT_FALSE(evil.ok());
  EXPECT_EQ(evil.error().message(), "header 'X-A' has a CR, LF or NUL character in its value");
  EXPECT_EQ(proxy.Heads().size(), 2u);
}

TEST_F(AsyncProxyTest, EnvironmentProxiesAreIgnoredAndIPv6LiteralsWork) {
  RawServer target("::1");
  RawServer trap;
  std::string trap_url = "http://127.0.0.1:" + std::to_string(trap.port());
  ScopedEnv env({{"http_proxy", trap_url}, {"HTTP_PROXY", trap_url}, {"ALL_PROXY", trap_url}});
  AsyncHttpClient client(ioc_, {.allow_loopback = true});
  std::string port = std::to_string(target.port());
  auto r = Send(client, {.url = "http://[::1]:" + port + "/six"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(target.Requests()[0],
            "GET /six HTTP/1.1\r\nHost: [::1]:" + port + "\r\nUser-Agent: Relish/0.1\r\n\r\n");
  EXPECT_EQ(trap.connections(), 0);
}

}  // namespace
}  // namespace relish::outbound
