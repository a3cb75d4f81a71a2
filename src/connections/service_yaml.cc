// ParseService: the YAML schema of docs/services.md, with every rule checked and every error
// naming origin:line:column and the field.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "connections/pattern.h"
#include "connections/service.h"
#include "outbound/url.h"

namespace relish::connections {
namespace {

// "origin:line:column: ", both from 1, as compilers write it: an editor puts the message there.
// yaml-cpp counts columns in bytes; a definition's keys and values before a problem are ASCII
// in practice, and the console clamps a column to its line.
std::string Where(const std::string& origin, const YAML::Mark& mark) {
  if (mark.is_null()) return origin + ": ";
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": ";
}

// Reads one YAML map, remembering which keys were consumed so unknown ones are reported.
// yaml-cpp throws when a scalar is indexed or a key that is a list or a map is read as text: a
// reader is made only over a map (Child), and keys are read with Key.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string origin, std::string path)
      : node_(node), origin_(std::move(origin)), path_(std::move(path)) {}

  // The map at `key`, with a reader of its own.
  Result<MapReader> Child(const std::string& key) {
    YAML::Node n = Node(key);
    if (!n.IsMap()) return Fail(n, "'" + Path(key) + "' must be a map");
    return MapReader(n, origin_, Path(key));
  }

  // A key of the map at `key` (or of this map) as text.
  Result<std::string> Key(const YAML::Node& k, const std::string& key = "") const {
    if (!k.IsScalar()) {
      std::string where = !key.empty() ? "'" + Path(key) + "'"
                          : path_.empty() ? std::string("the service")
                                          : "'" + path_ + "'";
      return Fail(k, where + " has a key that is not text");
    }
    return k.as<std::string>();
  }

  Error Fail(const YAML::Node& at, const std::string& message) const {
    return InvalidArgument(Where(origin_, at.Mark()) + message);
  }
  Error Fail(const std::string& message) const { return Fail(node_, message); }
  std::string Path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  bool Has(const std::string& key) {
    seen_.insert(key);
    return node_[key].IsDefined() && !node_[key].IsNull();
  }
  YAML::Node Node(const std::string& key) {
    seen_.insert(key);
    return node_[key];
  }

  Result<std::string> String(const std::string& key, bool required) {
    seen_.insert(key);
    YAML::Node n = node_[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) return Fail("'" + Path(key) + "' is required");
      return std::string();
    }
    if (!n.IsScalar()) return Fail(n, "'" + Path(key) + "' must be a text value");
    return n.as<std::string>();
  }

  Result<bool> Bool(const std::string& key, bool fallback) {
    seen_.insert(key);
    YAML::Node n = node_[key];
    if (!n.IsDefined() || n.IsNull()) return fallback;
    std::string v = n.IsScalar() ? n.as<std::string>() : "";
    if (v == "true") return true;
    if (v == "false") return false;
    return Fail(n, "'" + Path(key) + "' must be true or false");
  }

  Result<std::vector<std::string>> StringList(const std::string& key) {
    seen_.insert(key);
    YAML::Node n = node_[key];
    std::vector<std::string> out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!n.IsSequence()) return Fail(n, "'" + Path(key) + "' must be a list");
    for (const auto& item : n) {
      if (!item.IsScalar()) return Fail(item, "'" + Path(key) + "' items must be text values");
      out.push_back(item.as<std::string>());
    }
    return out;
  }

  Result<std::vector<std::pair<std::string, std::string>>> StringMap(const std::string& key) {
    seen_.insert(key);
    YAML::Node n = node_[key];
    std::vector<std::pair<std::string, std::string>> out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!n.IsMap()) return Fail(n, "'" + Path(key) + "' must be a map of names to values");
    for (const auto& kv : n) {
      std::string name = TRY(Key(kv.first, key));
      if (!kv.second.IsScalar()) {
        return Fail(kv.second, "'" + Path(key) + "." + name + "' must be a text value");
      }
      out.emplace_back(std::move(name), kv.second.as<std::string>());
    }
    return out;
  }

  // Reports the first key that was never read.
  Result<void> NoOthers() const {
    for (const auto& kv : node_) {
      auto key = TRY(Key(kv.first));
      if (!seen_.contains(key)) return Fail(kv.first, "unknown key '" + Path(key) + "'");
    }
    return Ok();
  }

 private:
  YAML::Node node_;
  std::string origin_;
  std::string path_;
  std::set<std::string> seen_;
};

// --- Resilient calls (issue 18): `token_invalid:`, `retry:` and `limits:`.

