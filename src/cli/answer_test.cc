// Checked reading of server answers (answer.h), the CLI's last exception barrier, and a check
// that the CLI reads answers only that way.
#include "cli/answer.h"

#include "base/json_depth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "cli/cli.h"

namespace relish::cli {
namespace {

Json Parse(const char* text) { return Json::parse(text); }

TEST(FieldTest, ErrorsNameThePathAndWhatWasThere) {
  Json list = Parse("[1, 2]");
  EXPECT_EQ(Field(list).String("id").error().message(), "the answer is a list, not an object");
  Json j = Parse(R"({"connections": 5, "c": [{"link_name": 5, "scopes": ["a", 7]}],
                    "n": 1.5, "big": 18446744073709551615, "t": "x", "z": null})");
  Field f(j);
  EXPECT_EQ(f.List("connections").error().message(), "'connections' is a number, not a list");
  EXPECT_EQ(f.String("missing").error().message(), "the answer has no 'missing'");
  auto c = f.List("c");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].String("link_name").error().message(),
            "'c[0].link_name' is a number, not a string");
  EXPECT_EQ((*c)[0].Strings("scopes").error().message(), "'c[0].scopes[1]' is a number, not a string");
  EXPECT_EQ((*c)[0].Get("nope").error().message(), "'c[0]' has no 'nope'");
  EXPECT_EQ(f.Int("n").error().message(), "'n' is 1.5, not a whole number");
  EXPECT_EQ(f.Int("big").error().message(), "'big' is 18446744073709551615, not a whole number");
  EXPECT_EQ(f.Int("t").error().message(), "'t' is a string, not a whole number");
  EXPECT_EQ(f.Bool("t").error().message(), "'t' is a string, not true or false");
  EXPECT_EQ(f.String("z").error().message(), "'z' is null, not a string");
  EXPECT_EQ(*f.OptionalString("z"), "");
  EXPECT_EQ(*f.OptionalString("missing"), "");
  EXPECT_EQ(*f.OptionalString("t"), "x");
  EXPECT_EQ(f.OptionalString("n").error().message(), "'n' is a number, not a string");
}

TEST(FieldTest, ValuesOfTheRightKind) {
  Json j = Parse(R"({"s": "text", "i": -42, "u": 7, "b": false, "l": ["a", "b"],
                    "o": {"k": [1, {"x": 2}]}})");
  Field f(j);
  EXPECT_EQ(*f.String("s"), "text");
  EXPECT_EQ(*f.Int("i"), -42);
  EXPECT_EQ(*f.Int("u"), 7);
  EXPECT_EQ(*f.Bool("b"), false);
  EXPECT_EQ(*f.Strings("l"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.Show("o"), R"({"k":[1,{"x":2}]})");
  EXPECT_EQ(f.Show("i"), "-42");
  EXPECT_EQ(f.Show("s"), "text");
  EXPECT_EQ(f.Show("missing"), "");
  EXPECT_TRUE(f.Has("b"));
  EXPECT_FALSE(f.Has("missing"));
  auto inner = f.Get("o");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->path(), "o");
  EXPECT_TRUE(Field(Json::array()).ExpectObject().error().message() ==
              "the answer is a list, not an object");
}

// The limit is inclusive: an answer kMaxAnswerDepth deep is read, one level more is refused.
TEST(AnswerTest, NestingDepthLimit) {
  std::string at_limit = std::string(kMaxAnswerDepth, '[') + std::string(kMaxAnswerDepth, ']');
  EXPECT_TRUE(JsonDepthWithin(at_limit, kMaxAnswerDepth));
  EXPECT_FALSE(JsonDepthWithin("[" + at_limit + "]", kMaxAnswerDepth));
}

TEST(AnswerTest, PrintableEscapesControlCharacters) {
  EXPECT_EQ(Printable("bad \x1b[31mred\x07\r"), "bad \\x1b[31mred\\x07\\x0d");
  EXPECT_EQ(Printable("line 1\n\tline 2"), "line 1\n\tline 2");
  EXPECT_EQ(Printable("csi \xc2\x9b" "31m, caf\xc3\xa9"), "csi \\u009b31m, caf\xc3\xa9");
  EXPECT_EQ(Printable("del \x7f"), "del \\x7f");
}

TEST(AnswerTest, DumpJsonNeverThrows) {
  Json j = std::string("\xff\xfe");
  EXPECT_EQ(DumpJson(j), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(BarrierTest, AnExceptionBecomesAMessageAndExit1) {
  std::ostringstream err;
  auto* old = std::cerr.rdbuf(err.rdbuf());
  int code = RunGuarded([]() -> int { throw std::runtime_error("boom \x1b[2J"); });
  int unknown = RunGuarded([]() -> int { throw 42; });
  int fine = RunGuarded([] { return 0; });
  std::cerr.rdbuf(old);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(unknown, 1);
  EXPECT_EQ(fine, 0);
  EXPECT_EQ(err.str(),
            "relish: internal error: boom \\x1b[2J (please report this)\n"
            "relish: internal error: an unknown exception (please report this)\n");
}

// Answers are read through Field only: nlohmann's own accessors throw on a value of the wrong
// type. answer.cc is where Field uses them, after checking the type.
TEST(CheckedAccessorsTest, TheCliReadsAnswersOnlyThroughField) {
  const std::regex unchecked(R"(\.get<|\.get_ref<|\.value\(|\.at\(|\.items\(\)|Json::parse\()");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator("src/cli")) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".cc" || name == "answer.cc" || name.ends_with("_test.cc")) {
      continue;
    }
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      bool parse_in_client = name == "client.cc" && line.find("Json::parse(") != std::string::npos;
      if (std::regex_search(line, unchecked) && !parse_in_client) {
        ADD_FAILURE() << entry.path().string() << ":" << n << ": " << line;
      }
    }
  }
  EXPECT_GE(files, 6) << "run from the repository root";
}

}  // namespace
}  // namespace relish::cli
