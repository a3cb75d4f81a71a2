#include "server/openapi.h"

#include <gtest/gtest.h>

namespace relish::server {
namespace {

Json Expand(std::string_view shorthand) {
  auto r = ExpandSchema(Json::parse(shorthand));
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? *r : Json();
}

TEST(OpenApiTest, ShorthandExpandsToJsonSchema) {
  EXPECT_EQ(Expand(R"("string")"), Json::parse(R"({"type":"string"})"));
  EXPECT_EQ(Expand(R"("ms?")"),
            Json::parse(R"({"type":["integer","null"],"description":"milliseconds since the Unix epoch"})"));
  EXPECT_EQ(Expand(R"("$Connection?")"),
            Json::parse(R"({"anyOf":[{"$ref":"#/components/schemas/Connection"},{"type":"null"}]})"));
  EXPECT_EQ(Expand(R"("a|b")"), Json::parse(R"({"type":"string","enum":["a","b"]})"));
  EXPECT_EQ(Expand(R"("'ok'")"), Json::parse(R"({"const":"ok"})"));
  EXPECT_EQ(Expand("true"), Json::parse(R"({"const":true})"));
  EXPECT_EQ(Expand(R"("map:integer")"),
            Json::parse(R"({"type":"object","additionalProperties":{"type":"integer"}})"));
  EXPECT_EQ(Expand(R"(["any"])"), Json::parse(R"({"type":"array","items":{}})"));
  EXPECT_EQ(Expand(R"({"id":"string","note?":"string?"})"),
            Json::parse(R"({"type":"object","properties":{"id":{"type":"string"},
                "note":{"type":["string","null"]}},"required":["id"]})"));
  EXPECT_EQ(Expand(R"({"=":{"type":"object","minProperties":1}})"),
            Json::parse(R"({"type":"object","minProperties":1})"));
}

TEST(OpenApiTest, AShorthandThatDoesNotReadIsAnErrorNamingWhere) {
  auto r = ExpandSchema(Json::parse(R"({"user":{"name":"strin"}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().ToString(), "invalid_argument: user: name: unknown schema shorthand 'strin'");
  EXPECT_FALSE(ExpandSchema(Json::parse(R"(["string","integer"])")).ok());
}

TEST(OpenApiTest, RestParametersLoseTheirDots) {
  EXPECT_EQ(OpenApiPath("/api/v1/proxy/{link}/{path...}"), "/api/v1/proxy/{link}/{path}");
  EXPECT_EQ(OpenApiPath("/healthz"), "/healthz");
}

Router RouterWith(std::vector<RouteDoc> docs) {
  Router router;
  router.Add("GET", "/api/v1/things/{id}", Access::kMember, [](Request&) { return Response{}; });
  router.Add("GET", "/open", Access::kPublic, [](Request&) { return Response{}; });
  router.Document(std::move(docs));
  return router;
}

TEST(OpenApiTest, AnOperationHasItsRecordAndWhatItsAccessImplies) {
  Router router = RouterWith({Doc("GET", "/api/v1/things/{id}", "One thing")
                                  .Query("limit:integer")
                                  .Returns(R"({"id":"string"})")
                                  .Errors("not_found failed_precondition"),
                              Doc("GET", "/open", "Open").Returns("string").Media("text/plain")});
  router.DocumentSchema("Unused", R"({"a":"string"})");
  auto doc = OpenApiDocument(router);
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  const Json& op = (*doc)["paths"]["/api/v1/things/{id}"]["get"];
  EXPECT_EQ(op["operationId"], "get_api_v1_things_id");
  EXPECT_EQ(op["x-relish-access"], "member");
  EXPECT_EQ(op["security"], Json::parse(R"([{"apiToken":[]},{"sessionCookie":[]}])"));
  std::vector<std::string> params;
  for (const auto& p : op["parameters"]) params.push_back(p["in"].get<std::string>() + ":" + p["name"].get<std::string>());
  EXPECT_EQ(params, (std::vector<std::string>{"path:id", "query:limit", "query:org", "query:environment"}));
  std::vector<std::string> statuses;
  for (const auto& [status, r] : op["responses"].items()) statuses.push_back(status + " " + r["description"].get<std::string>());
  EXPECT_EQ(statuses, (std::vector<std::string>{"200 One thing", "401 unauthenticated", "403 permission_denied",
                                                "404 not_found", "409 failed_precondition",
                                                "default an error (internal, unavailable, ...)"}));
  EXPECT_EQ((*doc)["paths"]["/open"]["get"]["security"], Json::array());
  EXPECT_EQ((*doc)["components"]["schemas"]["Unused"]["required"], Json::array({"a"}));
}

TEST(OpenApiTest, ARouteWithoutARecordIsMarkedAndARecordWithoutARouteIsAnError) {
  auto doc = OpenApiDocument(RouterWith({Doc("GET", "/open", "Open")}));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ((*doc)["paths"]["/api/v1/things/{id}"]["get"]["x-undocumented"], true);
  EXPECT_FALSE((*doc)["paths"]["/open"]["get"].contains("x-undocumented"));

  auto stale = OpenApiDocument(RouterWith({Doc("POST", "/open", "Gone")}));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().message(), "a record for POST /open, which is no route");
  auto unknown = OpenApiDocument(RouterWith({Doc("GET", "/open", "Open").Errors("nope")}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message(), "GET /open: unknown error code 'nope'");
}

}  // namespace
}  // namespace relish::server
