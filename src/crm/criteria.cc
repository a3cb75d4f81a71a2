#include "crm/criteria.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "crm/values.h"

namespace relish::crm {
namespace {

constexpr std::string_view kEmpty = "${EMPTY}";

// ---- Parsing ---------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Criteria> Parse() {
    SkipSpace();
    if (AtEnd()) return Fail("the criteria are empty");
    Criteria c;
    if (Peek() == '(') {
      c = TRY(ParseOr());
    } else {
      // A bare condition without parentheses: "Email:equals:a@b.c".
      c.condition = TRY(ParseCondition(/*until_paren=*/false));
      ++conditions_;
    }
    SkipSpace();
    if (!AtEnd()) return Fail("unexpected '" + std::string(1, Peek()) + "'");
    if (conditions_ > kMaxConditions) {
      return InvalidArgument("criteria: at most " + std::to_string(kMaxConditions) +
                             " conditions are allowed, got " + std::to_string(conditions_));
    }
    return c;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(Peek()))) ++pos_;
  }
  Error Fail(const std::string& what) const {
    return InvalidArgument("criteria: " + what + " at column " + std::to_string(pos_ + 1));
  }

  // or := and ("or" and)*
  Result<Criteria> ParseOr() {
    Criteria first = TRY(ParseAnd());
    std::vector<Criteria> parts;
    parts.push_back(std::move(first));
    while (Keyword("or")) parts.push_back(TRY(ParseAnd()));
    if (parts.size() == 1) return std::move(parts.front());
    Criteria c;
    c.kind = Criteria::Kind::kOr;
    c.children = std::move(parts);
    return c;
  }

  // and := group ("and" group)*
  Result<Criteria> ParseAnd() {
    std::vector<Criteria> parts;
    parts.push_back(TRY(ParseGroup()));
    while (Keyword("and")) parts.push_back(TRY(ParseGroup()));
    if (parts.size() == 1) return std::move(parts.front());
    Criteria c;
    c.kind = Criteria::Kind::kAnd;
    c.children = std::move(parts);
    return c;
  }

  // group := "(" (or | condition) ")"
  Result<Criteria> ParseGroup() {
    SkipSpace();
    if (AtEnd() || Peek() != '(') return Fail("expected '('");
    // Each group recurses: refuse deep nesting before it can exhaust the stack.
    if (depth_ >= kMaxCriteriaDepth) {
      return Fail("parentheses nest more than " + std::to_string(kMaxCriteriaDepth) +
                  " levels deep");
    }
    ++pos_;
    ++depth_;
    SkipSpace();
    Criteria c;
    if (!AtEnd() && Peek() == '(') {
      c = TRY(ParseOr());
    } else {
      c.condition = TRY(ParseCondition(/*until_paren=*/true));
      ++conditions_;
    }
    SkipSpace();
    if (AtEnd() || Peek() != ')') return Fail("expected ')'");
    ++pos_;
    --depth_;
    return c;
  }

  bool Keyword(std::string_view word) {
    SkipSpace();
    if (text_.size() - pos_ < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(text_[pos_ + i])) != word[i]) return false;
    }
    if (pos_ + word.size() < text_.size()) {
      char after = text_[pos_ + word.size()];
      if (after != ' ' && after != '(') return false;
    }
    pos_ += word.size();
    return true;
  }

  Result<Condition> ParseCondition(bool until_paren) {
    Condition c;
    size_t start = pos_;
    while (!AtEnd() && Peek() != ':' && Peek() != ')' && Peek() != '(') ++pos_;
    c.field = std::string(text_.substr(start, pos_ - start));
    while (!c.field.empty() && c.field.back() == ' ') c.field.pop_back();
    if (c.field.empty()) return Fail("expected a field name");
    if (AtEnd() || Peek() != ':') return Fail("expected ':' after the field name");
    ++pos_;
    start = pos_;
    while (!AtEnd() && Peek() != ':' && Peek() != ')') ++pos_;
    std::string op(text_.substr(start, pos_ - start));
    std::transform(op.begin(), op.end(), op.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    c.op = op;
    if (c.op.empty()) return Fail("expected an operator");
    if (AtEnd() || Peek() != ':') return Fail("expected ':' after the operator");
    ++pos_;
    // The value: up to an unescaped ')' (or the end for a bare condition).
    std::string current;
    while (!AtEnd()) {
      char ch = Peek();
      if (ch == '\\' && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        if (next == '(' || next == ')' || next == ',' || next == '\\') {
          current += next;
          c.value += next;
          pos_ += 2;
          continue;
        }
      }
      if (until_paren && ch == ')') break;
      if (ch == ',') {
        c.values.push_back(current);
        current.clear();
      } else {
        current += ch;
      }
      c.value += ch;
      ++pos_;
    }
    c.values.push_back(current);
    return c;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int conditions_ = 0;
  int depth_ = 0;  // groups open at pos_
};

// ---- Field kinds and operators -------------------------------------------------------------

enum class Kind { kText, kNumber, kDate, kDateTime, kBoolean, kReference, kMulti };

struct Resolved {
  Kind kind;
  std::string api_name;
};

std::optional<Resolved> Resolve(const Module& module, std::string_view name) {
  if (name == "id") return Resolved{Kind::kReference, "id"};
  for (std::string_view s : {"Created_Time", "Modified_Time"}) {
    if (FoldCase(s) == FoldCase(name)) return Resolved{Kind::kDateTime, std::string(s)};
  }
  for (std::string_view s : {"Created_By", "Modified_By"}) {
    if (FoldCase(s) == FoldCase(name)) return Resolved{Kind::kReference, std::string(s)};
  }
  const Field* f = module.FindField(name);
  if (!f) return std::nullopt;
  switch (f->type) {
    case FieldType::kNumber:
    case FieldType::kDecimal:
    case FieldType::kCurrency:
      return Resolved{Kind::kNumber, f->api_name};
    case FieldType::kDate:
      return Resolved{Kind::kDate, f->api_name};
    case FieldType::kDateTime:
      return Resolved{Kind::kDateTime, f->api_name};
    case FieldType::kBoolean:
      return Resolved{Kind::kBoolean, f->api_name};
    case FieldType::kLookup:
    case FieldType::kOwner:
      return Resolved{Kind::kReference, f->api_name};
    case FieldType::kMultiSelect:
    case FieldType::kTag:
      return Resolved{Kind::kMulti, f->api_name};
    default:
      return Resolved{Kind::kText, f->api_name};
  }
}

std::vector<std::string_view> Operators(Kind kind) {
  switch (kind) {
    case Kind::kText:
      return {"equals",   "not_equal",    "starts_with", "ends_with",
              "contains", "not_contains", "in",          "not_in"};
    case Kind::kNumber:
    case Kind::kDate:
    case Kind::kDateTime:
      return {"equals",  "not_equal",   "greater_than", "greater_equal", "less_than", "less_equal",
              "between", "not_between", "in",           "not_in"};
    case Kind::kBoolean:
      return {"equals", "not_equal"};
    case Kind::kReference:
      return {"equals", "not_equal", "in", "not_in", "starts_with"};
    case Kind::kMulti:
      return {"equals", "not_equal", "in", "not_in"};
  }
  return {};
}

std::optional<double> Number(std::string_view s) {
  double out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return out;
}

bool Ranged(std::string_view op) { return op == "between" || op == "not_between"; }
bool Listed(std::string_view op) { return op == "in" || op == "not_in" || Ranged(op); }

Result<void> CheckValue(const Condition& c, Kind kind, const std::string& value) {
  auto bad = [&](std::string_view expected) -> Error {
    return InvalidArgument("criteria: " + c.field + ":" + c.op + ": '" + value + "' is not " +
                           std::string(expected));
  };
  switch (kind) {
    case Kind::kNumber:
      if (!Number(value)) return bad("a number");
      break;
    case Kind::kDate:
      if (!IsDate(value)) return bad("a date like 2024-01-31");
      break;
    case Kind::kDateTime:
      if (!ParseDateTime(value)) return bad("a date-time like 2024-01-31T10:20:30+05:30");
      break;
    case Kind::kBoolean:
      if (value != "true" && value != "false") return bad("true or false");
      break;
    default:
      break;
  }
  return Ok();
}

// ---- Evaluation ------------------------------------------------------------------------------

bool IsEmptyValue(const Json& v) {
  return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         (v.is_array() && v.empty());
}

std::string Text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// -1, 0, 1 comparing a record value to a criteria value of the same kind; nullopt when they
// cannot be compared.
std::optional<int> Compare(Kind kind, const Json& value, const std::string& wanted) {
  switch (kind) {
    case Kind::kNumber: {
      auto w = Number(wanted);
      if (!w || !value.is_number()) return std::nullopt;
      double v = value.get<double>();
      return v < *w ? -1 : (v > *w ? 1 : 0);
    }
    case Kind::kDate: {
      if (!value.is_string()) return std::nullopt;
      int r = value.get_ref<const std::string&>().compare(wanted);
      return r < 0 ? -1 : (r > 0 ? 1 : 0);
    }
    case Kind::kDateTime: {
      auto w = ParseDateTime(wanted);
      auto v =
          value.is_string() ? ParseDateTime(value.get_ref<const std::string&>()) : std::nullopt;
      if (!w || !v) return std::nullopt;
      return *v < *w ? -1 : (*v > *w ? 1 : 0);
    }
    case Kind::kBoolean:
      if (!value.is_boolean()) return std::nullopt;
      return value.get<bool>() == (wanted == "true") ? 0 : 1;
    default: {
      int r = FoldCase(Text(value)).compare(FoldCase(wanted));
      return r < 0 ? -1 : (r > 0 ? 1 : 0);
    }
  }
}

bool Equal(Kind kind, const Json& value, const std::string& wanted) {
  if (kind == Kind::kReference) {
    // By id, or by the name a lookup or owner shows.
    if (value.is_string()) return value.get<std::string>() == wanted;
    if (value.is_object()) {
      if (value.contains("id") && Text(value["id"]) == wanted) return true;
      return value.contains("name") && FoldCase(Text(value["name"])) == FoldCase(wanted);
    }
    return false;
  }
  if (kind == Kind::kMulti) {
    for (const auto& item : value) {
      const Json& v = item.is_object() && item.contains("name") ? item["name"] : item;
      if (FoldCase(Text(v)) == FoldCase(wanted)) return true;
    }
    return false;
  }
  auto c = Compare(kind, value, wanted);
  return c && *c == 0;
}

std::string ReferenceName(const Json& value) {
  if (value.is_object() && value.contains("name")) return Text(value["name"]);
  return Text(value);
}

}  // namespace

