#include "toppings/toppings.h"

#include <algorithm>
#include <map>
#include <set>

#include "crm/values.h"

namespace relish::toppings {

using store::Transaction;
using store::TxMode;

namespace {

std::string Line(int line) { return std::string(kManifestFile) + ":" + std::to_string(line) + ": "; }

// Whether any action of the rule, now or scheduled, runs one of `functions`.
bool CallsAny(const workflow::Rule& rule, const std::set<std::string>& functions) {
  auto calls = [&](const std::vector<workflow::Action>& actions) {
    return std::any_of(actions.begin(), actions.end(), [&](const workflow::Action& a) {
      return a.kind == workflow::ActionKind::kFunction && functions.contains(a.function);
    });
  };
  for (const auto& c : rule.conditions) {
    if (calls(c.actions)) return true;
    for (const auto& s : c.scheduled) {
      if (calls(s.actions)) return true;
    }
  }
  return false;
}

Json FilesJson(const Files& files) {
  Json out = Json::object();
  for (const auto& [path, content] : files) out[path] = content;
  return out;
}

Files FilesFrom(const std::string& text) {
  Files out;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) out[k] = v.get<std::string>();
  return out;
}

}  // namespace

Toppings::Toppings(store::Store& store, crm::Crm& crm, workflow::Repository& workflow,
                   connections::Catalog& catalog, connections::Connections& connections,
                   const Clock& clock)
    : store_(store),
      crm_(crm),
      workflow_(workflow),
      catalog_(catalog),
      connections_(connections),
      clock_(clock) {}

std::vector<store::Migration> Toppings::Migrations() {
  return {{"toppings", 1, "installed toppings",
           "CREATE TABLE toppings ("
           " org_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " namespace TEXT NOT NULL,"
           " name TEXT NOT NULL,"
           " version TEXT NOT NULL,"
           " description TEXT NOT NULL,"
           " files TEXT NOT NULL,"
           " installed_by TEXT NOT NULL,"
           " installed_at BIGINT NOT NULL,"
           " PRIMARY KEY (org_id, environment, namespace));"}};
}

Result<Topping> Toppings::Push(std::string_view org_id, const Files& files,
                               std::string_view user_id) {
  return Install({std::string(org_id), "sandbox"}, files, user_id);
}

Result<Files> Toppings::SandboxFiles(std::string_view org_id, std::string_view ns) {
  auto files = GetFiles(org_id, "sandbox", ns);
  if (!files.ok() && files.error().code() == ErrorCode::kNotFound) {
    return NotFound("no topping '" + std::string(ns) + "' in the sandbox; push it first");
  }
  return files;
}

Result<Topping> Toppings::Publish(std::string_view org_id, std::string_view ns,
                                  std::string_view user_id) {
  Files files = TRY(SandboxFiles(org_id, ns));
  return Install({std::string(org_id), "production"}, files, user_id);
}

