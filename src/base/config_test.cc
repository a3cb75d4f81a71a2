#include "base/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

namespace relish {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("relish-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigTest, Defaults) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->data_dir, "./relish-data");
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->PublicUrl(), "http://127.0.0.1:8080");
  EXPECT_EQ(c->header_timeout, std::chrono::seconds(10));
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlags) {
  ConfigSources s;
  s.file = Write("a.yaml", "listen: 0.0.0.0:9000\nlog_level: debug\nidle_timeout: 5s\n");
  s.env = {{"RELISH_LOG_LEVEL", "warn"}, {"RELISH_THREADS", "3"}};
  s.flags = {{"threads", "4"}};
  auto c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->threads, 4);
  EXPECT_EQ(c->idle_timeout, std::chrono::seconds(5));
}

TEST_F(ConfigTest, OutboundProxyIsAnHttpUrlOrNothing) {
  auto none = LoadConfig({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->outbound_proxy, "");
  // The process's own proxy variables are not Relish settings.
  auto env = LoadConfig({.env = {{"HTTPS_PROXY", "http://10.0.0.1:3128"}}});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->outbound_proxy, "");
  auto set = LoadConfig({.env = {{"RELISH_OUTBOUND_PROXY", "http://proxy.internal:3128"}}});
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  EXPECT_EQ(set->outbound_proxy, "http://proxy.internal:3128");
  // A secret setting's error does not repeat its value (it may hold the proxy's password).
  auto bad = LoadConfig({.flags = {{"outbound_proxy", "socks5://user:pw-planted@proxy.internal:1080"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "--outbound_proxy: outbound_proxy: not a valid value (not shown: the key is secret)");
}

TEST_F(ConfigTest, DefaultFileLivesInTheDataDirectory) {
  Write("relish.yaml", "public_url: https://relish.example.com/\n");
  ConfigSources s;
  s.env = {{"RELISH_DATA", dir_.string()}};
  auto c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->data_dir, dir_.string());
  EXPECT_EQ(c->PublicUrl(), "https://relish.example.com");
}

// Issue 19: `relish run` ignored the public URL and sandbox remap its server ran with.
TEST_F(ConfigTest, ServerSettingsLieUnderTheFileEnvironmentAndFlags) {
  Config served;
  served.sandbox_remap = "books.zoho.com=http://127.0.0.1:4321";
  served.egress_allow_loopback = true;
  Write(std::string(kServerSettingsFile), ServerSettingsText(served, "http://127.0.0.1:4321"));
  ConfigSources s;
  s.env = {{"RELISH_DATA", dir_.string()}};
  auto plain = LoadConfig(s);  // `relish serve`, `relish config`: not theirs to read
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  EXPECT_EQ(plain->PublicUrl(), "http://127.0.0.1:8080");
  s.server_settings = true;
  auto run = LoadConfig(s);
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  EXPECT_EQ(run->PublicUrl(), "http://127.0.0.1:4321");
  EXPECT_EQ(run->sandbox_remap, "books.zoho.com=http://127.0.0.1:4321");
  EXPECT_TRUE(run->egress_allow_loopback);
  EXPECT_FALSE(run->egress_allow_private);
  s.flags = {{"egress_allow_loopback", "false"}};
  auto overridden = LoadConfig(s);
  ASSERT_TRUE(overridden.ok()) << overridden.error().ToString();
  EXPECT_FALSE(overridden->egress_allow_loopback);
}

// Issue 19: `relish config` accepted what `relish serve` refused, without naming the setting.
TEST_F(ConfigTest, TheCheckHookNamesTheKeyAndItsOrigin) {
  ConfigSources s;
  s.check = [](std::string_view key, std::string_view value) -> Result<void> {
    if (key == "sandbox_remap" && value == "nonsense") return InvalidArgument("not a remap");
    return Ok();
  };
  s.flags = {{"sandbox_remap", "nonsense"}};
  auto bad = LoadConfig(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "--sandbox_remap: sandbox_remap: not a remap");
  s.flags = {{"log_level", "loud"}};
  auto level = LoadConfig(s);
  ASSERT_FALSE(level.ok());
  EXPECT_EQ(level.error().message(),
            "--log_level: log_level: unknown log level 'loud' (use trace, debug, info, warn, "
            "error or off)");
  // public_url is shown as it is used: the listen address's URL by default.
  auto c = LoadConfig({.flags = {{"listen", "127.0.0.1:9000"}}});
  ASSERT_TRUE(c.ok());
  std::optional<std::string> shown;  // a loop alone passed when public_url was not described
  for (const auto& [key, value] : DescribeConfig(*c)) {
    if (key.name == "public_url") shown = value;
  }
  EXPECT_EQ(shown, "http://127.0.0.1:9000");
}

TEST_F(ConfigTest, ErrorsNameTheirOrigin) {
  ConfigSources s;
  s.file = Write("bad.yaml", "listen: 127.0.0.1:8080\nthreads: many\n");
  EXPECT_EQ(LoadConfig(s).error().message(),
            s.file + ":2: threads: expected a whole number from 0 to 256, got 'many'");
  s.file = Write("unknown.yaml", "lisen: x\n");
  EXPECT_EQ(LoadConfig(s).error().message(),
            s.file + ":1: unknown configuration key 'lisen'");
  ConfigSources e;
  e.env = {{"RELISH_LISTEN", "nowhere"}};
  EXPECT_EQ(LoadConfig(e).error().message(),
            "RELISH_LISTEN: expected HOST:PORT (for example 127.0.0.1:8080), got 'nowhere'");
  ConfigSources f;
  f.flags = {{"idle_timeout", "3 weeks"}};
  EXPECT_EQ(LoadConfig(f).error().message(),
            "--idle_timeout: idle_timeout: unknown duration unit ' weeks' (use ms, s, m, h or d)");
}

TEST_F(ConfigTest, ParseHostPort) {
  EXPECT_EQ(*ParseHostPort("127.0.0.1:0"), (std::pair<std::string, uint16_t>{"127.0.0.1", 0}));
  EXPECT_EQ(*ParseHostPort("[::1]:8080"), (std::pair<std::string, uint16_t>{"::1", 8080}));
  EXPECT_FALSE(ParseHostPort("host:70000").ok());
  EXPECT_FALSE(ParseHostPort(":80").ok());
}

TEST_F(ConfigTest, ParseDuration) {
  EXPECT_EQ(*ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDuration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(*ParseDuration("7"), std::chrono::seconds(7));
  EXPECT_FALSE(ParseDuration("ms").ok());
}

TEST_F(ConfigTest, SecretKeysAreNeverShown) {
  const std::string planted = "planted-admin-password-7d1e";
  ConfigSources s;
  s.env = {{"RELISH_ADMIN_PASSWORD", planted}};
  auto c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->admin_password, planted);
  std::string shown;
  for (const auto& [key, value] : DescribeConfig(*c)) {
    if (key.name == "admin_password") {
      EXPECT_TRUE(key.secret);
      EXPECT_EQ(value, "[REDACTED]");
    }
    shown += std::string(key.name) + ": " + value + "\n";
  }
  EXPECT_EQ(shown.find(planted), std::string::npos) << shown;
  EXPECT_EQ(SecretConfigValues(*c), std::vector<std::string>{planted});

  // Unset, it shows as unset: nothing to hide.
  auto d = LoadConfig({});
  ASSERT_TRUE(d.ok());
  for (const auto& [key, value] : DescribeConfig(*d)) {
    if (key.name == "admin_password") {
      EXPECT_EQ(value, "");
    }
  }
  EXPECT_TRUE(SecretConfigValues(*d).empty());
}

// database_url may carry the database's password: secret, and only a PostgreSQL URL.
TEST_F(ConfigTest, DatabaseUrlIsSecretAndPostgresOnly) {
  const std::string planted = "postgres://relish:planted-db-password-41c@db/relish";
  ConfigSources s;
  s.env = {{"RELISH_DATABASE_URL", planted}, {"RELISH_DATABASE_POOL_SIZE", "3"}};
  auto c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->database_url, planted);
  EXPECT_EQ(c->database_pool_size, 3);
  for (const auto& [key, value] : DescribeConfig(*c)) {
    EXPECT_EQ(value.find("planted-db-password"), std::string::npos) << key.name;
  }
  EXPECT_EQ(SecretConfigValues(*c), std::vector<std::string>{planted});
  ConfigSources bad;
  bad.env = {{"RELISH_DATABASE_URL", "mysql://relish:planted-db-password-41c@db/relish"}};
  auto refused = LoadConfig(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message().find("planted-db-password"), std::string::npos)
      << refused.error().message();
  EXPECT_EQ(LoadConfig({}).value().database_url, "");
}

// The audit queue's bound: at least one batch of the writer's (1024 entries).
TEST_F(ConfigTest, AuditQueueLimitIsAWholeNumberOfAtLeastABatch) {
  EXPECT_EQ(LoadConfig({}).value().audit_queue_limit, 65'536);
  ConfigSources s;
  s.env = {{"RELISH_AUDIT_QUEUE_LIMIT", "4096"}};
  EXPECT_EQ(LoadConfig(s).value().audit_queue_limit, 4096);
  s.env = {{"RELISH_AUDIT_QUEUE_LIMIT", "10"}};
  auto refused = LoadConfig(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(),
            "RELISH_AUDIT_QUEUE_LIMIT: audit_queue_limit: expected a whole number from 1024 to "
            "10000000, got '10'");
}

// docs/configuration.md must document every key, with its environment variable.
TEST_F(ConfigTest, EveryKeyIsDocumented) {
  std::ifstream in("docs/configuration.md");
  ASSERT_TRUE(in.good()) << "run from the repository root";
  std::stringstream doc;
  doc << in.rdbuf();
  for (const auto& key : ConfigKeys()) {
    EXPECT_NE(doc.str().find("`" + std::string(key.name) + "`"), std::string::npos) << key.name;
    EXPECT_NE(doc.str().find("`" + std::string(key.env) + "`"), std::string::npos) << key.env;
    // A secret key's row says so.
    std::string row_start = "| `" + std::string(key.name) + "` |";
    auto row = doc.str().find(row_start);
    ASSERT_NE(row, std::string::npos) << key.name << " has no row in the table";
    std::string line = doc.str().substr(row, doc.str().find('\n', row) - row);
    EXPECT_EQ(line.find("**Secret.**") != std::string::npos, key.secret) << line;
  }
}

}  // namespace
}  // namespace relish

