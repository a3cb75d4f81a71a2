// Byte encodings used across modules: base64 (standard and url-safe), hex, percent-encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relish {

std::string Base64Encode(std::string_view bytes);     // standard alphabet, padded
std::string Base64UrlEncode(std::string_view bytes);  // url-safe alphabet, no padding
// Accepts both alphabets, padded or not; nullopt on invalid input.
std::optional<std::string> Base64Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);  // lowercase
std::optional<std::string> HexDecode(std::string_view text);

// RFC 3986 unreserved characters pass; everything else becomes %XX (uppercase hex).
std::string PercentEncode(std::string_view text);
// application/x-www-form-urlencoded: like PercentEncode but space becomes '+'.
std::string FormEncode(std::string_view text);
// Decodes %XX; '+' becomes space when `plus_is_space`. Invalid escapes are kept literally.
std::string PercentDecode(std::string_view text, bool plus_is_space = false);

// Splits "a=1&b=x+y" into decoded pairs (application/x-www-form-urlencoded), in order.
std::vector<std::pair<std::string, std::string>> ParseFormEncoded(std::string_view text);

// SHA-256 of `bytes`, lowercase hex: how tokens, session ids and states are stored.
std::string Sha256Hex(std::string_view bytes);

// True when two secrets (tokens, digests, CSRF values) are equal and not empty, compared in
// time that does not depend on where they differ (libsodium's sodium_memcmp).
bool SameSecret(std::string_view a, std::string_view b);

}  // namespace relish
