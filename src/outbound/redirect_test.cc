// Redirects and credentials, on the wire: two loopback servers on two ports are two origins, and
// each keeps the exact bytes it received. A hop to another origin carries none of the credentials
// the request's CredentialPlaces name, wherever they were put; a hop within the origin keeps them.
#include <gtest/gtest.h>

#include "outbound/curl_client.h"
#include "outbound/raw_server_test_util.h"

namespace relish::outbound {
namespace {

using testing::RawServer;

class RedirectTest : public ::testing::Test {
 protected:
  std::string Origin(const RawServer& s) { return "http://127.0.0.1:" + std::to_string(s.port()); }
  // `from` answers `status` with a Location on `to`, then 200 "ok".
  void Redirect(RawServer& from, int status, const std::string& location) {
    from.Answer("HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + location +
                "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    from.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  }
  std::string Head(const std::string& request_line, const RawServer& host) {
    return request_line + "\r\nHost: 127.0.0.1:" + std::to_string(host.port()) +
           "\r\nUser-Agent: Relish/0.1\r\nAccept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n";
  }

  RawServer a_;  // the origin the request is for
  RawServer b_;  // another origin: the same address, another port
  std::unique_ptr<HttpClient> client_ = NewCurlClient({.egress = {.allow_loopback = true}});
};

// Every place a connection puts a credential, at once.
Request Credentialed(const std::string& url) {
  return {.method = "GET",
          .url = url,
          .headers = {{"Authorization", "Bearer tok-SECRET"},
                      {"X-Api-Key", "key-SECRET"},
                      {"Cookie", "sid=cookie-SECRET"},
                      {"X-Other", "kept"}},
          .credentials = {.headers = {"X-Api-Key"}, .query_params = {"api_key", "access_token"}}};
}

TEST_F(RedirectTest, FoundToAnotherOriginDropsHeadersAndQueryCredentials) {
  // The Location copies the query it came from, credentials included, as many servers do.
  Redirect(a_, 302, Origin(b_) + "/next?q=1&api_key=qk-SECRET&access_token=at-SECRET&page=2");
  auto r = client_->Send(Credentialed(Origin(a_) + "/start?q=1&api_key=qk-SECRET&access_token=at-SECRET"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->url, Origin(b_) + "/next?q=1&page=2");
  auto got = b_.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Head("GET /next?q=1&page=2 HTTP/1.1", b_) + "X-Other: kept\r\n\r\n");
  EXPECT_EQ(got[0].find("SECRET"), std::string::npos);
}

TEST_F(RedirectTest, TemporaryRedirectToAnotherOriginResendsTheBodyWithoutFormCredentials) {
  for (int status : {307, 308}) {
    RawServer a;
    RawServer b;
    Redirect(a, status, Origin(b) + "/next");
    Request post = Credentialed(Origin(a) + "/start");
    post.method = "POST";
    post.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    post.body = "message=hi+there&token=form-SECRET&to=ada%40example.com";
    post.credentials.form_fields = {"token"};
    auto r = client_->Send(post);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    auto got = b.Requests();
    ASSERT_EQ(got.size(), 1u) << status;
    EXPECT_EQ(got[0], Head("POST /next HTTP/1.1", b) +
                          "X-Other: kept\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: 37\r\n\r\n"
                          "message=hi+there&to=ada%40example.com")
        << status;
    // The first server got everything: the credentials were for it.
    auto first = a.Requests();
    ASSERT_EQ(first.size(), 1u);
    EXPECT_NE(first[0].find("token=form-SECRET"), std::string::npos);
    EXPECT_NE(first[0].find("X-Api-Key: key-SECRET"), std::string::npos);
  }
}

TEST_F(RedirectTest, FoundAfterAPostBecomesAGetWithoutTheBody) {
  Redirect(a_, 302, Origin(b_) + "/next");
  Request post = Credentialed(Origin(a_) + "/start");
  post.method = "POST";
  post.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  post.body = "token=form-SECRET";
  post.credentials.form_fields = {"token"};
  auto r = client_->Send(post);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto got = b_.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Head("GET /next HTTP/1.1", b_) + "X-Other: kept\r\n\r\n");
}

TEST_F(RedirectTest, AnotherSchemeOrPortIsAnotherOrigin) {
  // Same host, other port: b_. (Another scheme is the same rule: Url::SameOrigin.)
  Url http = *ParseUrl("http://api.example.com/");
  EXPECT_FALSE(http.SameOrigin(*ParseUrl("https://api.example.com/")));
  EXPECT_FALSE(http.SameOrigin(*ParseUrl("http://api.example.com:8080/")));
  EXPECT_TRUE(http.SameOrigin(*ParseUrl("http://API.example.com:80/other?x")));
  Redirect(a_, 307, Origin(b_) + "/next");
  auto r = client_->Send(Credentialed(Origin(a_) + "/start"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(b_.Requests()[0], Head("GET /next HTTP/1.1", b_) + "X-Other: kept\r\n\r\n");
}

TEST_F(RedirectTest, TheSameOriginKeepsEveryCredential) {
  Redirect(a_, 307, "/next?api_key=qk-SECRET");
  Request post = Credentialed(Origin(a_) + "/start?api_key=qk-SECRET");
  post.method = "POST";
  post.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  post.body = "token=form-SECRET";
  post.credentials.form_fields = {"token"};
  auto r = client_->Send(post);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto got = a_.Requests(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], Head("POST /next?api_key=qk-SECRET HTTP/1.1", a_) +
                        "Authorization: Bearer tok-SECRET\r\n"
                        "X-Api-Key: key-SECRET\r\n"
                        "Cookie: sid=cookie-SECRET\r\n"
                        "X-Other: kept\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: 17\r\n\r\n"
                        "token=form-SECRET");
}

TEST_F(RedirectTest, CredentialsOnceDroppedStayDroppedAndOthersParametersAreTheirs) {
  // a -> b (credentials off) -> b again, whose own api_key parameter is b's to keep.
  Redirect(a_, 302, Origin(b_) + "/next");
  b_.Answer("HTTP/1.1 302 Found\r\nLocation: /last?api_key=b-own\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n");
  b_.Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  auto r = client_->Send(Credentialed(Origin(a_) + "/start?api_key=qk-SECRET"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto got = b_.Requests(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], Head("GET /last?api_key=b-own HTTP/1.1", b_) + "X-Other: kept\r\n\r\n");
}

TEST(FormFieldsTest, RemovedByDecodedNameOthersKeptAsTheyWere) {
  EXPECT_EQ(WithoutFormFields("a=1&api_key=x&b=%41+b&api%5Fkey=y&c", {"api_key"}), "a=1&b=%41+b&c");
  EXPECT_EQ(WithoutFormFields("api_key=x", {"api_key"}), "");
  EXPECT_EQ(WithoutFormFields("", {"api_key"}), "");
  EXPECT_EQ(WithoutFormFields("a=1&&b=2", {}), "a=1&&b=2");
  EXPECT_EQ(WithoutFormFields("api+key=1&api key=2&x=3", {"api key"}), "x=3");
}

}  // namespace
}  // namespace relish::outbound
