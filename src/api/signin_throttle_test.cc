#include "api/signin_throttle.h"

#include <gtest/gtest.h>

#include <optional>

namespace relish::api {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class SignInThrottleTest : public ::testing::Test {
 protected:
  // "ok" for an admitted attempt (resolved as `fails` says), else "refused <seconds>: <message>".
  std::string Try(std::string_view address, std::string_view email, bool fails = true) {
    auto begun = throttle_.Begin(address, email);
    if (auto* refused = std::get_if<SignInThrottle::Refusal>(&begun)) {
      return "refused " + std::to_string(refused->retry_after_seconds) + ": " + refused->message;
    }
    auto& attempt = std::get<SignInThrottle::Attempt>(begun);
    if (fails) {
      attempt.Failed();
    } else {
      attempt.Succeeded();
    }
    return "ok";
  }
  void Advance(std::chrono::milliseconds by) { clock_.Advance(by); }

  FakeClock clock_;
  SignInThrottle throttle_{clock_};
};

TEST_F(SignInThrottleTest, AnAccountsFailuresFromAnyAddressAreLimited) {
  static_assert(kAccountRule.failures == 10 && kAccountRule.window == minutes(15));
  // One failure a second, each from another address.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Try("10.0.0." + std::to_string(i), "Ada@Example.com"), "ok") << i;
    Advance(seconds(1));
  }
  // At 10 s: the first failure (at 0 s) leaves the window at 900 s. The email's case is not a
  // new account.
  EXPECT_EQ(Try("10.0.1.1", "ada@example.com"),
            "refused 890: too many failed sign-ins for this account; try again in 890 seconds");
  EXPECT_EQ(Try("10.0.1.2", "ADA@EXAMPLE.COM"),
            "refused 890: too many failed sign-ins for this account; try again in 890 seconds");
  // Other accounts are not held back.
  EXPECT_EQ(Try("10.0.1.1", "bob@example.com"), "ok");
  Advance(std::chrono::milliseconds(889'500));  // 899.5 s: rounded up
  EXPECT_EQ(Try("10.0.1.1", "ada@example.com"),
            "refused 1: too many failed sign-ins for this account; try again in 1 second");
  Advance(std::chrono::milliseconds(500));  // 900 s: one attempt goes through
  EXPECT_EQ(Try("10.0.1.1", "ada@example.com"), "ok");
  EXPECT_EQ(Try("10.0.1.1", "ada@example.com"),
            "refused 1: too many failed sign-ins for this account; try again in 1 second");
}

TEST_F(SignInThrottleTest, AnAddressesFailuresOverAnyAccountsAreLimited) {
  static_assert(kAddressRule.failures == 30 && kAddressRule.window == minutes(15));
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(Try("192.0.2.7", "user" + std::to_string(i) + "@example.com"), "ok") << i;
  }
  Advance(minutes(5));
  EXPECT_EQ(Try("192.0.2.7", "someone.else@example.com"),
            "refused 600: too many failed sign-ins from this address; try again in 600 seconds");
  EXPECT_EQ(Try("192.0.2.8", "someone.else@example.com"), "ok");
  Advance(minutes(10));
  EXPECT_EQ(Try("192.0.2.7", "someone.else@example.com"), "ok");
}

TEST_F(SignInThrottleTest, ASuccessClearsTheAccountNotTheAddress) {
  for (int i = 0; i < 9; ++i) ASSERT_EQ(Try("192.0.2.7", "ada@example.com"), "ok");
  ASSERT_EQ(Try("192.0.2.7", "ada@example.com", /*fails=*/false), "ok");
  // The account starts again from nothing, from anywhere...
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Try("10.0.0.1", "ada@example.com"), "ok") << i;
  EXPECT_EQ(Try("10.0.0.2", "ada@example.com"),
            "refused 900: too many failed sign-ins for this account; try again in 900 seconds");
  // ... while the address keeps its 9 failures (the success was not one): 21 more reach 30.
  for (int i = 0; i < 21; ++i) {
    ASSERT_EQ(Try("192.0.2.7", "u" + std::to_string(i) + "@example.com"), "ok") << i;
  }
  EXPECT_EQ(Try("192.0.2.7", "v@example.com"),
            "refused 900: too many failed sign-ins from this address; try again in 900 seconds");
}

