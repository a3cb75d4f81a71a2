#include "server/router.h"

#include <gtest/gtest.h>

#include "server/json.h"

namespace relish::server {
namespace {

Response Call(const Router& router, std::string method, std::string path) {
  boost::asio::io_context ioc;
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  Response out;
  boost::asio::co_spawn(
      ioc, [&]() -> Task<void> { out = co_await router.Dispatch(req); },
      boost::asio::detached);
  ioc.run();
  return out;
}

Response Echo(Request& r) {
  std::string text(r.route);
  for (const auto& [k, v] : r.params) text += " " + k + "=" + v;
  return Response::Text(200, text);
}

Router Make() {
  Router router;
  router.Add("GET", "/api/v1/connections", Access::kPublic, Echo);
  router.Add("POST", "/api/v1/connections", Access::kPublic, Echo);
  router.Add("GET", "/api/v1/connections/{link}", Access::kPublic, Echo);
  router.Add("DELETE", "/api/v1/connections/{link}", Access::kPublic, Echo);
  router.Add("GET", "/api/v1/connections/{link}/status", Access::kPublic, Echo);
  router.AddAsync("GET", "/api/v1/proxy/{link}/{path...}", Access::kPublic,
                  [](Request& r) -> Task<Response> { co_return Echo(r); });
  return router;
}

TEST(RouterTest, LiteralsAndParameters) {
  Router r = Make();
  EXPECT_EQ(Call(r, "GET", "/api/v1/connections").body, "/api/v1/connections");
  EXPECT_EQ(Call(r, "GET", "/api/v1/connections/books%20conn").body,
            "/api/v1/connections/{link} link=books conn");
  EXPECT_EQ(Call(r, "GET", "/api/v1/connections/x/status").body,
            "/api/v1/connections/{link}/status link=x");
}

TEST(RouterTest, RestParameterKeepsTheRawRemainder) {
  Router r = Make();
  EXPECT_EQ(Call(r, "GET", "/api/v1/proxy/books/api/v3/contacts%2Fx").body,
            "/api/v1/proxy/{link}/{path...} link=books path=api/v3/contacts%2Fx");
  EXPECT_EQ(Call(r, "GET", "/api/v1/proxy/books").body,
            "/api/v1/proxy/{link}/{path...} link=books path=");
}

// Routes are looked up by their first three literal segments, but the first registered match
// still wins, whether it is generic or literal.
TEST(RouterTest, FirstRegisteredMatchWinsAcrossLiteralAndGenericRoutes) {
  Router r;
  r.Add("GET", "/api/v1/early/x", Access::kPublic, Echo);
  r.Add("GET", "/api/{version}/early/{id}", Access::kPublic, Echo);  // generic: may match any /api/... path
  r.Add("GET", "/api/v1/early/{id}", Access::kPublic, Echo);         // never reached: the generic one is first
  r.Add("GET", "/api/v1/late/{id}", Access::kPublic, Echo);
  r.Add("GET", "/{rest...}", Access::kPublic, Echo);
  EXPECT_EQ(Call(r, "GET", "/api/v1/early/x").body, "/api/v1/early/x");
  EXPECT_EQ(Call(r, "GET", "/api/v1/early/y").body, "/api/{version}/early/{id} id=y version=v1");
  EXPECT_EQ(Call(r, "GET", "/api/v1/late/z").body, "/api/v1/late/{id} id=z");
  EXPECT_EQ(Call(r, "GET", "/api/v1/late").body, "/{rest...} rest=api/v1/late");
  EXPECT_EQ(Call(r, "GET", "/api/v2").body, "/{rest...} rest=api/v2");
  EXPECT_EQ(Call(r, "GET", "/").body, "/{rest...} rest=");
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  Router r = Make();
  Response res = Call(r, "PUT", "/api/v1/connections/x");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.Header("Allow"), "GET, DELETE");
  EXPECT_EQ(res.body,
            R"json({"code":"invalid_argument","message":"method PUT is not allowed on /api/v1/connections/x (allowed: GET, DELETE)"})json");
}

TEST(RouterTest, UnknownPathIsJson404) {
  Router r = Make();
  Response res = Call(r, "GET", "/nope");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, R"({"code":"not_found","message":"no route for GET /nope"})");
  EXPECT_EQ(Call(r, "GET", "/api/v1/connections/").status, 404);  // empty parameter
}

TEST(RouterTest, HeadUsesGetRoutesAndFallbackServesStatic) {
  Router r = Make();
  r.SetFallback([](Request& req) {
    if (req.path == "/app.js") return Response::Text(200, "js");
    return ErrorResponse(NotFound("no file"));
  });
  EXPECT_EQ(Call(r, "HEAD", "/api/v1/connections").status, 200);
  EXPECT_EQ(Call(r, "GET", "/app.js").body, "js");
  EXPECT_EQ(Call(r, "POST", "/app.js").status, 404);
}

// Every route says who may call it, and the router lists them as registered (the route
// isolation test and the API's documentation read this list).
TEST(RouterTest, RoutesListsEveryRouteWithItsAccess) {
  Router r;
  r.Add("GET", "/healthz", Access::kPublic, Echo);
  r.Add("GET", "/api/v1/connections", Access::kMember, Echo);
  r.AddAsync("POST", "/api/v1/keys/rotate", Access::kAdmin,
             [](Request& req) -> Task<Response> { co_return Echo(req); });
  auto routes = r.Routes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].pattern, "/healthz");
  EXPECT_EQ(routes[0].access, Access::kPublic);
  EXPECT_EQ(routes[1].method, "GET");
  EXPECT_EQ(AccessName(routes[1].access), "member");
  EXPECT_EQ(routes[2].method, "POST");
  EXPECT_EQ(routes[2].pattern, "/api/v1/keys/rotate");
  EXPECT_EQ(AccessName(routes[2].access), "admin");
}

}  // namespace
}  // namespace relish::server
