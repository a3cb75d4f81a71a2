#include "server/http.h"

#include <gtest/gtest.h>

#include "server/json.h"
#include "server/static_files.h"

namespace relish::server {
namespace {

TEST(HttpTest, QueryParametersAreFormDecoded) {
  Request r;
  r.query = "code=a%2Bb&state=x+y&empty=&flag";
  EXPECT_EQ(r.QueryParam("code"), "a+b");
  EXPECT_EQ(r.QueryParam("state"), "x y");
  EXPECT_EQ(r.QueryParam("empty"), "");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_EQ(r.QueryParam("missing"), std::nullopt);
}

TEST(HttpTest, HeadersAreCaseInsensitive) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(r.Header("content-type"), "application/json");
  Response res;
  res.SetHeader("X-A", "1").SetHeader("x-a", "2");
  EXPECT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.Header("X-A"), "2");
}

TEST(HttpTest, ErrorCodesMapToStatusesInOnePlace) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
  Response r = ErrorResponse(AlreadyExists("link name 'books' is taken"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, R"({"code":"already_exists","message":"link name 'books' is taken"})");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
}

TEST(HttpTest, JsonBodyErrors) {
  Request r;
  EXPECT_EQ(ParseJsonBody(r).error().message(), "request body is empty; expected a JSON object");
  r.body = "{oops";
  EXPECT_EQ(ParseJsonBody(r).error().message(), "request body is not valid JSON");
  r.body = "[1]";
  EXPECT_EQ(ParseJsonBody(r).error().message(), "request body must be a JSON object");
  r.body = R"({"a":1})";
  EXPECT_EQ((*ParseJsonBody(r))["a"], 1);
}

TEST(HttpTest, StaticFilesServeIndexForConsoleRoutes) {
  Request r;
  r.path = "/";
  Response root = ServeStatic(r);
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(root.body.find("<title>Relish"), std::string::npos);
  r.path = "/connections";
  EXPECT_EQ(ServeStatic(r).body, root.body);
  r.path = "/missing.js";
  EXPECT_EQ(ServeStatic(r).status, 404);
}

}  // namespace
}  // namespace relish::server
