// SignInThrottle: how many failed sign-ins a client address and an account may have, so that
// passwords cannot be guessed at the speed of the network (docs/identity.md#throttling).
//
// Each address and each account (its lowercased email, whether or not a user has it, so a
// refusal says nothing about which emails exist) keeps the times of its recent failures. After
// `failures` of them within `window`, a further attempt is refused, without hashing anything,
// until the oldest leaves the window: the refusal says how many seconds that is (the answer's
// Retry-After). A success clears its account's failures, not its address's.
//
// An account's limit could let anyone lock its owner out by failing on purpose. So an address
// that has signed in to an account (within kKnownAddressTtl) is not held back by that account's
// failures, only by its own address's: the owner keeps signing in from where they did before,
// while a guesser elsewhere, however many addresses they use, gets `failures` guesses per window.
//
// An attempt counts as a failure from the moment it is admitted until it is known to have
// succeeded (or was never checked), so attempts in flight at once cannot pass the limit either.
//
// Memory is bounded: at most `max_keys` addresses, as many accounts and as many known
// (account, address) pairs are kept; past that, the one touched least recently is forgotten.
// Keys are cut to kMaxKeyBytes.
//
// Thread-safe. Times are the clock's monotonic time.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/clock.h"

namespace relish::api {

struct ThrottleRule {
  int failures;  // refused once this many failed within the window
  std::chrono::seconds window;
};

// One address (an IPv6 client by its /64): 30 failures per 15 minutes, two a minute sustained.
// Above the account's limit, so that a person who mistypes locks their account (briefly, and
// not at their known addresses) before the office they share an address with.
inline constexpr ThrottleRule kAddressRule{30, std::chrono::minutes(15)};
// One account: 10 failures per 15 minutes, from all addresses together (fewer than 1,000
// guesses a day), lifted for addresses that signed in to it before.
inline constexpr ThrottleRule kAccountRule{10, std::chrono::minutes(15)};
// How many addresses, accounts and known pairs each are tracked at most.
inline constexpr size_t kMaxThrottleKeys = 10'000;
// How long an address that signed in to an account stays exempt from the account's limit.
inline constexpr std::chrono::hours kKnownAddressTtl{24 * 30};
// Addresses and emails are cut to this many bytes: an email has at most 254.
inline constexpr size_t kMaxKeyBytes = 256;

// The throttle's key for a peer address: IPv4 as it is ("::ffff:1.2.3.4" as "1.2.3.4"), IPv6
// by its /64 ("2001:db8:1:2::/64"), since one client commonly holds a whole /64.
std::string AddressKey(std::string_view remote);

struct ThrottleOptions {
  ThrottleRule address = kAddressRule;
  ThrottleRule account = kAccountRule;
  size_t max_keys = kMaxThrottleKeys;
  std::chrono::milliseconds known_address_ttl = kKnownAddressTtl;
};

class SignInThrottle {
 public:
  explicit SignInThrottle(const Clock& clock, ThrottleOptions options = {});

  // An admitted attempt. Say how it ended with Succeeded or Failed; destroyed without either
  // (the password was never checked: the pool was busy, the store failed), it counts for nothing.
  class Attempt {
   public:
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&&) = delete;
    ~Attempt();
    void Succeeded();
    void Failed();

   private:
    friend class SignInThrottle;
    Attempt(SignInThrottle* throttle, std::string address, std::string account,
            std::chrono::steady_clock::time_point at)
        : throttle_(throttle),
          address_(std::move(address)),
          account_(std::move(account)),
          at_(at) {}
    SignInThrottle* throttle_;  // null once resolved
    std::string address_;
    std::string account_;
    std::chrono::steady_clock::time_point at_;
  };

  struct Refusal {
    std::string message;  // "too many failed sign-ins for this account; try again in 42 seconds"
    int64_t retry_after_seconds = 0;
  };

  // `address` as AddressKey gives it; `email` as typed (it is lowercased here).
  std::variant<Attempt, Refusal> Begin(std::string_view address, std::string_view email);

  // For tests: how many addresses and accounts are tracked now.
  size_t tracked_addresses() const;
  size_t tracked_accounts() const;

 private:
  using Time = std::chrono::steady_clock::time_point;

  // Failure times per key, least recently touched last.
  class Log {
   public:
    Log(ThrottleRule rule, size_t max_keys) : rule_(rule), max_keys_(max_keys) {}
    // 0 when one more attempt may go ahead, else whole seconds until one may.
    int64_t Wait(const std::string& key, Time now);
    void Add(const std::string& key, Time at);
    void Remove(const std::string& key, Time at);  // one failure recorded at `at`
    void Clear(const std::string& key);
    size_t size() const { return index_.size(); }

   private:
    struct Entry {
      std::string key;
      std::vector<Time> times;  // ascending, at most rule_.failures
    };
    void Prune(Entry& e, Time now) const;
    ThrottleRule rule_;
    size_t max_keys_;
    std::list<Entry> entries_;
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  };

  void Resolve(Attempt& attempt, bool succeeded);
  bool Known(const std::string& pair, Time now);  // requires mu_

  const Clock& clock_;
  ThrottleOptions options_;
  mutable std::mutex mu_;
  Log addresses_;  // guarded by mu_
  Log accounts_;   // guarded by mu_
  // (account, address) pairs that signed in, with when they stop being known, least recently
  // refreshed last. Guarded by mu_.
  std::list<std::pair<std::string, Time>> known_;
  std::unordered_map<std::string, std::list<std::pair<std::string, Time>>::iterator> known_index_;
};

}  // namespace relish::api
