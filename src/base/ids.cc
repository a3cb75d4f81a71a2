#include "base/ids.h"

#include <cstdint>
#include <mutex>

namespace relish {
namespace {

// The 128 bits as two words: 48 bits of milliseconds and 16 random, then 64 random.
struct Bits {
  uint64_t millis = 0;
  uint64_t rand_hi = 0;  // the top 16 of the 80 random bits
  uint64_t rand_lo = 0;
};

// Ids this process makes from the system clock sort in the order they were made, even within
// one millisecond (a bulk insert's records, a burst of audit rows): ULID's monotonic mode.
// The random part steps up from the previous id by a random 32-bit amount rather than by one,
// so an id does not give away its neighbours.
Bits NextMonotonic(Bits fresh, uint32_t step) {
  static std::mutex mu;
  static Bits last;
  std::lock_guard lock(mu);
  if (fresh.millis > last.millis) {
    last = fresh;
    return last;
  }
  uint64_t lo = last.rand_lo + uint64_t{step} + 1;
  uint64_t hi = last.rand_hi + (lo < last.rand_lo ? 1 : 0);
  if (hi > 0xFFFF) {  // 80 bits ran out within one millisecond: borrow the next one
    last = Bits{last.millis + 1, fresh.rand_hi, fresh.rand_lo};
  } else {
    last.rand_hi = hi;
    last.rand_lo = lo;
  }
  return last;
}

}  // namespace

std::string NewId(std::string_view prefix, const Clock& clock, Random& random) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  const bool monotonic = &clock == &SystemClock();
  uint8_t r[14];
  random.Fill(std::span<uint8_t>(r, monotonic ? 14 : 10));
  Bits b;
  b.millis = static_cast<uint64_t>(clock.NowMillis()) & 0xFFFF'FFFF'FFFF;
  b.rand_hi = (uint64_t{r[0]} << 8) | r[1];
  for (int i = 2; i < 10; ++i) b.rand_lo = (b.rand_lo << 8) | r[i];
  if (monotonic) {
    uint32_t step = (uint32_t{r[10]} << 24) | (uint32_t{r[11]} << 16) | (uint32_t{r[12]} << 8) | r[13];
    b = NextMonotonic(b, step);
  }
  uint64_t hi = (b.millis << 16) | b.rand_hi;
  uint64_t lo = b.rand_lo;

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