Result<PublishPreview> Toppings::PreviewPublish(std::string_view org_id, std::string_view ns) {
  Files files = TRY(SandboxFiles(org_id, ns));
  const crm::Space production{std::string(org_id), "production"};
  Plan plan = TRY(Check(production, files));
  const Manifest& m = plan.bundle.manifest;
  PublishPreview p;
  p.ns = m.ns;
  p.name = m.name;
  p.version = m.version;
  if (auto installed = Get(org_id, "production", ns); installed.ok()) {
    p.production_version = installed->version;
  }

  std::map<std::string, workflow::Function> functions;
  for (auto& f : TRY(workflow_.ListFunctions(production, m.ns))) functions[f.name] = std::move(f);
  for (const auto& f : m.functions) {
    auto it = functions.find(f.name);
    if (it == functions.end()) {
      p.functions.added.push_back(f.name);
    } else {
      const workflow::Function& now = it->second;
      if (now.source != plan.bundle.sources[f.name] || now.params != plan.params[f.name] ||
          now.description != f.description) {
        p.functions.changed.push_back(f.name);
      }
      functions.erase(it);
    }
  }
  for (const auto& [name, f] : functions) p.functions.removed.push_back(name);

  std::map<std::string, Json> rules;  // name -> canonical definition
  for (const auto& r : TRY(workflow_.ListRules(production, {"", std::string(m.ns)}))) {
    rules[r.name] = workflow::RuleToJson(r);
  }
  for (const auto& definition : m.rules) {
    std::string name = definition.value("name", "");
    auto it = rules.find(name);
    if (it == rules.end()) {
      p.rules.added.push_back(name);
    } else {
      // Check parsed every definition already; a failure here is still an error, not a crash.
      if (it->second != workflow::RuleToJson(TRY(workflow::RuleFromJson(definition)))) {
        p.rules.changed.push_back(name);
      }
      rules.erase(it);
    }
  }
  for (const auto& [name, r] : rules) p.rules.removed.push_back(name);

  for (const auto& [module, spec] : plan.new_fields)
    p.fields_to_add.push_back(module + "." + spec.api_name);
  for (const auto& c : m.connections) {
    InstalledConnection ic;
    ic.link_name = FullLinkName(m.ns, c.link_name);
    ic.service = c.service;
    ic.status = ConnectionStatus(production, ic.link_name);
    if (ic.status == "missing") {
      ic.status = "pending";
      ic.created = true;
      p.connections_to_create.push_back(ic);
    }
    // A per-user connection is authorized by each user as they use it, not once here.
    if (ic.status != "connected" && ic.status != "per_user")
      p.connections_to_authorize.push_back(ic);
  }
  return p;
}

Result<Toppings::Plan> Toppings::Check(const crm::Space& space, const Files& files) {
  Plan plan;
  plan.bundle = TRY(ReadBundle(files));
  Bundle& bundle = plan.bundle;
  const Manifest& m = bundle.manifest;

  // --- check everything before changing anything, and report every problem at once: a push is
  // a round trip, and fixing one line at a time is slow.
  std::vector<std::string>& problems = bundle.problems;
  // The modules as they will be once the topping's fields exist.
  std::map<std::string, crm::Module> modules;
  auto module_of = [&](const std::string& name) -> crm::Module* {
    auto module = crm_.GetModule(space, name);
    if (!module.ok()) return nullptr;
    auto [it, inserted] = modules.emplace(module->api_name, *module);
    return &it->second;
  };
  auto& new_fields = plan.new_fields;
  for (const auto& f : m.fields) {
    crm::Module* module = module_of(f.module);
    if (module == nullptr) {
      problems.push_back(Line(f.line) + "no module '" + f.module + "'");
      continue;
    }
    crm::NewField spec;
    spec.api_name = f.api_name.empty() ? crm::LabelToApiName(f.label) : f.api_name;
    spec.label = f.label;
    spec.type = *crm::ParseFieldType(f.type);
    spec.required = f.required;
    spec.unique = f.unique;
    spec.options = f.options;
    spec.lookup_module = f.lookup_module;
    spec.max_length = f.max_length;
    if (auto check = crm::CheckApiName(spec.api_name, "field API name"); !check.ok()) {
      problems.push_back(Line(f.line) + check.error().message());
      continue;
    }
    if (const crm::Field* existing = module->FindField(spec.api_name)) {
      if (existing->type != spec.type) {
        problems.push_back(Line(m.LineOf(f.path + ".type")) + module->api_name + "." +
                           existing->api_name + " already exists as " +
                           std::string(crm::DataTypeName(existing->type)) + ", not " +
                           std::string(crm::DataTypeName(spec.type)));
      }
      continue;  // installed before (or a standard field of the same type)
    }
    crm::Field added;
    added.api_name = spec.api_name;
    added.label = spec.label;
    added.type = spec.type;
    added.options = spec.options;
    added.lookup_module = spec.lookup_module;
    added.custom = true;
    module->fields.push_back(added);
    new_fields.emplace_back(module->api_name, spec);
  }
  auto& params = plan.params;
  std::set<std::string> broken;  // functions whose script has a problem (listed already)
  for (const auto& f : m.functions) {
    auto source = bundle.sources.find(f.name);
    if (source == bundle.sources.end()) {
      broken.insert(f.name);
      continue;
    }
    auto checked = workflow::CheckFunction({.name = f.name, .source = source->second, .params = f.params});
    params[f.name] = checked->first;  // ReadBundle checked it
  }
  workflow::FunctionLookup lookup = [&](std::string_view name) -> Result<std::vector<std::string>> {
    auto it = params.find(std::string(name));
    if (it == params.end()) return NotFound("no function '" + std::string(name) + "' in topping.yaml");
    return it->second;
  };
  for (size_t i = 0; i < m.rules.size(); ++i) {
    std::string prefix = "rules[" + std::to_string(i) + "].";
    workflow::Rule rule = *workflow::RuleFromJson(m.rules[i]);  // ParseManifest read it
    crm::Module* module = module_of(rule.module);
    if (module == nullptr) {
      problems.push_back(Line(m.LineOf(prefix + "module")) + prefix + "module: no module '" +
                         rule.module + "'");
      continue;
    }
    // A rule that runs a function whose script does not compile is checked without the
    // functions' parameters: the script's own problem is the one to fix, not a consequence.
    auto compiled = workflow::Compile(rule, *module, CallsAny(rule, broken) ? nullptr : &lookup);
    if (!compiled.ok()) problems.push_back(m.Locate(compiled.error(), prefix).message());
  }
  for (const auto& c : m.connections) {
    auto service = catalog_.Get(space.org_id, c.service);
    if (!service.ok()) {
      problems.push_back(Line(m.LineOf(c.path + ".service")) + "no service '" + c.service + "'");
      continue;
    }
    if ((*service)->oauth2) {
      const auto& known = (*service)->oauth2->scopes;
      for (const auto& s : c.scopes) {
        if (std::find(known.begin(), known.end(), s) == known.end()) {
          problems.push_back(Line(m.LineOf(c.path + ".scopes")) + "service " + c.service +
                             " has no scope '" + s + "'");
        }
      }
    }
    auto existing = connections_.Get(space.org_id, space.environment, FullLinkName(m.ns, c.link_name));
    if (existing.ok() && existing->service_id != c.service) {
      problems.push_back(Line(c.line) + "connection " + existing->link_name +
                         " already exists for service " + existing->service_id + ", not " +
                         c.service);
    }
  }
  TRY(ProblemsError(problems));
  return plan;
}

