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
  // A JSON body another site's form makes a browser send goes as text/plain (login CSRF).
  r.body = R"({"email":"attacker@evil.example","password":"attacker-password"})";
  EXPECT_EQ(ParseJsonBody(r).error().message(),
            "send the request body as JSON, with 'Content-Type: application/json'");
  r.headers = {{"Content-Type", "text/plain;charset=UTF-8"}};
  EXPECT_EQ(ParseJsonBody(r).error().message(),
            "send the request body as JSON, with 'Content-Type: application/json'");
  r.headers = {{"content-type", "application/json; charset=utf-8"}};
  EXPECT_TRUE(ParseJsonBody(r).ok());
  r.headers = {{"Content-Type", "application/merge-patch+json"}};
  EXPECT_TRUE(ParseJsonBody(r).ok());
  r.headers = {{"Content-Type", "Application/JSON"}};
  r.body = "{oops";
  EXPECT_EQ(ParseJsonBody(r).error().message(), "request body is not valid JSON");
  r.body = "[1]";
  EXPECT_EQ(ParseJsonBody(r).error().message(), "request body must be a JSON object");
  r.body = R"({"a":1})";
  EXPECT_EQ((*ParseJsonBody(r))["a"], 1);
}

// nlohmann's parser takes a NUL as the end of the text, so '{"a":1}' followed by a NUL and
// anything at all was accepted as {"a":1}: a body that a proxy or a log sees whole and a handler
// sees in part. Found by the json_edge fuzz target.
TEST(HttpTest, AJsonBodyWithANulIsNotJson) {
  using namespace std::string_literals;
  Request r;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = "{\"a\":1}\0{\"a\":2}"s;
  EXPECT_EQ(ParseJsonBody(r).error().message(), "request body is not valid JSON");
  r.body = "{\"a\":\"\0\"}"s;  // in a string it must be escaped (\u0000)
  EXPECT_EQ(ParseJsonBody(r).error().message(), "request body is not valid JSON");
  r.body = R"({"a":"\u0000"})";
  EXPECT_EQ((*ParseJsonBody(r))["a"], "\0"s);
}

TEST(HttpTest, StaticFilesServeIndexForConsolePages) {
  Request r;
  r.path = "/";
  Response root = ServeStatic(r);
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(root.body.find("<title>Relish"), std::string::npos);
  for (const char* page : {"/connections", "/connections/c_1", "/services/acme/edit", "/functions",
                           "/rules", "/runs", "/toppings", "/crm", "/audit", "/settings"}) {
    r.path = page;
    EXPECT_EQ(ServeStatic(r).body, root.body) << page;
  }
}

TEST(HttpTest, StaticFilesRefuseWhatIsNotTheConsole) {
  Request r;
  for (const char* path : {"/missing.js", "/nowhere", "/api/v1/nothing", "/connectionsx",
                           "/api", "//connections"}) {
    r.path = path;
    Response response = ServeStatic(r);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body, std::string(R"({"code":"not_found","message":"no file )") + path + "\"}")
        << path;
  }
}

TEST(HttpTest, ConsoleResponsesCarryTheContentSecurityPolicy) {
  Request r;
  for (const char* path : {"/", "/functions/f_1", "/main.js", "/main.css"}) {
    r.path = path;
    Response response = ServeStatic(r);
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.Header("Content-Security-Policy"),
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
              "object-src 'none'")
        << path;
    EXPECT_EQ(response.Header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(response.Header("Referrer-Policy"), "same-origin") << path;
  }
  r.path = "/main.js";
  EXPECT_EQ(ServeStatic(r).Header("Content-Type"), "text/javascript; charset=utf-8");
}

}  // namespace
}  // namespace relish::server
