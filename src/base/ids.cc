#include "base/ids.h"

#include <array>
#include <cstdint>

namespace relish {

std::string NewId(std::string_view prefix, const Clock& clock, Random& random) {
  static constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  std::array<uint8_t, 16> bytes{};
  uint64_t millis = static_cast<uint64_t>(clock.NowMillis());
  for (int i = 5; i >= 0; --i) {
    bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(millis & 0xFF);
    millis >>= 8;
  }
  random.Fill({bytes.data() + 6, 10});

  std::string out;
  out.reserve(prefix.size() + 27);
  out += prefix;
  if (!out.empty()) out += '_';
  // 128 bits -> 26 base32 digits; the first digit carries the top 3 bits.
  unsigned __int128 n = 0;
  for (uint8_t b : bytes) n = (n << 8) | b;
  char digits[26];
  for (int i = 25; i >= 0; --i) {
    digits[i] = kAlphabet[static_cast<size_t>(n & 31)];
    n >>= 5;
  }
  out.append(digits, 26);
  return out;
}

}  // namespace relish
