// The curl client against a real HTTP server on loopback.
#include "outbound/curl_client.h"

#include <gtest/gtest.h>

#include <thread>

#include "server/http_server.h"
#include "server/json.h"

namespace relish::outbound {
namespace {

// "api.test" and "other.test" both resolve to 127.0.0.1, so redirects can cross hosts.
class TestResolver final : public Resolver {
 public:
  Result<std::vector<std::string>> Resolve(const std::string& host) override {
    if (host == "api.test" || host == "other.test" || host == "127.0.0.1") {
      return std::vector<std::string>{"127.0.0.1"};
    }
    if (host == "meta.test") return std::vector<std::string>{"169.254.169.254"};
    return Unavailable("cannot resolve host " + host);
  }
};

class CurlClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/echo", server::Access::kPublic, Echo);
    router_.Add("POST", "/echo", server::Access::kPublic, Echo);
    router_.Add("PUT", "/echo", server::Access::kPublic, Echo);
    router_.Add("GET", "/big", server::Access::kPublic, [](server::Request&) {
      return server::Response::Text(200, std::string(2 * 1024 * 1024, 'x'));
    });
    router_.AddAsync("GET", "/slow", server::Access::kPublic, [](server::Request&) -> Task<server::Response> {
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                                  std::chrono::milliseconds(700));
      co_await t.async_wait(use_task);
      co_return server::Response::Text(200, "late");
    });
    router_.Add("POST", "/redirect/{code}", server::Access::kPublic, [this](server::Request& r) { return Redirect(r); });
    router_.Add("GET", "/redirect/{code}", server::Access::kPublic, [this](server::Request& r) { return Redirect(r); });
    router_.Add("GET", "/loop", server::Access::kPublic, [](server::Request&) {
      server::Response res;
      res.status = 302;
      res.SetHeader("Location", "/loop");
      return res;
    });
    router_.Add("GET", "/to-metadata", server::Access::kPublic, [](server::Request&) {
      server::Response res;
      res.status = 302;
      res.SetHeader("Location", "http://meta.test/latest");
      return res;
    });
    server::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
    ASSERT_TRUE(server_->Listen().ok());
    runner_ = std::thread([this] { server_->Run(false); });
    CurlClientOptions co;
    co.egress.allow_loopback = true;
    co.resolver = &resolver_;
    client_ = NewCurlClient(co);
  }
  void TearDown() override {
    server_->Stop();
    runner_.join();
  }

  static server::Response Echo(server::Request& r) {
    server::Json j;
    j["method"] = r.method;
    j["query"] = r.query;
    j["body"] = r.body;
    j["authorization"] = std::string(r.Header("Authorization").value_or(""));
    j["x_api_key"] = std::string(r.Header("X-Api-Key").value_or(""));
    j["content_type"] = std::string(r.Header("Content-Type").value_or(""));
    return server::JsonResponse(200, j);
  }
  server::Response Redirect(server::Request& r) {
    server::Response res;
    res.status = std::stoi(r.params["code"]);
    std::string host = r.QueryParam("host").value_or("api.test");
    res.SetHeader("Location", "http://" + host + ":" + std::to_string(server_->port()) + "/echo?hop=1");
    return res;
  }
  std::string Url(const std::string& path, const std::string& host = "api.test") {
    return "http://" + host + ":" + std::to_string(server_->port()) + path;
  }
  server::Json Body(const Response& r) { return server::Json::parse(r.body); }

  TestResolver resolver_;
  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread runner_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(CurlClientTest, SendsMethodHeadersAndBody) {
  Request req;
  req.method = "POST";
  req.url = Url("/echo?a=1");
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Bearer t"}};
  req.body = "JSONString=%7B%7D";
  auto r = client_->Send(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(*r->Header("Content-Type"), "application/json");
  auto j = Body(*r);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["query"], "a=1");
  EXPECT_EQ(j["body"], "JSONString=%7B%7D");
  EXPECT_EQ(j["authorization"], "Bearer t");
  EXPECT_EQ(j["content_type"], "application/x-www-form-urlencoded");
  req.method = "PUT";
  EXPECT_EQ(Body(*client_->Send(req))["method"], "PUT");
}

