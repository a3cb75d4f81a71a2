// Criteria rows as the console shows them ("Email is not empty"), the pattern that combines them
// ("(1 and 2) or 3"), and Compile: checking a rule against its module and turning its rows into
// CRM criteria (crm/criteria.h), which then evaluates them.
#include <algorithm>
#include <cctype>

#include "crm/values.h"
#include "workflow/rule.h"

namespace relish::workflow {
namespace {

// Field kinds as far as operators are concerned.
enum KindBit : unsigned {
  kText = 1,
  kPicklist = 2,
  kNumber = 4,
  kDate = 8,
  kDateTime = 16,
  kBoolean = 32,
  kReference = 64,
  kMulti = 128,
};
constexpr unsigned kAll = 255;
constexpr unsigned kOrdered = kNumber | kDate | kDateTime;

struct Operator {
  std::string_view label;   // canonical, as the console shows it
  std::string_view crm_op;  // crm/criteria.h operator
  int arity;                // values: 0, 1, 2, or -1 for a list
  unsigned kinds;
};

constexpr std::string_view kEmptyValue = "${EMPTY}";

// The console's operators, in the order it lists them.
constexpr Operator kOperators[] = {
    {"is", "equals", 1, kText | kPicklist | kNumber | kDate | kDateTime | kBoolean | kReference},
    {"isn't", "not_equal", 1, kText | kPicklist | kNumber | kDate | kDateTime | kBoolean | kReference},
    {"contains", "contains", 1, kText | kMulti},
    {"doesn't contain", "not_contains", 1, kText | kMulti},
    {"starts with", "starts_with", 1, kText | kReference},
    {"ends with", "ends_with", 1, kText},
    {"is any of", "in", -1, kText | kPicklist | kNumber | kReference},
    {"is none of", "not_in", -1, kText | kPicklist | kNumber | kReference},
    {"=", "equals", 1, kNumber},
    {"!=", "not_equal", 1, kNumber},
    {"<", "less_than", 1, kOrdered},
    {"<=", "less_equal", 1, kOrdered},
    {">", "greater_than", 1, kOrdered},
    {">=", "greater_equal", 1, kOrdered},
    {"between", "between", 2, kOrdered},
    {"not between", "not_between", 2, kOrdered},
    {"before", "less_than", 1, kDate | kDateTime},
    {"after", "greater_than", 1, kDate | kDateTime},
    {"is empty", "equals", 0, kAll},
    {"is not empty", "not_equal", 0, kAll},
};

// Other spellings people type, mapped to the canonical label.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"is not", "isn't"},         {"isnt", "isn't"},          {"does not contain", "doesn't contain"},
    {"not contains", "doesn't contain"}, {"==", "="},       {"≠", "!="},
    {"<>", "!="},                {"≤", "<="},                {"≥", ">="},
    {"is before", "before"},     {"is after", "after"},      {"in", "is any of"},
    {"not in", "is none of"},    {"is not between", "not between"},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

const Operator* FindOperator(std::string_view label) {
  std::string l = Lower(Trim(label));
  for (const auto& [alias, canonical] : kAliases) {
    if (l == alias) l = std::string(canonical);
  }
  for (const auto& op : kOperators) {
    if (op.label == l) return &op;
  }
  return nullptr;
}

// The kind of a field, or 0 when the module has no such field.
unsigned KindOf(const crm::Module& module, std::string_view name, std::string* api_name) {
  if (name == "id") {
    *api_name = "id";
    return kReference;
  }
  for (std::string_view s : {"Created_Time", "Modified_Time"}) {
    if (crm::FoldCase(s) == crm::FoldCase(name)) {
      *api_name = std::string(s);
      return kDateTime;
    }
  }
  for (std::string_view s : {"Created_By", "Modified_By"}) {
    if (crm::FoldCase(s) == crm::FoldCase(name)) {
      *api_name = std::string(s);
      return kReference;
    }
  }
  const crm::Field* f = module.FindField(name);
  if (!f) return 0;
  *api_name = f->api_name;
  switch (f->type) {
    case crm::FieldType::kNumber:
    case crm::FieldType::kDecimal:
    case crm::FieldType::kCurrency:
      return kNumber;
    case crm::FieldType::kDate: return kDate;
    case crm::FieldType::kDateTime: return kDateTime;
    case crm::FieldType::kBoolean: return kBoolean;
    case crm::FieldType::kPicklist: return kPicklist;
    case crm::FieldType::kLookup:
    case crm::FieldType::kOwner:
      return kReference;
    case crm::FieldType::kMultiSelect:
    case crm::FieldType::kTag:
      return kMulti;
    default: return kText;
  }
}

std::string KindName(unsigned kind) {
  switch (kind) {
    case kText: return "text";
    case kPicklist: return "picklist";
    case kNumber: return "number";
    case kDate: return "date";
    case kDateTime: return "date-time";
    case kBoolean: return "boolean";
    case kReference: return "lookup";
    case kMulti: return "multi-select";
  }
  return "field";
}

std::vector<std::string> LabelsFor(unsigned kind) {
  std::vector<std::string> out;
  for (const auto& op : kOperators) {
    if (op.kinds & kind) out.emplace_back(op.label);
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// pattern := or; or := and ("or" and)*; and := atom ("and" atom)*; atom := N | "(" or ")".
// `and` binds tighter than `or`, as in the CRM's search criteria.
class PatternParser {
 public:
  PatternParser(std::string_view text, std::vector<crm::Condition> rows)
      : text_(text), rows_(std::move(rows)), used_(rows_.size(), false) {}

  Result<crm::Criteria> Parse() {
    crm::Criteria c = TRY(ParseOr());
    Skip();
    if (pos_ < text_.size()) return Fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    for (size_t i = 0; i < used_.size(); ++i) {
      if (!used_[i]) return InvalidArgument("row " + std::to_string(i + 1) + " is not used");
    }
    return c;
  }

 private:
  Error Fail(const std::string& what) const {
    return InvalidArgument(what + " at column " + std::to_string(pos_ + 1));
  }
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Word(std::string_view w) {
    Skip();
    if (text_.size() - pos_ < w.size() || Lower(text_.substr(pos_, w.size())) != w) return false;
    size_t end = pos_ + w.size();
    if (end < text_.size() && std::isalnum(static_cast<unsigned char>(text_[end]))) return false;
    pos_ = end;
    return true;
  }
  Result<crm::Criteria> Combine(crm::Criteria::Kind kind, std::vector<crm::Criteria> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    crm::Criteria c;
    c.kind = kind;
    c.children = std::move(parts);
    return c;
  }
  Result<crm::Criteria> ParseOr() {
    std::vector<crm::Criteria> parts;
    parts.push_back(TRY(ParseAnd()));
    while (Word("or")) parts.push_back(TRY(ParseAnd()));
    return Combine(crm::Criteria::Kind::kOr, std::move(parts));
  }
  Result<crm::Criteria> ParseAnd() {
    std::vector<crm::Criteria> parts;
    parts.push_back(TRY(ParseAtom()));
    while (Word("and")) parts.push_back(TRY(ParseAtom()));
    return Combine(crm::Criteria::Kind::kAnd, std::move(parts));
  }
  Result<crm::Criteria> ParseAtom() {
    Skip();
    if (pos_ >= text_.size()) return Fail("expected a row number or '('");
    if (text_[pos_] == '(') {
      // Each group recurses: refuse deep nesting (as crm/criteria.h) before it can exhaust the
      // stack.
      if (depth_ >= crm::kMaxCriteriaDepth) {
        return Fail("parentheses nest more than " + std::to_string(crm::kMaxCriteriaDepth) +
                    " levels deep");
      }
      ++pos_;
      ++depth_;
      crm::Criteria c = TRY(ParseOr());
      Skip();
      if (pos_ >= text_.size() || text_[pos_] != ')') return Fail("expected ')'");
      ++pos_;
      --depth_;
      return c;
    }
    size_t start = pos_;
    size_t n = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      n = n * 10 + static_cast<size_t>(text_[pos_] - '0');
      if (n > 1000) break;
      ++pos_;
    }
    if (pos_ == start) return Fail("expected a row number or '('");
    if (n < 1 || n > rows_.size()) {
      return InvalidArgument("row " + std::to_string(n) + " does not exist (there are " +
                             std::to_string(rows_.size()) + ")");
    }
    used_[n - 1] = true;
    crm::Criteria c;
    c.condition = rows_[n - 1];
    return c;
  }

  std::string_view text_;
  std::vector<crm::Condition> rows_;
  std::vector<bool> used_;
  size_t pos_ = 0;
  int depth_ = 0;  // groups open at pos_
};

Result<crm::Condition> RowToCondition(const CriteriaRow& row, const crm::Module& module,
                                      const std::string& path) {
  std::string api_name;
  unsigned kind = KindOf(module, row.field, &api_name);
  if (!kind) return InvalidArgument(path + ": " + module.api_name + " has no field '" + row.field + "'");
  const Operator* op = FindOperator(row.op);
  if (!op || !(op->kinds & kind)) {
    return InvalidArgument(path + ": '" + row.op + "' does not apply to " + api_name + " (" +
                           KindName(kind) + "); use " + JoinList(LabelsFor(kind)));
  }
  if (op->arity == 0 && !row.values.empty()) {
    return InvalidArgument(path + ": '" + std::string(op->label) + "' takes no value");
  }
  if (op->arity == 1 && row.values.size() != 1) {
    return InvalidArgument(path + ": '" + std::string(op->label) + "' needs one value");
  }
  if (op->arity == 2 && row.values.size() != 2) {
    return InvalidArgument(path + ": '" + std::string(op->label) + "' needs two values: low, high");
  }
  if (op->arity == -1 && row.values.empty()) {
    return InvalidArgument(path + ": '" + std::string(op->label) + "' needs at least one value");
  }
  crm::Condition c;
  c.field = api_name;
  c.op = std::string(op->crm_op);
  if (kind == kMulti && op->crm_op == "contains") c.op = "equals";  // holds the value
  if (kind == kMulti && op->crm_op == "not_contains") c.op = "not_equal";
  if (op->arity == 0) {
    c.value = std::string(kEmptyValue);
  } else {
    c.values = row.values;
    for (const auto& v : row.values) c.value += (c.value.empty() ? "" : ",") + v;
    if (op->arity == 1) c.value = row.values[0];
  }
  // The CRM checks the values (numbers, dates, booleans) as it would for a search.
  crm::Criteria single;
  single.condition = c;
  auto checked = crm::CheckCriteria(single, module);
  if (!checked.ok()) {
    std::string message = checked.error().message();
    if (message.starts_with("criteria: ")) message = message.substr(10);
    return InvalidArgument(path + ": " + message);
  }
  return c;
}

bool IsDateField(const crm::Module& module, std::string_view name) {
  std::string api;
  unsigned kind = KindOf(module, name, &api);
  return kind == kDate || kind == kDateTime;
}

// ${Module.Field} placeholders in a webhook's URL or body must name fields of the module.
Result<void> CheckPlaceholders(std::string_view text, const crm::Module& module,
                               const std::string& path) {
  size_t pos = 0;
  while ((pos = text.find("${", pos)) != std::string_view::npos) {
    size_t end = text.find('}', pos);
    if (end == std::string_view::npos) return InvalidArgument(path + ": '${' without '}'");
    std::string_view name = text.substr(pos + 2, end - pos - 2);
    std::string prefix = module.api_name + ".";
    if (!name.starts_with(prefix)) {
      return InvalidArgument(path + ": placeholder ${" + std::string(name) + "} must start with " +
                             prefix);
    }
    std::string_view field = name.substr(prefix.size());
    std::string api;
    if (field != "ID" && !KindOf(module, field, &api)) {
      return InvalidArgument(path + ": " + module.api_name + " has no field '" +
                             std::string(field) + "'");
    }
    pos = end + 1;
  }
  return Ok();
}

Result<void> CheckAction(const Action& a, const crm::Module& module,
                         const FunctionLookup* functions, const std::string& path) {
  switch (a.kind) {
    case ActionKind::kFunction:
      if (functions) {
        auto params = (*functions)(a.function);
        if (!params.ok()) return InvalidArgument(path + ".function: " + params.error().message());
        std::string record_arg = RecordArgumentName(module.api_name);
        for (const auto& p : *params) {
          bool mapped = std::any_of(a.args.begin(), a.args.end(),
                                    [&](const Argument& arg) { return arg.name == p; });
          if (!mapped && p != record_arg) {
            return InvalidArgument(path + ".args: function '" + a.function + "' takes '" + p +
                                   "'; map it to a field or a value (the record itself is '" +
                                   record_arg + "')");
          }
        }
        for (const auto& arg : a.args) {
          if (std::find(params->begin(), params->end(), arg.name) == params->end()) {
            return InvalidArgument(path + ".args." + arg.name + ": function '" + a.function +
                                   "' has no parameter '" + arg.name + "'");
          }
        }
      }
      for (const auto& arg : a.args) {
        std::string api;
        if (!arg.field.empty() && arg.field != "ID" && !KindOf(module, arg.field, &api)) {
          return InvalidArgument(path + ".args." + arg.name + ": " + module.api_name +
                                 " has no field '" + arg.field + "'");
        }
      }
      return Ok();
    case ActionKind::kWebhook:
      TRY(CheckPlaceholders(a.url, module, path + ".webhook.url"));
      TRY(CheckPlaceholders(a.body, module, path + ".webhook.body"));
      return Ok();
    case ActionKind::kFieldUpdate:
      for (const auto& [name, value] : a.fields.items()) {
        const crm::Field* f = module.FindField(name);
        if (!f) {
          return InvalidArgument(path + ".update." + name + ": " + module.api_name +
                                 " has no field '" + name + "'");
        }
        if (f->read_only) {
          return InvalidArgument(path + ".update." + name + ": " + f->api_name + " is read-only");
        }
        if (value.is_object() && value.contains("field")) {
          std::string api;
          if (!value["field"].is_string() ||
              !KindOf(module, value["field"].get<std::string>(), &api)) {
            return InvalidArgument(path + ".update." + name + ".field: " + module.api_name +
                                   " has no such field");
          }
        } else {
          auto normalized = crm::NormalizeValue(*f, value);
          if (!normalized.ok()) {
            return InvalidArgument(path + ".update." + name + ": " + normalized.error().message());
          }
        }
      }
      return Ok();
  }
  return Ok();
}

}  // namespace

Result<CriteriaRow> ParseCriteriaRow(std::string_view text) {
  std::string t = Trim(text);
  size_t space = t.find(' ');
  if (space == std::string::npos) {
    return InvalidArgument("expected 'Field operator value', got '" + t + "'");
  }
  CriteriaRow row;
  row.field = t.substr(0, space);
  std::string rest = Trim(std::string_view(t).substr(space + 1));
  std::string lower = Lower(rest);
  // The longest label (or alias) the rest starts with, ending at a space or the end.
  std::string_view best;
  auto consider = [&](std::string_view label) {
    if (label.size() <= best.size() || !lower.starts_with(label)) return;
    if (lower.size() > label.size() && lower[label.size()] != ' ') return;
    best = label;
  };
  for (const auto& op : kOperators) consider(op.label);
  for (const auto& [alias, canonical] : kAliases) consider(alias);
  if (best.empty()) {
    return InvalidArgument("no operator after '" + row.field + "' in '" + t + "'");
  }
  const Operator* op = FindOperator(best);
  row.op = std::string(op->label);
  std::string value = Trim(std::string_view(rest).substr(best.size()));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  } else if (op->arity == 2 || op->arity == -1) {
    // "between 100,500", "between 100 and 500", "is any of A, B".
    std::string sep = ",";
    if (value.find(',') == std::string::npos && op->arity == 2) sep = " and ";
    size_t start = 0;
    while (!value.empty()) {
      size_t at = Lower(value).find(sep, start);
      row.values.push_back(Trim(std::string_view(value).substr(start, at == std::string::npos ? std::string::npos : at - start)));
      if (at == std::string::npos) break;
      start = at + sep.size();
    }
    return row;
  }
  if (!value.empty()) row.values.push_back(value);
  return row;
}

std::vector<std::string> OperatorsFor(const crm::Module& module, std::string_view field) {
  std::string api;
  unsigned kind = KindOf(module, field, &api);
  return kind ? LabelsFor(kind) : std::vector<std::string>{};
}

Result<void> Compile(Rule& rule, const crm::Module& module, const FunctionLookup* functions) {
  const Trigger& t = rule.trigger;
  for (size_t i = 0; i < t.fields.size(); ++i) {
    std::string api;
    if (!KindOf(module, t.fields[i], &api)) {
      return InvalidArgument("trigger.fields[" + std::to_string(i) + "]: " + module.api_name +
                             " has no field '" + t.fields[i] + "'");
    }
  }
  if (t.kind == TriggerKind::kDate && !IsDateField(module, t.date_field)) {
    return InvalidArgument("trigger.field: '" + t.date_field + "' is not a date or date-time field of " +
                           module.api_name);
  }
  for (size_t ci = 0; ci < rule.conditions.size(); ++ci) {
    Condition& c = rule.conditions[ci];
    std::string path = "conditions[" + std::to_string(ci) + "]";
    if (!c.all_records) {
      std::vector<crm::Condition> rows;
      for (size_t ri = 0; ri < c.rows.size(); ++ri) {
        rows.push_back(TRY(RowToCondition(c.rows[ri], module,
                                          path + ".criteria[" + std::to_string(ri) + "]")));
      }
      std::string pattern = c.pattern;
      if (pattern.empty()) {
        for (size_t i = 0; i < rows.size(); ++i) {
          pattern += (i ? " and " : "") + std::to_string(i + 1);
        }
      }
      auto compiled = PatternParser(pattern, std::move(rows)).Parse();
      if (!compiled.ok()) return InvalidArgument(path + ".pattern: " + compiled.error().message());
      c.compiled = std::move(*compiled);
    }
    for (size_t ai = 0; ai < c.actions.size(); ++ai) {
      TRY(CheckAction(c.actions[ai], module, functions, path + ".actions[" + std::to_string(ai) + "]"));
    }
    for (size_t si = 0; si < c.scheduled.size(); ++si) {
      const Schedule& s = c.scheduled[si];
      std::string spath = path + ".scheduled[" + std::to_string(si) + "]";
      if (!s.from_field.empty() && !IsDateField(module, s.from_field)) {
        return InvalidArgument(spath + ".from: '" + s.from_field +
                               "' is not a date or date-time field of " + module.api_name);
      }
      for (size_t ai = 0; ai < s.actions.size(); ++ai) {
        TRY(CheckAction(s.actions[ai], module, functions, spath + ".actions[" + std::to_string(ai) + "]"));
      }
    }
  }
  return Ok();
}

std::optional<size_t> FirstMatch(const Rule& rule, const crm::Module& module, const Json& record) {
  for (size_t i = 0; i < rule.conditions.size(); ++i) {
    const Condition& c = rule.conditions[i];
    if (c.all_records) return i;
    if (c.compiled && crm::Matches(*c.compiled, module, record)) return i;
  }
  return std::nullopt;
}

}  // namespace relish::workflow
