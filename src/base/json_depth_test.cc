#include "base/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace relish {
namespace {

std::string Nested(int levels, char open = '[', char close = ']') {
  return std::string(levels, open) + std::string(levels, close);
}

TEST(JsonDepthTest, CountsArraysAndObjectsInsideOneAnother) {
  EXPECT_TRUE(JsonDepthWithin("{}", 1));
  EXPECT_FALSE(JsonDepthWithin("{\"a\":[1]}", 1));
  EXPECT_TRUE(JsonDepthWithin("{\"a\":[1]}", 2));
  EXPECT_TRUE(JsonDepthWithin("[[1],[2],[3]]", 2));  // siblings do not add up
  EXPECT_TRUE(JsonDepthWithin(Nested(kMaxJsonDepth)));
  EXPECT_FALSE(JsonDepthWithin(Nested(kMaxJsonDepth + 1)));
  EXPECT_FALSE(JsonDepthWithin(Nested(100'000, '{', '}')));
}

TEST(JsonDepthTest, BracketsInStringsDoNotCount) {
  std::string deep_text = "\"" + Nested(1000) + "\"";
  EXPECT_TRUE(JsonDepthWithin("{\"a\":" + deep_text + "}", 1));
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  EXPECT_TRUE(JsonDepthWithin(R"({"a":"\"[[[["})", 1));
  EXPECT_FALSE(JsonDepthWithin(R"({"a":"\\"[[[[)", 3));
}

TEST(JsonDepthTest, LooksLikeJsonByItsFirstCharacter) {
  EXPECT_TRUE(LooksLikeJson(" \n\t{"));
  EXPECT_TRUE(LooksLikeJson("[1]"));
  EXPECT_FALSE(LooksLikeJson("a=[[[["));
  EXPECT_FALSE(LooksLikeJson(""));
  EXPECT_FALSE(LooksLikeJson("id: x\nallowed_hosts: [a]"));
}

// nlohmann's parser skips a UTF-8 byte order mark before the text, so a body that starts with
// one is JSON to every handler: it was not depth-checked, and 100,000 nested brackets behind a
// BOM reached a handler that echoed them back. Found by the json_edge fuzz target.
TEST(JsonDepthTest, ABodyAfterAByteOrderMarkLooksLikeJson) {
  EXPECT_TRUE(LooksLikeJson("\xEF\xBB\xBF[1]"));
  EXPECT_TRUE(LooksLikeJson("\xEF\xBB\xBF \n{"));
  EXPECT_FALSE(LooksLikeJson(" \xEF\xBB\xBF{"));  // nlohmann skips it only at the start
  EXPECT_FALSE(LooksLikeJson("\xEF\xBB\xBF"));
  EXPECT_FALSE(LooksLikeJson("\xEF\xBBx{"));
}

}  // namespace
}  // namespace relish
