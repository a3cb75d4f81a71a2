// Search criteria in Zoho's syntax, parsed once and evaluated against records:
//
//   (Email:equals:a@b.c)
//   ((Last_Name:starts_with:Sm) and (Stage:in:Closed Won,Closed Lost))
//   ((Amount:between:100,500) or (Email:not_equal:${EMPTY}))
//
// A condition is `(field:operator:value)`; the value runs to the closing parenthesis, so it may
// hold ':' (date-times do); `\(`, `\)`, `\,` and `\\` escape those characters. `in` and
// `between` take comma-separated values. Conditions combine with `and` / `or` (any letter case;
// `and` binds tighter) and parentheses, up to kMaxConditions. `${EMPTY}` with equals/not_equal
// tests for an empty field; otherwise a record whose field is empty never matches, as in Zoho.
//
// Operators by field type (docs/crm.md has the table): text-like fields take equals, not_equal,
// starts_with, ends_with, contains, not_contains, in, not_in (all case-insensitive); numbers,
// dates and date-times take equals, not_equal, greater_than, greater_equal, less_than,
// less_equal, between, not_between, in, not_in; booleans equals and not_equal; lookups and owners
// equals, not_equal, in, not_in, starts_with (by id or by name); multi-select and tags equals
// (holds the value), not_equal, in (holds any), not_in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crm/schema.h"

namespace relish::crm {

inline constexpr int kMaxConditions = 10;
// Parentheses may nest this deep (ten conditions never need more); deeper criteria are refused
// before the parser recurses, so no search or rule pattern can exhaust a thread's stack.
inline constexpr int kMaxCriteriaDepth = 32;

struct Condition {
  std::string field;
  std::string op;                   // lower case, e.g. "starts_with"
  std::string value;                // unescaped
  std::vector<std::string> values;  // the value split on unescaped commas
};

struct Criteria {
  enum class Kind { kCondition, kAnd, kOr };
  Kind kind = Kind::kCondition;
  Condition condition;             // kCondition
  std::vector<Criteria> children;  // kAnd, kOr
};

// Syntax only. Errors are kInvalidArgument with the position ("criteria: expected ')' after
// column 14").
Result<Criteria> ParseCriteria(std::string_view text);

// Checks fields, operators and values against the module (after ParseCriteria). Errors are
// kInvalidArgument naming the field.
Result<void> CheckCriteria(const Criteria& criteria, const Module& module);

// `record` in the API's output shape: lookups as {"name","id"}, owners as {"name","id","email"},
// tags as [{"name"}], system fields included.
bool Matches(const Criteria& criteria, const Module& module, const Json& record);
bool MatchesCondition(const Condition& condition, const Module& module, const Json& record);

}  // namespace relish::crm
