// Clock: the one way Relish code reads time, so tests can move time by hand.
// RealClock is thread-safe; FakeClock is thread-safe too (tests advance it from any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace relish {

using SystemTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that are stored or shown.
  virtual SystemTime Now() const = 0;
  // Monotonic time, for measuring durations and deadlines.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;

  int64_t NowMillis() const;  // Unix epoch milliseconds
};

class RealClock final : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

// Starts at the given epoch milliseconds; only moves when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_millis = 1'700'000'000'000) : millis_(start_millis) {}
  SystemTime Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void Advance(Millis by) { millis_ += by.count(); }
  void Set(int64_t epoch_millis) { millis_ = epoch_millis; }

 private:
  std::atomic<int64_t> millis_;
};

// The process-wide real clock, for code that has no clock injected (the composition root).
Clock& SystemClock();

}  // namespace relish
