#include "base/barrier.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <thread>

namespace relish {
namespace {

TEST(BarrierTest, ValuesAndErrorsPassThrough) {
  auto ok = CatchAll("adding", [] { return Result<int>(42); });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  auto failed = CatchAll("adding", []() -> Result<int> { return NotFound("no such thing"); });
  EXPECT_EQ(failed.error(), NotFound("no such thing"));
}

TEST(BarrierTest, AnExceptionBecomesAnInternalErrorWithoutItsText) {
  std::map<std::string, int> fields;
  auto r = CatchAll("reading the key field", [&]() -> Result<int> { return fields.at("api_key"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(),
            Internal("reading the key field failed unexpectedly; the server's log says why"));
  auto v = CatchAll("writing the batch", [] { throw 7; });
  EXPECT_EQ(v.error().code(), ErrorCode::kInternal);
}

// The reason the barrier exists: an exception leaving a thread's function ends the process.
TEST(BarrierTest, AThreadWhoseWorkThrowsEndsNormally) {
  Result<void> seen;
  std::thread t([&] { seen = CatchAll("the job", [] { throw std::runtime_error("boom"); }); });
  t.join();
  EXPECT_EQ(seen.error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace relish
