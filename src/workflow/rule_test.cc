#include "workflow/rule.h"

#include <gtest/gtest.h>

namespace relish::workflow {
namespace {

const crm::Module& Contacts() { return *crm::FindStandardModule("Contacts"); }
const crm::Module& Pipelines() { return *crm::FindStandardModule("Pipelines"); }

Json SeedRule() {
  return Json::parse(R"({
    "name": "Sync contacts to Books", "module": "Contacts",
    "trigger": {"type": "create_or_edit", "repeat": true},
    "conditions": [{"criteria": ["Email is not empty"], "actions": [{"function": "sync"}]}]
  })");
}

std::string ErrorOf(const Json& definition) {
  auto r = RuleFromJson(definition);
  return r.ok() ? "ok" : r.error().message();
}

std::string CompileError(const Json& definition, const crm::Module& module) {
  auto r = RuleFromJson(definition);
  if (!r.ok()) return "parse: " + r.error().message();
  auto c = Compile(*r, module);
  return c.ok() ? "ok" : c.error().message();
}

TEST(RuleTest, ReadsTheSeedRuleAndPrintsItCanonically) {
  auto rule = RuleFromJson(SeedRule());
  ASSERT_TRUE(rule.ok()) << rule.error().ToString();
  EXPECT_EQ(rule->trigger.kind, TriggerKind::kCreateOrEdit);
  EXPECT_TRUE(rule->trigger.repeat);
  ASSERT_EQ(rule->conditions.size(), 1u);
  ASSERT_EQ(rule->conditions[0].rows.size(), 1u);
  EXPECT_EQ(rule->conditions[0].rows[0].field, "Email");
  EXPECT_EQ(rule->conditions[0].rows[0].op, "is not empty");
  EXPECT_EQ(RuleToJson(*rule).dump(),
            R"({"name":"Sync contacts to Books","module":"Contacts","description":"","active":true,)"
            R"("trigger":{"type":"create_or_edit","repeat":true},"conditions":[{"criteria":)"
            R"([{"field":"Email","operator":"is not empty"}],"actions":[{"function":"sync"}]}]})");
  // Printing and reading again gives the same definition.
  auto again = RuleFromJson(RuleToJson(*rule));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(RuleToJson(*again), RuleToJson(*rule));
}

TEST(RuleTest, EveryActionKindRoundTrips) {
  Json def = Json::parse(R"({
    "name": "All kinds", "module": "Pipelines", "active": false,
    "trigger": {"type": "edit", "fields": ["Stage"]},
    "conditions": [
      {"criteria": [{"field": "Amount", "operator": ">=", "value": 1000}, "Stage is Closed Won"],
       "pattern": "1 or 2",
       "actions": [
         {"function": "notify", "args": {"amount": {"field": "Amount"}, "source": "crm", "opts": {"value": {"a": 1}}}},
         {"webhook": {"url": "https://hooks.example/deal/${Pipelines.ID}", "method": "put",
                      "body": "{\"name\":\"${Pipelines.Deal_Name}\"}", "headers": {"X-Kind": "deal"},
                      "connection": "hooks"}},
         {"update": {"Description": "big deal"}, "trigger_workflows": true}],
       "scheduled": [{"offset": "2h", "actions": [{"function": "remind"}]},
                     {"offset": "-1d", "from": "Closing_Date", "actions": [{"function": "remind"}]}]},
      {"criteria": "all", "actions": [{"function": "log"}]}]
  })");
  auto rule = RuleFromJson(def);
  ASSERT_TRUE(rule.ok()) << rule.error().ToString();
  EXPECT_EQ(RuleToJson(*rule).dump(),
            R"({"name":"All kinds","module":"Pipelines","description":"","active":false,)"
            R"("trigger":{"type":"edit","fields":["Stage"],"repeat":false},"conditions":[)"
            R"({"criteria":[{"field":"Amount","operator":">=","value":"1000"},)"
            R"({"field":"Stage","operator":"is","value":"Closed Won"}],"pattern":"1 or 2","actions":[)"
            R"({"function":"notify","args":{"amount":{"field":"Amount"},"source":"crm","opts":{"value":{"a":1}}}},)"
            R"({"webhook":{"url":"https://hooks.example/deal/${Pipelines.ID}","method":"PUT",)"
            R"("body":"{\"name\":\"${Pipelines.Deal_Name}\"}","headers":{"X-Kind":"deal"},"connection":"hooks"}},)"
            R"({"update":{"Description":"big deal"},"trigger_workflows":true}],"scheduled":[)"
            R"({"offset":"2h","from":"trigger","actions":[{"function":"remind"}]},)"
            R"({"offset":"-1d","from":"Closing_Date","actions":[{"function":"remind"}]}]},)"
            R"({"criteria":"all","actions":[{"function":"log"}]}]})");
  EXPECT_EQ(CompileError(def, Pipelines()), "ok");
}

