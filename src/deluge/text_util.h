// UTF-8 helpers. Deluge counts text in characters (Unicode code points here), never bytes.
// Malformed UTF-8 is tolerated: every byte that does not continue a sequence starts a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace relish::deluge {

size_t Utf8Length(std::string_view text);
// Byte offset of character `index` (clamped to text.size()).
size_t Utf8Offset(std::string_view text, size_t index);
// Decodes the code point at text[i] and advances i; malformed bytes decode as themselves.
char32_t DecodeUtf8(std::string_view text, size_t& i);
void EncodeUtf8(char32_t cp, std::string& out);

char32_t ToUpperChar(char32_t cp);
char32_t ToLowerChar(char32_t cp);
std::string ToUpper(std::string_view text);
std::string ToLower(std::string_view text);
// Case-insensitive comparison and search (per code point, simple case folding).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Byte offset of the first match of `needle` in `hay` at or after byte `from`, ignoring case;
// npos when absent. Linear in the sizes, as the two below.
size_t FindIgnoreCase(std::string_view hay, std::string_view needle, size_t from = 0);
// std::string_view::find and rfind, in linear time: the standard ones compare the needle at
// every place its first byte occurs, so "a" * 10,000,000 searched for "a" * 5,000,000 + "b" took
// hours. (glibc's memmem is the two-way algorithm.)
size_t FindText(std::string_view hay, std::string_view needle, size_t from = 0);
size_t RFindText(std::string_view hay, std::string_view needle);

bool IsAsciiAlpha(char c);
bool IsAsciiDigit(char c);
bool IsAsciiAlnum(char c);
// URL encoding as Java's URLEncoder (and so Deluge's encodeUrl and form bodies): letters, digits
// and ".-*_" stay, space becomes '+', every other byte %XX. Appends to `out`.
void JavaUrlEncodeTo(std::string& out, std::string_view text);

// ---- bytes from outside (issue 17: invokeurl answers, file contents) ----
// `s` with every byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points past U+10FFFF included) replaced by U+FFFD.
std::string ValidUtf8(std::string_view s);

}  // namespace relish::deluge
