#include "api/signin_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace relish::api {
namespace {

std::string Cut(std::string_view key) { return std::string(key.substr(0, kMaxKeyBytes)); }

std::string LowerEmail(std::string_view email) {
  std::string out = Cut(email);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Seconds(int64_t n) { return std::to_string(n) + (n == 1 ? " second" : " seconds"); }

}  // namespace

std::string AddressKey(std::string_view remote) {
  std::string text = Cut(remote);
  std::array<unsigned char, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return text;
  char out[INET6_ADDRSTRLEN] = {};
  constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), v6.begin())) {
    inet_ntop(AF_INET, v6.data() + 12, out, sizeof out);
    return out;
  }
  std::fill(v6.begin() + 8, v6.end(), 0);
  inet_ntop(AF_INET6, v6.data(), out, sizeof out);
  return std::string(out) + "/64";
}

// --- Attempt

SignInThrottle::Attempt::Attempt(Attempt&& other) noexcept
    : throttle_(std::exchange(other.throttle_, nullptr)),
      address_(std::move(other.address_)),
      account_(std::move(other.account_)),
      at_(other.at_) {}

SignInThrottle::Attempt::~Attempt() {
  if (throttle_ == nullptr) return;
  std::lock_guard lock(throttle_->mu_);
  throttle_->addresses_.Remove(address_, at_);
  throttle_->accounts_.Remove(account_, at_);
}

void SignInThrottle::Attempt::Succeeded() {
  if (throttle_ != nullptr) throttle_->Resolve(*this, true);
}

void SignInThrottle::Attempt::Failed() {
  if (throttle_ != nullptr) throttle_->Resolve(*this, false);
}

// --- Log

void SignInThrottle::Log::Prune(Entry& e, Time now) const {
  auto live =
      std::find_if(e.times.begin(), e.times.end(), [&](Time t) { return t + rule_.window > now; });
  e.times.erase(e.times.begin(), live);
}

int64_t SignInThrottle::Log::Wait(const std::string& key, Time now) {
  auto it = index_.find(key);
  if (it == index_.end()) return 0;
  Entry& e = *it->second;
  Prune(e, now);
  if (e.times.size() < static_cast<size_t>(rule_.failures)) return 0;
  // One more may go ahead when the oldest of the last `failures` leaves the window.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                e.times[e.times.size() - rule_.failures] + rule_.window - now)
                .count();
  return std::max<int64_t>(1, (ms + 999) / 1000);
}

void SignInThrottle::Log::Add(const std::string& key, Time at) {
  auto it = index_.find(key);
  if (it == index_.end()) {
    if (index_.size() >= max_keys_) {
      index_.erase(entries_.back().key);
      entries_.pop_back();
    }
    entries_.push_front({key, {}});
    it = index_.emplace(key, entries_.begin()).first;
  } else {
    entries_.splice(entries_.begin(), entries_, it->second);
  }
  Entry& e = *it->second;
  Prune(e, at);
  e.times.push_back(at);
  // Only the newest `failures` decide anything.
  if (e.times.size() > static_cast<size_t>(rule_.failures)) e.times.erase(e.times.begin());
}

void SignInThrottle::Log::Remove(const std::string& key, Time at) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  auto& times = it->second->times;
  if (auto t = std::find(times.begin(), times.end(), at); t != times.end()) times.erase(t);
}

void SignInThrottle::Log::Clear(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  entries_.erase(it->second);
  index_.erase(it);
}

// --- SignInThrottle

SignInThrottle::SignInThrottle(const Clock& clock, ThrottleOptions options)
    : clock_(clock),
      options_(options),
      addresses_(options.address, options.max_keys),
      accounts_(options.account, options.max_keys) {}

bool SignInThrottle::Known(const std::string& pair, Time now) {
  auto it = known_index_.find(pair);
  if (it == known_index_.end()) return false;
  if (it->second->second > now) return true;
  known_.erase(it->second);
  known_index_.erase(it);
  return false;
}

std::variant<SignInThrottle::Attempt, SignInThrottle::Refusal> SignInThrottle::Begin(
    std::string_view address, std::string_view email) {
  std::string address_key = Cut(address);
  std::string account_key = LowerEmail(email);
  std::lock_guard lock(mu_);
  Time now = clock_.Monotonic();
  int64_t address_wait = addresses_.Wait(address_key, now);
  int64_t account_wait = 0;
  if (!Known(account_key + '\n' + address_key, now))
    account_wait = accounts_.Wait(account_key, now);
  if (address_wait > 0 || account_wait > 0) {
    bool address_decides = address_wait >= account_wait;
    int64_t wait = std::max(address_wait, account_wait);
    return Refusal{std::string("too many failed sign-ins ") +
                       (address_decides ? "from this address" : "for this account") +
                       "; try again in " + Seconds(wait),
                   wait};
  }
  addresses_.Add(address_key, now);
  accounts_.Add(account_key, now);
  return Attempt(this, std::move(address_key), std::move(account_key), now);
}

void SignInThrottle::Resolve(Attempt& attempt, bool succeeded) {
  std::lock_guard lock(mu_);
  if (succeeded) {
    addresses_.Remove(attempt.address_, attempt.at_);
    accounts_.Clear(attempt.account_);
    std::string pair = attempt.account_ + '\n' + attempt.address_;
    Time until = clock_.Monotonic() + options_.known_address_ttl;
    if (auto it = known_index_.find(pair); it != known_index_.end()) {
      it->second->second = until;
      known_.splice(known_.begin(), known_, it->second);
    } else {
      if (known_index_.size() >= options_.max_keys) {
        known_index_.erase(known_.back().first);
        known_.pop_back();
      }
      known_.emplace_front(pair, until);
      known_index_.emplace(std::move(pair), known_.begin());
    }
  }
  attempt.throttle_ = nullptr;  // a failure stays counted
}

size_t SignInThrottle::tracked_addresses() const {
  std::lock_guard lock(mu_);
  return addresses_.size();
}

size_t SignInThrottle::tracked_accounts() const {
  std::lock_guard lock(mu_);
  return accounts_.size();
}

}  // namespace relish::api
