#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace relish {
namespace {

Result<int> Parse(const std::string& s) {
  if (s.empty()) return InvalidArgument("empty");
  return std::stoi(s);
}

Result<int> Double(const std::string& s) {
  int v = TRY(Parse(s));
  return v * 2;
}

Result<void> Check(bool good) {
  if (!good) return FailedPrecondition("not good");
  return Ok();
}

Result<std::string> Chain(bool good) {
  TRY(Check(good));
  return std::string("fine");
}

TEST(ResultTest, ValueAndError) {
  Result<int> a = 5;
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 5);
  Result<int> b = NotFound("no such thing");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(b.error().ToString(), "not_found: no such thing");
}

TEST(ResultTest, TryPropagatesErrorsAndUnwrapsValues) {
  EXPECT_EQ(*Double("21"), 42);
  auto r = Double("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), InvalidArgument("empty"));
  EXPECT_EQ(*Chain(true), "fine");
  EXPECT_EQ(Chain(false).error(), FailedPrecondition("not good"));
}

TEST(ResultTest, MoveOnlyValues) {
  auto make = []() -> Result<std::unique_ptr<int>> { return std::make_unique<int>(7); };
  auto use = [&]() -> Result<int> {
    auto p = TRY(make());
    return *p;
  };
  EXPECT_EQ(*use(), 7);
}

TEST(ResultTest, WithContextPrefixesMessage) {
  Error e = Unavailable("connection refused").WithContext("token endpoint");
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(e.message(), "token endpoint: connection refused");
}

TEST(ResultTest, EveryCodeHasAStableName) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAlreadyExists), "already_exists");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kPermissionDenied), "permission_denied");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnauthenticated), "unauthenticated");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kResourceExhausted), "resource_exhausted");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDeadlineExceeded), "deadline_exceeded");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInternal), "internal");
}

}  // namespace
}  // namespace relish