// Whoever fails on purpose cannot keep an account's owner out where they signed in before:
// the account's limit does not hold back an address that signed in to it.
TEST_F(SignInThrottleTest, AnAddressThatSignedInIsNotLockedOutByTheAccountsFailures) {
  ASSERT_EQ(Try("198.51.100.1", "admin@example.com", /*fails=*/false), "ok");
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Try("203.0.113.9", "admin@example.com"), "ok");
  EXPECT_EQ(Try("203.0.113.10", "admin@example.com"),
            "refused 900: too many failed sign-ins for this account; try again in 900 seconds");
  EXPECT_EQ(Try("198.51.100.1", "admin@example.com", /*fails=*/false), "ok");
  // Known for 30 days from the last success.
  Advance(kKnownAddressTtl - seconds(1));
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Try("203.0.113.9", "admin@example.com"), "ok");
  EXPECT_EQ(Try("198.51.100.1", "admin@example.com"), "ok");  // a typo, still let through
  Advance(seconds(1));
  EXPECT_EQ(Try("198.51.100.1", "admin@example.com"),
            "refused 899: too many failed sign-ins for this account; try again in 899 seconds");
}

// Twenty attempts at once must not all pass a limit of ten because none has failed yet.
TEST_F(SignInThrottleTest, AttemptsInFlightCountUntilTheyEnd) {
  std::vector<SignInThrottle::Attempt> pending;
  for (int i = 0; i < 10; ++i) {
    auto begun = throttle_.Begin("10.0.0." + std::to_string(i), "ada@example.com");
    ASSERT_TRUE(std::holds_alternative<SignInThrottle::Attempt>(begun)) << i;
    pending.push_back(std::move(std::get<SignInThrottle::Attempt>(begun)));
  }
  EXPECT_EQ(Try("10.0.1.1", "ada@example.com"),
            "refused 900: too many failed sign-ins for this account; try again in 900 seconds");
  // One was never checked (the pool was busy): it counts for nothing. One succeeds: the account
  // is cleared.
  pending.pop_back();
  EXPECT_EQ(Try("10.0.1.1", "ada@example.com"), "ok");
  pending.back().Succeeded();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Try("10.0.2.1", "ada@example.com"), "ok") << i;
  EXPECT_EQ(Try("10.0.2.2", "ada@example.com"),
            "refused 900: too many failed sign-ins for this account; try again in 900 seconds");
}

TEST_F(SignInThrottleTest, TrackedKeysAreBounded) {
  // kMaxThrottleKeys accounts and addresses, and one more: the least recently failed goes.
  for (size_t i = 0; i <= kMaxThrottleKeys; ++i) {
    std::string n = std::to_string(i);
    ASSERT_EQ(Try("a" + n, "u" + n + "@example.com"), "ok");
  }
  EXPECT_EQ(throttle_.tracked_accounts(), kMaxThrottleKeys);
  EXPECT_EQ(throttle_.tracked_addresses(), kMaxThrottleKeys);
  // A key longer than kMaxKeyBytes is cut: these two are one account.
  std::string long_email(kMaxKeyBytes, 'x');
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Try("b" + std::to_string(i), long_email + "1"), "ok");
  for (int i = 5; i < 10; ++i) ASSERT_EQ(Try("b" + std::to_string(i), long_email + "2"), "ok");
  EXPECT_EQ(Try("c", long_email),
            "refused 900: too many failed sign-ins for this account; try again in 900 seconds");
}

TEST(AddressKeyTest, IPv6ClientsAreKeyedByTheirSlash64) {
  EXPECT_EQ(AddressKey("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(AddressKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("::1"), "::/64");
  EXPECT_EQ(AddressKey(""), "");
}

}  // namespace
}  // namespace relish::api
