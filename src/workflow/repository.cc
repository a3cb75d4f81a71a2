#include "workflow/repository.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/ids.h"
#include "base/log.h"
#include "deluge/deluge.h"

namespace relish::workflow {

using store::Transaction;
using store::TxMode;

namespace {

constexpr std::string_view kFunctionColumns =
    "id, org_id, environment, topping, name, description, source, params, has_header, created_by,"
    " created_at, updated_at";
constexpr std::string_view kRuleColumns =
    "id, org_id, environment, topping, definition, created_by, created_at, updated_at";

Function FunctionFromRow(const store::Row& r) {
  Function f;
  f.id = r.Text(0);
  f.org_id = r.Text(1);
  f.environment = r.Text(2);
  f.topping = r.Text(3);
  f.name = r.Text(4);
  f.description = r.Text(5);
  f.source = r.Text(6);
  Json params = Json::parse(r.Text(7), nullptr, false);
  if (params.is_array()) {
    for (const auto& p : params) f.params.push_back(p.get<std::string>());
  }
  f.has_header = r.Bool(8);
  f.created_by = r.Text(9);
  f.created_at = r.Int(10);
  f.updated_at = r.Int(11);
  return f;
}

// Stored definitions were checked when saved, but the checks may have been tightened since
// (header values, criteria depth): such a rule comes back with its problem, inactive, so that
// one old row neither stops the organization's record writes nor hides the others from a list.
Rule RuleFromRow(const store::Row& r) {
  Json def = Json::parse(r.Text(4), nullptr, false);
  auto parsed = RuleFromJson(def);
  Rule rule;
  if (parsed.ok()) {
    rule = std::move(*parsed);
  } else {
    auto text = [&](const char* key) {
      return def.is_object() && def.contains(key) && def[key].is_string() ? def[key].get<std::string>()
                                                                         : std::string();
    };
    rule.name = text("name");
    rule.module = text("module");
    rule.active = false;
    rule.problem = parsed.error().message();
  }
  rule.id = r.Text(0);
  rule.org_id = r.Text(1);
  rule.environment = r.Text(2);
  rule.topping = r.Text(3);
  rule.created_by = r.Text(5);
  rule.created_at = r.Int(6);
  rule.updated_at = r.Int(7);
  return rule;
}

Result<void> CheckName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 50 && std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') ok = false;
  }
  if (!ok) {
    return InvalidArgument("function name '" + std::string(name) +
                           "' must be a letter, then letters, digits or '_' (at most 50)");
  }
  return Ok();
}

Result<std::vector<std::string>> ParamsOf(Transaction& tx, const crm::Space& space,
                                          std::string_view topping, std::string_view name) {
  auto rows = TRY(tx.Query("SELECT params FROM wf_functions WHERE org_id = ? AND environment = ?"
                           " AND topping = ? AND name = ?",
                           space.org_id, space.environment, topping, name));
  if (rows.empty()) return NotFound("no function '" + std::string(name) + "'");
  std::vector<std::string> out;
  Json params = Json::parse(rows[0].Text(0), nullptr, false);
  if (params.is_array()) {
    for (const auto& p : params) out.push_back(p.get<std::string>());
  }
  return out;
}

bool RunsFunction(const Rule& rule, std::string_view function) {
  auto uses = [&](const std::vector<Action>& actions) {
    return std::any_of(actions.begin(), actions.end(), [&](const Action& a) {
      return a.kind == ActionKind::kFunction && a.function == function;
    });
  };
  for (const auto& c : rule.conditions) {
    if (uses(c.actions)) return true;
    for (const auto& s : c.scheduled) {
      if (uses(s.actions)) return true;
    }
  }
  return false;
}

}  // namespace

