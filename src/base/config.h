// Configuration: defaults, then a YAML file, then RELISH_* environment variables, then
// command-line flags; later sources win. Every key is listed in one table (config.cc) with its
// help text, and docs/configuration.md documents the same table (a test keeps them in step).
//
// A key marked secret in the table (a password, a token) is never shown: DescribeConfig, which
// `relish config` and the start-up log print, gives kSecretMask for its value, an error about
// its value does not repeat it, and SecretConfigValues hands its value to the log Redactor.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace relish {

struct Config {
  std::string data_dir = "./relish-data";
  std::string listen = "127.0.0.1:8080";
  std::string public_url;  // empty: "http://" + listen
  std::string log_level = "info";
  std::string log_file;  // empty: standard error
  int64_t max_body_bytes = 10 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  int threads = 0;  // 0: one per core
  bool egress_allow_loopback = false;
  bool egress_allow_private = false;
  std::string sandbox_remap;  // "host=origin,host=origin": outbound host remap for sandbox runs
  // The same for production; empty (off) unless an installation says so (issue 20: a staging
  // installation testing offline).
  std::string production_remap;
  std::string metrics_token;  // when set, GET /metrics needs "Authorization: Bearer <it>"
  std::string outbound_proxy;  // "http://[user:password@]host:port"; empty: direct, never $HTTP_PROXY
  std::string admin_email = "admin@localhost";  // first start only: the first administrator
  std::string admin_password;  // first start only; empty: generate one
  std::chrono::milliseconds oauth_code_ttl{60'000};  // lifetime of an OAuth authorization code
  std::chrono::milliseconds refresh_margin{300'000};  // refresh tokens this long before expiry
  std::chrono::milliseconds authorization_timeout{600'000};  // a connection's OAuth state lives this long
  int audit_queue_limit = 65'536;  // connections audit entries not yet written before calls wait
  int workflow_workers = 4;                                  // threads running workflow jobs
  std::chrono::milliseconds workflow_lease{120'000};         // a job's lease before another worker may take it
  std::chrono::milliseconds workflow_run_retention{7LL * 24 * 3'600'000};  // execution log
  std::chrono::milliseconds webhook_backoff{30'000};  // wait after a webhook's first failed attempt
  // Issue 18: between two scheduled health probes of a connection; 0 ("off"): none.
  std::chrono::milliseconds probe_interval{3'600'000};
  // The store: empty database_url is <data_dir>/relish.db (SQLite); postgres://... is PostgreSQL.
  std::string database_url;
  int database_pool_size = 8;  // PostgreSQL connections per process
  std::string config_file;  // the file that was read, if any (informational)

  // The URL browsers and OAuth providers use to reach this server.
  std::string PublicUrl() const;
};

struct ConfigKeyInfo {
  std::string_view name;     // key in the YAML file and in `--set name=value`
  std::string_view env;      // environment variable
  std::string_view help;
  std::string default_value;
  bool secret = false;  // the value is never printed
};

// What is shown instead of a secret key's value when it has one.
inline constexpr std::string_view kSecretMask = "[REDACTED]";

// Where configuration comes from. `env` is passed in (not read from the process) so tests
// control it; FromProcessEnvironment() fills it for the real binary.
struct ConfigSources {
  std::string file;  // explicit file; else RELISH_CONFIG, else <data_dir>/relish.yaml if present
  std::map<std::string, std::string> env;
  std::vector<std::pair<std::string, std::string>> flags;  // key -> value, in order
  // `relish run`: start from the settings the data directory's server last ran with
  // (kServerSettingsFile, below the file, the environment and the flags), so that a run reaches
  // what the server's own runs reach.
  bool server_settings = false;
  // Checks a value beyond its type with parsers this module does not have (a remap, a proxy
  // URL); the composition root supplies app::CheckSetting, so that `relish config` refuses what
  // `relish serve` would, with the key and the place the value came from.
  std::function<Result<void>(std::string_view key, std::string_view value)> check;

  static std::map<std::string, std::string> FromProcessEnvironment();
};

Result<Config> LoadConfig(const ConfigSources& sources);

// In the data directory: the settings of the last `relish serve` that shaped where runs reach
// (kServerSettingKeys), written once it listens, with the URL it was reachable at.
inline constexpr std::string_view kServerSettingsFile = "server-settings.yaml";
inline constexpr std::string_view kServerSettingKeys[] = {
    "public_url", "sandbox_remap", "production_remap", "egress_allow_loopback",
    "egress_allow_private"};
// The file's text for `config` serving at `public_url` (the effective one: with the port bound
// when the configured one was 0).
std::string ServerSettingsText(const Config& config, std::string_view public_url);

// Current value of every key, in table order, as it may be shown (kSecretMask for a secret key
// with a value): for `relish config`, the start-up log and the docs test.
std::vector<std::pair<ConfigKeyInfo, std::string>> DescribeConfig(const Config& config);
// The values of the secret keys that have one, for the log Redactor.
std::vector<std::string> SecretConfigValues(const Config& config);
std::vector<ConfigKeyInfo> ConfigKeys();

// "250ms", "10s", "2m", "1h"; a bare number means seconds.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// "host:port" with a port in 0..65535; IPv6 hosts in brackets ("[::1]:8080").
Result<std::pair<std::string, uint16_t>> ParseHostPort(std::string_view text);

}  // namespace relish
