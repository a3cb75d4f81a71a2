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
  // Scheme, host and port: what a redirect must keep for credentials to follow it.
  bool SameOrigin(const Url& other) const {
    return port == other.port && host == other.host && scheme == other.scheme;
  }
};

// Parses an absolute http(s) URL. Refuses user info ("https://user:pw@host"), port 0 and a NUL
// character (libcurl would read only the text before it); fragments are dropped, other schemes
// are refused. libcurl's URL parser decides; URLs of the plain shape
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

// Checks an outbound proxy URL: http:// or https://, a host, a port, optional user info, and
// nothing else. The error never quotes the URL: its user info may be a password.
Result<void> CheckProxyUrl(std::string_view text);

// Resolves `reference` (a Location header) against `base`.
Result<Url> ResolveUrl(const Url& base, std::string_view reference);

// The longest redirect target CheckSameOriginPath takes: a sign-in's `next` is at most the
// authorization request it returns to, well under this.
inline constexpr size_t kMaxRedirectTargetBytes = 4096;

// Checks a redirect target taken from a request (the sign-in's `next`, a connection's
// `return_to`): Ok when every browser that follows it stays on `origin` (the public URL).
// Browsers forgive what a server's check may not: they drop tab, CR and LF anywhere in a URL,
// trim leading spaces and control characters, and read '\' as '/', so "/\t/evil.example" and
// "/\\evil.example" both lead to evil.example. So the target must be an absolute path ("/x", not
// "//host") of printable ASCII with no backslash and no encoded '/' or '\' in its path (a second
// decoding anywhere would make them real), and libcurl's parser, resolving it against `origin`,
// must land on `origin`'s scheme, host and port. The error's message says which rule failed
// (it never quotes the target): callers put their own context before it.
Result<void> CheckSameOriginPath(const Url& origin, std::string_view target);

// `encoded` (a query string or an application/x-www-form-urlencoded body) without the fields
// whose decoded name is one of `names`; the others are kept byte for byte, in order.
std::string WithoutFormFields(std::string_view encoded, const std::vector<std::string>& names);

// The URL with the values of these query parameters replaced by "***": for logs and audit.
std::string RedactQuery(const Url& url, const std::vector<std::string>& secret_params);

}  // namespace relish::outbound