Result<Criteria> ParseCriteria(std::string_view text) { return Parser(text).Parse(); }

Result<void> CheckCriteria(const Criteria& criteria, const Module& module) {
  if (criteria.kind != Criteria::Kind::kCondition) {
    for (const auto& child : criteria.children) TRY(CheckCriteria(child, module));
    return Ok();
  }
  const Condition& c = criteria.condition;
  auto resolved = Resolve(module, c.field);
  if (!resolved) {
    return InvalidArgument("criteria: " + module.api_name + " has no field '" + c.field + "'");
  }
  auto ops = Operators(resolved->kind);
  if (std::find(ops.begin(), ops.end(), c.op) == ops.end()) {
    std::string list;
    for (auto op : ops) list += (list.empty() ? "" : ", ") + std::string(op);
    return InvalidArgument("criteria: the operator '" + c.op + "' does not apply to " + c.field +
                           "; use one of " + list);
  }
  if (c.value == kEmpty) {
    if (c.op != "equals" && c.op != "not_equal") {
      return InvalidArgument("criteria: ${EMPTY} goes only with equals and not_equal");
    }
    return Ok();
  }
  if (Ranged(c.op) && c.values.size() != 2) {
    return InvalidArgument("criteria: " + c.field + ":" + c.op + " needs two values: low,high");
  }
  if (Listed(c.op)) {
    for (const auto& v : c.values) TRY(CheckValue(c, resolved->kind, v));
  } else {
    TRY(CheckValue(c, resolved->kind, c.value));
  }
  return Ok();
}

