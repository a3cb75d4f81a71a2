// URLs as the outbound client and the egress policy see them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace relish::outbound {

struct Url {
  std::string scheme;  // "http" or "https", lowercase
  std::string host;    // lowercase; IPv6 without brackets
  uint16_t port = 0;   // explicit or the scheme's default
  std::string path;    // "/..." (at least "/")
  std::string query;   // without '?'; empty when none

  // scheme://host[:port]/path[?query], with the port only when not the default.
  std::string ToString() const;
  std::string Origin() const;  // scheme://host[:port]
  bool SameHost(const Url& other) const { return host == other.host; }
};

// Parses an absolute http(s) URL. Refuses user info ("https://user:pw@host"), fragments are
// dropped, other schemes are refused.
Result<Url> ParseUrl(std::string_view text);

// Resolves `reference` (a Location header) against `base`.
Result<Url> ResolveUrl(const Url& base, std::string_view reference);

// The URL with the values of these query parameters replaced by "***": for logs and audit.
std::string RedactQuery(const Url& url, const std::vector<std::string>& secret_params);

}  // namespace relish::outbound
