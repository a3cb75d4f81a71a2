#include "api/body.h"

#include <gtest/gtest.h>

namespace relish::api {
namespace {

using server::Json;

TEST(BodyTest, FieldsOfTheWrongTypeAreErrorsNamingThem) {
  Json body = Json::parse(R"({"name":"Books","empty":"","n":42,"flag":true,"list":["a","b"],
                              "mixed":["a",1],"map":{"k":"v"},"bad_map":{"k":1},"nothing":null})");
  EXPECT_EQ(*RequiredText(body, "name"), "Books");
  EXPECT_EQ(RequiredText(body, "empty").error(), InvalidArgument("'empty' is required and must be a string"));
  EXPECT_EQ(RequiredText(body, "n").error(), InvalidArgument("'n' is required and must be a string"));
  EXPECT_EQ(RequiredText(body, "absent").error(), InvalidArgument("'absent' is required and must be a string"));
  EXPECT_EQ(*OptionalText(body, "absent"), "");
  EXPECT_EQ(*OptionalText(body, "nothing"), "");
  EXPECT_EQ(OptionalText(body, "n").error(), InvalidArgument("'n' must be a string"));
  EXPECT_EQ(*OptionalBool(body, "flag"), true);
  EXPECT_EQ(*OptionalBool(body, "absent"), false);
  EXPECT_EQ(OptionalBool(body, "name").error(), InvalidArgument("'name' must be true or false"));
  EXPECT_EQ(*TextList(body, "list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(TextList(body, "absent")->empty());
  EXPECT_EQ(TextList(body, "absent", true).error(), InvalidArgument("'absent' is required: a list of strings"));
  EXPECT_EQ(TextList(body, "mixed").error(), InvalidArgument("'mixed' must be a list of strings"));
  EXPECT_EQ(TextList(body, "name").error(), InvalidArgument("'name' must be a list of strings"));
  EXPECT_EQ(TextMap(body, "map")->at("k"), "v");
  EXPECT_EQ(TextMap(body, "bad_map").error(), InvalidArgument("'bad_map.k' must be a string"));
  EXPECT_EQ(TextMap(body, "list").error(), InvalidArgument("'list' must be an object of strings"));
}

}  // namespace
}  // namespace relish::api