Result<std::pair<std::vector<std::string>, bool>> CheckFunction(const NewFunction& spec) {
  TRY(CheckName(spec.name));
  if (spec.source.size() > kMaxFunctionBytes) {
    return InvalidArgument("the function is larger than " + std::to_string(kMaxFunctionBytes) +
                           " bytes");
  }
  auto compiled = deluge::Compile(spec.source, {.arg_names = spec.params});
  if (!compiled.ok()) {
    const auto& d = compiled.diagnostics.front();
    return InvalidArgument("line " + std::to_string(d.line) + ": " + d.message);
  }
  if (deluge::HasHeader(*compiled.program)) {
    std::vector<std::string> header = deluge::ParameterNames(*compiled.program);
    if (!spec.params.empty() && spec.params != header) {
      std::string list;
      for (const auto& h : header) list += (list.empty() ? "" : ", ") + h;
      return InvalidArgument("the function's header takes (" + list +
                             "), not the parameters declared for it");
    }
    return std::make_pair(header, true);
  }
  return std::make_pair(spec.params, false);
}

Repository::Repository(store::Store& store, crm::Crm& crm, const Clock& clock, Random& random)
    : store_(store), crm_(crm), clock_(clock), random_(random) {}

std::vector<store::Migration> Repository::Migrations() {
  return {{"workflow", 1, "functions, rules, rule versions, fired markers",
           "CREATE TABLE wf_functions ("
           " id TEXT PRIMARY KEY,"
           " org_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " topping TEXT NOT NULL,"
           " name TEXT NOT NULL,"
           " description TEXT NOT NULL,"
           " source TEXT NOT NULL,"
           " params TEXT NOT NULL,"
           " has_header BIGINT NOT NULL,"
           " created_by TEXT NOT NULL,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL,"
           " UNIQUE (org_id, environment, topping, name));"
           "CREATE TABLE wf_rules ("
           " id TEXT PRIMARY KEY,"
           " org_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " topping TEXT NOT NULL,"
           " name TEXT NOT NULL,"
           " module TEXT NOT NULL,"
           " active BIGINT NOT NULL,"
           " definition TEXT NOT NULL,"
           " created_by TEXT NOT NULL,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL,"
           " UNIQUE (org_id, environment, topping, name));"
           "CREATE TABLE wf_versions ("
           " org_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " version BIGINT NOT NULL,"
           " PRIMARY KEY (org_id, environment));"
           "CREATE TABLE wf_fired ("
           " rule_id TEXT NOT NULL,"
           " record_id TEXT NOT NULL,"
           " at BIGINT NOT NULL,"
           " PRIMARY KEY (rule_id, record_id));"}};
}

Result<void> Repository::BumpVersion(Transaction& tx, const crm::Space& space) {
  int64_t n = TRY(tx.Exec("UPDATE wf_versions SET version = version + 1 WHERE org_id = ? AND environment = ?",
                          space.org_id, space.environment));
  if (n == 0) {
    TRY(tx.Exec("INSERT INTO wf_versions (org_id, environment, version) VALUES (?, ?, 1)",
                space.org_id, space.environment));
  }
  return Ok();
}

Result<int64_t> Repository::Version(Transaction& tx, const crm::Space& space) {
  auto rows = TRY(tx.Query("SELECT version FROM wf_versions WHERE org_id = ? AND environment = ?",
                           space.org_id, space.environment));
  return rows.empty() ? 0 : rows[0].Int(0);
}

// ---- functions --------------------------------------------------------------------------------

Result<void> Repository::WriteFunction(Transaction& tx, const crm::Space& space,
                                       std::string_view topping, const NewFunction& f,
                                       const std::vector<std::string>& params, bool has_header,
                                       std::string_view user_id, int64_t now) {
  Json pj = params;
  int64_t n = TRY(tx.Exec("UPDATE wf_functions SET source = ?, params = ?, has_header = ?,"
                          " description = ?, updated_at = ? WHERE org_id = ? AND environment = ?"
                          " AND topping = ? AND name = ?",
                          f.source, pj.dump(), has_header, f.description, now, space.org_id,
                          space.environment, topping, f.name));
  if (n > 0) return Ok();
  TRY(tx.Exec("INSERT INTO wf_functions (" + std::string(kFunctionColumns) +
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              NewId("fn", clock_, random_), space.org_id, space.environment, topping, f.name,
              f.description, f.source, pj.dump(), has_header, user_id, now, now));
  return Ok();
}

