#include "base/http_wire.h"

#include <algorithm>

namespace relish {

std::string QuoteForMessage(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  size_t shown = std::min(text.size(), kMaxQuotedBytes);
  out.reserve(shown + 8);
  for (char c : text.substr(0, shown)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\0') {
      out += "\\0";
    } else if (u < 0x20 || u == 0x7f) {
      out.append("\\x").append(1, kHex[u >> 4]).append(1, kHex[u & 15]);
    } else {
      out += c;
    }
  }
  if (text.size() > shown) out += "...";
  return out;
}

std::string HeaderFieldError(std::string_view name, std::string_view value) {
  if (!IsToken(name)) {
    return "header name '" + QuoteForMessage(name) +
           "' is not valid (allowed: letters, digits and !#$%&'*+-.^_`|~)";
  }
  if (!IsFieldValue(value)) {
    return "header '" + QuoteForMessage(name) + "' has a CR, LF or NUL character in its value";
  }
  return "";
}

std::string MethodError(std::string_view method) {
  if (IsToken(method)) return "";
  return "invalid HTTP method '" + QuoteForMessage(method) + "'";
}

std::string UrlTextError(std::string_view url) {
  for (size_t i = 0; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c == 0x7f) {
      return "the URL has a space or a control character (at byte " + std::to_string(i + 1) + ")";
    }
  }
  return "";
}

}  // namespace relish