// A whole number in [lo, hi] at `key` of `m`, or `fallback` when absent.
Result<int64_t> Whole(MapReader& m, const std::string& key, int64_t lo, int64_t hi,
                      int64_t fallback) {
  std::string text = TRY(m.String(key, false));
  if (text.empty()) return fallback;
  int64_t v = 0;
  size_t used = 0;
  try {
    v = std::stoll(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used != text.size() || v < lo || v > hi) {
    return m.Fail(m.Node(key), "'" + m.Path(key) + "' must be a whole number from " +
                                   std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

Result<void> ReadResilience(MapReader& r, Service& s, const std::string& origin) {
  if (r.Has("token_invalid")) {
    YAML::Node list = r.Node("token_invalid");
    if (!list.IsSequence()) return r.Fail(list, "'token_invalid' must be a list");
    if (s.auth != AuthScheme::kOAuth2 && s.auth != AuthScheme::kOAuth2ClientCredentials) {
      return r.Fail(list, "'token_invalid' is only for auth oauth2 and oauth2_client_credentials: "
                          "nothing else has a token to refresh");
    }
    for (const auto& item : list) {
      if (!item.IsMap()) return r.Fail(item, "'token_invalid' items must be maps");
      MapReader m(item, origin, "token_invalid");
      TokenInvalidSignal signal;
      if (m.Has("status")) signal.status = static_cast<int>(TRY(Whole(m, "status", 100, 599, 0)));
      signal.json = TRY(m.String("json", false));
      signal.equals = TRY(m.String("equals", false));
      TRY(m.NoOthers());
      if (signal.json.empty() != signal.equals.empty()) {
        return r.Fail(item, "'token_invalid' items give 'json' and 'equals' together");
      }
      if (!signal.status && signal.json.empty()) {
        return r.Fail(item, "a 'token_invalid' item needs a 'status', or 'json' and 'equals'");
      }
      s.token_invalid.push_back(std::move(signal));
    }
  }
  if (r.Has("retry")) {
    MapReader m = TRY(r.Child("retry"));
    s.retry.enabled = TRY(m.Bool("enabled", false));
    s.retry.max_attempts = static_cast<int>(TRY(Whole(m, "max_attempts", 1, 10, 3)));
    s.retry.max_wait_ms = TRY(Whole(m, "max_wait", 0, 300, 30)) * 1000;
    s.retry.base_delay_ms = TRY(Whole(m, "base_delay_ms", 1, 60'000, 500));
    TRY(m.NoOthers());
  }
  if (r.Has("limits")) {
    MapReader m = TRY(r.Child("limits"));
    s.limits.concurrency = static_cast<int>(TRY(Whole(m, "concurrency", 0, 10'000, 0)));
    s.limits.per_minute = static_cast<int>(TRY(Whole(m, "per_minute", 0, 1'000'000, 0)));
    s.limits.queue_wait_ms = TRY(Whole(m, "queue_wait", 0, 60, 0)) * 1000;
    TRY(m.NoOthers());
  }
  return Ok();
}

// Sample values for {placeholders}, to check templated URLs: a parameter's default or example,
// and plausible built-ins.
Values SampleValues(const Service& s) {
  Values v = {{"public_url", "https://relish.example.com"},
              {"public_host", "relish.example.com"},
              {"public_origin", "https://relish.example.com"},
              {"relish_org", "org_sample"},
              {"relish_environment", "sandbox"}};
  for (const auto& p : s.parameters) {
    v[p.name] = p.default_value ? *p.default_value : p.example ? *p.example : "sample";
  }
  // Issue 20: derived values from the samples, then the defaults that name them.
  for (const auto& d : s.derived) {
    auto it = std::find_if(d.values.begin(), d.values.end(),
                           [&](const auto& kv) { return kv.first == v[d.from]; });
    v[d.name] = it != d.values.end() ? it->second : d.values.empty() ? "sample" : d.values[0].second;
  }
  for (const auto& p : s.parameters) {
    if (p.default_value && p.default_value->find('{') != std::string::npos) {
      v[p.name] = Expand(*p.default_value, v).value_or(*p.default_value);
    }
  }
  return v;
}

const std::vector<std::string>& HostileValues() {
  static const std::vector<std::string> kValues = {"evil.com", "a/b", "a@b",  "a:80",
                                                   "a?b",      "a#b", "a b",  "",
                                                   "a\\b",     "..",  "a%2eb"};
  return kValues;
}

// A user_chosen_host admits any DNS name (the user's own), but nothing that is not one.
const std::vector<std::string>& HostileUserHosts() {
  static const std::vector<std::string> kValues = {
      "a/b", "a@b", "a:80", "a?b", "a#b", "a b", "", "a\\b", "..", "a%2eb", "127.0.0.1",
      "localhost", "shop.example.com:8443", "shop.example.com/", "user@shop.example.com",
      "[::1]", "shop.example.com."};
  return kValues;
}

// Which origins a URL must be among: the API's (allowed_hosts) or the token endpoints'.
enum class HostList { kNone, kApi, kToken };

Result<void> CheckUrl(MapReader& r, const YAML::Node& at, const Service& s,
                      const std::string& field, const std::string& url, HostList hosts) {
  auto expanded = Expand(url, SampleValues(s));
  if (!expanded.ok()) return r.Fail(at, "'" + field + "': " + expanded.error().message());
  // ParseUrl drops a fragment, as a client does; a service that names one meant something
  // else (a path, a query) and would get silently less than it wrote.
  if (expanded->find('#') != std::string::npos) {
    return r.Fail(at, "'" + field + "' must not have a fragment ('#...')");
  }
  auto parsed = outbound::ParseUrl(*expanded);
  if (!parsed.ok()) return r.Fail(at, "'" + field + "': " + parsed.error().message());
  bool local = parsed->host == "localhost" || parsed->host == "127.0.0.1";
  if (parsed->scheme != "https" && !local && !url.starts_with("{public_url}")) {
    return r.Fail(at, "'" + field + "' must be an https URL");
  }
  if (hosts == HostList::kNone) return Ok();
  bool token = hosts == HostList::kToken;
  const auto& entries = token ? s.TokenHosts() : s.allowed_hosts;
  auto allowed = OriginAllowed(entries, SampleValues(s), *parsed);
  if (!allowed.ok()) return r.Fail(at, "'" + field + "': " + allowed.error().message());
  if (*allowed) return Ok();
  std::string where = "'" + field + "' origin " + parsed->Origin() + " is not in ";
  if (!token) return r.Fail(at, where + "allowed_hosts");
  if (!s.token_hosts.empty()) return r.Fail(at, where + "token_hosts");
  return r.Fail(at, where + "allowed_hosts; list the token endpoints' hosts in token_hosts");
}

// --- Derived values (issue 20) ---
// `derived: {name: {from: param, values: {param value: text}}}`. Every key must be a value the
// parameter admits, and every templated default must match its pattern for every key.
Result<void> ReadDerived(MapReader& r, Service& s, const std::string& origin) {
  YAML::Node node = r.Node("derived");
  if (!node.IsDefined() || node.IsNull()) return Ok();
  if (!node.IsMap()) return r.Fail(node, "'derived' must be a map");
  for (const auto& kv : node) {
    Derived d;
    d.name = TRY(r.Key(kv.first, "derived"));
    bool taken = BuiltinParameter(d.name) ||
                 std::any_of(s.parameters.begin(), s.parameters.end(),
                             [&](const Parameter& p) { return p.name == d.name; }) ||
                 std::any_of(s.derived.begin(), s.derived.end(),
                             [&](const Derived& o) { return o.name == d.name; });
    if (!ValidLinkName(d.name) || taken) {
      return r.Fail(kv.first, "derived name '" + d.name +
                                  "' must be lowercase letters, digits and _, and not a parameter");
    }
    if (!kv.second.IsMap()) return r.Fail(kv.second, "derived '" + d.name + "' must be a map");
    MapReader dr(kv.second, origin, "derived." + d.name);
    d.from = TRY(dr.String("from", true));
    d.values = TRY(dr.StringMap("values"));
    TRY(dr.NoOthers());
    auto from = std::find_if(s.parameters.begin(), s.parameters.end(),
                             [&](const Parameter& p) { return p.name == d.from; });
    if (from == s.parameters.end() ||
        (from->default_value && from->default_value->find('{') != std::string::npos)) {
      return dr.Fail(dr.Node("from"), "'derived." + d.name +
                                          ".from' must name a parameter with a plain default");
    }
    if (d.values.empty()) return dr.Fail("'derived." + d.name + ".values' is empty");
    for (const auto& [key, text] : d.values) {
      if (!TRY(FullMatch(from->pattern, key))) {
        return dr.Fail(dr.Node("values"), "derived '" + d.name + "': '" + key +
                                              "' is not a value parameter '" + d.from + "' admits");
      }
      if (text.find('{') != std::string::npos) {
        return dr.Fail(dr.Node("values"), "derived '" + d.name + "': values are fixed text");
      }
    }
    s.derived.push_back(std::move(d));
  }
  for (const auto& p : s.parameters) {
    if (!p.default_value || p.default_value->find('{') == std::string::npos) continue;
    for (const auto& d : s.derived) {
      for (const auto& kv : d.values) {
        Service one = s;
        for (auto& p2 : one.parameters) {
          if (p2.name == d.from) p2.default_value = kv.first;
        }
        Values v = SampleValues(one);
        auto value = Expand(*p.default_value, v);
        if (!value.ok()) return r.Fail(node, "parameter '" + p.name + "' default: " + value.error().message());
        if (!TRY(FullMatch(p.pattern, *value))) {
          return r.Fail(node, "parameter '" + p.name + "': its default is '" + *value + "' for " +
                                  d.from + " '" + kv.first + "', which does not match its pattern");
        }
      }
    }
  }
  return Ok();
}

// allowed_hosts or token_hosts: each entry an origin (with sample values for its templates), no
// wildcard as broad as a top-level domain, and no parameter that could move a host elsewhere.
Result<std::vector<std::string>> ReadHosts(MapReader& r, const Service& s, const std::string& key);

Result<void> ReadParameters(MapReader& r, Service& s, const std::string& origin) {
  YAML::Node params = r.Node("parameters");
  if (!params.IsDefined() || params.IsNull()) return Ok();
  if (!params.IsMap()) return r.Fail(params, "'parameters' must be a map");
  for (const auto& kv : params) {
    Parameter p;
    p.name = TRY(r.Key(kv.first, "parameters"));
    if (!ValidLinkName(p.name) || BuiltinParameter(p.name)) {
      return r.Fail(kv.first, "parameter name '" + p.name +
                                  "' must be lowercase letters, digits and _ (and not a built-in)");
    }
    if (!kv.second.IsMap()) return r.Fail(kv.second, "parameter '" + p.name + "' must be a map");
    MapReader pr(kv.second, origin, "parameters." + p.name);
    p.label = TRY(pr.String("label", false));
    if (p.label.empty()) p.label = p.name;
    p.pattern = TRY(pr.String("pattern", true));
    // An explicit empty default makes a parameter optional (oauth2.subject's); a pattern that
    // admits "" can never be in a host (CheckHostParameters tries "").
    if (pr.Has("default")) p.default_value = TRY(pr.String("default", false));
    if (auto e = TRY(pr.String("example", false)); !e.empty()) p.example = e;
    p.user_chosen_host = TRY(pr.Bool("user_chosen_host", false));  // issue 20
    if (p.user_chosen_host && (pr.Has("default") || pr.Has("capture"))) {
      return r.Fail(kv.second, "parameter '" + p.name +
                                   "': a user_chosen_host has no default and is never captured");
    }
    // Issue 20: captured values.
    if (pr.Has("capture")) {
      MapReader cr = TRY(pr.Child("capture"));
      Capture c;
      std::string from = TRY(cr.String("from", true));
      if (from == "callback") {
        c.from = CaptureFrom::kCallback;
      } else if (from == "token") {
        c.from = CaptureFrom::kToken;
      } else if (from == "metadata") {
        c.from = CaptureFrom::kMetadata;
      } else {
        return cr.Fail(cr.Node("from"), "'parameters." + p.name +
                                            ".capture.from' must be callback, token or metadata");
      }
      if (c.from == CaptureFrom::kMetadata) {
        // Checked against allowed_hosts once they are read (ReadService).
        c.url = TRY(cr.String("url", true));
        c.field = TRY(cr.String("path", true));
        if (cr.Has("prefix")) c.prefix = TRY(cr.String("prefix", false));
        if (c.url.find('{') != std::string::npos) {
          return cr.Fail(cr.Node("url"), "a metadata capture's url must be fixed (no {parameters})");
        }
      } else {
        c.field = TRY(cr.String("field", true));
      }
      c.values = TRY(cr.StringMap("values"));
      c.match = TRY(cr.String("match", false));
      TRY(cr.NoOthers());
      if (!c.match.empty()) {
        if (!c.values.empty()) return cr.Fail("'capture' takes values or match, not both");
        if (!c.match.starts_with('^') || !c.match.ends_with('$')) {
          return cr.Fail(cr.Node("match"), "capture match must be anchored (^...$)");
        }
        if (auto ok = CheckPattern(c.match); !ok.ok()) {
          return cr.Fail(cr.Node("match"), ok.error().message());
        }
      }
      for (const auto& [raw, value] : c.values) {
        if (!TRY(FullMatch(p.pattern, value))) {
          return cr.Fail(cr.Node("values"), "parameter '" + p.name + "': captured value '" + raw +
                                                "' means '" + value +
                                                "', which does not match its pattern");
        }
      }
      p.capture = std::move(c);
    }
    TRY(pr.NoOthers());
    YAML::Node at = pr.Node("pattern");
    if (!p.pattern.starts_with('^') || !p.pattern.ends_with('$')) {
      return r.Fail(at, "parameter '" + p.name + "': pattern must be anchored (^...$)");
    }
    if (auto c = CheckPattern(p.pattern); !c.ok()) {
      return r.Fail(at, "parameter '" + p.name + "': " + c.error().message());
    }
    for (const auto* v : {&p.default_value, &p.example}) {
      // A templated default is checked once its derived values are known (ReadDerived).
      if (*v && (*v)->find('{') != std::string::npos && v == &p.default_value) continue;
      if (*v && !TRY(FullMatch(p.pattern, **v))) {
        return r.Fail(at, "parameter '" + p.name + "': '" + **v +
                                     "' does not match its own pattern");
      }
    }
    s.parameters.push_back(std::move(p));
  }
  return Ok();
}

// A parameter that appears in a host must not let the host be moved elsewhere.
Result<void> CheckHostParameters(MapReader& r, const YAML::Node& at, const Service& s,
                                 const std::string& host_template) {
  for (const auto& p : s.parameters) {
    if (host_template.find("{" + p.name + "}") == std::string::npos) continue;
    if (p.user_chosen_host) {
      // The whole host, and only where credentials the user typed go.
      std::string bare = host_template.starts_with("https://") ? host_template.substr(8) : host_template;
      if (bare != "{" + p.name + "}") {
        return r.Fail(at, "user_chosen_host '" + p.name + "' must be a whole https host ('" +
                              p.name + "' or 'https://{" + p.name + "}'), not part of '" +
                              host_template + "'");
      }
      for (const auto& hostile : HostileUserHosts()) {
        if (TRY(FullMatch(p.pattern, hostile))) {
          return r.Fail(at, "user_chosen_host '" + p.name + "': its pattern must refuse values "
                            "like '" + hostile + "'");
        }
      }
      continue;
    }
    for (const auto& hostile : HostileValues()) {
      if (TRY(FullMatch(p.pattern, hostile))) {
        return r.Fail(at, "parameter '" + p.name + "' is used in a host, so its pattern must "
                          "refuse values like '" + hostile + "'");
      }
    }
  }
  return Ok();
}

Result<std::vector<std::string>> ReadHosts(MapReader& r, const Service& s, const std::string& key) {
  auto hosts = TRY(r.StringList(key));
  YAML::Node at = r.Node(key);
  for (auto& h : hosts) {
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
    TRY(CheckHostParameters(r, at, s, h));
    auto expanded = Expand(h, SampleValues(s));
    if (!expanded.ok()) return r.Fail(at, "'" + key + "': " + expanded.error().message());
    auto rule = ParseOriginRule(*expanded);
    if (!rule.ok()) return r.Fail(at, "'" + key + "': " + rule.error().message());
    if (rule->wildcard && rule->host.find('.') == std::string::npos) {
      return r.Fail(at, "wildcard host '" + h + "' is too broad");
    }
  }
  return hosts;
}

Result<void> ReadOAuth2(MapReader& r, Service& s, const std::string& origin) {
  YAML::Node n = r.Node("oauth2");
  if (!n.IsDefined() || !n.IsMap()) return r.Fail("'oauth2' is required for auth " +
                                                  std::string(AuthSchemeName(s.auth)));
  MapReader o(n, origin, "oauth2");
  OAuth2Settings st;
  bool code_flow = s.auth == AuthScheme::kOAuth2;
  st.authorize_url = TRY(o.String("authorize_url", code_flow));
  if (!code_flow && !st.authorize_url.empty()) {
    return o.Fail("'oauth2.authorize_url' is not used by client credentials");
  }
  st.token_url = TRY(o.String("token_url", true));
  st.refresh_url = TRY(o.String("refresh_url", false));
  if (st.refresh_url.empty()) st.refresh_url = st.token_url;
  st.revoke_url = TRY(o.String("revoke_url", false));
  st.scopes = TRY(o.StringList("scopes"));
  st.default_scopes = TRY(o.StringList("default_scopes"));
  std::set<std::string> unique(st.scopes.begin(), st.scopes.end());
  if (unique.size() != st.scopes.size()) return o.Fail(o.Node("scopes"), "'oauth2.scopes' has duplicates");
  for (const auto& d : st.default_scopes) {
    if (!unique.contains(d)) return o.Fail(o.Node("default_scopes"), "default scope '" + d + "' is not in 'oauth2.scopes'");
  }
  std::string delimiter = TRY(o.String("scope_delimiter", false));
  if (o.Has("scope_delimiter") && delimiter.empty()) return o.Fail("'oauth2.scope_delimiter' is empty");
  if (!delimiter.empty()) st.scope_delimiter = delimiter;
  st.pkce = TRY(o.Bool("pkce", true));
  std::string client_auth = TRY(o.String("client_auth", false));
  if (client_auth == "form") {
    st.client_auth = ClientAuth::kForm;
  } else if (client_auth.empty() || client_auth == "basic") {
    st.client_auth = ClientAuth::kBasic;
  } else {
    return o.Fail(o.Node("client_auth"), "'oauth2.client_auth' must be basic or form");
  }
  st.authorize_params = TRY(o.StringMap("authorize_params"));
  st.token_params = TRY(o.StringMap("token_params"));
  st.account_id = TRY(o.String("account_id", false));
  // catalog (issue 20): a client credentials request's grant type.
  if (std::string grant = TRY(o.String("grant_type", false)); !grant.empty()) {
    if (code_flow) return o.Fail(o.Node("grant_type"), "'oauth2.grant_type' is only for auth oauth2_client_credentials");
    static const std::set<std::string> kGrants = {"client_credentials", "account_credentials",
                                                  "jwt_bearer", "github_app"};
    if (!kGrants.contains(grant)) {
      return o.Fail(o.Node("grant_type"), "'oauth2.grant_type' must be client_credentials, "
                                          "account_credentials, jwt_bearer or github_app");
    }
    st.grant_type = grant;
  }
  // catalog (issue 20): domain-wide delegation, the user a jwt_bearer assertion acts as.
  st.subject = TRY(o.String("subject", false));
  if (!st.subject.empty()) {
    if (st.grant_type != "jwt_bearer") {
      return o.Fail(o.Node("subject"), "'oauth2.subject' is only for grant_type jwt_bearer");
    }
    if (auto e = Expand(st.subject, SampleValues(s)); !e.ok()) {
      return o.Fail(o.Node("subject"), "'oauth2.subject': " + e.error().message());
    }
  }
  TRY(o.NoOthers());
  // The browser goes to authorize_url (with no secret); the others receive the client secret,
  // codes, refresh tokens and tokens to revoke, so they must be among the token hosts.
  for (const auto& [key, url, hosts] : {std::tuple<std::string, std::string, HostList>{
                                            "authorize_url", st.authorize_url, HostList::kNone},
                                        {"token_url", st.token_url, HostList::kToken},
                                        {"refresh_url", st.refresh_url, HostList::kToken},
                                        {"revoke_url", st.revoke_url, HostList::kToken}}) {
    YAML::Node at = n[key].IsDefined() ? n[key] : n["token_url"];
    if (!url.empty()) TRY(CheckUrl(o, at, s, "oauth2." + key, url, hosts));
  }
  s.oauth2 = std::move(st);
  return Ok();
}

Result<Service> ReadService(const YAML::Node& root, std::string_view yaml,
                            const std::string& origin) {
  if (!root.IsMap()) return InvalidArgument(origin + ":1: a service is a YAML map");
  MapReader r(root, origin, "");
  Service s;
  s.source = std::string(yaml);
  s.id = TRY(r.String("id", true));
  if (!ValidLinkName(s.id)) {
    return r.Fail(r.Node("id"), "'id' must start with a lowercase letter and hold only a-z, 0-9 "
                                "and _, at most 50 characters");
  }
  s.name = TRY(r.String("name", true));
  if (s.name.size() > 50) return r.Fail(r.Node("name"), "'name' has more than 50 characters");
  s.description = TRY(r.String("description", false));
  s.docs = TRY(r.String("docs", false));
  s.category = TRY(r.String("category", false));
  if (!s.category.empty() && std::find(std::begin(kServiceCategories), std::end(kServiceCategories),
                                       s.category) == std::end(kServiceCategories)) {
    std::string allowed;
    for (std::string_view c : kServiceCategories) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(c);
    }
    return r.Fail(r.Node("category"),
                  "'category' must be one of " + allowed + "; got '" + s.category + "'");
  }
  std::string auth = TRY(r.String("auth", true));
  static const std::map<std::string, AuthScheme> kSchemes = {
      {"oauth2", AuthScheme::kOAuth2}, {"oauth2_client_credentials", AuthScheme::kOAuth2ClientCredentials},
      {"oauth1", AuthScheme::kOAuth1}, {"api_key", AuthScheme::kApiKey},
      {"basic", AuthScheme::kBasic},   {"bearer", AuthScheme::kBearer},
      {"none", AuthScheme::kNone}};
  auto scheme = kSchemes.find(auth);
  if (scheme == kSchemes.end()) {
    return r.Fail(r.Node("auth"), "'auth' must be one of oauth2, oauth2_client_credentials, "
                                  "oauth1, api_key, basic, bearer, none; got '" + auth + "'");
  }
  s.auth = scheme->second;
  TRY(ReadParameters(r, s, origin));
  TRY(ReadDerived(r, s, origin));  // issue 20
  s.base_url = TRY(r.String("base_url", s.auth != AuthScheme::kNone));
  s.sandbox_base_url = TRY(r.String("sandbox_base_url", false));
  s.allowed_hosts = TRY(ReadHosts(r, s, "allowed_hosts"));
  if (s.allowed_hosts.empty() && s.auth != AuthScheme::kNone) {
    return r.Fail("'allowed_hosts' is required: the hosts credentials may be sent to");
  }
  s.token_hosts = TRY(ReadHosts(r, s, "token_hosts"));
  bool token_endpoints = s.auth == AuthScheme::kOAuth2 ||
                         s.auth == AuthScheme::kOAuth2ClientCredentials ||
                         s.auth == AuthScheme::kOAuth1;
  if (!s.token_hosts.empty() && !token_endpoints) {
    return r.Fail(r.Node("token_hosts"),
                  "'token_hosts' is only for auth oauth2, oauth2_client_credentials or oauth1");
  }
  s.headers = TRY(r.StringMap("headers"));

  // Injection defaults per scheme, then the service's overrides.
  switch (s.auth) {
    case AuthScheme::kOAuth2:
    case AuthScheme::kOAuth2ClientCredentials:
    case AuthScheme::kBearer:
      s.inject = {"Authorization", "Bearer", ""};
      break;
    case AuthScheme::kBasic:
      s.inject = {"Authorization", "Basic", ""};
      break;
    default:
      break;
  }
  if (r.Has("inject")) {
    MapReader in = TRY(r.Child("inject"));
    std::string header = TRY(in.String("header", false));
    std::string prefix = TRY(in.String("prefix", false));
    std::string query = TRY(in.String("query", false));
    TRY(in.NoOthers());
    if (!header.empty() && !query.empty()) return in.Fail("'inject' takes header or query, not both");
    if (!query.empty()) {
      s.inject = {"", "", query};
    } else {
      if (!header.empty()) s.inject.header = header;
      if (in.Has("prefix")) s.inject.prefix = prefix;
    }
  }

  if (s.auth == AuthScheme::kOAuth2 || s.auth == AuthScheme::kOAuth2ClientCredentials) {
    TRY(ReadOAuth2(r, s, origin));
  } else if (r.Has("oauth2")) {
    return r.Fail(r.Node("oauth2"), "'oauth2' is only for auth oauth2 or oauth2_client_credentials");
  }
  if (s.auth == AuthScheme::kOAuth1) {
    if (!r.Has("oauth1")) return r.Fail("'oauth1' is required for auth oauth1");
    MapReader o = TRY(r.Child("oauth1"));
    OAuth1Settings st;
    st.request_token_url = TRY(o.String("request_token_url", true));
    st.authorize_url = TRY(o.String("authorize_url", true));
    st.access_token_url = TRY(o.String("access_token_url", true));
    st.authorize_params = TRY(o.StringMap("authorize_params"));  // catalog (issue 20)
    TRY(o.NoOthers());
    for (const auto& [key, url, hosts] :
         {std::tuple<std::string, std::string, HostList>{"request_token_url", st.request_token_url,
                                                         HostList::kToken},
          {"authorize_url", st.authorize_url, HostList::kNone},
          {"access_token_url", st.access_token_url, HostList::kToken}}) {
      TRY(CheckUrl(o, o.Node(key), s, "oauth1." + key, url, hosts));
    }
    s.oauth1 = st;
  } else if (r.Has("oauth1")) {
    return r.Fail(r.Node("oauth1"), "'oauth1' is only for auth oauth1");
  }
  if (s.auth == AuthScheme::kApiKey) {
    if (!r.Has("api_key")) return r.Fail("'api_key' is required for auth api_key");
    MapReader a = TRY(r.Child("api_key"));
    ApiKeySettings st;
    std::string in = TRY(a.String("in", true));
    if (in == "header") {
      st.in = KeyPlacement::kHeader;
    } else if (in == "query") {
      st.in = KeyPlacement::kQuery;
    } else if (in == "form") {
      st.in = KeyPlacement::kForm;
    } else {
      return a.Fail(a.Node("in"), "'api_key.in' must be header, query or form");
    }
    YAML::Node fields = a.Node("fields");
    if (!fields.IsSequence() || fields.size() == 0) {
      return a.Fail("'api_key.fields' must list at least one field");
    }
    for (const auto& f : fields) {
      if (!f.IsMap()) return a.Fail(f, "'api_key.fields' items must be maps");
      MapReader fr(f, origin, "api_key.fields[]");
      ApiKeyField field;
      field.name = TRY(fr.String("name", true));
      field.label = TRY(fr.String("label", false));
      if (field.label.empty()) field.label = field.name;
      field.prefix = TRY(fr.String("prefix", false));
      TRY(fr.NoOthers());
      st.fields.push_back(std::move(field));
    }
    TRY(a.NoOthers());
    s.api_key = std::move(st);
  } else if (r.Has("api_key")) {
    return r.Fail(r.Node("api_key"), "'api_key' is only for auth api_key");
  }
  if (r.Has("basic")) {
    if (s.auth != AuthScheme::kBasic) return r.Fail(r.Node("basic"), "'basic' is only for auth basic");
    MapReader b = TRY(r.Child("basic"));
    auto user = TRY(b.String("username_label", false));
    auto pass = TRY(b.String("password_label", false));
    TRY(b.NoOthers());
    if (!user.empty()) s.basic.username_label = user;
    if (!pass.empty()) s.basic.password_label = pass;
  }
  if (r.Has("test")) {
    MapReader t = TRY(r.Child("test"));
    TestCall call;
    std::string method = TRY(t.String("method", false));
    if (!method.empty()) call.method = method;
    call.url = TRY(t.String("url", true));
    std::string status = TRY(t.String("expect_status", false));
    TRY(t.NoOthers());
    if (!status.empty()) {
      int v = 0;
      try {
        v = std::stoi(status);
      } catch (...) {
        v = 0;
      }
      if (v < 100 || v > 599) return t.Fail(t.Node("expect_status"), "'test.expect_status' must be an HTTP status");
      call.expect_status = v;
    }
    TRY(CheckUrl(t, r.Node("test"), s, "test.url", call.url, HostList::kApi));
    s.test = call;
  }
  TRY(ReadResilience(r, s, origin));  // issue 18
  TRY(r.NoOthers());
  // Issue 20: with each value of a derived map, every host and token endpoint still holds.
  for (const auto& d : s.derived) {
    for (const auto& kv : d.values) {
      Service one = s;
      for (auto& p : one.parameters) {
        if (p.name == d.from) p.default_value = kv.first;
      }
      Values v = SampleValues(one);
      std::string with = " (with " + d.from + " '" + kv.first + "')";
      auto allowed = ExpandOrigins(s.allowed_hosts, v);
      auto token = ExpandOrigins(s.TokenHosts(), v);
      if (!allowed.ok()) return r.Fail(r.Node("derived"), "allowed_hosts" + with + ": " + allowed.error().message());
      if (!token.ok()) return r.Fail(r.Node("derived"), "token_hosts" + with + ": " + token.error().message());
      if (s.oauth2) {
        for (const auto& url : {s.oauth2->token_url, s.oauth2->refresh_url, s.oauth2->revoke_url}) {
          if (url.empty()) continue;
          auto expanded = Expand(url, v);
          bool ok = false;
          if (expanded.ok()) {
            auto parsed = outbound::ParseUrl(*expanded);
            ok = parsed.ok() && AnyOriginMatches(*token, *parsed);
          }
          if (!ok) {
            return r.Fail(r.Node("derived"), "'" + url + "'" + with + " is not among the token hosts");
          }
        }
      }
    }
  }
  // Issue 20: a user_chosen_host carries only credentials the user typed, never a client secret.
  for (const auto& p : s.parameters) {
    if (!p.user_chosen_host) continue;
    if (s.auth != AuthScheme::kApiKey && s.auth != AuthScheme::kBasic &&
        s.auth != AuthScheme::kBearer) {
      return r.Fail(r.Node("auth"), "parameter '" + p.name +
                                        "' is a user_chosen_host: only for auth api_key, basic or bearer");
    }
    for (const auto& h : s.token_hosts) {
      if (h.find("{" + p.name + "}") != std::string::npos) {
        return r.Fail(r.Node("token_hosts"), "token_hosts may not name user_chosen_host '" + p.name + "'");
      }
    }
  }
  // Issue 20: a metadata capture carries the new access token, so only to the API's hosts.
  for (const auto& p : s.parameters) {
    if (!p.capture || p.capture->from != CaptureFrom::kMetadata) continue;
    if (s.auth != AuthScheme::kOAuth2) {
      return r.Fail(r.Node("parameters"), "parameter '" + p.name +
                                              "': a metadata capture needs auth oauth2");
    }
    TRY(CheckUrl(r, r.Node("parameters"), s, "parameters." + p.name + ".capture.url",
                 p.capture->url, HostList::kApi));
  }
  if (!s.base_url.empty()) {
    TRY(CheckUrl(r, r.Node("base_url"), s, "base_url", s.base_url, HostList::kApi));
  }
  if (!s.sandbox_base_url.empty()) {
    TRY(CheckUrl(r, r.Node("sandbox_base_url"), s, "sandbox_base_url", s.sandbox_base_url,
                 HostList::kApi));
  }
  return s;
}

}  // namespace

Result<Service> ParseService(std::string_view yaml, std::string_view origin_view) {
  std::string origin(origin_view);
  // MapReader checks the shapes yaml-cpp would throw on; whatever else it throws is still the
  // YAML's fault, and an error here, not an exception out of the module.
  try {
    return ReadService(YAML::Load(std::string(yaml)), yaml, origin);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(Where(origin, e.mark) + e.msg);
  }
}

}  // namespace relish::connections
