#include "base/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace relish {
namespace {

TEST(RedactorTest, ScrubsEveryOccurrence) {
  Redactor r;
  r.Add("org_a", "s3cr3t-token");
  r.Add("org_a", "abc");  // too short: ignored
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
  r.Add("org_a", "shared-prefix-one");
  r.Add("org_a", "shared-prefix-two");
  r.Add("org_a", "shared-prefix-one");  // again: counted once
  EXPECT_EQ(r.Scrub("x shared-prefix-one shared-prefix-two"), "x [REDACTED] [REDACTED]");
  r.Remove("shared-prefix-one");
  EXPECT_EQ(r.Scrub("x shared-prefix-one shared-prefix-two"), "x shared-prefix-one [REDACTED]");
  r.Remove("shared-prefix-two");
  EXPECT_EQ(r.Scrub("shared-prefix-two"), "shared-prefix-two");
  r.Add("org_a", "shared-prefix-two");  // back after removal
  EXPECT_EQ(r.Scrub("shared-prefix-two!"), "[REDACTED]!");
}

TEST(LogTest, LinesPassThroughTheRedactor) {
  std::ostringstream out;
  InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  GlobalRedactor().Add("org_a", "planted-secret-value");
  spdlog::info("calling with token {}", "planted-secret-value");
  AccessLog().info("GET /x?key=planted-secret-value 200");
  GlobalRedactor().Remove("planted-secret-value");
  EXPECT_EQ(out.str(),
            "info relish: calling with token [REDACTED]\n"
            "info access: GET /x?key=[REDACTED] 200\n");
}

TEST(LogTest, LogFileLinesAreWrittenAtOnce) {
  std::string path = ::testing::TempDir() + "/log_file_lines_are_written_at_once.log";
  std::filesystem::remove(path);
  ASSERT_TRUE(InitLogging({.level = "info", .file = path}).ok());
  spdlog::warn("the first administrator's password is in the data directory");
  AccessLog().info("GET /healthz 200");
  std::ifstream in(path);
  std::stringstream read;
  read << in.rdbuf();
  std::string text = read.str();
  // Still open: nothing has been closed or flushed by hand.
  EXPECT_NE(text.find(" warning relish: the first administrator's password is in the data "
                      "directory\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" info access: GET /healthz 200\n"), std::string::npos) << text;
  InitLoggingForTest(std::make_shared<spdlog::sinks::null_sink_mt>());
  std::filesystem::remove(path);
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
  r.Add("org_a", "abcdef-long-secret");
  r.Add("org_a", "abcdef-long");
  EXPECT_EQ(r.Scrub("x abcdef-long-secret y abcdef-long z"), "x [REDACTED] y [REDACTED] z");
  for (size_t i = 0; i < Redactor::kMaxSecretsPerOwner; ++i) {
    r.Add("org_a", "filler-" + std::to_string(i));
  }
  EXPECT_EQ(r.size("org_a"), Redactor::kMaxSecretsPerOwner);
  EXPECT_FALSE(r.Contains("abcdef-long-secret"));  // the oldest were forgotten
  EXPECT_FALSE(r.Contains("abcdef-long"));
  EXPECT_TRUE(r.Contains("filler-0"));
  EXPECT_TRUE(r.Contains("filler-4095"));
}

// Issue 13 item 18: organization A making more secrets than it may keep (tokens refreshing, many
// connections) forgets A's oldest, never B's or the installation's. Before capacity was per
// owner, A's 20,000 additions pushed B's secrets out and B's tokens showed in the log.
TEST(RedactorTest, OneOrganizationsChurnNeverFlushesAnothersSecrets) {
  Redactor r;
  r.Add("org_b", "org-b-access-token-1");
  r.Add("org_b", "org-b-api-key-value");
  r.Add(Redactor::kInstallation, "installation-client-secret");
  r.Add("org_a", "org-a-first-token");
  for (size_t i = 0; i < Redactor::kMaxSecretsPerOwner + 100; ++i) {
    r.Add("org_a", "org-a-refreshed-" + std::to_string(i));
  }
  EXPECT_EQ(r.size("org_a"), Redactor::kMaxSecretsPerOwner);
  EXPECT_EQ(r.size("org_b"), 2u);
  EXPECT_EQ(r.size(Redactor::kInstallation), 1u);
  EXPECT_EQ(r.size(), Redactor::kMaxSecretsPerOwner + 3);
  EXPECT_EQ(r.Scrub("b: org-b-access-token-1 org-b-api-key-value; installation-client-secret"),
            "b: [REDACTED] [REDACTED]; [REDACTED]");
  EXPECT_EQ(r.Scrub("a: org-a-first-token org-a-refreshed-99 org-a-refreshed-100"),
            "a: org-a-first-token org-a-refreshed-99 [REDACTED]");
}

// A secret an owner adds again is its newest: churn forgets the ones no longer used first.
TEST(RedactorTest, AddingASecretAgainKeepsIt) {
  Redactor r;
  r.Add("org_a", "long-lived-api-key");
  for (size_t i = 0; i < 2 * Redactor::kMaxSecretsPerOwner; ++i) {
    r.Add("org_a", "token-" + std::to_string(i));
    if (i % 1000 == 0) r.Add("org_a", "long-lived-api-key");  // each time it is loaded
  }
  EXPECT_TRUE(r.Contains("long-lived-api-key"));
  EXPECT_FALSE(r.Contains("token-0"));
}

// A value two owners hold stays known until both have let it go; ScrubFor masks only what the
// owner holds.
TEST(RedactorTest, SecretsAreMaskedForTheirOwners) {
  Redactor r;
  r.Add("org_a", "shared-client-secret");
  r.Add("org_b", "shared-client-secret");
  r.Add("org_b", "only-b-holds-this");
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.ScrubFor("org_a", "shared-client-secret only-b-holds-this"),
            "[REDACTED] only-b-holds-this");
  EXPECT_EQ(r.ScrubFor("org_b", "shared-client-secret only-b-holds-this"),
            "[REDACTED] [REDACTED]");
  EXPECT_EQ(r.ScrubFor("org_c", "shared-client-secret only-b-holds-this"),
            "shared-client-secret only-b-holds-this");
  EXPECT_EQ(r.Scrub("shared-client-secret only-b-holds-this"), "[REDACTED] [REDACTED]");
  std::string text = "x only-b-holds-this";
  r.ScrubInPlaceFor("org_a", text);
  EXPECT_EQ(text, "x only-b-holds-this");
  r.ScrubInPlaceFor("org_b", text);
  EXPECT_EQ(text, "x [REDACTED]");
  for (size_t i = 0; i <= Redactor::kMaxSecretsPerOwner; ++i) r.Add("org_a", "org-a-token-" + std::to_string(i));
  EXPECT_EQ(r.ScrubFor("org_a", "shared-client-secret"), "shared-client-secret");  // A's went
  EXPECT_EQ(r.ScrubFor("org_b", "shared-client-secret"), "[REDACTED]");           // B's stays
  r.Remove("shared-client-secret");
  EXPECT_EQ(r.Scrub("shared-client-secret"), "shared-client-secret");
  EXPECT_EQ(r.size("org_b"), 1u);
}

TEST(SecretValuesTest, ScrubsEveryValueAndLeavesCleanTextsAlone) {
  SecretValues none;
  EXPECT_TRUE(none.empty());
  SecretValues v({"api-key-123456", "short", "api-key-123456", "tok-abcdef", "abcdef-ghijkl"});
  EXPECT_EQ(v.values(), (std::vector<std::string>{"api-key-123456", "abcdef-ghijkl", "tok-abcdef"}));
  EXPECT_FALSE(v.Contains("nothing secret here, not even short"));
  std::string clean = "a clean text";
  const char* before = clean.data();
  v.ScrubInPlace(clean);
  EXPECT_EQ(clean, "a clean text");
  EXPECT_EQ(clean.data(), before);  // untouched, not rebuilt
  EXPECT_TRUE(v.Contains("x api-key-123456"));
  EXPECT_EQ(v.Scrub("api-key-123456&k=api-key-123456 Bearer tok-abcdef!"),
            "[REDACTED]&k=[REDACTED] Bearer [REDACTED]!");
  // Two values sharing bytes ("tok-abcdef" and "abcdef-ghijkl"): the whole stretch goes.
  EXPECT_EQ(v.Scrub("<tok-abcdef-ghijkl>"), "<[REDACTED]>");
  EXPECT_EQ(v.Scrub("api-key-123456"), "[REDACTED]");
  EXPECT_EQ(v.Scrub("api-key-12345"), "api-key-12345");  // shorter than any value
  // A long text (a body) is searched differently from a short one (a header): same result.
  std::string filler(300, 'a');
  EXPECT_EQ(v.Scrub("tok-abcdef" + filler + "api-key-123456" + filler + "tok-abcdef"),
            "[REDACTED]" + filler + "[REDACTED]" + filler + "[REDACTED]");
}

}  // namespace
}  // namespace relish
