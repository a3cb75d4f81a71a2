#include "base/clock.h"

namespace relish {

int64_t Clock::NowMillis() const {
  return std::chrono::duration_cast<Millis>(Now().time_since_epoch()).count();
}

SystemTime FakeClock::Now() const { return SystemTime(Millis(millis_.load())); }

std::chrono::steady_clock::time_point FakeClock::Monotonic() const {
  return std::chrono::steady_clock::time_point(Millis(millis_.load()));
}

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

}  // namespace relish