Result<Function> Repository::PutFunction(const crm::Space& space, std::string_view topping,
                                         const NewFunction& spec, std::string_view user_id) {
  TRY(crm::CheckEnvironment(space.environment));
  auto [params, has_header] = TRY(CheckFunction(spec));
  int64_t now = clock_.NowMillis();
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<Function> {
    TRY(WriteFunction(tx, space, topping, spec, params, has_header, user_id, now));
    TRY(BumpVersion(tx, space));
    auto row = TRY(tx.QueryOne("function", "SELECT " + std::string(kFunctionColumns) +
                                               " FROM wf_functions WHERE org_id = ? AND"
                                               " environment = ? AND topping = ? AND name = ?",
                               space.org_id, space.environment, topping, spec.name));
    return FunctionFromRow(row);
  });
}

Result<Function> Repository::GetFunction(const crm::Space& space, std::string_view topping,
                                         std::string_view name) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Function> {
    auto row = TRY(tx.QueryOne("no function '" + std::string(name) + "'" +
                                   (topping.empty() ? "" : " in topping " + std::string(topping)),
                               "SELECT " + std::string(kFunctionColumns) +
                                   " FROM wf_functions WHERE org_id = ? AND environment = ? AND"
                                   " topping = ? AND name = ?",
                               space.org_id, space.environment, topping, name));
    return FunctionFromRow(row);
  });
}

Result<std::vector<Function>> Repository::ListFunctions(const crm::Space& space,
                                                        std::optional<std::string> topping) {
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    std::string sql = "SELECT " + std::string(kFunctionColumns) +
                      " FROM wf_functions WHERE org_id = ? AND environment = ?";
    if (topping) {
      return tx.Query(sql + " AND topping = ? ORDER BY topping, name", space.org_id,
                      space.environment, *topping);
    }
    return tx.Query(sql + " ORDER BY topping, name", space.org_id, space.environment);
  }));
  std::vector<Function> out;
  for (const auto& r : rows) out.push_back(FunctionFromRow(r));
  return out;
}

Result<void> Repository::DeleteFunction(const crm::Space& space, std::string_view topping,
                                        std::string_view name) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    // ORDER BY: the error names the first such rule by name on both engines. Without it
    // SQLite happened to read the (..., name) index and PostgreSQL, once it has statistics, reads
    // a small table in the order its rows were written.
    auto rows = TRY(tx.Query("SELECT " + std::string(kRuleColumns) +
                                 " FROM wf_rules WHERE org_id = ? AND environment = ? AND topping = ?"
                                 " ORDER BY name",
                             space.org_id, space.environment, topping));
    for (const auto& r : rows) {
      Rule rule = RuleFromRow(r);
      if (RunsFunction(rule, name)) {
        return FailedPrecondition("function '" + std::string(name) + "' is run by rule '" +
                                  rule.name + "'; change or delete the rule first");
      }
    }
    int64_t n = TRY(tx.Exec("DELETE FROM wf_functions WHERE org_id = ? AND environment = ? AND"
                            " topping = ? AND name = ?",
                            space.org_id, space.environment, topping, name));
    if (n == 0) return NotFound("no function '" + std::string(name) + "'");
    return BumpVersion(tx, space);
  });
}

// ---- rules ----------------------------------------------------------------------------------

Result<Rule> Repository::CheckedRule(Transaction& tx, const crm::Space& space,
                                     std::string_view topping, const Json& definition) {
  Rule rule = TRY(RuleFromJson(definition));
  auto module = crm_.GetModule(tx, space, rule.module);
  if (!module.ok()) return InvalidArgument("module: no module '" + rule.module + "'");
  rule.module = module->api_name;
  FunctionLookup lookup = [&](std::string_view name) { return ParamsOf(tx, space, topping, name); };
  TRY(Compile(rule, *module, &lookup));
  return rule;
}

