#include "base/random.h"

#include "base/fast_random.h"

#include <sodium.h>

#include <cstdlib>

#include "base/encoding.h"

namespace relish {

std::string Random::Token(size_t bytes) {
  std::string raw(bytes, '\0');
  Fill({reinterpret_cast<uint8_t*>(raw.data()), raw.size()});
  return Base64UrlEncode(raw);
}

uint64_t Random::Next64() {
  uint64_t v = 0;
  Fill({reinterpret_cast<uint8_t*>(&v), sizeof v});
  return v;
}

SecureRandom::SecureRandom() {
  // sodium_init is idempotent and thread-safe; it fails only when the OS has no entropy source,
  // and then nothing secret can be made safely.
  if (sodium_init() < 0) std::abort();
}

void SecureRandom::Fill(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

void FakeRandom::Fill(std::span<uint8_t> out) {
  for (auto& b : out) {
    // splitmix64 step: cheap, deterministic, well spread.
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    b = static_cast<uint8_t>(z ^ (z >> 31));
  }
}

namespace {

// xoshiro256** (Blackman and Vigna), one state per thread, seeded from SystemRandom.
class ThreadLocalRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    thread_local uint64_t s[4] = {0, 0, 0, 0};
    thread_local bool seeded = false;
    if (!seeded) {
      do {
        SystemRandom().Fill({reinterpret_cast<uint8_t*>(s), sizeof s});
      } while ((s[0] | s[1] | s[2] | s[3]) == 0);  // the all-zero state is a fixed point
      seeded = true;
    }
    size_t i = 0;
    while (i < out.size()) {
      uint64_t v = Next(s);
      for (int k = 0; k < 8 && i < out.size(); ++k, v >>= 8) out[i++] = static_cast<uint8_t>(v);
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t Next(uint64_t* s) {
    uint64_t result = Rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
  }
};

}  // namespace

Random& FastRandom() {
  static ThreadLocalRandom random;
  return random;
}

Random& SystemRandom() {
  static SecureRandom random;
  return random;
}

}  // namespace relish
