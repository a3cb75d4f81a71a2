// Randomness behind an interface: real (libsodium's CSPRNG) or fake (deterministic, for tests).
// Both are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

namespace relish {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;

  // `bytes` random bytes as unpadded base64url: for state values, PKCE verifiers, tokens.
  std::string Token(size_t bytes = 32);
  uint64_t Next64();
};

class SecureRandom final : public Random {
 public:
  SecureRandom();
  void Fill(std::span<uint8_t> out) override;
};

// A counter-based generator: the same seed gives the same bytes.
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(uint64_t seed = 1) : state_(seed) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  std::atomic<uint64_t> state_;
};

Random& SystemRandom();

}  // namespace relish
