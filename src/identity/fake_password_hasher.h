// A PasswordHasher for tests that records every hash it makes and every hash it verifies
// against, delegating the work to another hasher (Argon2id at libsodium's minimum cost, say), so
// a test can tell which stored or dummy hash a sign-in was checked against.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "identity/password_hasher.h"

namespace relish::identity {

class RecordingHasher final : public PasswordHasher {
 public:
  explicit RecordingHasher(PasswordHasher& inner) : inner_(inner) {}

  Result<std::string> Hash(std::string_view password) override {
    auto hash = inner_.Hash(password);
    std::lock_guard lock(mu_);
    if (hash.ok()) made_.push_back(*hash);
    return hash;
  }
  bool Verify(const std::string& hash, std::string_view password) override {
    {
      std::lock_guard lock(mu_);
      verified_.push_back(hash);
    }
    return inner_.Verify(hash, password);
  }

  // Every hash Hash returned, and every hash Verify was given, in order.
  std::vector<std::string> made() const {
    std::lock_guard lock(mu_);
    return made_;
  }
  std::vector<std::string> verified() const {
    std::lock_guard lock(mu_);
    return verified_;
  }

 private:
  PasswordHasher& inner_;
  mutable std::mutex mu_;
  std::vector<std::string> made_;      // guarded by mu_
  std::vector<std::string> verified_;  // guarded by mu_
};

}  // namespace relish::identity