bool MatchesCondition(const Condition& c, const Module& module, const Json& record) {
  auto resolved = Resolve(module, c.field);
  if (!resolved) return false;
  auto it = record.find(resolved->api_name);
  const Json value = it == record.end() ? Json() : *it;
  if (c.value == kEmpty) {
    return (c.op == "equals") == IsEmptyValue(value);
  }
  if (IsEmptyValue(value)) return false;
  const Kind kind = resolved->kind;
  const std::string& op = c.op;
  if (op == "equals") return Equal(kind, value, c.value);
  if (op == "not_equal") return !Equal(kind, value, c.value);
  if (op == "in" || op == "not_in") {
    bool any = std::any_of(c.values.begin(), c.values.end(),
                           [&](const std::string& v) { return Equal(kind, value, v); });
    return op == "in" ? any : !any;
  }
  if (op == "starts_with" || op == "ends_with" || op == "contains" || op == "not_contains") {
    std::string have = FoldCase(kind == Kind::kReference ? ReferenceName(value) : Text(value));
    std::string want = FoldCase(c.value);
    if (op == "starts_with") return have.starts_with(want);
    if (op == "ends_with") return have.ends_with(want);
    bool contains = have.find(want) != std::string::npos;
    return op == "contains" ? contains : !contains;
  }
  if (Ranged(op)) {
    if (c.values.size() != 2) return false;
    auto low = Compare(kind, value, c.values[0]);
    auto high = Compare(kind, value, c.values[1]);
    if (!low || !high) return false;
    bool inside = *low >= 0 && *high <= 0;
    return op == "between" ? inside : !inside;
  }
  auto cmp = Compare(kind, value, c.value);
  if (!cmp) return false;
  if (op == "greater_than") return *cmp > 0;
  if (op == "greater_equal") return *cmp >= 0;
  if (op == "less_than") return *cmp < 0;
  if (op == "less_equal") return *cmp <= 0;
  return false;
}

bool Matches(const Criteria& criteria, const Module& module, const Json& record) {
  switch (criteria.kind) {
    case Criteria::Kind::kCondition:
      return MatchesCondition(criteria.condition, module, record);
    case Criteria::Kind::kAnd:
      return std::all_of(criteria.children.begin(), criteria.children.end(),
                         [&](const Criteria& c) { return Matches(c, module, record); });
    case Criteria::Kind::kOr:
      return std::any_of(criteria.children.begin(), criteria.children.end(),
                         [&](const Criteria& c) { return Matches(c, module, record); });
  }
  return false;
}

}  // namespace relish::crm