TEST(RuleTest, DefinitionErrorsNameTheKey) {
  Json def = SeedRule();
  def["trigger"]["type"] = "craete";
  EXPECT_EQ(ErrorOf(def),
            "trigger.type: unknown trigger 'craete'; use create, edit, create_or_edit, delete or date");
  def = SeedRule();
  def["conditions"][0]["actions"][0] = {{"function", "a"}, {"webhook", {{"url", "http://x"}}}};
  EXPECT_EQ(ErrorOf(def), "conditions[0].actions[0]: needs exactly one of 'function', 'webhook' or 'update'");
  def = SeedRule();
  def["conditions"][0]["actions"] = Json::array();
  EXPECT_EQ(ErrorOf(def), "conditions[0].actions: a condition needs at least one action");
  def = SeedRule();
  def["colour"] = "red";
  EXPECT_EQ(ErrorOf(def),
            "colour: unknown key; expected one of name, module, description, active, trigger, conditions");
  def = SeedRule();
  def["conditions"][0]["criteria"][0] = "Email";
  EXPECT_EQ(ErrorOf(def), "conditions[0].criteria[0]: expected 'Field operator value', got 'Email'");
  def = SeedRule();
  def["conditions"][0]["criteria"][0] = "Email resembles x";
  EXPECT_EQ(ErrorOf(def), "conditions[0].criteria[0]: no operator after 'Email' in 'Email resembles x'");
  def = SeedRule();
  def["trigger"] = {{"type", "create"}, {"repeat", true}};
  EXPECT_EQ(ErrorOf(def), "trigger.repeat: only edit and create_or_edit triggers repeat");
  def = SeedRule();
  def["conditions"][0]["scheduled"] = Json::parse(R"([{"offset": "-2h", "actions": [{"function": "x"}]}])");
  EXPECT_EQ(ErrorOf(def), "conditions[0].scheduled[0].offset: cannot be before the trigger");
  def = SeedRule();
  def["conditions"][0]["actions"][0] = {{"webhook", {{"url", "ftp://x"}}}};
  EXPECT_EQ(ErrorOf(def), "conditions[0].actions[0].webhook.url: must start with http:// or https://");
  // The request head's rules (outbound/request_head.h) hold when the rule is saved.
  def = SeedRule();
  def["conditions"][0]["actions"][0] = {
      {"webhook", {{"url", "https://h.example/"}, {"headers", {{"X-Evil", "1\r\nX-Injected: 1"}}}}}};
  EXPECT_EQ(ErrorOf(def), "conditions[0].actions[0].webhook.headers: header 'X-Evil' has a CR, LF "
                          "or NUL character in its value");
  def["conditions"][0]["actions"][0] = {
      {"webhook", {{"url", "https://h.example/"}, {"headers", {{"X-Evil\r\nHost", 1}}}}}};
  EXPECT_EQ(ErrorOf(def), "conditions[0].actions[0].webhook.headers: header name "
                          "'X-Evil\\r\\nHost' is not valid (allowed: letters, digits and "
                          "!#$%&'*+-.^_`|~)");
  def["conditions"][0]["actions"][0] = {{"webhook", {{"url", "https://h.example/a\r\nHost: x"}}}};
  EXPECT_EQ(ErrorOf(def), "conditions[0].actions[0].webhook.url: the URL has a space or a control "
                          "character (at byte 20)");
  def = SeedRule();
  def.erase("module");
  EXPECT_EQ(ErrorOf(def), "module: is required");
}

