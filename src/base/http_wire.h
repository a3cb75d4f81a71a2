// Writing HTTP/1.1 message heads by hand. Beast parses every message Relish receives; the heads
// Relish sends are formatted here into one buffer, which costs a fraction of Beast's serializer
// (a chain of buffer views walked per field: ~8% of a proxied request's instructions).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace relish {

// Heads are built with appends of string_views: `out += "literal"` calls strlen at run time
// (the append is not inlined), and `out += "a" + std::to_string(n) + "b"` builds two
// temporary strings.
using namespace std::string_view_literals;

inline void AppendDecimal(std::string& out, uint64_t value) {
  char digits[20];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, static_cast<size_t>(end - digits));
}

// RFC 9110 token characters, the only ones a field name may have.
inline bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// Appends "name: value\r\n". A name that is not a token or a value holding CR, LF or NUL would
// let its text start a new header or message: such a field is left out and false returned.
inline bool AppendHeaderLine(std::string& out, std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  out.append(name).append(": "sv).append(value).append("\r\n"sv);
  return true;
}

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline void AsciiLowerInPlace(std::string& text) {
  for (char& c : text) c = AsciiLower(c);
}

// Header names (and URL schemes and hosts) compare without regard to ASCII case.
inline bool SameHeaderName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace relish
