#include "server/metrics.h"

#include <gtest/gtest.h>

namespace relish::server {
namespace {

TEST(MetricsTest, RendersCountersAndHistogram) {
  Metrics m;
  m.Observe("/healthz", "GET", 200, 0.0004);
  m.Observe("/healthz", "GET", 200, 0.003);
  m.Observe("/x/\"q\"", "POST", 404, 7.0);
  std::string text = m.Render();
  EXPECT_NE(text.find("relish_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("relish_http_requests_total{route=\"/x/\\\"q\\\"\",method=\"POST\",status=\"404\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("relish_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("relish_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 2\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("relish_http_request_duration_seconds_bucket{route=\"/x/\\\"q\\\"\",le=\"5\"} 0\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("relish_http_request_duration_seconds_bucket{route=\"/x/\\\"q\\\"\",le=\"+Inf\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("relish_http_request_duration_seconds_count{route=\"/healthz\"} 2\n"),
            std::string::npos) << text;
}

TEST(MetricsTest, RendersOtherModulesValuesAfterTheRequests) {
  Metrics m;
  int64_t waits = 3;
  m.AddValue("relish_audit_queue_waits_total", "Calls that waited.", "counter", [&] { return waits; });
  m.Observe("/healthz", "GET", 200, 0.001);
  waits = 4;
  std::string text = m.Render();
  std::string expected =
      "# HELP relish_audit_queue_waits_total Calls that waited.\n"
      "# TYPE relish_audit_queue_waits_total counter\n"
      "relish_audit_queue_waits_total 4\n";
  ASSERT_GE(text.size(), expected.size());
  EXPECT_EQ(text.substr(text.size() - expected.size()), expected) << text;
  EXPECT_EQ(text.rfind("# HELP relish_http_requests_total", 0), 0u);
}

}  // namespace
}  // namespace relish::server
