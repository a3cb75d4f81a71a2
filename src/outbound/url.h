// URLs as the outbound client and the egress policy see them.
#pragma once

#include <cstdint>
#include <optional>
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
  void AppendOrigin(std::string& out) const;
  void AppendAuthority(std::string& out) const;  // host[:port], an IPv6 host in brackets
  bool SameHost(const Url& other) const { return host == other.host; }
};

// Parses an absolute http(s) URL. Refuses user info ("https://user:pw@host"), fragments are
// dropped, other schemes are refused. libcurl's URL parser decides; URLs of the plain shape
// every API call has (below) are parsed without it, with the same result, as this runs a few
// times per proxied request and libcurl's parser costs ~10k instructions.
Result<Url> ParseUrl(std::string_view text);

// "a.b.c.d" with each part 0-255 written without leading zeros: the one spelling of an IPv4
// address that every parser reads the same way.
bool IsCanonicalIPv4(std::string_view host);

// The two halves of ParseUrl, for its tests. ParsePlainUrl takes only "http(s)://" + a host
// name or canonical IPv4 address + an optional port + a path and query of characters libcurl
// keeps as they are, with no dot segments and no fragment; anything else is nullopt.
std::optional<Url> ParsePlainUrl(std::string_view text);
Result<Url> ParseUrlWithCurl(std::string_view text);

// ParseUrl(base_text + relative), where `base` is ParsePlainUrl(base_text) and `relative` is a
// path ("/...", with a query or not), without parsing the base again: for calls made relative to
// a connection's base URL. nullopt when the result would not be of the plain shape (ParseUrl of
// the joined text decides then) or when the base has a query.
std::optional<Url> AppendPlainPath(const Url& base, std::string_view base_text,
                                   std::string_view relative);

// Resolves `reference` (a Location header) against `base`.
Result<Url> ResolveUrl(const Url& base, std::string_view reference);

// The URL with the values of these query parameters replaced by "***": for logs and audit.
std::string RedactQuery(const Url& url, const std::vector<std::string>& secret_params);

}  // namespace relish::outbound
