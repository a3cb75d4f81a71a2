#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "base/fast_random.h"

namespace relish {
namespace {

TEST(IdsTest, PrefixedTimeOrderedAndRandom) {
  FakeClock clock(1'700'000'000'000);
  FakeRandom random(3);
  std::string a = NewId("con", clock, random);
  clock.Advance(Millis(1));
  std::string b = NewId("con", clock, random);
  EXPECT_EQ(a.size(), 4u + 26u);
  EXPECT_EQ(a.substr(0, 4), "con_");
  EXPECT_LT(a, b);  // later ids sort after earlier ones
  EXPECT_EQ(a.find_first_not_of("con_0123456789abcdefghjkmnpqrstvwxyz"), std::string::npos);
}

// Fills with 1, 2, 3...: the id's layout can be checked digit by digit.
class CountingRandom final : public Random {
 public:
  explicit CountingRandom(uint8_t first) : first_(first) {}
  void Fill(std::span<uint8_t> out) override {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(first_ + i);
  }

 private:
  uint8_t first_;
};

TEST(IdsTest, ExactLayout) {
  // 48 bits of milliseconds, then the 80 random bits, as 26 Crockford base32 digits (the first
  // carries 3 bits).
  FakeClock clock(1'700'000'000'000);
  CountingRandom counting(1);
  EXPECT_EQ(NewId("aud", clock, counting), "aud_01hf7yat00041061050r3gg28a");
  FakeClock later(1'800'000'000'123);
  CountingRandom ones(0xFF);  // 0xFF, then wrapping to 0x00, 0x01...
  EXPECT_EQ(NewId("", later, ones), "01mcc5rm3vzw0020g30g2gc1r8");
}

TEST(IdsTest, SameMillisecondStillDiffers) {
  FakeClock clock;
  FakeRandom random;
  EXPECT_NE(NewId("", clock, random), NewId("", clock, random));
  EXPECT_EQ(NewId("", clock, random).size(), 26u);
}

TEST(IdsTest, SystemClockIdsSortInTheOrderMadeWithinAMillisecond) {
  // Thousands of ids fall in each millisecond here; without the monotonic step their random
  // parts would put them in any order.
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(NewId("evt"));
  for (size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(IdsTest, SystemClockIdsFromManyThreadsAreDistinct) {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& out : made) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 2000; ++i) out.push_back(NewId(""));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& out : made) {
    for (size_t i = 1; i < out.size(); ++i) ASSERT_LT(out[i - 1], out[i]);
    all.insert(out.begin(), out.end());
  }
  EXPECT_EQ(all.size(), 8000u);
}

TEST(IdsTest, TokenIsUrlSafe) {
  FakeRandom random;
  std::string t = random.Token(32);
  EXPECT_EQ(t.size(), 43u);
  EXPECT_EQ(t.find_first_of("+/="), std::string::npos);
}

TEST(IdsTest, FastRandomIdsDifferWithinAndAcrossThreads) {
  FakeClock clock;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewId("req", clock, FastRandom()));
  std::string other;
  std::thread t([&] { other = NewId("req", clock, FastRandom()); });
  t.join();
  ids.insert(other);
  EXPECT_EQ(ids.size(), 1001u);  // each thread is seeded on its own, from the OS
}

}  // namespace
}  // namespace relish
