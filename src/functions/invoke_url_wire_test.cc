// invokeurl, getUrl, postUrl and the invokeUrl function on the wire: the exact bytes Relish's
// real client (libcurl) sends to a loopback server that keeps them, compared with what Zoho's
// pages document (docs/language/invokeurl-and-tasks.md); and what a response's bytes become.
#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "deluge/deluge.h"
#include "outbound/curl_client.h"
#include "outbound/raw_server_test_util.h"

namespace relish::functions {
namespace {

using outbound::testing::RawServer;

// A Host whose invokeurl is the real client, allowed to reach loopback.
class WireHost final : public deluge::Host {
 public:
  WireHost() : http_(outbound::NewCurlClient({.egress = {.allow_loopback = true}})) {}

  Result<deluge::HttpResponse> Fetch(const deluge::HttpRequest& request) override {
    outbound::Request out;
    out.method = request.method;
    out.url = request.url;
    out.headers = request.headers;
    out.body = request.body;
    out.timeout = request.timeout;
    out.max_response_bytes = request.max_response_bytes;
    auto r = TRY(http_->Send(std::move(out)));
    return deluge::HttpResponse{r.status, std::move(r.headers), std::move(r.body)};
  }
  Result<deluge::Value> CallTask(std::string_view, std::vector<deluge::Value>,
                                 deluge::Heap&) override {
    return Unavailable("no tasks here");
  }
  void Info(std::string_view line) override { info.emplace_back(line); }
  Result<void> SendMail(const deluge::MailMessage&) override { return Unavailable("no mail"); }
  const Clock& clock() const override { return SystemClock(); }

  std::vector<std::string> info;

 private:
  std::unique_ptr<outbound::HttpClient> http_;
};

class InvokeUrlWireTest : public ::testing::Test {
 protected:
  // Runs `script` with URL standing for the server's origin; returns the info lines, or the
  // error as "error: ...".
  std::vector<std::string> Run(std::string script, deluge::Limits limits = {}) {
    for (size_t p; (p = script.find("URL")) != std::string::npos;) {
      script.replace(p, 3, Origin());
    }
    auto compiled = deluge::Compile(script);
    EXPECT_TRUE(compiled.ok()) << (compiled.diagnostics.empty() ? ""
                                                                 : compiled.diagnostics[0].message);
    if (!compiled.ok()) return {};
    auto outcome = deluge::Run(*compiled.program, host_, {.limits = limits});
    EXPECT_TRUE(outcome.ok());
    if (!outcome->ok) host_.info.push_back("error: " + outcome->error_message);
    return host_.info;
  }
  std::string Origin() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  // The one request the server kept, with its port written as PORT.
  std::string Sent() {
    auto requests = server_.Requests(1);
    if (requests.empty()) return "(nothing sent)";
    std::string r = requests[0];
    std::string port = std::to_string(server_.port());
    for (size_t p; (p = r.find(port)) != std::string::npos;) r.replace(p, port.size(), "PORT");
    return r;
  }

