// PasswordHasher: how Identity turns a password into a stored hash and checks one, behind an
// interface so tests can count and inspect the work (fake_password_hasher.h) without timing it.
//
// Hashing is deliberately slow (Argon2id: ~0.1 s of CPU and 64 MiB per call at the default cost),
// so callers on a server run it on a small bounded pool, never on an I/O thread
// (api/password_pool.h). Implementations are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace relish::identity {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // A self-describing hash string (algorithm, parameters, salt, digest) of `password`.
  virtual Result<std::string> Hash(std::string_view password) = 0;
  // Whether `password` matches `hash`, a string Hash made (with any parameters).
  virtual bool Verify(const std::string& hash, std::string_view password) = 0;
};

// Argon2id through libsodium's crypto_pwhash_str, with a random salt per hash.
class Argon2idHasher final : public PasswordHasher {
 public:
  Argon2idHasher(uint64_t opslimit, size_t memlimit) : opslimit_(opslimit), memlimit_(memlimit) {}
  Result<std::string> Hash(std::string_view password) override;
  bool Verify(const std::string& hash, std::string_view password) override;

 private:
  uint64_t opslimit_;
  size_t memlimit_;
};

}  // namespace relish::identity
