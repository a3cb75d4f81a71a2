#include "crm/values.h"

#include <gtest/gtest.h>

namespace relish::crm {
namespace {

Field Of(FieldType type, std::vector<std::string> options = {}) {
  Field f;
  f.api_name = "F";
  f.type = type;
  f.options = std::move(options);
  return f;
}

// The stored form, or the error message.
std::string Check(const Field& f, const Json& v) {
  auto r = NormalizeValue(f, v);
  return r.ok() ? r->dump() : "error: " + r.error().message();
}

TEST(Dates, CalendarDatesOnly) {
  EXPECT_TRUE(IsDate("2024-01-31"));
  EXPECT_TRUE(IsDate("2024-02-29"));
  EXPECT_FALSE(IsDate("2023-02-29"));
  EXPECT_FALSE(IsDate("2024-13-01"));
  EXPECT_FALSE(IsDate("2024-1-31"));
  EXPECT_FALSE(IsDate("31/01/2024"));
  EXPECT_FALSE(IsDate("2024-01-31T00:00:00+00:00"));
}

TEST(Dates, DateTimesWithOffsets) {
  EXPECT_EQ(ParseDateTime("1970-01-01T00:00:00+00:00"), 0);
  EXPECT_EQ(ParseDateTime("1970-01-01T05:30:00+05:30"), 0);
  EXPECT_EQ(ParseDateTime("1969-12-31T16:00:00-08:00"), 0);
  EXPECT_EQ(ParseDateTime("2024-01-31T10:20:30Z"), 1706696430000);
  EXPECT_EQ(ParseDateTime("2024-01-31T10:20:30+05:30"), 1706676630000);
  EXPECT_FALSE(ParseDateTime("2024-01-31T10:20:30"));
  EXPECT_FALSE(ParseDateTime("2024-01-31 10:20:30+05:30"));
  EXPECT_FALSE(ParseDateTime("2024-01-31T24:00:00+00:00"));
  EXPECT_FALSE(ParseDateTime("2024-01-31T10:20:30+5:30"));
  EXPECT_EQ(FormatDateTime(1706676630000), "2024-01-31T04:50:30+00:00");
  EXPECT_EQ(FormatDateTime(0), "1970-01-01T00:00:00+00:00");
}

TEST(Values, TextTypes) {
  EXPECT_EQ(Check(Of(FieldType::kText), "Ada"), "\"Ada\"");
  EXPECT_EQ(Check(Of(FieldType::kText), 42), "\"42\"");
  EXPECT_EQ(Check(Of(FieldType::kText), ""), "null");
  EXPECT_EQ(Check(Of(FieldType::kText), Json::object()), "error: F: '{}' is not text");
  EXPECT_EQ(Check(Of(FieldType::kText), "a\nb"),
            "error: F: a single-line text field cannot hold line breaks");
  EXPECT_EQ(Check(Of(FieldType::kLongText), "a\nb"), "\"a\\nb\"");
  EXPECT_EQ(Check(Of(FieldType::kText), std::string(256, 'x')),
            "error: F: the value is 256 characters long; at most 255 are allowed");
  EXPECT_EQ(Check(Of(FieldType::kEmail), " ada@example.com "), "\"ada@example.com\"");
  EXPECT_EQ(Check(Of(FieldType::kEmail), "ada@example"),
            "error: F: 'ada@example' is not an email address like name@example.com");
  EXPECT_EQ(Check(Of(FieldType::kEmail), "a b@example.com"),
            "error: F: 'a b@example.com' is not an email address like name@example.com");
  EXPECT_EQ(Check(Of(FieldType::kPhone), "+1 (555) 010-2030"), "\"+1 (555) 010-2030\"");
  EXPECT_EQ(Check(Of(FieldType::kPhone), 5550102030), "\"5550102030\"");
  EXPECT_EQ(Check(Of(FieldType::kPhone), "call me"),
            "error: F: 'call me' is not a phone number (digits, spaces and + - ( ) . x)");
}

TEST(Values, Numbers) {
  EXPECT_EQ(Check(Of(FieldType::kNumber), 7), "7");
  EXPECT_EQ(Check(Of(FieldType::kNumber), "7"), "7");
  EXPECT_EQ(Check(Of(FieldType::kNumber), 7.0), "7");
  EXPECT_EQ(Check(Of(FieldType::kNumber), 7.5), "error: F: '7.5' is not a whole number");
  EXPECT_EQ(Check(Of(FieldType::kNumber), "seven"), "error: F: 'seven' is not a whole number");
  EXPECT_EQ(Check(Of(FieldType::kDecimal), "2.5"), "2.5");
  EXPECT_EQ(Check(Of(FieldType::kDecimal), true), "error: F: 'true' is not a number");
  EXPECT_EQ(Check(Of(FieldType::kCurrency), 10.006), "10.01");
  EXPECT_EQ(Check(Of(FieldType::kCurrency), "12abc"),
            "error: F: '12abc' is not an amount of money");
}

TEST(Values, DatesBooleansPicklists) {
  EXPECT_EQ(Check(Of(FieldType::kDate), "2024-01-31"), "\"2024-01-31\"");
  EXPECT_EQ(Check(Of(FieldType::kDate), "2024-02-30"),
            "error: F: '2024-02-30' is not a date in the form 2024-01-31");
  EXPECT_EQ(Check(Of(FieldType::kDateTime), "2024-01-31T10:20:30+05:30"),
            "\"2024-01-31T10:20:30+05:30\"");
  EXPECT_EQ(Check(Of(FieldType::kDateTime), "2024-01-31"),
            "error: F: '2024-01-31' is not a date-time in the form 2024-01-31T10:20:30+05:30");
  EXPECT_EQ(Check(Of(FieldType::kBoolean), true), "true");
  EXPECT_EQ(Check(Of(FieldType::kBoolean), "false"), "false");
  EXPECT_EQ(Check(Of(FieldType::kBoolean), nullptr), "false");
  EXPECT_EQ(Check(Of(FieldType::kBoolean), 1), "error: F: '1' is not true or false");
  Field stage = Of(FieldType::kPicklist, {"Open", "Closed Won"});
  EXPECT_EQ(Check(stage, "closed won"), "\"Closed Won\"");
  EXPECT_EQ(Check(stage, "-None-"), "null");
  EXPECT_EQ(Check(stage, "Lost"), "error: F: 'Lost' is not one of: Open, Closed Won");
  Field multi = Of(FieldType::kMultiSelect, {"Red", "Green", "Blue"});
  EXPECT_EQ(Check(multi, Json::array({"red", "Blue", "Red"})), "[\"Red\",\"Blue\"]");
  EXPECT_EQ(Check(multi, "Red;Green"), "[\"Red\",\"Green\"]");
  EXPECT_EQ(Check(multi, Json::array({"Pink"})),
            "error: F: 'Pink' is not one of: Red, Green, Blue");
  EXPECT_EQ(Check(multi, Json::array()), "null");
}

TEST(Values, ReferencesAndTags) {
  EXPECT_EQ(Check(Of(FieldType::kLookup), Json{{"id", "1234567890123456789"}}),
            "\"1234567890123456789\"");
  EXPECT_EQ(Check(Of(FieldType::kLookup), 1234), "\"1234\"");
  EXPECT_EQ(Check(Of(FieldType::kLookup), Json{{"name", "x"}}),
            "error: F: '{\"name\":\"x\"}' is not a record id ({\"id\":\"...\"})");
  EXPECT_EQ(Check(Of(FieldType::kLookup), "abc"),
            "error: F: 'abc' is not a record id of up to 19 digits");
  EXPECT_EQ(Check(Of(FieldType::kOwner), Json{{"id", "usr_1"}}), "\"usr_1\"");
  EXPECT_EQ(Check(Of(FieldType::kTag), Json::array({Json{{"name", "vip"}}, "new", "VIP"})),
            "[\"vip\",\"new\"]");
  EXPECT_EQ(Check(Of(FieldType::kTag), "a, b"), "[\"a\",\"b\"]");
  EXPECT_EQ(Check(Of(FieldType::kTag), Json::array({std::string(26, 't')})),
            "error: F: '" + std::string(26, 't') + "' is not a tag of 1 to 25 characters");
}

}  // namespace
}  // namespace relish::crm
