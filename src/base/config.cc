#include "base/config.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <functional>

extern char** environ;  // NOLINT: POSIX

namespace relish {
namespace {

using Setter = std::function<Result<void>(Config&, std::string_view)>;
using Getter = std::function<std::string(const Config&)>;

struct KeyEntry {
  ConfigKeyInfo info;
  Setter set;
  Getter get;
};

Result<int64_t> ParseInt(std::string_view name, std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return InvalidArgument(std::string(name) + ": expected a whole number from " +
                           std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                           std::string(text) + "'");
  }
  return v;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() % 86'400'000 == 0) return std::to_string(d.count() / 86'400'000) + "d";
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

KeyEntry StringKey(std::string_view name, std::string_view env, std::string_view help,
                   std::string Config::*field) {
  return {{name, env, help, Config{}.*field},
          [field](Config& c, std::string_view v) -> Result<void> {
            c.*field = std::string(v);
            return Ok();
          },
          [field](const Config& c) { return c.*field; }};
}

KeyEntry DurationKey(std::string_view name, std::string_view env, std::string_view help,
                     std::chrono::milliseconds Config::*field) {
  return {{name, env, help, FormatDuration(Config{}.*field)},
          [field, name](Config& c, std::string_view v) -> Result<void> {
            auto d = ParseDuration(v);
            if (!d.ok()) return d.error().WithContext(name);
            if (d->count() <= 0) return InvalidArgument(std::string(name) + ": must be positive");
            c.*field = *d;
            return Ok();
          },
          [field](const Config& c) { return FormatDuration(c.*field); }};
}

// Marks a key secret: its value is never shown (see config.h).
KeyEntry Secret(KeyEntry entry) {
  entry.info.secret = true;
  return entry;
}

Result<bool> ParseBool(std::string_view name, std::string_view text) {
  if (text == "true" || text == "yes" || text == "1" || text == "on") return true;
  if (text == "false" || text == "no" || text == "0" || text == "off") return false;
  return InvalidArgument(std::string(name) + ": expected true or false, got '" + std::string(text) +
                         "'");
}

KeyEntry BoolKey(std::string_view name, std::string_view env, std::string_view help,
                 bool Config::*field) {
  return {{name, env, help, Config{}.*field ? "true" : "false"},
          [field, name](Config& c, std::string_view v) -> Result<void> {
            c.*field = TRY(ParseBool(name, v));
            return Ok();
          },
          [field](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

const std::vector<KeyEntry>& Table() {
  static const std::vector<KeyEntry> table = {
      StringKey("data_dir", "RELISH_DATA",
                "Directory for the database, the master key file and other state.",
                &Config::data_dir),
      {{"listen", "RELISH_LISTEN", "Address the HTTP server binds, HOST:PORT (port 0: any free).",
        Config{}.listen},
       [](Config& c, std::string_view v) -> Result<void> {
         TRY(ParseHostPort(v));
         c.listen = std::string(v);
         return Ok();
       },
       [](const Config& c) { return c.listen; }},
      {{"public_url", "RELISH_PUBLIC_URL",
        "Base URL users and OAuth providers reach this server at; default http://LISTEN.", ""},
       [](Config& c, std::string_view v) -> Result<void> {
         c.public_url = std::string(v);
         return Ok();
       },
       // Shown as it is used: the default is the listen address's URL, not nothing.
       [](const Config& c) { return c.PublicUrl(); }},
      {{"log_level", "RELISH_LOG_LEVEL", "trace, debug, info, warn, error or off.",
        Config{}.log_level},
       [](Config& c, std::string_view v) -> Result<void> {
         for (std::string_view level : {"trace", "debug", "info", "warn", "error", "off"}) {
           if (v == level) {
             c.log_level = std::string(v);
             return Ok();
           }
         }
         return InvalidArgument("log_level: unknown log level '" + std::string(v) +
                                "' (use trace, debug, info, warn, error or off)");
       },
       [](const Config& c) { return c.log_level; }},
      StringKey("log_file", "RELISH_LOG_FILE", "Write logs to this file instead of stderr.",
                &Config::log_file),
      {{"max_body_bytes", "RELISH_MAX_BODY_BYTES",
        "Largest request body the server accepts; larger ones get 413.",
        std::to_string(Config{}.max_body_bytes)},
       [](Config& c, std::string_view v) -> Result<void> {
         c.max_body_bytes = TRY(ParseInt("max_body_bytes", v, 1, int64_t{1} << 32));
         return Ok();
       },
       [](const Config& c) { return std::to_string(c.max_body_bytes); }},
      DurationKey("header_timeout", "RELISH_HEADER_TIMEOUT",
                  "Time a client has to send a request's headers and body once it starts.",
                  &Config::header_timeout),
      DurationKey("idle_timeout", "RELISH_IDLE_TIMEOUT",
                  "Time a keep-alive connection may sit idle between requests.",
                  &Config::idle_timeout),
      {{"threads", "RELISH_THREADS", "HTTP worker threads; 0 means one per CPU core.", "0"},
       [](Config& c, std::string_view v) -> Result<void> {
         c.threads = static_cast<int>(TRY(ParseInt("threads", v, 0, 256)));
         return Ok();
       },
       [](const Config& c) { return std::to_string(c.threads); }},
      BoolKey("egress_allow_loopback", "RELISH_EGRESS_ALLOW_LOOPBACK",
              "Let functions and connections call loopback addresses (127.0.0.0/8, ::1).",
              &Config::egress_allow_loopback),
      BoolKey("egress_allow_private", "RELISH_EGRESS_ALLOW_PRIVATE",
              "Let functions and connections call private network addresses (10/8, 192.168/16...).",
              &Config::egress_allow_private),
      StringKey("sandbox_remap", "RELISH_SANDBOX_REMAP",
                "Outbound host remap for sandbox runs: host=origin,host=origin.",
                &Config::sandbox_remap),
      StringKey("production_remap", "RELISH_PRODUCTION_REMAP",
                "Outbound host remap for production too (host=origin,...); empty, the default, "
                "remaps nothing: only for a staging installation testing offline.",
                &Config::production_remap),
      // Secret: the proxy's URL may carry its user and password.
      Secret(KeyEntry{{"outbound_proxy", "RELISH_OUTBOUND_PROXY",
        "Send every outbound request through this proxy, http(s)://[user:password@]HOST:PORT; "
        "empty: direct (HTTP_PROXY and the like are never used).",
        ""},
       [](Config& c, std::string_view v) -> Result<void> {
         // The whole URL is checked where the clients are made (outbound::CheckProxyUrl).
         if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://")) {
           return InvalidArgument("outbound_proxy: must be http://HOST:PORT or https://HOST:PORT");
         }
         c.outbound_proxy = std::string(v);
         return Ok();
       },
       [](const Config& c) { return c.outbound_proxy; }}),
      StringKey("admin_email", "RELISH_ADMIN_EMAIL",
                "First start only: email of the first administrator.", &Config::admin_email),
      Secret(StringKey("admin_password", "RELISH_ADMIN_PASSWORD",
                       "First start only: the first administrator's password; empty: generate "
                       "one and write it to DATA/initial-admin-password.",
                       &Config::admin_password)),
      DurationKey("oauth_code_ttl", "RELISH_OAUTH_CODE_TTL",
                  "Lifetime of an authorization code from the CRM's OAuth server.",
                  &Config::oauth_code_ttl),
      DurationKey("refresh_margin", "RELISH_REFRESH_MARGIN",
                  "Connections refresh an OAuth access token this long before it expires.",
                  &Config::refresh_margin),
      DurationKey("authorization_timeout", "RELISH_AUTHORIZATION_TIMEOUT",
                  "Time a user has to finish authorizing a connection at the provider.",
                  &Config::authorization_timeout),
      {{"audit_queue_limit", "RELISH_AUDIT_QUEUE_LIMIT",
        "Connections audit entries not yet written, at most: a call that would make one more "
        "waits for the audit writer (no entry is dropped).",
        "65536"},
       [](Config& c, std::string_view v) -> Result<void> {
         c.audit_queue_limit =
             static_cast<int>(TRY(ParseInt("audit_queue_limit", v, 1024, 10'000'000)));
         return Ok();
       },
       [](const Config& c) { return std::to_string(c.audit_queue_limit); }},
      {{"workflow_workers", "RELISH_WORKFLOW_WORKERS",
        "Threads that run workflow actions (functions, webhooks, field updates); 0: none.", "4"},
       [](Config& c, std::string_view v) -> Result<void> {
         c.workflow_workers = static_cast<int>(TRY(ParseInt("workflow_workers", v, 0, 256)));
         return Ok();
       },
       [](const Config& c) { return std::to_string(c.workflow_workers); }},
      DurationKey("workflow_lease", "RELISH_WORKFLOW_LEASE",
                  "How long a worker holds a workflow job before another may take it over.",
                  &Config::workflow_lease),
      DurationKey("workflow_run_retention", "RELISH_WORKFLOW_RUN_RETENTION",
                  "How long the execution log keeps a workflow run.",
                  &Config::workflow_run_retention),
      DurationKey("webhook_backoff", "RELISH_WEBHOOK_BACKOFF",
                  "Wait after a webhook delivery's first failed attempt; it doubles with each "
                  "failure, up to an hour, until the event is a day old.",
                  &Config::webhook_backoff),
      // ---- Scheduled health probes (issue 18): a duration, or "off".
      KeyEntry{{"probe_interval", "RELISH_PROBE_INTERVAL",
                "How often each connection's health probe (its service's test call) runs on a "
                "schedule; off: only on demand.",
                FormatDuration(Config{}.probe_interval)},
               [](Config& c, std::string_view v) -> Result<void> {
                 if (v == "off" || v == "0") {
                   c.probe_interval = std::chrono::milliseconds(0);
                   return Ok();
                 }
                 auto d = ParseDuration(v);
                 if (!d.ok()) return d.error().WithContext("probe_interval");
                 if (*d < std::chrono::minutes(1)) {
                   return InvalidArgument("probe_interval: at least 1m, or off");
                 }
                 c.probe_interval = *d;
                 return Ok();
               },
               [](const Config& c) {
                 return c.probe_interval.count() == 0 ? std::string("off")
                                                      : FormatDuration(c.probe_interval);
               }},
      Secret(StringKey("metrics_token", "RELISH_METRICS_TOKEN",
                       "When set, GET /metrics answers only requests that send "
                       "'Authorization: Bearer <this token>'; empty: /metrics is public.",
                       &Config::metrics_token)),
      // --- The store backend (issue 16) ---
      // Secret: a PostgreSQL URL may carry its password.
      {{"database_url", "RELISH_DATABASE_URL",
        "postgres://user:password@host:port/database to keep everything in PostgreSQL; "
        "empty: the SQLite file relish.db in data_dir.",
        "", true},
       [](Config& c, std::string_view v) -> Result<void> {
         if (!v.empty() && !v.starts_with("postgres://") && !v.starts_with("postgresql://")) {
           return InvalidArgument("database_url: expected postgres://... (or empty for the "
                                  "data directory's SQLite file)");
         }
         c.database_url = std::string(v);
         return Ok();
       },
       [](const Config& c) { return c.database_url; }},
      {{"database_pool_size", "RELISH_DATABASE_POOL_SIZE",
        "PostgreSQL connections each relish process opens at most.", "8"},
       [](Config& c, std::string_view v) -> Result<void> {
         c.database_pool_size = static_cast<int>(TRY(ParseInt("database_pool_size", v, 1, 1000)));
         return Ok();
       },
       [](const Config& c) { return std::to_string(c.database_pool_size); }},
  };
  return table;
}

const KeyEntry* Find(std::string_view name) {
  for (const auto& e : Table()) {
    if (e.info.name == name) return &e;
  }
  return nullptr;
}

using Check = std::function<Result<void>(std::string_view key, std::string_view value)>;

Result<void> Set(Config& config, std::string_view name, std::string_view value,
                 std::string_view origin, const Check& check) {
  const KeyEntry* entry = Find(name);
  if (entry == nullptr) {
    return InvalidArgument(std::string(origin) + ": unknown configuration key '" +
                           std::string(name) + "'");
  }
  auto r = entry->set(config, value);
  if (r.ok() && check && !value.empty()) {
    r = check(name, value);
    if (!r.ok()) r = r.error().WithContext(name);
  }
  if (!r.ok()) {
    if (entry->info.secret) {
      // A parse error quotes the value it refused; not a secret one.
      return Error(r.error().code(), std::string(origin) + ": " + std::string(name) +
                                         ": not a valid value (not shown: the key is secret)");
    }
    return r.error().WithContext(origin);
  }
  return Ok();
}

Result<void> ApplyFile(Config& config, const std::string& path, const Check& check) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return NotFound("cannot read configuration file " + path);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return Ok();
  if (!root.IsMap()) return InvalidArgument(path + ": expected a map of keys to values");
  for (const auto& kv : root) {
    auto key = kv.first.as<std::string>();
    if (kv.second.IsMap()) {
      // A map value is written as "k=v,k=v", the form the environment and flags use.
      std::string joined;
      for (const auto& entry : kv.second) {
        if (!joined.empty()) joined += ",";
        joined += entry.first.as<std::string>() + "=" + entry.second.as<std::string>();
      }
      TRY(Set(config, key, joined, path + ":" + std::to_string(kv.first.Mark().line + 1), check));
      continue;
    }
    if (!kv.second.IsScalar()) {
      return InvalidArgument(path + ":" + std::to_string(kv.second.Mark().line + 1) + ": '" +
                             key + "' must be a single value");
    }
    TRY(Set(config, key, kv.second.as<std::string>(),
            path + ":" + std::to_string(kv.first.Mark().line + 1), check));
  }
  return Ok();
}

}  // namespace

std::string Config::PublicUrl() const {
  if (!public_url.empty()) {
    std::string url = public_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  return "http://" + listen;
}

std::map<std::string, std::string> ConfigSources::FromProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("RELISH_")) continue;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  // The data directory decides where the default file lives, so settle it first.
  std::string data_dir = config.data_dir;
  if (auto it = sources.env.find("RELISH_DATA"); it != sources.env.end()) data_dir = it->second;
  for (const auto& [k, v] : sources.flags) {
    if (k == "data_dir") data_dir = v;
  }
  std::string file = sources.file;
  if (file.empty()) {
    if (auto it = sources.env.find("RELISH_CONFIG"); it != sources.env.end()) file = it->second;
  }
  if (file.empty()) {
    std::string candidate = data_dir + "/relish.yaml";
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) file = candidate;
  }
  if (sources.server_settings) {
    std::string remembered = data_dir + "/" + std::string(kServerSettingsFile);
    std::error_code ec;
    if (std::filesystem::exists(remembered, ec)) TRY(ApplyFile(config, remembered, sources.check));
  }
  if (!file.empty()) {
    TRY(ApplyFile(config, file, sources.check));
    config.config_file = file;
  }
  for (const auto& entry : Table()) {
    if (auto it = sources.env.find(std::string(entry.info.env)); it != sources.env.end()) {
      TRY(Set(config, entry.info.name, it->second, entry.info.env, sources.check));
    }
  }
  for (const auto& [k, v] : sources.flags) TRY(Set(config, k, v, "--" + k, sources.check));
  return config;
}

