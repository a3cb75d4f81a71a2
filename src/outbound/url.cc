#include "outbound/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <optional>

#include "base/encoding.h"
#include "base/http_wire.h"

namespace relish::outbound {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using CurlUrl = std::unique_ptr<CURLU, UrlDeleter>;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// libcurl reads a URL as a C string: at a NUL it would stop, and answer for the text before it.
bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

std::string Part(CURLU* u, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

std::string Host(CURLU* u) {
  std::string host = Lower(Part(u, CURLUPART_HOST));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

// libcurl writes a numeric IPv4 host in its one form ("127.1" is 127.0.0.1) only when the host is
// written literally, not when escapes spell it ("%31%32%37.1" stays "127.1"): a host must be what
// parsing it again gives, or one address would have two hosts.
bool SameHostWhenParsedAgain(const Url& url) {
  CurlUrl u(curl_url());
  std::string origin = url.Origin();
  if (curl_url_set(u.get(), CURLUPART_URL, origin.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return false;
  }
  return Host(u.get()) == url.host;
}

Result<Url> FromHandle(CURLU* u, std::string_view original) {
  Url url;
  url.scheme = Lower(Part(u, CURLUPART_SCHEME));
  if (url.scheme != "http" && url.scheme != "https") {
    return InvalidArgument("only http and https URLs can be called, not '" + std::string(original) + "'");
  }
  if (!Part(u, CURLUPART_USER).empty() || !Part(u, CURLUPART_PASSWORD).empty()) {
    return InvalidArgument("URLs with a user name or password are refused; use a connection");
  }
  url.host = Host(u);
  if (url.host.empty()) return InvalidArgument("URL has no host: '" + std::string(original) + "'");
  // libcurl decodes a host's percent escapes and keeps some bytes no host name has ("%25" is
  // '%', "%7f" DEL): such a host could not be written back into a URL (ToString) that parses.
  for (char c : url.host) {
    auto u = static_cast<unsigned char>(c);
    if (c == '%' || u < 0x20 || u == 0x7f) {
      return InvalidArgument("URL has an invalid host: '" + QuoteForMessage(original) + "'");
    }
  }
  std::string port = Part(u, CURLUPART_PORT);
  url.port = port.empty() ? (url.scheme == "https" ? 443 : 80)
                          : static_cast<uint16_t>(std::stoi(port));
  // libcurl takes port 0, which no server listens on; origins refuse it too (1 to 65535).
  if (url.port == 0) return InvalidArgument("URL has port 0: '" + std::string(original) + "'");
  if (!SameHostWhenParsedAgain(url)) {
    return InvalidArgument("URL has an invalid host: '" + QuoteForMessage(original) + "'");
  }
  url.path = Part(u, CURLUPART_PATH);
  if (url.path.empty()) url.path = "/";
  url.query = Part(u, CURLUPART_QUERY);
  return url;
}

// RFC 3986 characters that libcurl leaves as they are in a path or query: unreserved,
// sub-delims, ':' and '@' (and '/' and '?', which the callers handle).
constexpr std::array<bool, 256> kPlainUrlChars = [] {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  // '%' is checked for two hex digits by the caller.
  for (char c : std::string_view("-._~!$&'()*+,;=:@%")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool PlainUrlChar(char c) { return kPlainUrlChars[static_cast<unsigned char>(c)]; }

// "http" or "https" in any case: the scheme's canonical spelling, or nullptr.
const char* PlainScheme(std::string_view text) {
  if (SameHeaderName(text, "http")) return "http";
  if (SameHeaderName(text, "https")) return "https";
  return nullptr;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A path or query made of plain characters and well-formed escapes, without "." or ".."
// segments (libcurl removes those) and without escaped dots (to be safe from any decoding).
bool PlainPart(std::string_view part, bool query) {
  for (size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (c == '/' || (query && c == '?')) continue;
    if (!PlainUrlChar(c)) return false;
    if (c == '%') {
      if (i + 2 >= part.size()) return false;
      if (!IsHex(part[i + 1]) || !IsHex(part[i + 2])) return false;
      if (part[i + 1] == '2' && (part[i + 2] == 'e' || part[i + 2] == 'E')) return false;
    }
  }
  if (query) return true;
  size_t start = 0;
  while (start <= part.size()) {
    size_t end = part.find('/', start);
    if (end == std::string_view::npos) end = part.size();
    std::string_view segment = part.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

// A host libcurl takes as it is: labels of letters, digits and '-', lowercased; or, when every
// label starts with a digit (libcurl would read it as a number, "127.1" or "0x7f.1"), exactly a
// canonical dotted IPv4 address.
bool PlainHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  bool numeric = true;  // every label starts with a digit
  size_t labels = 0;
  for (size_t start = 0; start <= host.size();) {
    size_t end = std::min(host.find('.', start), host.size());
    std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (label[0] < '0' || label[0] > '9') numeric = false;
    ++labels;
    start = end + 1;
  }
  return !numeric || IsCanonicalIPv4(host);
}

}  // namespace

bool IsCanonicalIPv4(std::string_view host) {
  size_t labels = 0;
  for (size_t start = 0; start <= host.size(); ++labels) {
    size_t end = std::min(host.find('.', start), host.size());
    std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 3 || (label.size() > 1 && label[0] == '0')) return false;
    int value = 0;
    for (char c : label) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    start = end + 1;
  }
  return labels == 4;
}

std::optional<Url> ParsePlainUrl(std::string_view text) {
  Url url;
  size_t colon = text.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  const char* scheme = PlainScheme(text.substr(0, colon));
  if (scheme == nullptr) return std::nullopt;
  url.scheme = scheme;
  std::string_view rest = text.substr(colon + 3);
  size_t authority_end = 0;
  while (authority_end < rest.size() && rest[authority_end] != '/' && rest[authority_end] != '?' &&
         rest[authority_end] != '#') {
    ++authority_end;
  }
  if (authority_end == rest.size()) authority_end = std::string_view::npos;
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (!rest.empty() && rest.front() != '/') return std::nullopt;  // "?q" right after the host
  std::string_view host = authority;
  url.port = url.scheme == "https" ? 443 : 80;
  if (auto p = authority.find(':'); p != std::string_view::npos) {
    host = authority.substr(0, p);
    std::string_view port = authority.substr(p + 1);
    if (port.empty() || port.size() > 5 || port[0] == '0') return std::nullopt;
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    if (value > 65535) return std::nullopt;
    url.port = static_cast<uint16_t>(value);
  }
  if (!PlainHost(host)) return std::nullopt;
  url.host.assign(host);
  AsciiLowerInPlace(url.host);
  size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  if (!PlainPart(path, false) || !PlainPart(query, true)) return std::nullopt;
  url.path = path.empty() ? "/" : std::string(path);
  url.query = std::string(query);
  return url;
}

Result<Url> ParseUrlWithCurl(std::string_view text) {
  if (HasNul(text)) {
    return InvalidArgument("invalid URL '" + QuoteForMessage(text) + "': it has a NUL character");
  }
  CurlUrl u(curl_url());
  std::string s(text);
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, s.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) {
    return InvalidArgument("invalid URL '" + s + "': " + curl_url_strerror(rc));
  }
  return FromHandle(u.get(), text);
}

// Appended in place: these run for every audited call, and building the parts as strings of
// their own cost more than the rest of the formatting.
void Url::AppendAuthority(std::string& out) const {
  bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  if (!default_port) {
    out += ':';
    AppendDecimal(out, port);
  }
}

void Url::AppendOrigin(std::string& out) const {
  out.append(scheme).append("://"sv);
  AppendAuthority(out);
}

std::string Url::Origin() const {
  std::string out;
  out.reserve(scheme.size() + host.size() + 11);
  AppendOrigin(out);
  return out;
}

std::string Url::ToString() const {
  std::string out;
  out.reserve(scheme.size() + host.size() + path.size() + query.size() + 12);
  AppendOrigin(out);
  out += path;
  if (!query.empty()) out.append("?"sv).append(query);
  return out;
}

std::optional<Url> AppendPlainPath(const Url& base, std::string_view base_text,
                                   std::string_view relative) {
  if (!base.query.empty() || relative.empty() || relative.front() != '/') return std::nullopt;
  // base_text's path as written ("" for "https://host"), which the relative part extends.
  size_t authority = base_text.find("://");
  if (authority == std::string_view::npos) return std::nullopt;
  size_t slash = base_text.find('/', authority + 3);
  std::string_view base_path = slash == std::string_view::npos ? "" : base_text.substr(slash);
  if (base_path.find_first_of("?#") != std::string_view::npos) return std::nullopt;
  size_t q = relative.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view() : relative.substr(q + 1);
  Url url;
  url.scheme = base.scheme;
  url.host = base.host;
  url.port = base.port;
  std::string_view path = relative.substr(0, q);
  url.path.reserve(base_path.size() + path.size());
  url.path.append(base_path).append(path);
  // The same checks ParsePlainUrl makes of a path and query.
  if (!PlainPart(url.path, false) || !PlainPart(query, true)) return std::nullopt;
  url.query.assign(query);
  return url;
}

Result<void> CheckProxyUrl(std::string_view text) {
  const char* shape = "outbound_proxy must be http://HOST:PORT or https://HOST:PORT (user info "
                      "allowed, nothing after the port)";
  CurlUrl u(curl_url());
  std::string s(text);
  if (HasNul(text) ||
      curl_url_set(u.get(), CURLUPART_URL, s.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return InvalidArgument(shape);
  }
  std::string scheme = Lower(Part(u.get(), CURLUPART_SCHEME));
  std::string path = Part(u.get(), CURLUPART_PATH);
  if ((scheme != "http" && scheme != "https") || Part(u.get(), CURLUPART_HOST).empty() ||
      Part(u.get(), CURLUPART_PORT).empty() || (!path.empty() && path != "/") ||
      !Part(u.get(), CURLUPART_QUERY).empty() || !Part(u.get(), CURLUPART_FRAGMENT).empty()) {
    return InvalidArgument(shape);
  }
  return Ok();
}

Result<Url> ParseUrl(std::string_view text) {
  if (auto plain = ParsePlainUrl(text)) return std::move(*plain);
  return ParseUrlWithCurl(text);
}

Result<Url> ResolveUrl(const Url& base, std::string_view reference) {
  CurlUrl u(curl_url());
  std::string b = base.ToString();
  if (curl_url_set(u.get(), CURLUPART_URL, b.c_str(), 0) != CURLUE_OK) {
    return InvalidArgument("invalid base URL '" + b + "'");
  }
  if (HasNul(reference)) {
    return InvalidArgument("invalid redirect location '" + QuoteForMessage(reference) +
                           "': it has a NUL character");
  }
  std::string ref(reference);
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, ref.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) {
    return InvalidArgument("invalid redirect location '" + ref + "': " + curl_url_strerror(rc));
  }
  return FromHandle(u.get(), reference);
}

Result<void> CheckSameOriginPath(const Url& origin, std::string_view target) {
  if (target.size() > kMaxRedirectTargetBytes) {
    return InvalidArgument("it is longer than " + std::to_string(kMaxRedirectTargetBytes) +
                           " bytes");
  }
  for (char ch : target) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
      return InvalidArgument("it contains a space, a control character or a non-ASCII character");
    }
    if (c == '\\') return InvalidArgument("it contains a backslash");
  }
  if (!target.starts_with('/')) return InvalidArgument("it is not a path starting with '/'");
  if (target.starts_with("//")) return InvalidArgument("it starts with '//', which names a host");
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  for (size_t i = 0; i + 2 < path.size(); ++i) {
    if (path[i] != '%') continue;
    char a = path[i + 1];
    char b = static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 2])));
    if ((a == '2' && b == 'F') || (a == '5' && b == 'C')) {
      return InvalidArgument("its path contains an encoded '/' or '\\'");
    }
  }
  auto resolved = ResolveUrl(origin, target);
  if (!resolved.ok()) return InvalidArgument("it is not a valid URL path");
  if (!resolved->SameOrigin(origin)) return InvalidArgument("it leads to another site");
  return Ok();
}

std::string WithoutFormFields(std::string_view encoded, const std::vector<std::string>& names) {
  std::string out;
  while (!encoded.empty()) {
    size_t amp = encoded.find('&');
    std::string_view part = encoded.substr(0, amp);
    encoded = amp == std::string_view::npos ? std::string_view() : encoded.substr(amp + 1);
    std::string name = PercentDecode(part.substr(0, part.find('=')), true);
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    if (!out.empty()) out += '&';
    out += part;
  }
  return out;
}

std::string RedactQuery(const Url& url, const std::vector<std::string>& secret_params) {
  if (url.query.empty() || secret_params.empty()) return url.ToString();
  std::string query;
  std::string_view rest = url.query;
  while (true) {
    auto amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    auto eq = part.find('=');
    std::string name = PercentDecode(part.substr(0, eq), true);
    if (!query.empty()) query += '&';
    if (eq != std::string_view::npos &&
        std::find(secret_params.begin(), secret_params.end(), name) != secret_params.end()) {
      query += std::string(part.substr(0, eq)) + "=***";
    } else {
      query += part;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  Url copy = url;
  copy.query = query;
  return copy.ToString();
}

}  // namespace relish::outbound