TEST_F(CurlClientTest, HttpErrorStatusIsAResponseNotAnError) {
  auto r = client_->Send({.url = Url("/missing")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST_F(CurlClientTest, ResponseSizeIsCapped) {
  auto r = client_->Send({.url = Url("/big"), .max_response_bytes = 1024 * 1024});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(r.error().message(), "response from api.test is larger than the limit of 1048576 bytes");
}

TEST_F(CurlClientTest, TimeoutIsDeadlineExceeded) {
  auto r = client_->Send({.url = Url("/slow"), .timeout = std::chrono::milliseconds(300)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(r.error().message(), "request to api.test timed out after 300ms");
}

TEST_F(CurlClientTest, FollowsRedirectsKeepingCredentialsOnTheSameHost) {
  Request req{.url = Url("/redirect/302"), .headers = {{"Authorization", "Bearer keep"}}};
  auto r = client_->Send(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Body(*r)["authorization"], "Bearer keep");
  EXPECT_EQ(r->url, Url("/echo?hop=1"));
}

TEST_F(CurlClientTest, DropsCredentialHeadersOnRedirectToAnotherHost) {
  Request req{.url = Url("/redirect/307?host=other.test"),
              .headers = {{"Authorization", "Bearer secret"}, {"X-Api-Key", "k3y-secret"}},
              .credentials = {.headers = {"X-Api-Key"}}};
  req.method = "POST";
  req.body = "payload";
  auto r = client_->Send(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto j = Body(*r);
  EXPECT_EQ(j["authorization"], "");
  EXPECT_EQ(j["x_api_key"], "");
  EXPECT_EQ(j["method"], "POST");  // 307 keeps method and body
  EXPECT_EQ(j["body"], "payload");
}

TEST_F(CurlClientTest, SeeOtherTurnsIntoGet) {
  Request req{.method = "POST", .url = Url("/redirect/303"), .body = "x"};
  auto j = Body(*client_->Send(req));
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["body"], "");
}

TEST_F(CurlClientTest, RedirectHopsAreCheckedAndBounded) {
  auto meta = client_->Send({.url = Url("/to-metadata")});
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().message(),
            "calls to link-local and cloud metadata addresses are not allowed: meta.test "
            "(169.254.169.254)");
  auto loop = client_->Send({.url = Url("/loop")});
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().message(), "too many redirects (more than 5) starting at " + Url(""));
  auto raw = client_->Send({.url = Url("/loop"), .max_redirects = 0});
  EXPECT_EQ(raw->status, 302);
}

TEST_F(CurlClientTest, LoopbackRefusedUnlessAllowedButRemapWorks) {
  auto strict = NewCurlClient({.resolver = &resolver_});
  auto refused = strict->Send({.url = Url("/echo")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied);
  CurlClientOptions o;
  o.resolver = &resolver_;
  o.egress.remap = {{"books.zoho.com", "http://127.0.0.1:" + std::to_string(server_->port())}};
  auto remapped = NewCurlClient(o)->Send({.url = "https://books.zoho.com/echo?organization_id=7"});
  ASSERT_TRUE(remapped.ok()) << remapped.error().ToString();
  EXPECT_EQ(Body(*remapped)["query"], "organization_id=7");
  EXPECT_EQ(remapped->url, "https://books.zoho.com/echo?organization_id=7");
}

TEST_F(CurlClientTest, UnreachableIsUnavailable) {
  auto r = NewCurlClient({.egress = {.allow_loopback = true}})->Send({.url = "http://127.0.0.1:1/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message().rfind("cannot reach 127.0.0.1: ", 0), 0u) << r.error().message();
}

}  // namespace
}  // namespace relish::outbound
