#include "api/signin.h"

#include <variant>

#include "server/json.h"

namespace relish::api {

SignInOutcome SignIn::Busy() {
  constexpr int64_t n = kPasswordBusyRetryAfterSeconds;
  return {Unavailable("too many sign-ins are being checked at once; try again in " +
                      std::to_string(n) + (n == 1 ? " second" : " seconds")),
          n};
}

Task<SignInOutcome> SignIn::Check(const std::string& remote, const std::string& email,
                                  const std::string& password) {
  auto begun = throttle_.Begin(AddressKey(remote), email);
  if (auto* refused = std::get_if<SignInThrottle::Refusal>(&begun)) {
    co_return SignInOutcome{ResourceExhausted(refused->message), refused->retry_after_seconds};
  }
  auto& attempt = std::get<SignInThrottle::Attempt>(begun);
  auto work = [&]() { return identity_.CheckPassword(email, password); };
  auto checked = co_await pool_.Run(work);
  // Unchecked (busy, or the store failed): the attempt counts for nothing when it goes.
  if (!checked) co_return Busy();
  if (checked->ok()) {
    attempt.Succeeded();
  } else if (checked->error().code() == ErrorCode::kUnauthenticated) {
    attempt.Failed();
  } else if (checked->error().code() == ErrorCode::kResourceExhausted) {
    // The hasher's memory ran out: the server is busy, the caller is not throttled.
    co_return Busy();
  }
  co_return SignInOutcome{std::move(*checked)};
}

server::Response SignInError(const SignInOutcome& outcome) {
  server::Response r = server::ErrorResponse(outcome.user.error());
  if (outcome.retry_after_seconds > 0) {
    r.SetHeader("Retry-After", std::to_string(outcome.retry_after_seconds));
  }
  return r;
}

}  // namespace relish::api