Result<Topping> Toppings::Install(const crm::Space& space, const Files& files,
                                  std::string_view user_id) {
  Plan plan = TRY(Check(space, files));
  Bundle& bundle = plan.bundle;
  const Manifest& m = bundle.manifest;
  const auto& new_fields = plan.new_fields;
  for (auto& [module, spec] : new_fields) {
    auto added = crm_.AddField(space, module, spec);
    // A concurrent push may have added it first; that is the same end state.
    if (!added.ok() && added.error().code() != ErrorCode::kAlreadyExists) return added.error();
  }
  workflow::ToppingContents contents;
  for (const auto& f : m.functions) {
    contents.functions.push_back(
        {.name = f.name, .source = bundle.sources[f.name], .params = f.params, .description = f.description});
  }
  contents.rules = m.rules;
  auto replaced = workflow_.ReplaceTopping(space, m.ns, contents, user_id);
  if (!replaced.ok()) return m.Locate(replaced.error());
  std::set<std::string> created_links;
  for (const auto& c : m.connections) {
    std::string full = FullLinkName(m.ns, c.link_name);
    if (connections_.Get(space.org_id, space.environment, full).ok()) continue;
    connections::NewConnection spec;
    spec.org_id = space.org_id;
    spec.environment = space.environment;
    spec.display_name = c.name;
    spec.link_name = full;
    spec.service_id = c.service;
    spec.scopes = c.scopes;
    spec.params = connections::Values(c.params.begin(), c.params.end());
    spec.per_user = c.per_user;
    spec.created_by = std::string(user_id);
    auto created = connections_.Create(spec);
    if (!created.ok()) return InvalidArgument(Line(c.line) + created.error().message());
    created_links.insert(full);
  }
  int64_t now = clock_.NowMillis();
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM toppings WHERE org_id = ? AND environment = ? AND namespace = ?",
                space.org_id, space.environment, m.ns));
    TRY(tx.Exec("INSERT INTO toppings (org_id, environment, namespace, name, version, description,"
                " files, installed_by, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                space.org_id, space.environment, m.ns, m.name, m.version, m.description,
                FilesJson(files).dump(), user_id, now));
    return Ok();
  }));
  Topping t = TRY(Describe(space, m, user_id, now));
  for (const auto& [module, spec] : new_fields) t.fields_added.push_back(module + "." + spec.api_name);
  for (auto& c : t.connections) c.created = created_links.count(c.link_name) > 0;
  return t;
}