std::string ServerSettingsText(const Config& config, std::string_view public_url) {
  std::string text =
      "# Written by relish serve when it starts; relish run reads it (docs/configuration.md).\n";
  for (std::string_view key : kServerSettingKeys) {
    std::string value = key == "public_url" ? std::string(public_url) : Find(key)->get(config);
    // A JSON string is a YAML scalar that keeps every character as it is.
    text += std::string(key) + ": " + nlohmann::json(value).dump() + "\n";
  }
  return text;
}

std::vector<ConfigKeyInfo> ConfigKeys() {
  std::vector<ConfigKeyInfo> keys;
  for (const auto& e : Table()) keys.push_back(e.info);
  return keys;
}

std::vector<std::pair<ConfigKeyInfo, std::string>> DescribeConfig(const Config& config) {
  std::vector<std::pair<ConfigKeyInfo, std::string>> out;
  for (const auto& e : Table()) {
    std::string value = e.get(config);
    if (e.info.secret && !value.empty()) value = std::string(kSecretMask);
    out.emplace_back(e.info, std::move(value));
  }
  return out;
}

std::vector<std::string> SecretConfigValues(const Config& config) {
  std::vector<std::string> out;
  for (const auto& e : Table()) {
    if (!e.info.secret) continue;
    std::string value = e.get(config);
    if (!value.empty()) out.push_back(std::move(value));
  }
  return out;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return InvalidArgument("expected a duration like 10s or 250ms, got '" +
                                          std::string(text) + "'");
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
  if (ec != std::errc()) return InvalidArgument("duration out of range: '" + std::string(text) + "'");
  std::string_view unit = text.substr(digits);
  int64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit == "d") {
    scale = 86'400'000;
  } else {
    return InvalidArgument("unknown duration unit '" + std::string(unit) +
                           "' (use ms, s, m, h or d)");
  }
  if (n > INT64_MAX / scale) return InvalidArgument("duration out of range: '" + std::string(text) + "'");
  return std::chrono::milliseconds(n * scale);
}

Result<std::pair<std::string, uint16_t>> ParseHostPort(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("expected HOST:PORT (for example 127.0.0.1:8080), got '" +
                           std::string(text) + "'");
  };
  std::string host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad();
    }
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad();
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (host.empty() || port.empty()) return bad();
  int p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p < 0 || p > 65535) return bad();
  return std::pair{host, static_cast<uint16_t>(p)};
}

}  // namespace relish