namespace relish {
namespace {

TEST_F(ConfigTest, BooleansAndMapsFromTheFile) {
  ConfigSources s;
  s.file = Write("m.yaml",
                 "egress_allow_loopback: yes\nsandbox_remap:\n  books.zoho.com: http://127.0.0.1:9100\n"
                 "  accounts.zoho.com: http://127.0.0.1:9101\n");
  auto c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->egress_allow_loopback);
  EXPECT_FALSE(c->egress_allow_private);
  EXPECT_EQ(c->sandbox_remap,
            "books.zoho.com=http://127.0.0.1:9100,accounts.zoho.com=http://127.0.0.1:9101");
  ConfigSources bad;
  bad.env = {{"RELISH_EGRESS_ALLOW_PRIVATE", "maybe"}};
  EXPECT_EQ(LoadConfig(bad).error().message(),
            "RELISH_EGRESS_ALLOW_PRIVATE: egress_allow_private: expected true or false, got 'maybe'");
}

}  // namespace
}  // namespace relish

// ---- Scheduled health probes (issue 18)
namespace relish {
namespace {

TEST_F(ConfigTest, ProbeIntervalIsADurationOrOff) {
  EXPECT_EQ(Config{}.probe_interval, std::chrono::hours(1));
  ConfigSources s;
  s.file = Write("p1.yaml", "probe_interval: 2h\n");
  auto c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->probe_interval, std::chrono::hours(2));
  s.file = Write("p2.yaml", "probe_interval: \"off\"\n");
  c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->probe_interval.count(), 0);
  s.file = Write("p3.yaml", "probe_interval: 30s\n");
  c = LoadConfig(s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().ToString().find("probe_interval: at least 1m, or off"), std::string::npos)
      << c.error().ToString();
}

}  // namespace
}  // namespace relish