Result<Rule> Repository::CreateRule(const crm::Space& space, std::string_view topping,
                                    const Json& definition, std::string_view user_id) {
  TRY(crm::CheckEnvironment(space.environment));
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<Rule> {
    Rule rule = TRY(CheckedRule(tx, space, topping, definition));
    int64_t now = clock_.NowMillis();
    rule.id = NewId("rule", clock_, random_);
    rule.org_id = space.org_id;
    rule.environment = space.environment;
    rule.topping = std::string(topping);
    rule.created_by = std::string(user_id);
    rule.created_at = rule.updated_at = now;
    auto inserted = tx.Exec(
        "INSERT INTO wf_rules (id, org_id, environment, topping, name, module, active, definition,"
        " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rule.id, space.org_id, space.environment, topping, rule.name, rule.module, rule.active,
        RuleToJson(rule).dump(), user_id, now, now);
    if (!inserted.ok() && inserted.error().code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists("a rule named '" + rule.name + "' already exists");
    }
    TRY(inserted);
    TRY(BumpVersion(tx, space));
    return rule;
  });
}

Result<Rule> Repository::UpdateRule(const crm::Space& space, std::string_view id,
                                    const Json& definition) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<Rule> {
    auto row = TRY(tx.QueryOne("no rule '" + std::string(id) + "'",
                               "SELECT " + std::string(kRuleColumns) +
                                   " FROM wf_rules WHERE org_id = ? AND environment = ? AND id = ?",
                               space.org_id, space.environment, id));
    Rule old = RuleFromRow(row);
    Rule rule = TRY(CheckedRule(tx, space, old.topping, definition));
    // The trigger is fixed once a rule exists, as in Zoho: what fired before must stay true.
    if (rule.trigger.kind != old.trigger.kind || rule.module != old.module) {
      return FailedPrecondition("a rule's module and trigger type cannot change; create a new rule");
    }
    rule.id = old.id;
    rule.org_id = old.org_id;
    rule.environment = old.environment;
    rule.topping = old.topping;
    rule.created_by = old.created_by;
    rule.created_at = old.created_at;
    rule.updated_at = clock_.NowMillis();
    auto updated = tx.Exec("UPDATE wf_rules SET name = ?, active = ?, definition = ?, updated_at = ?"
                           " WHERE id = ?",
                           rule.name, rule.active, RuleToJson(rule).dump(), rule.updated_at, rule.id);
    if (!updated.ok() && updated.error().code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists("a rule named '" + rule.name + "' already exists");
    }
    TRY(updated);
    TRY(BumpVersion(tx, space));
    return rule;
  });
}

Result<Rule> Repository::SetActive(const crm::Space& space, std::string_view id, bool active) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<Rule> {
    auto row = TRY(tx.QueryOne("no rule '" + std::string(id) + "'",
                               "SELECT " + std::string(kRuleColumns) +
                                   " FROM wf_rules WHERE org_id = ? AND environment = ? AND id = ?",
                               space.org_id, space.environment, id));
    Rule rule = RuleFromRow(row);
    if (!rule.problem.empty()) {
      // Its stored definition is kept as it is, for the user to fix and save again.
      if (active) {
        return FailedPrecondition("rule '" + rule.name + "' cannot be activated: " + rule.problem +
                                  "; save it again with that fixed");
      }
      TRY(tx.Exec("UPDATE wf_rules SET active = 0 WHERE id = ?", rule.id));
      TRY(BumpVersion(tx, space));
      return rule;
    }
    rule.active = active;
    rule.updated_at = clock_.NowMillis();
    TRY(tx.Exec("UPDATE wf_rules SET active = ?, definition = ?, updated_at = ? WHERE id = ?",
                active, RuleToJson(rule).dump(), rule.updated_at, rule.id));
    TRY(BumpVersion(tx, space));
    return rule;
  });
}

