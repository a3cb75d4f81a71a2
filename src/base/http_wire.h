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

// A method or a field name: one or more token characters.
inline bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// A field value Relish may write: no CR, LF or NUL, any of which would let the value's text
// start a new field or a new message (RFC 9110 §5.5).
inline bool IsFieldValue(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Appends "name: value\r\n". A name that is not a token or a value holding CR, LF or NUL would
// let its text start a new header or message: such a field is left out and false returned.
inline bool AppendHeaderLine(std::string& out, std::string_view name, std::string_view value) {
  if (!IsToken(name) || !IsFieldValue(value)) return false;
  out.append(name).append(": "sv).append(value).append("\r\n"sv);
  return true;
}

// Why a request head cannot be written with these parts, as a sentence for an error message;
// empty when it can. The rules every outbound request follows (outbound/request_head.h applies
// them all; the Deluge runtime and the workflow check a script's or a rule's parts with the same
// words before anything is sent). A header's value is never quoted: it may be a credential.
std::string HeaderFieldError(std::string_view name, std::string_view value);
std::string MethodError(std::string_view method);
// A URL with a space or a control character would end the request line early.
std::string UrlTextError(std::string_view url);

// How much of a caller's text an error message quotes.
inline constexpr size_t kMaxQuotedBytes = 100;
// `text` for an error message: control characters written as \r, \n, \0 or \xNN, so a quoted
// name cannot break the log line it ends up in, and cut after kMaxQuotedBytes bytes ("...").
std::string QuoteForMessage(std::string_view text);

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