TEST(RuleTest, CriteriaRowsFromText) {
  auto row = ParseCriteriaRow("Stage is Closed Won");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->op, "is");
  EXPECT_EQ(row->values, std::vector<std::string>{"Closed Won"});
  row = ParseCriteriaRow("Email is not empty");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->op, "is not empty");
  EXPECT_TRUE(row->values.empty());
  row = ParseCriteriaRow("Amount between 100 and 500");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->op, "between");
  EXPECT_EQ(row->values, (std::vector<std::string>{"100", "500"}));
  row = ParseCriteriaRow("Last_Name is any of Lee, Smith");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->op, "is any of");
  EXPECT_EQ(row->values, (std::vector<std::string>{"Lee", "Smith"}));
  row = ParseCriteriaRow("Email does not contain \"@example.com\"");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->op, "doesn't contain");
  EXPECT_EQ(row->values, std::vector<std::string>{"@example.com"});
  row = ParseCriteriaRow("Closing_Date is before 2024-06-01");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->op, "before");
  row = ParseCriteriaRow("Amount >= 10");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->op, ">=");
  EXPECT_EQ(row->values, std::vector<std::string>{"10"});
}

TEST(RuleTest, OperatorsFitTheFieldType) {
  EXPECT_EQ(OperatorsFor(Contacts(), "Email"),
            (std::vector<std::string>{"is", "isn't", "contains", "doesn't contain", "starts with",
                                      "ends with", "is any of", "is none of", "is empty",
                                      "is not empty"}));
  EXPECT_EQ(OperatorsFor(Pipelines(), "Closing_Date"),
            (std::vector<std::string>{"is", "isn't", "<", "<=", ">", ">=", "between", "not between",
                                      "before", "after", "is empty", "is not empty"}));
  EXPECT_EQ(OperatorsFor(Contacts(), "Nope"), std::vector<std::string>{});

  Json def = SeedRule();
  def["conditions"][0]["criteria"][0] = "Email before 2024-01-01";
  EXPECT_EQ(CompileError(def, Contacts()),
            "conditions[0].criteria[0]: 'before' does not apply to Email (text); use is, isn't, "
            "contains, doesn't contain, starts with, ends with, is any of, is none of, is empty, "
            "is not empty");
  def["module"] = "Pipelines";
  def["conditions"][0]["criteria"][0] = "Amount > lots";
  EXPECT_EQ(CompileError(def, Pipelines()),
            "conditions[0].criteria[0]: Amount:greater_than: 'lots' is not a number");
  def["conditions"][0]["criteria"][0] = "Colour is red";
  EXPECT_EQ(CompileError(def, Pipelines()), "conditions[0].criteria[0]: Pipelines has no field 'Colour'");
  def["conditions"][0]["criteria"][0] = "Amount between 5";
  EXPECT_EQ(CompileError(def, Pipelines()),
            "conditions[0].criteria[0]: 'between' needs two values: low, high");
  def["conditions"][0]["criteria"][0] = "Amount is empty 4";
  EXPECT_EQ(CompileError(def, Pipelines()), "conditions[0].criteria[0]: 'is empty' takes no value");
}

