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
  for (const auto& p : service.parameters) {
    auto it = given.find(p.name);
    std::string value;
    if (it != given.end()) {
      value = it->second;
    } else if (p.default_value) {
      value = *p.default_value;
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
