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

}  // namespace
}  // namespace relish::server
