#include "deluge/text_util.h"

#include <string.h>  // memmem (a GNU extension)

namespace relish::deluge {

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

size_t Utf8Offset(std::string_view text, size_t index) {
  size_t i = 0;
  while (i < text.size() && index > 0) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    --index;
  }
  return i;
}

char32_t DecodeUtf8(std::string_view text, size_t& i) {
  auto c = static_cast<unsigned char>(text[i]);
  int extra = 0;
  char32_t cp = 0;
  if (c < 0x80) {
    ++i;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    extra = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3;
    cp = c & 0x07;
  } else {
    ++i;
    return c;
  }
  if (i + extra >= text.size()) {
    ++i;
    return c;
  }
  for (int k = 1; k <= extra; ++k) {
    auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += extra + 1;
  return cp;
}

void EncodeUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Simple case mapping for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic: the scripts CRM
// data mostly holds. Other code points are left as they are.
char32_t ToUpperChar(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c < 0x80) return c;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 &&
      c != 0x17F) {
    bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper ? (c % 2 == 0) : (c % 2 == 1)) return c - 1;
    return c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

char32_t ToLowerChar(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 &&
      c != 0x17F) {
    bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper ? (c % 2 == 1) : (c % 2 == 0)) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

namespace {
template <typename F>
std::string MapChars(std::string_view text, F f) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(f(c));
      ++i;
      continue;
    }
    size_t start = i;
    char32_t cp = DecodeUtf8(text, i);
    if (i == start + 1 && cp >= 0x80) {  // malformed byte: keep it
      out += text[start];
      continue;
    }
    EncodeUtf8(f(cp), out);
  }
  return out;
}
}  // namespace

std::string ToUpper(std::string_view text) { return MapChars(text, ToUpperChar); }
std::string ToLower(std::string_view text) { return MapChars(text, ToLowerChar); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (ToLowerChar(DecodeUtf8(a, i)) != ToLowerChar(DecodeUtf8(b, j))) return false;
  }
  return i == a.size() && j == b.size();
}

size_t FindText(std::string_view hay, std::string_view needle, size_t from) {
  if (from > hay.size()) return std::string_view::npos;
  if (needle.empty()) return from;
  const void* p = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return p == nullptr ? std::string_view::npos : static_cast<const char*>(p) - hay.data();
}

size_t RFindText(std::string_view hay, std::string_view needle) {
  // A short needle costs at most its length per byte of the text.
  if (needle.size() <= 16) return hay.rfind(needle);
  if (needle.size() > hay.size()) return std::string_view::npos;
  std::string h(hay.rbegin(), hay.rend());
  std::string n(needle.rbegin(), needle.rend());
  size_t p = FindText(h, n);
  return p == std::string_view::npos ? p : hay.size() - p - needle.size();
}

size_t FindIgnoreCase(std::string_view hay, std::string_view needle, size_t from) {
  if (from > hay.size()) return std::string_view::npos;
  if (needle.empty()) return from;
  std::string h = ToLower(hay.substr(from));
  size_t p = FindText(h, ToLower(needle));
  if (p == std::string_view::npos) return p;
  // Lowering never lengthens a character; it shortens only malformed or overlong sequences
  // (which decode to ASCII). When none was shortened, offsets carry over; else walk the text
  // once to find the character whose lowered form starts at p. (This once tried every
  // substring, cubic in the length.)
  if (h.size() == hay.size() - from) return from + p;
  size_t i = from;
  size_t lowered = 0;
  while (i < hay.size()) {
    size_t start = i;
    char32_t cp = DecodeUtf8(hay, i);
    std::string one;
    if (i == start + 1 && cp >= 0x80) {
      one = hay[start];  // a malformed byte stays as it is
    } else {
      EncodeUtf8(ToLowerChar(cp), one);
    }
    if (lowered + one.size() > p) return start;
    lowered += one.size();
  }
  return std::string_view::npos;
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }

void JavaUrlEncodeTo(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsAsciiAlnum(ch) || ch == '.' || ch == '-' || ch == '*' || ch == '_') {
      out += ch;
    } else if (ch == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

// ---- bytes from outside (issue 17: invokeurl answers, file contents) ----

// Replaces every byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points past U+10FFFF included) with U+FFFD, so that length() and
// substring() count characters, not stray bytes.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, min = 0x10000, cp = c & 0x07;
    }
    bool ok = n != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace relish::deluge
