#include "connections/origin.h"

#include <algorithm>

namespace relish::connections {
namespace {

uint16_t DefaultPort(std::string_view scheme) { return scheme == "http" ? 80 : 443; }

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool IPv6Char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
}

void AppendHost(std::string& out, const OriginRule& r) {
  if (r.wildcard) out += "*.";
  bool v6 = r.host.find(':') != std::string::npos;
  if (v6) out += '[';
  out += r.host;
  if (v6) out += ']';
}

}  // namespace

std::string OriginRule::ToString() const {
  std::string out = scheme + "://";
  AppendHost(out, *this);
  if (port != DefaultPort(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::string OriginRule::Entry() const {
  std::string text = ToString();
  return scheme == "https" ? text.substr(8) : text;
}

Result<OriginRule> ParseOriginRule(std::string_view entry) {
  std::string text(entry);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto refuse = [&](std::string_view why) -> Error {
    return InvalidArgument("'" + std::string(entry) + "' is not an origin (" + std::string(why) +
                           "); write host, host:port, https://host[:port] or http://host[:port]");
  };
  OriginRule rule;
  rule.scheme = "https";
  std::string_view rest = text;
  if (auto sep = rest.find("://"); sep != std::string_view::npos) {
    rule.scheme = std::string(rest.substr(0, sep));
    if (rule.scheme != "https" && rule.scheme != "http")
      return refuse("the scheme must be https or http");
    rest.remove_prefix(sep + 3);
  }
  if (rest.empty()) return refuse("no host");
  if (rest.find_first_of("/?#@\\ \t") != std::string_view::npos) {
    return refuse("only a scheme, a host and a port");
  }
  std::string_view port;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return refuse("an unclosed '['");
    std::string_view host = rest.substr(1, close - 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), IPv6Char)) {
      return refuse("a bad IPv6 address");
    }
    rule.host = std::string(host);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return refuse("text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return refuse("an empty port");
    }
  } else {
    std::string_view host = rest;
    if (auto colon = rest.find(':'); colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) return refuse("an empty port");
    }
    if (host.starts_with("*.")) {
      rule.wildcard = true;
      host.remove_prefix(2);
    }
    if (host.empty() || host.front() == '.' || host.back() == '.' ||
        !std::all_of(host.begin(), host.end(), NameChar)) {
      return refuse("a bad host name");
    }
    rule.host = std::string(host);
  }
  rule.port = DefaultPort(rule.scheme);
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return refuse("the port must be a number");
    }
    int value = std::stoi(std::string(port));
    if (value < 1 || value > 65535) return refuse("the port must be 1 to 65535");
    rule.port = static_cast<uint16_t>(value);
  }
  // A URL's host is libcurl's one spelling of an address ("063.0.0.1" is read as octal 51.0.0.1,
  // "127.1" as 127.0.0.1, "[0:0::1]" is [::1]); an entry spelled otherwise would never match
  // the URLs it was written for, so it is refused with the spelling that does.
  if (!rule.wildcard) {
    std::string written = rule.ToString();
    auto url = outbound::ParseUrl(written + "/");
    if (!url.ok()) return refuse("not an address or host name URLs accept");
    if (url->host != rule.host) {
      std::string spelled = url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
      return refuse("URLs write this address as " + spelled);
    }
  }
  return rule;
}

bool OriginMatches(const OriginRule& rule, const outbound::Url& url) {
  if (url.scheme != rule.scheme || url.port != rule.port) return false;
  if (!rule.wildcard) return url.host == rule.host;
  // A proper subdomain: "x.example.com" for "*.example.com", never "example.com" or
  // "badexample.com".
  return url.host.size() > rule.host.size() + 1 && url.host.ends_with(rule.host) &&
         url.host[url.host.size() - rule.host.size() - 1] == '.';
}

bool AnyOriginMatches(const std::vector<OriginRule>& rules, const outbound::Url& url) {
  return std::any_of(rules.begin(), rules.end(),
                     [&](const OriginRule& r) { return OriginMatches(r, url); });
}

std::string OriginEntry(const outbound::Url& url) {
  return OriginRule{.scheme = url.scheme, .host = url.host, .port = url.port}.Entry();
}

std::string DescribeOrigins(const std::vector<OriginRule>& rules) {
  std::string out;
  for (const auto& r : rules) out += (out.empty() ? "" : ", ") + r.Entry();
  return out;
}

}  // namespace relish::connections
