#include "base/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace relish {
namespace {

TEST(RedactorTest, ScrubsEveryOccurrence) {
  Redactor r;
  r.Add("s3cr3t-token");
  r.Add("abc");  // too short: ignored
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.Scrub("a s3cr3t-token and s3cr3t-token abc"),
            "a [REDACTED] and [REDACTED] abc");
  EXPECT_TRUE(r.Contains("xx s3cr3t-token"));
  EXPECT_FALSE(r.Contains("nothing here"));
  std::string text = "https://x.test/s3cr3t-token?q=s3cr3t-token";
  r.ScrubInPlace(text);
  EXPECT_EQ(text, "https://x.test/[REDACTED]?q=[REDACTED]");
  text = "https://x.test/clean";
  r.ScrubInPlace(text);
  EXPECT_EQ(text, "https://x.test/clean");
  r.Remove("s3cr3t-token");
  EXPECT_EQ(r.Scrub("s3cr3t-token"), "s3cr3t-token");
}

TEST(RedactorTest, SecretsSharingTheirFirstBytesStayIndependent) {
  Redactor r;
  r.Add("shared-prefix-one");
  r.Add("shared-prefix-two");
  r.Add("shared-prefix-one");  // again: counted once
  EXPECT_EQ(r.Scrub("x shared-prefix-one shared-prefix-two"), "x [REDACTED] [REDACTED]");
  r.Remove("shared-prefix-one");
  EXPECT_EQ(r.Scrub("x shared-prefix-one shared-prefix-two"), "x shared-prefix-one [REDACTED]");
  r.Remove("shared-prefix-two");
  EXPECT_EQ(r.Scrub("shared-prefix-two"), "shared-prefix-two");
  r.Add("shared-prefix-two");  // back after removal
  EXPECT_EQ(r.Scrub("shared-prefix-two!"), "[REDACTED]!");
}

TEST(LogTest, LinesPassThroughTheRedactor) {
  std::ostringstream out;
  InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  GlobalRedactor().Add("planted-secret-value");
  spdlog::info("calling with token {}", "planted-secret-value");
  AccessLog().info("GET /x?key=planted-secret-value 200");
  GlobalRedactor().Remove("planted-secret-value");
  EXPECT_EQ(out.str(),
            "info relish: calling with token [REDACTED]\n"
            "info access: GET /x?key=[REDACTED] 200\n");
}

TEST(LogTest, RejectsUnknownLevel) {
  LogOptions o;
  o.level = "loud";
  auto r = InitLogging(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "unknown log level 'loud' (use trace, debug, info, warn, error or off)");
}

}  // namespace
}  // namespace relish

namespace relish {
namespace {

TEST(RedactorTest, OverlappingSecretsAndForgettingTheOldest) {
  Redactor r;
  r.Add("abcdef-long-secret");
  r.Add("abcdef-long");
  EXPECT_EQ(r.Scrub("x abcdef-long-secret y abcdef-long z"), "x [REDACTED] y [REDACTED] z");
  for (size_t i = 0; i < Redactor::kMaxSecrets; ++i) r.Add("filler-" + std::to_string(i));
  EXPECT_EQ(r.size(), Redactor::kMaxSecrets);
  EXPECT_FALSE(r.Contains("abcdef-long-secret"));  // the oldest were forgotten
  EXPECT_TRUE(r.Contains("filler-19999"));
}

}  // namespace
}  // namespace relish
