// libFuzzer target for search criteria (crm/criteria.h): what /bigin/v2/{module}/search, the
// console's records search and zoho.bigin.searchRecords hand to ParseCriteria, then checked
// against each standard module and evaluated against a record.
//
// Input: the criteria text, optionally followed by a NUL byte and a JSON object to use as the
// record (otherwise a record with a value of every field kind).
//
// Properties:
// - an error is kInvalidArgument and says "criteria: ...";
// - the depth limit holds: a text that opens more than kMaxCriteriaDepth groups in a row is
//   refused for its nesting, and no parsed tree is deeper than the limit;
// - at most kMaxConditions conditions; every and/or has two parts or more; a condition's values
//   are its value split at unescaped commas;
// - printing a parsed tree back as criteria text and parsing that gives the same tree;
// - CheckCriteria and Matches never crash, whatever module and record.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/json_depth.h"
#include "check.h"
#include "crm/criteria.h"
#include "crm/schema.h"

namespace {

using relish::crm::Criteria;
using relish::crm::Json;

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

std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '(' || c == ')' || c == ',' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Criteria text for a tree, with the parentheses its shape needs (and no more, so the printed
// text nests no deeper than the text the tree came from).
std::string Print(const Criteria& c) {
  if (c.kind == Criteria::Kind::kCondition) {
    std::string values;
    for (size_t i = 0; i < c.condition.values.size(); ++i) {
      values += (i ? "," : "") + Escape(c.condition.values[i]);
    }
    return "(" + c.condition.field + ":" + c.condition.op + ":" + values + ")";
  }
  std::string out;
  for (const auto& child : c.children) {
    // An or inside an and, and an and or or inside one of its own kind, were grouped.
    bool group = child.kind != Criteria::Kind::kCondition &&
                 (child.kind == c.kind || child.kind == Criteria::Kind::kOr);
    std::string part = Print(child);
    if (!out.empty()) out += c.kind == Criteria::Kind::kAnd ? " and " : " or ";
    out += group ? "(" + part + ")" : part;
  }
  return out;
}

// Groups (parentheses) around the deepest condition.
int Depth(const Criteria& c) {
  int deepest = 0;
  for (const auto& child : c.children) deepest = std::max(deepest, Depth(child));
  return deepest + 1;
}

int Conditions(const Criteria& c) {
  if (c.kind == Criteria::Kind::kCondition) return 1;
  int n = 0;
  for (const auto& child : c.children) n += Conditions(child);
  return n;
}

void CheckShape(const Criteria& c) {
  if (c.kind == Criteria::Kind::kCondition) {
    const auto& cond = c.condition;
    FUZZ_CHECK(!cond.field.empty() && !cond.op.empty() && !cond.values.empty(), Show(c));
    std::string joined;
    for (size_t i = 0; i < cond.values.size(); ++i) joined += (i ? "," : "") + cond.values[i];
    FUZZ_CHECK(joined == cond.value, Show(c) + " value: " + cond.value);
    return;
  }
  FUZZ_CHECK(c.children.size() >= 2, Show(c));
  for (const auto& child : c.children) CheckShape(child);
}

// '(' that open groups one inside the other at the start of the text, spaces between allowed.
size_t LeadingGroups(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if (c == '(') {
      ++n;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      break;
    }
  }
  return n;
}

const Json& DefaultRecord() {
  static const Json record = {
      {"id", "1700000000000000001"},
      {"Last_Name", "Burns"},
      {"First_Name", "Ada"},
      {"Email", "ada@example.com"},
      {"Deal_Name", "Big Deal"},
      {"Amount", 250.5},
      {"Stage", "Closed Won"},
      {"Closing_Date", "2024-03-15"},
      {"Account_Name", {{"name", "Zylker"}, {"id", "1000000000000000001"}}},
      {"Contact_Name", nullptr},
      {"Tag", Json::array({Json{{"name", "VIP"}}, "plain"})},
      {"Email_Opt_Out", true},
      {"Created_Time", "2024-03-01T10:00:00+05:30"},
      {"Modified_Time", 17},
      {"Created_By", {{"name", "Ada"}, {"id", "usr_1"}, {"email", "ada@example.com"}}},
      {"Modified_By", Json::array({1, 2})}};
  return record;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view text = input.substr(0, input.find('\0'));
  Json record = DefaultRecord();
  if (text.size() < input.size()) {
    std::string_view json = input.substr(text.size() + 1);
    // Records reach criteria from the store, parsed from what the server let in.
    if (relish::JsonDepthWithin(json)) {
      Json parsed = Json::parse(json, nullptr, false);
      if (parsed.is_object()) record = std::move(parsed);
    }
  }

  auto parsed = relish::crm::ParseCriteria(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.error().code() == relish::ErrorCode::kInvalidArgument, parsed.error().ToString());
    FUZZ_CHECK(parsed.error().message().starts_with("criteria: "), parsed.error().message());
    return 0;
  }
  const Criteria& criteria = *parsed;
  FUZZ_CHECK(LeadingGroups(text) <= static_cast<size_t>(relish::crm::kMaxCriteriaDepth),
             "took " + std::to_string(LeadingGroups(text)) + " nested groups: " + Show(criteria));
  FUZZ_CHECK(Depth(criteria) <= relish::crm::kMaxCriteriaDepth, Show(criteria));
  FUZZ_CHECK(Conditions(criteria) <= relish::crm::kMaxConditions, Show(criteria));
  CheckShape(criteria);

  std::string printed = Print(criteria);
  auto again = relish::crm::ParseCriteria(printed);
  FUZZ_CHECK(again.ok(), printed + " -> " + again.error().message());
  FUZZ_CHECK(Show(*again) == Show(criteria), printed + ": " + Show(*again) + " != " + Show(criteria));

  for (const auto& module : relish::crm::StandardModules()) {
    if (!relish::crm::CheckCriteria(criteria, module).ok()) continue;
    (void)relish::crm::Matches(criteria, module, record);
    (void)relish::crm::Matches(criteria, module, DefaultRecord());
  }
  return 0;
}
