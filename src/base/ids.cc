#include "base/ids.h"

#include <cstdint>

namespace relish {

std::string NewId(std::string_view prefix, const Clock& clock, Random& random) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  uint8_t r[10];
  random.Fill(r);
  // The 128 bits as two words: 48 bits of milliseconds and 16 random, then 64 random.
  uint64_t millis = static_cast<uint64_t>(clock.NowMillis()) & 0xFFFF'FFFF'FFFF;
  uint64_t hi = (millis << 16) | (uint64_t{r[0]} << 8) | r[1];
  uint64_t lo = 0;
  for (int i = 2; i < 10; ++i) lo = (lo << 8) | r[i];

  size_t start = prefix.empty() ? 0 : prefix.size() + 1;
  std::string out(start + 26, '_');
  prefix.copy(out.data(), prefix.size());
  char* digits = out.data() + start;
  // Digit k from the end holds bits 5k..5k+4 of the 128; the first digit carries the top 3.
  for (unsigned k = 0; k < 26; ++k) {
    unsigned bit = 5 * k;
    uint64_t v = bit >= 64 ? hi >> (bit - 64) : bit + 5 <= 64 ? lo >> bit : (lo >> bit) | (hi << (64 - bit));
    digits[25 - k] = kAlphabet[v & 31];
  }
  return out;
}

}  // namespace relish
