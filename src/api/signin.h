// SignIn: the one way a route checks an email and a password (POST /api/v1/session,
// POST /api/v1/auth/token, POST /login), and runs other password work (POST /api/v1/users)
// (docs/identity.md#signing-in).
//
//   1. The throttle (signin_throttle.h) may refuse at once, without hashing: kResourceExhausted
//      (429) with the seconds until an attempt may go through.
//   2. The password is checked on the password pool (password_pool.h), never on an I/O thread;
//      a full pool refuses at once: kUnavailable (503), retry after a second.
//   3. The outcome goes back to the throttle: a wrong email or password is a failure of the
//      address and the account, a success clears the account's failures.
//
// Owned by the composition root; the throttle and pool it refers to must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/password_pool.h"
#include "api/signin_throttle.h"
#include "identity/identity.h"
#include "server/http.h"

namespace relish::api {

struct SignInOutcome {
  Result<identity::User> user;
  // With kResourceExhausted (throttled) or kUnavailable (the pool is full): the Retry-After.
  int64_t retry_after_seconds = 0;
};

class SignIn {
 public:
  SignIn(identity::Identity& identity, SignInThrottle& throttle, PasswordPool& pool)
      : identity_(identity), throttle_(throttle), pool_(pool) {}

  // `remote` is the peer address (Request::remote). The arguments must stay alive until the
  // co_await completes: pass named locals.
  Task<SignInOutcome> Check(const std::string& remote, const std::string& email,
                            const std::string& password);

  // For other password work (creating a user, setting a password): run it on pool(), and
  // answer Busy() when the pool turns it away.
  PasswordPool& pool() { return pool_; }
  static SignInOutcome Busy();

 private:
  identity::Identity& identity_;
  SignInThrottle& throttle_;
  PasswordPool& pool_;
};

// The JSON error of a failed outcome, with Retry-After when it has one.
server::Response SignInError(const SignInOutcome& outcome);

}  // namespace relish::api