Result<void> Repository::DeleteRule(const crm::Space& space, std::string_view id) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    int64_t n = TRY(tx.Exec("DELETE FROM wf_rules WHERE org_id = ? AND environment = ? AND id = ?",
                            space.org_id, space.environment, id));
    if (n == 0) return NotFound("no rule '" + std::string(id) + "'");
    TRY(tx.Exec("DELETE FROM wf_fired WHERE rule_id = ?", id));
    return BumpVersion(tx, space);
  });
}

Result<Rule> Repository::GetRule(const crm::Space& space, std::string_view id) {
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne("no rule '" + std::string(id) + "'",
                       "SELECT " + std::string(kRuleColumns) +
                           " FROM wf_rules WHERE org_id = ? AND environment = ? AND id = ?",
                       space.org_id, space.environment, id);
  }));
  return RuleFromRow(row);
}

Result<std::vector<Rule>> Repository::ListRules(const crm::Space& space, const RuleFilter& filter) {
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    std::string sql = "SELECT " + std::string(kRuleColumns) +
                      " FROM wf_rules WHERE org_id = ? AND environment = ?";
    std::vector<store::Value> params = {space.org_id, space.environment};
    if (!filter.module.empty()) {
      sql += " AND module = ?";
      params.emplace_back(filter.module);
    }
    if (filter.topping) {
      sql += " AND topping = ?";
      params.emplace_back(*filter.topping);
    }
    return tx.QueryParams(sql + " ORDER BY created_at, id", std::move(params));
  }));
  std::vector<Rule> out;
  for (const auto& r : rows) out.push_back(RuleFromRow(r));
  return out;
}

Result<void> Repository::ReplaceTopping(const crm::Space& space, std::string_view topping,
                                        const ToppingContents& contents, std::string_view user_id) {
  TRY(crm::CheckEnvironment(space.environment));
  // Check every function first, then every rule against them: nothing is written unless all of
  // it is right.
  std::map<std::string, std::pair<std::vector<std::string>, bool>> checked;
  for (const auto& f : contents.functions) {
    auto r = CheckFunction(f);
    if (!r.ok()) return InvalidArgument("functions." + f.name + ": " + r.error().message());
    if (!checked.emplace(f.name, *r).second) {
      return InvalidArgument("functions." + f.name + ": defined twice");
    }
  }
  int64_t now = clock_.NowMillis();
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    FunctionLookup lookup = [&](std::string_view name) -> Result<std::vector<std::string>> {
      auto it = checked.find(std::string(name));
      if (it == checked.end()) return NotFound("no function '" + std::string(name) + "' in the topping");
      return it->second.first;
    };
    std::vector<Rule> rules;
    std::set<std::string> names;
    for (size_t i = 0; i < contents.rules.size(); ++i) {
      std::string path = "rules[" + std::to_string(i) + "]";
      auto rule = RuleFromJson(contents.rules[i]);
      if (!rule.ok()) return InvalidArgument(path + "." + rule.error().message());
      auto module = crm_.GetModule(tx, space, rule->module);
      if (!module.ok()) return InvalidArgument(path + ".module: no module '" + rule->module + "'");
      rule->module = module->api_name;
      auto compiled = Compile(*rule, *module, &lookup);
      if (!compiled.ok()) return InvalidArgument(path + "." + compiled.error().message());
      if (!names.insert(rule->name).second) {
        return InvalidArgument(path + ".name: another rule is named '" + rule->name + "'");
      }
      rules.push_back(std::move(*rule));
    }
    // Functions: update in place (their ids stay), add new ones, drop the ones no longer there.
    auto existing = TRY(tx.Query("SELECT name FROM wf_functions WHERE org_id = ? AND environment = ?"
                                 " AND topping = ?",
                                 space.org_id, space.environment, topping));
    for (const auto& row : existing) {
      if (!checked.count(row.Text(0))) {
        TRY(tx.Exec("DELETE FROM wf_functions WHERE org_id = ? AND environment = ? AND topping = ?"
                    " AND name = ?",
                    space.org_id, space.environment, topping, row.Text(0)));
      }
    }
    for (const auto& f : contents.functions) {
      const auto& [params, has_header] = checked[f.name];
      TRY(WriteFunction(tx, space, topping, f, params, has_header, user_id, now));
    }
    // Rules: matched by name, so a rule keeps its id (and its record of where it already ran).
    auto old_rules = TRY(tx.Query("SELECT id, name FROM wf_rules WHERE org_id = ? AND"
                                  " environment = ? AND topping = ?",
                                  space.org_id, space.environment, topping));
    std::map<std::string, std::string> old_ids;
    for (const auto& r : old_rules) old_ids[r.Text(1)] = r.Text(0);
    for (const auto& [name, id] : old_ids) {
      if (!names.count(name)) {
        TRY(tx.Exec("DELETE FROM wf_rules WHERE id = ?", id));
        TRY(tx.Exec("DELETE FROM wf_fired WHERE rule_id = ?", id));
      }
    }
    for (auto& rule : rules) {
      std::string def = RuleToJson(rule).dump();
      if (auto it = old_ids.find(rule.name); it != old_ids.end()) {
        TRY(tx.Exec("UPDATE wf_rules SET module = ?, active = ?, definition = ?, updated_at = ?"
                    " WHERE id = ?",
                    rule.module, rule.active, def, now, it->second));
      } else {
        TRY(tx.Exec("INSERT INTO wf_rules (id, org_id, environment, topping, name, module, active,"
                    " definition, created_by, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    NewId("rule", clock_, random_), space.org_id, space.environment, topping,
                    rule.name, rule.module, rule.active, def, user_id, now, now));
      }
    }
    return BumpVersion(tx, space);
  });
}

