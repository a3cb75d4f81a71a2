#include "api/params.h"

#include <gtest/gtest.h>

namespace relish::api {
namespace {

server::Request With(std::string query) {
  server::Request r;
  r.query = std::move(query);
  return r;
}

TEST(ParamsTest, LimitsAreClampedAndMustBeWholeNumbers) {
  EXPECT_EQ(*LimitParam(With(""), 100, 1000), 100);
  EXPECT_EQ(*LimitParam(With("limit=0"), 100, 1000), 100);
  EXPECT_EQ(*LimitParam(With("limit=7"), 100, 1000), 7);
  EXPECT_EQ(*LimitParam(With("limit=5000"), 100, 1000), 1000);  // a page is bounded
  for (const char* bad : {"limit=-1", "limit=abc", "limit=1e3", "limit=99999999999999999999"}) {
    EXPECT_EQ(LimitParam(With(bad), 100, 1000).error(),
              InvalidArgument("'limit' must be a whole number"))
        << bad;
  }
}

TEST(ParamsTest, IntParamIsZeroWhenAbsent) {
  EXPECT_EQ(*IntParam(With("since=1700000000000"), "since"), 1700000000000);
  EXPECT_EQ(*IntParam(With("other=1"), "since"), 0);
}

}  // namespace
}  // namespace relish::api
