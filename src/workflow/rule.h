// Workflow rules: what a rule is, its definition as JSON (the shape the REST API takes and a
// topping's topping.yaml holds), and its checks against a CRM module. Plain data: no store.
//
// A rule watches one module. Its trigger says which record changes it reacts to; its conditions
// are tried in order and the first whose criteria match the record runs its actions: instant ones
// at once, scheduled ones at an offset from the trigger time or from a date field of the record.
//
//   {"name": "Sync to Books", "module": "Contacts",
//    "trigger": {"type": "create_or_edit", "repeat": true},
//    "conditions": [{"criteria": ["Email is not empty"],
//                    "actions": [{"function": "sync_contact"}]}]}
//
// docs/workflow.md describes every key. Errors name the key by its path
// ("conditions[0].criteria[1]: ...") so a manifest can point at the line that holds it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "crm/criteria.h"
#include "crm/schema.h"

namespace relish::workflow {

using Json = crm::Json;

inline constexpr size_t kMaxConditions = 10;
inline constexpr size_t kMaxCriteriaRows = 25;
inline constexpr size_t kMaxActions = 10;  // instant and scheduled, per condition

enum class TriggerKind { kCreate, kEdit, kCreateOrEdit, kDelete, kDate };
std::string_view TriggerKindName(TriggerKind kind);  // "create", "edit", "create_or_edit", ...

struct Trigger {
  TriggerKind kind = TriggerKind::kCreate;
  // edit, create_or_edit: an edit fires only when one of these fields changed (empty: any).
  std::vector<std::string> fields;
  // edit, create_or_edit: fire on every edit that meets the conditions. Without it a rule runs
  // at most once per record (its creation counts for create_or_edit).
  bool repeat = false;
  // date: the date or date-time field, and when to run relative to its value.
  std::string date_field;
  int64_t offset_ms = 0;      // negative: before the date
  int time_of_day_min = 540;  // date fields (no time): minutes after midnight UTC; 09:00
};

// One row of criteria: `field operator value`, with the operator as the console shows it
// ("is", "isn't", "contains", "is empty", ">=", "between", "before", ...).
struct CriteriaRow {
  std::string field;
  std::string op;
  std::vector<std::string> values;  // none for is empty / is not empty; two for between
};

enum class ActionKind { kFunction, kWebhook, kFieldUpdate };
std::string_view ActionKindName(ActionKind kind);  // "function", "webhook", "update"

// A function argument: a field of the record, or a constant.
struct Argument {
  std::string name;
  std::string field;            // when not empty, the argument is this field's value
  Json value = Json(nullptr);  // the constant otherwise
};

struct Action {
  ActionKind kind = ActionKind::kFunction;
  // function
  std::string function;
  std::vector<Argument> args;
  // webhook: `url` and `body` may hold ${Module.Field} (and ${Module.ID}) placeholders, replaced
  // by the record's values, escaped for where they land (percent-encoded in the URL, JSON-escaped
  // in a JSON body, form-encoded in a form body).
  std::string url;
  std::string method = "POST";
  std::string body;
  std::string content_type;  // default: application/json when the body looks like JSON
  std::vector<std::pair<std::string, std::string>> headers;
  std::string connection;  // link name whose credentials go with the request, or empty
  // update: field -> value (a constant, or {"field": "Other_Field"} to copy a value).
  Json fields = Json::object();
  bool trigger_workflows = false;  // whether the update may fire rules itself
};

// Actions that run later: `offset_ms` after the trigger, or after the value of `from_field`.
struct Schedule {
  int64_t offset_ms = 0;
  std::string from_field;  // empty: from the time the rule fired
  std::vector<Action> actions;
};

struct Condition {
  bool all_records = true;  // no criteria
  std::vector<CriteriaRow> rows;
  std::string pattern;  // "(1 and 2) or 3"; empty: every row, joined by "and"
  std::vector<Action> actions;
  std::vector<Schedule> scheduled;
  // Filled by Compile: the rows and pattern as CRM criteria.
  std::optional<crm::Criteria> compiled;
};

struct Rule {
  std::string id;
  std::string org_id;
  std::string environment;
  std::string topping;  // the namespace of the topping that installed it, or empty
  std::string name;
  std::string description;
  std::string module;
  bool active = true;
  Trigger trigger;
  std::vector<Condition> conditions;
  std::string created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // Set when a stored definition no longer passes today's checks (they were tightened since it
  // was saved): the rule is listed with this reason and never fires until it is saved again.
  std::string problem;
};

// Reads a rule definition (name, module, description, active, trigger, conditions). Errors are
// kInvalidArgument: "<path>: <reason>", e.g. "trigger.type: unknown trigger 'craete'; ...".
Result<Rule> RuleFromJson(const Json& definition);
// The canonical definition (criteria rows as objects); RuleFromJson(RuleToJson(r)) == r.
Json RuleToJson(const Rule& rule);

// One action alone, in the definition's shape (jobs carry them).
Json ActionToJson(const Action& action);
// What the execution log names as the action's target: the function's name, "POST https://..."
// for a webhook, the updated fields ("Title, Description").
std::string ActionTarget(const Action& action);
Result<Action> ActionFromJson(const Json& j);

// The parameters of the function of that name, or kNotFound.
using FunctionLookup = std::function<Result<std::vector<std::string>>(std::string_view name)>;

// Checks fields and operators against the module the rule watches and fills each condition's
// `compiled` criteria. With `functions`, also checks that each function exists and that every
// parameter it takes is either mapped or the record's own argument (RecordArgumentName).
// Errors are "<path>: <reason>" as above.
Result<void> Compile(Rule& rule, const crm::Module& module,
                     const FunctionLookup* functions = nullptr);

// The first condition (index) whose criteria the record meets, or nullopt. `record` is in the
// API's output shape. Needs Compile to have run.
std::optional<size_t> FirstMatch(const Rule& rule, const crm::Module& module, const Json& record);

// One criteria row from its text form: the field, the operator, then the value
// ("Email is not empty", "Stage is Closed Won", "Amount between 100,500").
Result<CriteriaRow> ParseCriteriaRow(std::string_view text);

// The operators a field of this module accepts, as the console lists them; empty when the
// module has no such field.
std::vector<std::string> OperatorsFor(const crm::Module& module, std::string_view field);

// "2h", "-1d", "30m", "90s" as milliseconds (a bare number is minutes, as the console offers).
Result<int64_t> ParseOffset(std::string_view text);
std::string FormatOffset(int64_t ms);

// The argument name a module's record is passed under: the singular of its API name in lower
// case ("Contacts" -> "contact", "Pipelines" -> "pipeline"); its id is under "<Module>.ID".
std::string RecordArgumentName(std::string_view module_api_name);

}  // namespace relish::workflow