TEST(RuleTest, PatternsCombineRows) {
  Json def = Json::parse(R"({"name": "r", "module": "Pipelines", "trigger": "create",
    "conditions": [{"criteria": ["Amount > 100", "Stage is Closed Won", "Deal_Name starts with VIP"],
                    "pattern": "(1 and 2) or 3", "actions": [{"function": "f"}]}]})");
  auto rule = RuleFromJson(def);
  ASSERT_TRUE(rule.ok());
  ASSERT_TRUE(Compile(*rule, Pipelines()).ok());
  auto match = [&](Json record) { return FirstMatch(*rule, Pipelines(), record).has_value(); };
  EXPECT_TRUE(match({{"Amount", 500}, {"Stage", "Closed Won"}, {"Deal_Name", "x"}}));
  EXPECT_FALSE(match({{"Amount", 50}, {"Stage", "Closed Won"}, {"Deal_Name", "x"}}));
  EXPECT_TRUE(match({{"Amount", 50}, {"Stage", "Qualification"}, {"Deal_Name", "vip deal"}}));
  EXPECT_FALSE(match({{"Amount", 500}, {"Stage", "Qualification"}, {"Deal_Name", "x"}}));

  def["conditions"][0]["pattern"] = "1 and 4";
  EXPECT_EQ(CompileError(def, Pipelines()), "conditions[0].pattern: row 4 does not exist (there are 3)");
  def["conditions"][0]["pattern"] = "1 or 2";
  EXPECT_EQ(CompileError(def, Pipelines()), "conditions[0].pattern: row 3 is not used");
  def["conditions"][0]["pattern"] = "(1 and 2 or 3";
  EXPECT_EQ(CompileError(def, Pipelines()), "conditions[0].pattern: expected ')' at column 14");
  def["conditions"][0]["pattern"] = "1 xor 2";
  EXPECT_EQ(CompileError(def, Pipelines()), "conditions[0].pattern: unexpected 'x' at column 3");
}

// A pattern of thousands of parentheses once overflowed the stack of the recursive parser.
TEST(RuleTest, PatternNestingIsBounded) {
  Json def = Json::parse(R"({"name": "r", "module": "Pipelines", "trigger": "create",
    "conditions": [{"criteria": ["Amount > 100"], "actions": [{"function": "f"}]}]})");
  auto nested = [](int depth) {
    return std::string(static_cast<size_t>(depth), '(') + "1" +
           std::string(static_cast<size_t>(depth), ')');
  };
  def["conditions"][0]["pattern"] = nested(crm::kMaxCriteriaDepth);
  auto rule = RuleFromJson(def);
  ASSERT_TRUE(rule.ok());
  EXPECT_TRUE(Compile(*rule, Pipelines()).ok());
  def["conditions"][0]["pattern"] = nested(crm::kMaxCriteriaDepth + 1);
  EXPECT_EQ(CompileError(def, Pipelines()),
            "conditions[0].pattern: parentheses nest more than 32 levels deep at column 33");
  def["conditions"][0]["pattern"] = nested(100'000);
  EXPECT_EQ(CompileError(def, Pipelines()),
            "conditions[0].pattern: parentheses nest more than 32 levels deep at column 33");
}

TEST(RuleTest, TheFirstMatchingConditionWins) {
  Json def = Json::parse(R"({"name": "r", "module": "Contacts", "trigger": "create",
    "conditions": [{"criteria": ["Email ends with @vip.example"], "actions": [{"function": "vip"}]},
                   {"criteria": ["Email is not empty"], "actions": [{"function": "normal"}]},
                   {"criteria": "all", "actions": [{"function": "rest"}]}]})");
  auto rule = RuleFromJson(def);
  ASSERT_TRUE(rule.ok());
  ASSERT_TRUE(Compile(*rule, Contacts()).ok());
  EXPECT_EQ(FirstMatch(*rule, Contacts(), {{"Email", "a@VIP.example"}}), 0u);
  EXPECT_EQ(FirstMatch(*rule, Contacts(), {{"Email", "a@b.example"}}), 1u);
  EXPECT_EQ(FirstMatch(*rule, Contacts(), {{"Email", nullptr}}), 2u);
}

