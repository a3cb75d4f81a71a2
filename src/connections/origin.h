// Origins credentials may go to: the entries of a service's allowed_hosts and token_hosts
// (docs/services.md, "Where credentials may go"). An entry names a scheme, a host and a port;
// what is not written is implied (https, and the scheme's default port), so `api.example.com`
// admits https://api.example.com:443 and nothing else: not http, not another port.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "outbound/url.h"

namespace relish::connections {

struct OriginRule {
  std::string scheme;     // "https" (the default) or "http"
  std::string host;       // lowercase; without "*." when `wildcard`; IPv6 without brackets
  bool wildcard = false;  // "*.example.com": any subdomain of host, not host itself
  uint16_t port = 0;      // as written, or the scheme's default

  // scheme://host[:port], the port only when not the default; "*." kept.
  std::string ToString() const;
  // The shortest entry that means this rule: ToString() without "https://" for https.
  std::string Entry() const;
};

// Parses one expanded entry: [http:// | https://] host [:port], where host is a name, "*." and
// a name, an IPv4 address or a bracketed IPv6 address. Anything else (a path, user info, a
// query, another scheme, a port out of 1-65535) is kInvalidArgument naming the entry.
Result<OriginRule> ParseOriginRule(std::string_view entry);

// True when the URL's scheme, host and port are the rule's.
bool OriginMatches(const OriginRule& rule, const outbound::Url& url);
bool AnyOriginMatches(const std::vector<OriginRule>& rules, const outbound::Url& url);

// The entry as written for an origin: "host[:port]" for https, "http://host[:port]" for http.
std::string OriginEntry(const outbound::Url& url);

// "a, b, c" of the rules' Entry(), for messages.
std::string DescribeOrigins(const std::vector<OriginRule>& rules);

}  // namespace relish::connections