Result<Topping> Toppings::Describe(const crm::Space& space, const Manifest& m,
                                   std::string_view user_id, int64_t at) {
  Topping t;
  t.org_id = space.org_id;
  t.environment = space.environment;
  t.ns = m.ns;
  t.name = m.name;
  t.version = m.version;
  t.description = m.description;
  t.installed_by = std::string(user_id);
  t.installed_at = at;
  for (const auto& f : m.functions) t.functions.push_back(f.name);
  for (const auto& r : m.rules) t.rules.push_back(r.value("name", ""));
  for (const auto& c : m.connections) {
    InstalledConnection ic;
    ic.link_name = FullLinkName(m.ns, c.link_name);
    ic.service = c.service;
    ic.status = ConnectionStatus(space, ic.link_name);
    t.connections.push_back(ic);
  }
  return t;
}

std::string Toppings::ConnectionStatus(const crm::Space& space, std::string_view link_name) {
  auto conn = connections_.Get(space.org_id, space.environment, link_name);
  if (!conn.ok()) return "missing";
  if (conn->per_user) return "per_user";
  if (conn->authorizations.empty()) return "pending";
  return std::string(connections::StatusName(conn->authorizations[0].status));
}

Result<std::vector<Topping>> Toppings::List(std::string_view org_id, std::string_view environment) {
  TRY(crm::CheckEnvironment(environment));
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.Query("SELECT namespace, files, installed_by, installed_at FROM toppings"
                    " WHERE org_id = ? AND environment = ? ORDER BY namespace",
                    org_id, environment);
  }));
  std::vector<Topping> out;
  for (const auto& r : rows) {
    Files files = FilesFrom(r.Text(1));
    auto m = ParseManifest(files[std::string(kManifestFile)]);
    if (!m.ok()) return Internal("stored topping " + r.Text(0) + " is unreadable");
    out.push_back(TRY(Describe({std::string(org_id), std::string(environment)}, *m, r.Text(2), r.Int(3))));
  }
  return out;
}

Result<Topping> Toppings::Get(std::string_view org_id, std::string_view environment,
                              std::string_view ns) {
  TRY(crm::CheckEnvironment(environment));
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne("no topping '" + std::string(ns) + "' installed in " + std::string(environment),
                       "SELECT files, installed_by, installed_at FROM toppings WHERE org_id = ? AND"
                       " environment = ? AND namespace = ?",
                       org_id, environment, ns);
  }));
  Files files = FilesFrom(row.Text(0));
  auto m = ParseManifest(files[std::string(kManifestFile)]);
  if (!m.ok()) return Internal("stored topping " + std::string(ns) + " is unreadable");
  return Describe({std::string(org_id), std::string(environment)}, *m, row.Text(1), row.Int(2));
}

Result<Files> Toppings::GetFiles(std::string_view org_id, std::string_view environment,
                                 std::string_view ns) {
  TRY(crm::CheckEnvironment(environment));
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne("no topping '" + std::string(ns) + "' installed in " + std::string(environment),
                       "SELECT files FROM toppings WHERE org_id = ? AND environment = ? AND namespace = ?",
                       org_id, environment, ns);
  }));
  return FilesFrom(row.Text(0));
}

Result<void> Toppings::Uninstall(std::string_view org_id, std::string_view environment,
                                 std::string_view ns) {
  TRY(Get(org_id, environment, ns));
  crm::Space space{std::string(org_id), std::string(environment)};
  TRY(workflow_.DeleteTopping(space, ns));
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("DELETE FROM toppings WHERE org_id = ? AND environment = ? AND namespace = ?",
                org_id, environment, ns));
    return Ok();
  });
}

}  // namespace relish::toppings
