#include <algorithm>

#include "connections/pattern.h"
#include "connections/service.h"
#include "outbound/url.h"

namespace relish::connections {

std::string_view AuthSchemeName(AuthScheme scheme) {
  switch (scheme) {
    case AuthScheme::kOAuth2: return "oauth2";
    case AuthScheme::kOAuth2ClientCredentials: return "oauth2_client_credentials";
    case AuthScheme::kOAuth1: return "oauth1";
    case AuthScheme::kApiKey: return "api_key";
    case AuthScheme::kBasic: return "basic";
    case AuthScheme::kBearer: return "bearer";
    case AuthScheme::kNone: return "none";
  }
  return "none";
}

bool ValidLinkName(std::string_view name) {
  if (name.empty() || name.size() > 50 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<std::string> Expand(std::string_view text, const Values& values) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    auto close = text.find('}', i);
    if (close == std::string_view::npos) {
      return InvalidArgument("unclosed '{' in '" + std::string(text) + "'");
    }
    std::string name(text.substr(i + 1, close - i - 1));
    auto it = values.find(name);
    if (it == values.end()) {
      return InvalidArgument("'{" + name + "}' in '" + std::string(text) +
                             "' is not a declared parameter");
    }
    out += it->second;
    i = close + 1;
  }
  return out;
}

Result<Values> ResolveParameters(const Service& service, const Values& given,
                                 const std::string& public_url) {
  Values out;
  for (const auto& entry : given) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string& name = entry.first;
    bool known = std::any_of(service.parameters.begin(), service.parameters.end(),
                             [&](const Parameter& p) { return p.name == name; });
    if (!known) {
      return InvalidArgument("service " + service.id + " has no parameter '" + name + "'");
    }
  }
  std::vector<const Parameter*> templated;  // defaults that name derived values: after them
  for (const auto& p : service.parameters) {
    auto it = given.find(p.name);
    std::string value;
    bool is_templated = p.default_value && p.default_value->find('{') != std::string::npos;
    // A form that echoes a templated default as it reads ("https://{zohoapis}") gave nothing.
    if (it != given.end() && is_templated && it->second == *p.default_value) it = given.end();
    if (it != given.end()) {
      value = it->second;
    } else if (is_templated) {
      templated.push_back(&p);
      continue;
    } else if (p.default_value) {
      value = *p.default_value;
    } else if (p.capture) {
      continue;  // set by the authorization; until then, templates that name it do not expand
    } else {
      return InvalidArgument("service " + service.id + " needs the parameter '" + p.name + "' (" +
                             p.label + ")");
    }
    if (!TRY(FullMatch(p.pattern, value))) {
      return InvalidArgument("parameter '" + p.name + "' value '" + value +
                             "' does not match " + p.pattern);
    }
    out[p.name] = value;
  }
  // Derived values (issue 20): each parameter value has its own fixed text, or the connection
  // cannot be used (a value the pattern admits but the map forgot).
  for (const auto& d : service.derived) {
    const std::string& key = out[d.from];
    auto it = std::find_if(d.values.begin(), d.values.end(),
                           [&](const auto& kv) { return kv.first == key; });
    if (it == d.values.end()) {
      return InvalidArgument("service " + service.id + " has no '" + d.name + "' for " + d.from +
                             " '" + key + "'");
    }
    out[d.name] = it->second;
  }
  for (const Parameter* p : templated) {
    std::string value = TRY(Expand(*p->default_value, out));
    if (!TRY(FullMatch(p->pattern, value))) {
      return InvalidArgument("parameter '" + p->name + "' default '" + value +
                             "' does not match " + p->pattern);
    }
    out[p->name] = value;
  }
  std::string url = public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  out["public_url"] = url;
  auto parsed = outbound::ParseUrl(url.empty() ? "http://localhost" : url);
  std::string host = parsed.ok() ? parsed->host : "localhost";
  std::string origin = "http://" + host;
  if (parsed.ok()) {
    host.clear();
    parsed->AppendAuthority(host);  // the port only when not the scheme's default
    origin = parsed->Origin();
  }
  out["public_host"] = host;
  out["public_origin"] = origin;
  return out;
}

Result<std::string> CapturedValue(const Service& service, const Parameter& p,
                                  std::string_view raw) {
  const Capture& c = *p.capture;
  std::string where = c.from == CaptureFrom::kCallback ? "the callback's "
                      : c.from == CaptureFrom::kToken  ? "the token response's "
                                                        : c.url + "'s ";
  // A provider's value is shown in the error, but never at any length.
  std::string value(raw.substr(0, 200));
  if (!c.values.empty()) {
    auto it = std::find_if(c.values.begin(), c.values.end(),
                           [&](const auto& kv) { return kv.first == raw; });
    if (it == c.values.end()) {
      std::string known;
      for (const auto& kv : c.values) known += (known.empty() ? "" : ", ") + kv.first;
      return PermissionDenied(where + c.field + " '" + value + "' is not one of service " +
                              service.id + "'s (" + known + "); nothing was sent to it");
    }
    value = it->second;
  } else if (!c.match.empty()) {
    auto group = TRY(FirstGroup(c.match, raw));
    if (!group) {
      return PermissionDenied(where + c.field + " '" + value + "' does not match " + c.match +
                              " (parameter '" + p.name + "'); nothing was sent to it");
    }
    value = *group;
  }
  if (!TRY(FullMatch(p.pattern, value))) {
    return PermissionDenied(where + c.field + " '" + value + "' does not match " + p.pattern +
                            " (parameter '" + p.name + "'); nothing was sent to it");
  }
  return value;
}

bool BuiltinParameter(std::string_view name) {
  return name == "public_url" || name == "public_host" || name == "public_origin" ||
         name == "relish_org" || name == "relish_environment";
}

Result<std::vector<OriginRule>> ExpandOrigins(const std::vector<std::string>& entries,
                                              const Values& values) {
  std::vector<OriginRule> out;
  out.reserve(entries.size());
  for (const auto& entry : entries) out.push_back(TRY(ParseOriginRule(TRY(Expand(entry, values)))));
  return out;
}

Result<bool> OriginAllowed(const std::vector<std::string>& entries, const Values& values,
                           const outbound::Url& url) {
  return AnyOriginMatches(TRY(ExpandOrigins(entries, values)), url);
}

}  // namespace relish::connections