  RawServer server_;
  WireHost host_;
};

// What libcurl adds to every request, after the request line and Host.
constexpr std::string_view kClientHeaders =
    "User-Agent: Relish/0.1\r\nAccept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n";

std::string Head(std::string_view line, std::string_view rest) {
  return std::string(line) + "\r\nHost: 127.0.0.1:PORT\r\n" + std::string(kClientHeaders) +
         std::string(rest);
}

TEST_F(InvokeUrlWireTest, TextParametersAreTextPlain) {
  Run("r = invokeurl [ url: \"URL/t\" type: POST parameters: \"hello\" ];");
  EXPECT_EQ(Sent(), Head("POST /t HTTP/1.1",
                         "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"));
}

TEST_F(InvokeUrlWireTest, ABodyWithoutAContentTypeIsNotLabelledByTheClient) {
  // libcurl would call any body application/x-www-form-urlencoded.
  auto http = outbound::NewCurlClient({.egress = {.allow_loopback = true}});
  auto r = http->Send({.method = "PUT", .url = Origin() + "/raw", .body = "{}"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Sent(), Head("PUT /raw HTTP/1.1", "Content-Length: 2\r\n\r\n{}"));
}

TEST_F(InvokeUrlWireTest, MultipartMapWithAFileSendsItsBytes) {
  Run("f = \"a,b\".toFile(\"data.csv\");\n"
      "r = invokeurl [ url: \"URL/up\" type: POST content-type: \"multipart/form-data\" "
      "parameters: {\"folder\": \"x\", \"upload\": f} ];");
  std::string body =
      "------RelishFormBoundary7MA4YWxkTrZu0gW\r\n"
      "Content-Disposition: form-data; name=\"folder\"\r\n\r\nx\r\n"
      "------RelishFormBoundary7MA4YWxkTrZu0gW\r\n"
      "Content-Disposition: form-data; name=\"upload\"; filename=\"data.csv\"\r\n"
      "Content-Type: text/plain\r\n\r\na,b\r\n"
      "------RelishFormBoundary7MA4YWxkTrZu0gW--\r\n";
  EXPECT_EQ(Sent(), Head("POST /up HTTP/1.1",
                         "Content-Type: multipart/form-data; "
                         "boundary=----RelishFormBoundary7MA4YWxkTrZu0gW\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body));
}

TEST_F(InvokeUrlWireTest, FilesPartNamedBySetParamName) {
  Run("f = \"PDF\".toFile(\"r.pdf\");\nf.setParamName(\"attachment\");\n"
      "r = invokeurl [ url: \"URL/up\" type: POST files: f ];");
  std::string body =
      "------RelishFormBoundary7MA4YWxkTrZu0gW\r\n"
      "Content-Disposition: form-data; name=\"attachment\"; filename=\"r.pdf\"\r\n"
      "Content-Type: text/plain\r\n\r\nPDF\r\n"
      "------RelishFormBoundary7MA4YWxkTrZu0gW--\r\n";
  EXPECT_EQ(Sent(), Head("POST /up HTTP/1.1",
                         "Content-Type: multipart/form-data; "
                         "boundary=----RelishFormBoundary7MA4YWxkTrZu0gW\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body));
}

TEST_F(InvokeUrlWireTest, PostUrlMapIsFormEncodedAndTheAnswerIsText) {
  server_.Answer(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n"
      "Connection: close\r\n\r\n{\"a\":1}\n");
  auto info = Run("r = postUrl(\"URL/p\", {\"a\": \"1 2\"});\ninfo r.isText();\ninfo r;");
  EXPECT_EQ(Sent(),
            Head("POST /p HTTP/1.1",
                 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n\r\na=1+2"));
  EXPECT_EQ(info, (std::vector<std::string>{"true", "{\"a\":1}\n"}));
}

TEST_F(InvokeUrlWireTest, TheInvokeUrlFunctionSendsTheDocumentedMethod) {
  Run("r = invokeUrl(\"URL/d\", \"DELETE\");");
  EXPECT_EQ(Sent(), Head("DELETE /d HTTP/1.1", "\r\n"));
}

TEST_F(InvokeUrlWireTest, RepeatedResponseHeadersAreAllKept) {
  server_.Answer(
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n"
      "Connection: close\r\n\r\nok");
  auto info = Run(
      "r = invokeurl [ url: \"URL/h\" detailed: true ];\n"
      "info r.get(\"responseHeader\").get(\"set-cookie\");");
  EXPECT_EQ(info, (std::vector<std::string>{"a=1, b=2"}));
}

TEST_F(InvokeUrlWireTest, TheResponsesCharsetIsHonouredAndInvalidUtf8Replaced) {
  server_.Answer(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Length: 4\r\n"
      "Connection: close\r\n\r\ncaf\xE9");
  server_.Answer(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
      "Connection: close\r\n\r\na\xFF\xC3(b");
  auto info = Run(
      "r = invokeurl [ url: \"URL/l\" ];\ninfo r;\ninfo r.length();\n"
      "s = invokeurl [ url: \"URL/u\" ];\ninfo s;\ninfo s.length();");
  EXPECT_EQ(info, (std::vector<std::string>{"caf\xC3\xA9", "4", "a\xEF\xBF\xBD\xEF\xBF\xBD(b", "5"}));
}

TEST_F(InvokeUrlWireTest, AResponseOverTheLimitFailsAtTheLimit) {
  deluge::Limits limits;
  limits.max_response_bytes = 4;
  server_.Answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n12345");
  auto info = Run("r = invokeurl [ url: \"URL/big\" ];", limits);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0], "error: Response from " + Origin() +
                         "/big is larger than 4 bytes (limit: response size)");
}

}  // namespace
}  // namespace relish::functions