TEST(RuleTest, ActionsAreCheckedAgainstTheModuleAndFunctions) {
  FunctionLookup functions = [](std::string_view name) -> Result<std::vector<std::string>> {
    if (name == "sync") return std::vector<std::string>{"contact"};
    if (name == "byid") return std::vector<std::string>{"contactId"};
    return NotFound("no function '" + std::string(name) + "'");
  };
  auto compile = [&](Json action) {
    Json def = SeedRule();
    def["conditions"][0]["actions"][0] = action;
    auto rule = RuleFromJson(def);
    if (!rule.ok()) return "parse: " + rule.error().message();
    auto c = Compile(*rule, Contacts(), &functions);
    return c.ok() ? std::string("ok") : c.error().message();
  };
  EXPECT_EQ(compile({{"function", "sync"}}), "ok");
  EXPECT_EQ(compile({{"function", "nope"}}), "conditions[0].actions[0].function: no function 'nope'");
  EXPECT_EQ(compile({{"function", "byid"}}),
            "conditions[0].actions[0].args: function 'byid' takes 'contactId'; map it to a field or "
            "a value (the record itself is 'contact')");
  EXPECT_EQ(compile({{"function", "byid"}, {"args", {{"contactId", {{"field", "ID"}}}}}}), "ok");
  EXPECT_EQ(compile({{"function", "sync"}, {"args", {{"extra", 1}}}}),
            "conditions[0].actions[0].args.extra: function 'sync' has no parameter 'extra'");
  EXPECT_EQ(compile({{"update", {{"Full_Name", "x"}}}}),
            "conditions[0].actions[0].update.Full_Name: Full_Name is read-only");
  EXPECT_EQ(compile({{"update", {{"Shoe_Size", "x"}}}}),
            "conditions[0].actions[0].update.Shoe_Size: Contacts has no field 'Shoe_Size'");
  EXPECT_EQ(compile({{"webhook", {{"url", "https://h.example/${Contacts.Emial}"}}}}),
            "conditions[0].actions[0].webhook.url: Contacts has no field 'Emial'");
  EXPECT_EQ(compile({{"webhook", {{"url", "https://h.example/"}, {"body", "${Deals.Amount}"}}}}),
            "conditions[0].actions[0].webhook.body: placeholder ${Deals.Amount} must start with Contacts.");
}

TEST(RuleTest, DateTriggersNeedDateFields) {
  Json def = Json::parse(R"({"name": "r", "module": "Pipelines",
    "trigger": {"type": "date", "field": "Closing_Date", "offset": "-1d", "time": "08:30"},
    "conditions": [{"actions": [{"function": "f"}]}]})");
  auto rule = RuleFromJson(def);
  ASSERT_TRUE(rule.ok()) << rule.error().ToString();
  EXPECT_EQ(rule->trigger.offset_ms, -86'400'000);
  EXPECT_EQ(rule->trigger.time_of_day_min, 8 * 60 + 30);
  EXPECT_EQ(CompileError(def, Pipelines()), "ok");
  def["trigger"]["field"] = "Deal_Name";
  EXPECT_EQ(CompileError(def, Pipelines()),
            "trigger.field: 'Deal_Name' is not a date or date-time field of Pipelines");
  def["trigger"]["time"] = "25:00";
  EXPECT_EQ(ErrorOf(def), "trigger.time: must be HH:MM (UTC), got '25:00'");
}

TEST(RuleTest, Offsets) {
  EXPECT_EQ(*ParseOffset("30"), 30 * 60'000);
  EXPECT_EQ(*ParseOffset("2h"), 2 * 3'600'000);
  EXPECT_EQ(*ParseOffset("-1d"), -86'400'000);
  EXPECT_EQ(*ParseOffset("90s"), 90'000);
  EXPECT_EQ(ParseOffset("2w").error().message(), "expected an offset like 30m, 2h, 1d or -1d, got '2w'");
  EXPECT_EQ(ParseOffset("400d").error().message(), "offsets are limited to 366 days");
  EXPECT_EQ(FormatOffset(-86'400'000), "-1d");
  EXPECT_EQ(FormatOffset(90'000), "90s");
  EXPECT_EQ(FormatOffset(0), "0m");
}

TEST(RuleTest, RecordArgumentNames) {
  EXPECT_EQ(RecordArgumentName("Contacts"), "contact");
  EXPECT_EQ(RecordArgumentName("Accounts"), "account");
  EXPECT_EQ(RecordArgumentName("Pipelines"), "pipeline");
  EXPECT_EQ(RecordArgumentName("Properties"), "property");
}

}  // namespace
}  // namespace relish::workflow
