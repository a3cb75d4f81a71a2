#include "cli/run_host.h"

#include <gtest/gtest.h>

#include <sstream>

#include "deluge/deluge.h"
#include "outbound/fake_http_client.h"

namespace relish::cli {
namespace {

struct Ran {
  deluge::RunOutcome outcome;
  std::string out;
  std::string err;
};

Ran RunWith(outbound::FakeHttpClient& http, const std::string& script) {
  auto compiled = deluge::Compile(script);
  EXPECT_TRUE(compiled.ok()) << (compiled.diagnostics.empty() ? ""
                                                              : compiled.diagnostics[0].message);
  std::ostringstream out;
  std::ostringstream err;
  FakeClock clock;
  RunHost host(http, clock, out, err, "UTC");
  auto outcome = deluge::Run(*compiled.program, host);
  EXPECT_TRUE(outcome.ok());
  return Ran{*outcome, out.str(), err.str()};
}

TEST(RunHostTest, InvokeUrlGoesThroughTheHttpClient) {
  outbound::FakeHttpClient http([](const outbound::Request&) {
    return outbound::FakeHttpClient::Json(200, R"({"ok":true,"n":[1,2]})");
  });
  Ran r = RunWith(http, R"(
    resp = invokeurl [ url: "https://api.example.com/v1/items" type: GET
                       parameters: {"q": "a b", "page": 2} headers: {"X-Key": "k"} ];
    info resp.get("n");
    info resp;
  )");
  EXPECT_TRUE(r.outcome.ok) << r.outcome.error_message;
  EXPECT_EQ(r.out, "1,2\n{\"ok\":true,\"n\":[1,2]}\n");
  auto requests = http.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "https://api.example.com/v1/items?q=a+b&page=2");
  ASSERT_EQ(requests[0].headers.size(), 1u);
  EXPECT_EQ(requests[0].headers[0].first, "X-Key");
  EXPECT_EQ(requests[0].timeout, std::chrono::milliseconds(40'000));
  EXPECT_EQ(requests[0].max_response_bytes, 10u * 1024 * 1024);
}

TEST(RunHostTest, ConnectionsAreNotConfiguredYet) {
  outbound::FakeHttpClient http;
  Ran r = RunWith(http, R"(r = invokeurl [ url: "https://books.zoho.com/api/v3/contacts"
    connection: "books" ];)");
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_EQ(r.outcome.error_message,
            "invokeurl to https://books.zoho.com/api/v3/contacts failed: connection 'books' is "
            "not configured in this data directory (relish run has no connections yet)");
  EXPECT_TRUE(http.requests().empty());
}

TEST(RunHostTest, IntegrationTasksNeedAConnection) {
  outbound::FakeHttpClient http;
  Ran r = RunWith(http, R"(rec = zoho.crm.getRecordById("Leads", 1);)");
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_EQ(r.outcome.error_line, 1);
  EXPECT_EQ(r.outcome.error_message.rfind("zoho.crm.getRecordById needs a CRM connection; ", 0), 0u)
      << r.outcome.error_message;
}

TEST(RunHostTest, TransportTimeoutNamesTheLimit) {
  outbound::FakeHttpClient http([](const outbound::Request&) -> Result<outbound::Response> {
    return DeadlineExceeded("timed out after 40000 ms");
  });
  Ran r = RunWith(http, "info \"before\";\nx = getUrl(\"https://slow.example.com/a?b=c\");\n");
  EXPECT_EQ(r.out, "before\n");
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_EQ(r.outcome.error_line, 2);
  EXPECT_EQ(r.outcome.error_message,
            "socket timeout error: no response from https://slow.example.com/a within 40 s "
            "(limit: invokeurl timeout)");
}

TEST(RunHostTest, MailIsReportedNotSent) {
  outbound::FakeHttpClient http;
  Ran r = RunWith(http, R"(sendmail [ from: zoho.adminuserid to: "a@example.com"
    subject: "Hi" message: "Body" ])");
  EXPECT_TRUE(r.outcome.ok) << r.outcome.error_message;
  EXPECT_NE(r.err.find("not delivered"), std::string::npos);
}

}  // namespace
}  // namespace relish::cli
