#include "base/random.h"

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

Random& SystemRandom() {
  static SecureRandom random;
  return random;
}

}  // namespace relish
