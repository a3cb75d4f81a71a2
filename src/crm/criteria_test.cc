#include "crm/criteria.h"

#include <gtest/gtest.h>

namespace relish::crm {
namespace {

// A compact rendering of a parsed tree, to compare against a golden string.
std::string Show(const Criteria& c) {
  if (c.kind == Criteria::Kind::kCondition) {
    std::string values;
    for (const auto& v : c.condition.values) values += (values.empty() ? "" : "|") + v;
    return "[" + c.condition.field + " " + c.condition.op + " " + values + "]";
  }
  std::string out = c.kind == Criteria::Kind::kAnd ? "AND(" : "OR(";
  for (size_t i = 0; i < c.children.size(); ++i) out += (i ? " " : "") + Show(c.children[i]);
  return out + ")";
}

std::string Parse(std::string_view text) {
  auto c = ParseCriteria(text);
  return c.ok() ? Show(*c) : c.error().message();
}

TEST(CriteriaParse, Shapes) {
  EXPECT_EQ(Parse("(Email:equals:a@b.c)"), "[Email equals a@b.c]");
  EXPECT_EQ(Parse("Email:equals:a@b.c"), "[Email equals a@b.c]");
  EXPECT_EQ(Parse("((Last_Name:starts_with:Sm) and (First_Name:EQUALS:Ann))"),
            "AND([Last_Name starts_with Sm] [First_Name equals Ann])");
  EXPECT_EQ(Parse("(a:equals:1) or (b:equals:2) and (c:equals:3)"),
            "OR([a equals 1] AND([b equals 2] [c equals 3]))");
  EXPECT_EQ(Parse("((a:equals:1) OR (b:equals:2)) AND (c:equals:3)"),
            "AND(OR([a equals 1] [b equals 2]) [c equals 3])");
  EXPECT_EQ(Parse("(Stage:in:Closed Won,Closed Lost)"), "[Stage in Closed Won|Closed Lost]");
  EXPECT_EQ(Parse("(Created_Time:between:2024-01-01T00:00:00+05:30,2024-02-01T00:00:00+05:30)"),
            "[Created_Time between 2024-01-01T00:00:00+05:30|2024-02-01T00:00:00+05:30]");
  EXPECT_EQ(Parse(R"((Last_Name:equals:Burns\, Jr \(II\)))"), "[Last_Name equals Burns, Jr (II)]");
}

TEST(CriteriaParse, ErrorsSayWhere) {
  EXPECT_EQ(Parse(""), "criteria: the criteria are empty at column 1");
  EXPECT_EQ(Parse("(Email:equals:a"), "criteria: expected ')' at column 16");
  EXPECT_EQ(Parse("(Email)"), "criteria: expected ':' after the field name at column 7");
  EXPECT_EQ(Parse("(Email::x)"), "criteria: expected an operator at column 8");
  EXPECT_EQ(Parse("(a:equals:1) xor (b:equals:2)"), "criteria: unexpected 'x' at column 14");
  EXPECT_EQ(Parse("(a:equals:1) and"), "criteria: expected '(' at column 17");
  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += (i ? " or " : "") + std::string("(a:equals:1)");
  EXPECT_EQ(Parse(eleven), "criteria: at most 10 conditions are allowed, got 11");
}

// Thousands of parentheses once overflowed the stack of the recursive parser (a crash of the
// server from one search request); nesting is bounded before it recurses.
TEST(CriteriaParse, NestingIsBounded) {
  auto nested = [](int depth) {
    return std::string(static_cast<size_t>(depth), '(') + "Email:equals:a@b.c" +
           std::string(static_cast<size_t>(depth), ')');
  };
  EXPECT_EQ(Parse(nested(kMaxCriteriaDepth)), "[Email equals a@b.c]");
  EXPECT_EQ(Parse(nested(kMaxCriteriaDepth + 1)),
            "criteria: parentheses nest more than 32 levels deep at column 33");
  EXPECT_EQ(Parse(nested(100'000)),
            "criteria: parentheses nest more than 32 levels deep at column 33");
  EXPECT_EQ(Parse(std::string(100'000, '(')),
            "criteria: parentheses nest more than 32 levels deep at column 33");
}

class CriteriaEval : public ::testing::Test {
 protected:
  CriteriaEval() {
    module_ = *FindStandardModule("Pipelines");
    record_ = {{"Deal_Name", "Big Deal"},
               {"Amount", 250.5},
               {"Stage", "Closed Won"},
               {"Closing_Date", "2024-03-15"},
               {"Account_Name", {{"name", "Zylker"}, {"id", "1000000000000000001"}}},
               {"Contact_Name", nullptr},
               {"Tag", Json::array({Json{{"name", "VIP"}}})},
               {"Created_Time", "2024-03-01T10:00:00+05:30"},
               {"Created_By", {{"name", "Ada"}, {"id", "usr_1"}, {"email", "ada@example.com"}}},
               {"id", "1700000000000000001"}};
  }
  std::string Eval(std::string_view text) {
    auto c = ParseCriteria(text);
    if (!c.ok()) return c.error().message();
    auto checked = CheckCriteria(*c, module_);
    if (!checked.ok()) return checked.error().message();
    return Matches(*c, module_, record_) ? "match" : "no";
  }
  Module module_;
  Json record_;
};

TEST_F(CriteriaEval, TextIsCaseInsensitive) {
  EXPECT_EQ(Eval("(Deal_Name:equals:big deal)"), "match");
  EXPECT_EQ(Eval("(Deal_Name:starts_with:BIG)"), "match");
  EXPECT_EQ(Eval("(Deal_Name:ends_with:deal)"), "match");
  EXPECT_EQ(Eval("(Deal_Name:contains:g d)"), "match");
  EXPECT_EQ(Eval("(Deal_Name:not_contains:g d)"), "no");
  EXPECT_EQ(Eval("(Deal_Name:not_equal:Big Deal)"), "no");
  EXPECT_EQ(Eval("(Stage:in:Qualification,closed won)"), "match");
  EXPECT_EQ(Eval("(Stage:not_in:Qualification,Closed Lost)"), "match");
}

TEST_F(CriteriaEval, NumbersDatesAndTimes) {
  EXPECT_EQ(Eval("(Amount:greater_than:250)"), "match");
  EXPECT_EQ(Eval("(Amount:less_equal:250.5)"), "match");
  EXPECT_EQ(Eval("(Amount:between:100,200)"), "no");
  EXPECT_EQ(Eval("(Amount:not_between:100,200)"), "match");
  EXPECT_EQ(Eval("(Closing_Date:greater_equal:2024-03-15)"), "match");
  EXPECT_EQ(Eval("(Closing_Date:less_than:2024-03-15)"), "no");
  EXPECT_EQ(Eval("(Created_Time:equals:2024-03-01T04:30:00Z)"), "match");
  EXPECT_EQ(Eval("(Created_Time:greater_than:2024-03-01T05:00:00+00:00)"), "no");
}

TEST_F(CriteriaEval, ReferencesTagsAndEmptiness) {
  EXPECT_EQ(Eval("(Account_Name:equals:zylker)"), "match");
  EXPECT_EQ(Eval("(Account_Name:equals:1000000000000000001)"), "match");
  EXPECT_EQ(Eval("(Created_By:equals:usr_1)"), "match");
  EXPECT_EQ(Eval("(id:in:1,1700000000000000001)"), "match");
  EXPECT_EQ(Eval("(Tag:equals:vip)"), "match");
  // An empty field matches nothing but ${EMPTY}.
  EXPECT_EQ(Eval("(Contact_Name:not_equal:x)"), "no");
  EXPECT_EQ(Eval("(Contact_Name:equals:${EMPTY})"), "match");
  EXPECT_EQ(Eval("(Deal_Name:not_equal:${EMPTY})"), "match");
  EXPECT_EQ(
      Eval("((Deal_Name:equals:nope) or (Stage:equals:Closed Won)) and (Amount:greater_than:1)"),
      "match");
}

TEST_F(CriteriaEval, RefusesWhatDoesNotFit) {
  EXPECT_EQ(Eval("(Nope:equals:1)"), "criteria: Pipelines has no field 'Nope'");
  EXPECT_EQ(Eval("(Amount:starts_with:1)"),
            "criteria: the operator 'starts_with' does not apply to Amount; use one of equals, "
            "not_equal, greater_than, greater_equal, less_than, less_equal, between, not_between, "
            "in, not_in");
  EXPECT_EQ(Eval("(Amount:equals:ten)"), "criteria: Amount:equals: 'ten' is not a number");
  EXPECT_EQ(Eval("(Closing_Date:between:2024-01-01)"),
            "criteria: Closing_Date:between needs two values: low,high");
  EXPECT_EQ(Eval("(Closing_Date:equals:15/03/2024)"),
            "criteria: Closing_Date:equals: '15/03/2024' is not a date like 2024-01-31");
  EXPECT_EQ(Eval("(Deal_Name:starts_with:${EMPTY})"),
            "criteria: ${EMPTY} goes only with equals and not_equal");
}

}  // namespace
}  // namespace relish::crm