Result<void> Repository::DeleteTopping(const crm::Space& space, std::string_view topping) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    auto ids = TRY(tx.Query("SELECT id FROM wf_rules WHERE org_id = ? AND environment = ? AND topping = ?",
                            space.org_id, space.environment, topping));
    for (const auto& r : ids) TRY(tx.Exec("DELETE FROM wf_fired WHERE rule_id = ?", r.Text(0)));
    TRY(tx.Exec("DELETE FROM wf_rules WHERE org_id = ? AND environment = ? AND topping = ?",
                space.org_id, space.environment, topping));
    TRY(tx.Exec("DELETE FROM wf_functions WHERE org_id = ? AND environment = ? AND topping = ?",
                space.org_id, space.environment, topping));
    return BumpVersion(tx, space);
  });
}

Result<std::vector<Rule>> Repository::LoadActiveRules(Transaction& tx, const crm::Space& space) {
  auto rows = TRY(tx.Query("SELECT " + std::string(kRuleColumns) +
                               " FROM wf_rules WHERE org_id = ? AND environment = ? AND active = 1"
                               " ORDER BY created_at, id",
                           space.org_id, space.environment));
  std::vector<Rule> out;
  for (const auto& r : rows) {
    Rule rule = RuleFromRow(r);
    if (!rule.problem.empty()) {
      spdlog::warn("workflow rule {} ({}) is not run: {}", rule.id, rule.name, rule.problem);
      continue;
    }
    out.push_back(std::move(rule));
  }
  return out;
}

Result<bool> Repository::MarkFired(Transaction& tx, std::string_view rule_id,
                                   std::string_view record_id) {
  auto rows = TRY(tx.Query("SELECT at FROM wf_fired WHERE rule_id = ? AND record_id = ?", rule_id,
                           record_id));
  if (!rows.empty()) return false;
  TRY(tx.Exec("INSERT INTO wf_fired (rule_id, record_id, at) VALUES (?, ?, ?)", rule_id, record_id,
              clock_.NowMillis()));
  return true;
}

}  // namespace relish::workflow
