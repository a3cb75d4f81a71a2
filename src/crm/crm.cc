// Crm: migrations, schema (modules and custom fields) and reads. Writes are in crm_records.cc.
#include "crm/crm.h"

#include <algorithm>

#include "base/ids.h"
#include "crm/values.h"

namespace relish::crm {
namespace {

using store::Row;
using store::Transaction;
using store::TxMode;

constexpr std::string_view kRecordColumns =
    "id, module, data, created_time, modified_time, created_by, modified_by";

Json ParseJson(const std::string& text) {
  if (text.empty()) return Json::object();
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json::object() : j;
}

bool Wanted(const std::vector<std::string>& fields, std::string_view name) {
  if (fields.empty()) return true;
  return std::any_of(fields.begin(), fields.end(),
                     [&](const std::string& f) { return FoldCase(f) == FoldCase(name); });
}

Field CustomField(const Row& r) {
  Field f;
  f.api_name = r.Text(0);
  f.id = r.Text(1);
  f.label = r.Text(2);
  f.type = ParseFieldType(r.Text(3)).value_or(FieldType::kText);
  f.required = r.Bool(4);
  f.unique = r.Bool(5);
  Json options = ParseJson(r.Text(6));
  if (options.is_array()) {
    for (const auto& o : options) f.options.push_back(o.get<std::string>());
  }
  f.lookup_module = r.Text(7);
  f.max_length = static_cast<int>(r.Int(8));
  f.custom = true;
  return f;
}

Module CustomModule(const Row& r) {
  Module m;
  m.api_name = r.Text(0);
  m.id = r.Text(1);
  m.singular_label = r.Text(2);
  m.plural_label = r.Text(3);
  m.custom = true;
  m.name_field = "Name";
  Field owner{.api_name = "Owner", .label = "Owner", .type = FieldType::kOwner};
  owner.id = StableId("field:" + m.id + ".Owner");
  Field name{.api_name = "Name",
             .label = m.singular_label + " Name",
             .type = FieldType::kText,
             .required = true};
  name.id = StableId("field:" + m.id + ".Name");
  m.fields = {owner, name};
  return m;
}

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

bool IsTextual(FieldType t) {
  return t == FieldType::kText || t == FieldType::kLongText || t == FieldType::kEmail ||
         t == FieldType::kPhone || t == FieldType::kPicklist;
}

// The email / phone / word searches over a presented record.
bool MatchesSimpleSearch(const Module& module, const SearchQuery& q, const Json& record) {
  for (const auto& f : module.fields) {
    auto it = record.find(f.api_name);
    if (it == record.end() || it->is_null()) continue;
    const Json& v = *it;
    if (!q.email.empty() && f.type == FieldType::kEmail && v.is_string() &&
        FoldCase(v.get<std::string>()) == FoldCase(q.email)) {
      return true;
    }
    if (!q.phone.empty() && f.type == FieldType::kPhone && v.is_string() &&
        !Digits(q.phone).empty() && Digits(v.get<std::string>()) == Digits(q.phone)) {
      return true;
    }
    if (!q.word.empty()) {
      std::string text;
      if (IsTextual(f.type) && v.is_string()) text = v.get<std::string>();
      if (f.type == FieldType::kLookup && v.is_object() && v["name"].is_string()) {
        text = v["name"].get<std::string>();
      }
      if (!text.empty() && FoldCase(text).find(FoldCase(q.word)) != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace

Result<void> CheckEnvironment(std::string_view environment) {
  if (environment == "sandbox" || environment == "production") return Ok();
  return InvalidArgument("environment must be sandbox or production, got '" +
                         std::string(environment) + "'");
}

Crm::Crm(store::Store& store, const Clock& clock, Random& random, UserDirectory& users)
    : store_(store), clock_(clock), random_(random), users_(users) {}

std::vector<store::Migration> Crm::Migrations() {
  return {{"crm", 1, "custom modules and fields, records, unique values, change history", R"sql(
CREATE TABLE crm_modules (
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  api_name TEXT NOT NULL,
  api_name_folded TEXT NOT NULL,
  id TEXT NOT NULL,
  singular_label TEXT NOT NULL,
  plural_label TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, environment, api_name_folded)
);
CREATE TABLE crm_fields (
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  module TEXT NOT NULL,
  api_name TEXT NOT NULL,
  api_name_folded TEXT NOT NULL,
  id TEXT NOT NULL,
  label TEXT NOT NULL,
  data_type TEXT NOT NULL,
  required BIGINT NOT NULL,
  is_unique BIGINT NOT NULL,
  options TEXT NOT NULL,
  lookup_module TEXT NOT NULL,
  max_length BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, environment, module, api_name_folded)
);
CREATE TABLE crm_records (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  module TEXT NOT NULL,
  data TEXT NOT NULL,
  created_time BIGINT NOT NULL,
  modified_time BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  modified_by TEXT NOT NULL
);
CREATE INDEX crm_records_by_module ON crm_records (org_id, environment, module, id);
CREATE INDEX crm_records_by_created ON crm_records (org_id, environment, module, created_time);
CREATE INDEX crm_records_by_modified ON crm_records (org_id, environment, module, modified_time);
CREATE TABLE crm_unique_values (
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  module TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  record_id TEXT NOT NULL,
  PRIMARY KEY (org_id, environment, module, field, value)
);
CREATE INDEX crm_unique_values_by_record ON crm_unique_values (record_id);
CREATE TABLE crm_events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  module TEXT NOT NULL,
  record_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  changed_fields TEXT NOT NULL,
  old_values TEXT NOT NULL,
  record TEXT NOT NULL,
  fire_workflows BIGINT NOT NULL,
  actor TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX crm_events_by_record ON crm_events (record_id, seq);
)sql"},
          // The change history across records (`ListEvents` without a record id, the console's
          // Changes page) is newest first per space: without this it read and sorted every
          // event of the installation.
          {"crm", 2, "change history by space and time", R"sql(
CREATE INDEX crm_events_by_time ON crm_events (org_id, environment, created_at, id);
)sql"}};
}

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kCreate:
      return "create";
    case ChangeKind::kEdit:
      return "edit";
    case ChangeKind::kDelete:
      return "delete";
  }
  return "edit";
}

std::string Crm::NewRecordId() {
  // Epoch milliseconds times a million plus a small random step: 19 digits that increase with
  // every id this process makes (so a batch keeps its order) and sort by creation time.
  uint64_t candidate =
      static_cast<uint64_t>(clock_.NowMillis()) * 1'000'000 + random_.Next64() % 1000;
  uint64_t last = last_record_id_.load();
  uint64_t next;
  do {
    next = std::max(candidate, last + 1 + random_.Next64() % 1000);
  } while (!last_record_id_.compare_exchange_weak(last, next));
  return std::to_string(next);
}

Result<Module> Crm::LoadModule(Transaction& tx, const Space& space, std::string_view name) {
  TRY(CheckEnvironment(space.environment));
  Module module;
  if (const Module* standard = FindStandardModule(name)) {
    module = *standard;
  } else {
    auto rows =
        TRY(tx.Query("SELECT api_name, id, singular_label, plural_label FROM crm_modules"
                     " WHERE org_id = ? AND environment = ? AND api_name_folded = ?",
                     space.org_id, space.environment, FoldCase(name)));
    if (rows.empty()) return NotFound("no module '" + std::string(name) + "'");
    module = CustomModule(rows.front());
  }
  auto fields = TRY(
      tx.Query("SELECT api_name, id, label, data_type, required, is_unique, options, lookup_module,"
               " max_length FROM crm_fields WHERE org_id = ? AND environment = ? AND module = ?"
               " ORDER BY created_at, api_name",
               space.org_id, space.environment, module.api_name));
  for (const auto& r : fields) module.fields.push_back(CustomField(r));
  return module;
}

Result<std::vector<Module>> Crm::ListModules(const Space& space) {
  return store::Transact(store_, TxMode::kRead,
                         [&](Transaction& tx) -> Result<std::vector<Module>> {
                           std::vector<Module> out;
                           for (const auto& m : StandardModules())
                             out.push_back(TRY(LoadModule(tx, space, m.api_name)));
                           // api_name breaks ties (modules a topping's install made in one
                           // millisecond): without it the order was the engine's choice.
                           auto rows =
                               TRY(tx.Query("SELECT api_name FROM crm_modules WHERE org_id = ? AND "
                                            "environment = ? ORDER BY created_at, api_name",
                                            space.org_id, space.environment));
                           for (const auto& r : rows)
                             out.push_back(TRY(LoadModule(tx, space, r.Text(0))));
                           return out;
                         });
}

Result<Module> Crm::GetModule(const Space& space, std::string_view module) {
  return store::Transact(store_, TxMode::kRead,
                         [&](Transaction& tx) { return LoadModule(tx, space, module); });
}

Result<std::string> Crm::ModuleApiName(const Space& space, std::string_view module) {
  if (const Module* standard = FindStandardModule(module)) {
    TRY(CheckEnvironment(space.environment));
    return standard->api_name;
  }
  return TRY(GetModule(space, module)).api_name;
}

Result<Module> Crm::CreateModule(const Space& space, const NewModule& spec) {
  TRY(CheckEnvironment(space.environment));
  if (spec.plural_label.empty() || spec.singular_label.empty()) {
    return InvalidArgument("a module needs 'singular_label' and 'plural_label'");
  }
  std::string api_name = spec.api_name.empty() ? LabelToApiName(spec.plural_label) : spec.api_name;
  TRY(CheckApiName(api_name, "module API name"));
  if (FindStandardModule(api_name) || FoldCase(api_name) == "settings" ||
      FoldCase(api_name) == "users" || FoldCase(api_name) == "org") {
    return AlreadyExists("a module named '" + api_name + "' already exists");
  }
  std::string id = NewRecordId();
  auto r = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(
        tx.Exec("INSERT INTO crm_modules (org_id, environment, api_name, api_name_folded, id,"
                " singular_label, plural_label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                space.org_id, space.environment, api_name, FoldCase(api_name), id,
                spec.singular_label, spec.plural_label, clock_.NowMillis()));
    // A rule saved for a module of this name before it existed can now be compiled.
    return SchemaChanged(tx, space, api_name);
  });
  if (!r.ok()) {
    if (r.error().code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists("a module named '" + api_name + "' already exists");
    }
    return r.error();
  }
  return GetModule(space, api_name);
}

Result<Field> Crm::AddField(const Space& space, std::string_view module_name,
                            const NewField& spec) {
  if (spec.label.empty()) return InvalidArgument("a field needs a 'label'");
  std::string api_name = spec.api_name.empty() ? LabelToApiName(spec.label) : spec.api_name;
  TRY(CheckApiName(api_name, "field API name"));
  if (IsSystemField(api_name)) {
    return AlreadyExists("'" + api_name + "' is a system field");
  }
  Field field{.api_name = api_name,
              .label = spec.label,
              .type = spec.type,
              .required = spec.required,
              .unique = spec.unique,
              .custom = true,
              .options = spec.options,
              .lookup_module = spec.lookup_module,
              .max_length = spec.max_length};
  bool has_options = spec.type == FieldType::kPicklist || spec.type == FieldType::kMultiSelect;
  if (has_options && spec.options.empty()) {
    return InvalidArgument("a picklist or multi-select field needs 'options'");
  }
  if (!has_options && !spec.options.empty()) {
    return InvalidArgument("only picklist and multi-select fields take 'options'");
  }
  if (spec.unique && !IsTextual(spec.type) && spec.type != FieldType::kNumber) {
    return InvalidArgument("only text, email, phone and number fields can be unique");
  }
  if (spec.max_length < 0 || (spec.max_length > 0 && static_cast<size_t>(spec.max_length) >
                                                         MaxLength(Field{.type = spec.type}))) {
    return InvalidArgument("'max_length' must be between 1 and " +
                           std::to_string(MaxLength(Field{.type = spec.type})));
  }
  Json options = Json::array();
  for (const auto& o : spec.options) {
    if (o.empty() || o.size() > 120)
      return InvalidArgument("picklist options need 1 to 120 characters");
    options.push_back(o);
  }
  auto result = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<Field> {
    Module module = TRY(LoadModule(tx, space, module_name));
    if (module.FindField(api_name)) {
      return AlreadyExists(module.api_name + " already has a field '" + api_name + "'");
    }
    if (spec.type == FieldType::kLookup) {
      if (spec.lookup_module.empty())
        return InvalidArgument("a lookup field needs 'lookup_module'");
      Module target = TRY(LoadModule(tx, space, spec.lookup_module));
      field.lookup_module = target.api_name;
    } else if (!spec.lookup_module.empty()) {
      return InvalidArgument("only lookup fields take 'lookup_module'");
    }
    field.id = NewRecordId();
    auto inserted = tx.Exec(
        "INSERT INTO crm_fields (org_id, environment, module, api_name, api_name_folded, id, label,"
        " data_type, required, is_unique, options, lookup_module, max_length, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        space.org_id, space.environment, module.api_name, api_name, FoldCase(api_name), field.id,
        field.label, DataTypeName(field.type), field.required, field.unique, options.dump(),
        field.lookup_module, field.max_length, clock_.NowMillis());
    if (!inserted.ok()) {
      // Another writer added the same field since LoadModule.
      if (inserted.error().code() == ErrorCode::kAlreadyExists) {
        return AlreadyExists(module.api_name + " already has a field '" + api_name + "'");
      }
      return inserted.error();
    }
    TRY(SchemaChanged(tx, space, module.api_name));
    return field;
  });
  return result;
}

Result<Field> Crm::UpdateField(const Space& space, std::string_view module_name,
                               std::string_view field_name, const FieldChange& change) {
  if (change.label && change.label->empty()) return InvalidArgument("a field needs a 'label'");
  if (change.options) {
    for (const auto& o : *change.options) {
      if (o.empty() || o.size() > 120)
        return InvalidArgument("picklist options need 1 to 120 characters");
    }
  }
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<Field> {
    Module module = TRY(LoadModule(tx, space, module_name));
    const Field* found = module.FindField(field_name);
    if (!found)
      return NotFound(module.api_name + " has no field '" + std::string(field_name) + "'");
    if (!found->custom) return FailedPrecondition("only custom fields can be changed");
    Field field = *found;
    bool has_options = field.type == FieldType::kPicklist || field.type == FieldType::kMultiSelect;
    if (change.options && !has_options)
      return InvalidArgument("only picklist and multi-select fields take 'options'");
    if (change.options && change.options->empty())
      return InvalidArgument("a picklist or multi-select field needs 'options'");
    if (change.label) field.label = *change.label;
    if (change.required) field.required = *change.required;
    if (change.options) field.options = *change.options;
    Json options = Json::array();
    for (const auto& o : field.options) options.push_back(o);
    TRY(tx.Exec("UPDATE crm_fields SET label = ?, required = ?, options = ? WHERE org_id = ?"
                " AND environment = ? AND module = ? AND api_name_folded = ?",
                field.label, field.required, options.dump(), space.org_id, space.environment,
                module.api_name, FoldCase(field.api_name)));
    TRY(SchemaChanged(tx, space, module.api_name));
    return field;
  });
}

Result<void> Crm::DeleteField(const Space& space, std::string_view module_name,
                              std::string_view field_name) {
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    Module module = TRY(LoadModule(tx, space, module_name));
    const Field* field = module.FindField(field_name);
    if (!field)
      return NotFound(module.api_name + " has no field '" + std::string(field_name) + "'");
    if (!field->custom) return FailedPrecondition("only custom fields can be deleted");
    TRY(
        tx.Exec("DELETE FROM crm_fields WHERE org_id = ? AND environment = ? AND module = ?"
                " AND api_name_folded = ?",
                space.org_id, space.environment, module.api_name, FoldCase(field->api_name)));
    TRY(
        tx.Exec("DELETE FROM crm_unique_values WHERE org_id = ? AND environment = ? AND module = ?"
                " AND field = ?",
                space.org_id, space.environment, module.api_name, field->api_name));
    // A rule that names the field no longer fits its module.
    return SchemaChanged(tx, space, module.api_name);
  });
}

Result<void> Crm::SchemaChanged(Transaction& tx, const Space& space, std::string_view module) {
  for (ChangeListener* listener : listeners_) TRY(listener->OnSchemaChange(tx, space, module));
  return Ok();
}

Result<Json> Crm::Present(Transaction& tx, const Space& space, const Module& module, const Row& row,
                          const std::vector<std::string>& fields) {
  Json data = ParseJson(row.Text(2));
  Json out = Json::object();
  for (const auto& f : module.fields) {
    if (!Wanted(fields, f.api_name)) continue;
    auto it = data.find(f.api_name);
    Json v = it == data.end() ? Json() : *it;
    if (f.type == FieldType::kLookup && v.is_string()) {
      auto target = TRY(FindRecordRow(tx, space, "", v.get<std::string>()));
      if (!target) {
        v = Json();
      } else {
        const Module* standard = FindStandardModule(target->Text(1));
        std::string name_field = standard ? standard->name_field : "Name";
        Json target_data = ParseJson(target->Text(2));
        Json shown = {{"name", target_data.value(name_field, Json())}, {"id", v}};
        if (f.lookup_module.empty()) shown["module"] = {{"api_name", target->Text(1)}};
        v = shown;
      }
    } else if (f.type == FieldType::kBoolean && v.is_null()) {
      v = false;  // a checkbox is unticked until set
    } else if (f.type == FieldType::kTag && v.is_array()) {
      Json tags = Json::array();
      for (const auto& name : v) tags.push_back({{"name", name}});
      v = tags;
    }
    out[f.api_name] = v;
  }
  if (Wanted(fields, "Created_Time")) out["Created_Time"] = FormatDateTime(row.Int(3));
  if (Wanted(fields, "Modified_Time")) out["Modified_Time"] = FormatDateTime(row.Int(4));
  if (Wanted(fields, "Created_By")) out["Created_By"] = ParseJson(row.Text(5));
  if (Wanted(fields, "Modified_By")) out["Modified_By"] = ParseJson(row.Text(6));
  out["id"] = row.Text(0);
  return out;
}

Result<Json> Crm::GetRecord(const Space& space, std::string_view module_name, std::string_view id,
                            const std::vector<std::string>& fields) {
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Json> {
    Module module = TRY(LoadModule(tx, space, module_name));
    auto row = TRY(FindRecordRow(tx, space, module.api_name, id));
    if (!row) return NotFound("no " + module.api_name + " record " + std::string(id));
    return Present(tx, space, module, *row, fields);
  });
}

// By the primary key alone, the space and module checked on the row: given the space too, a
// PostgreSQL that has no statistics yet (a fresh table, before its first autoanalyze) picks an
// index on (org_id, environment, module, ...) and filters the id, reading every record of the
// space or module per lookup, which made bulk writes quadratic (10,000 contacts: 5 ms each by
// the end, js_cluster_kill). crm_test EveryLookupByIdReadsThePrimaryKey shows the plans.
Result<std::optional<Row>> Crm::FindRecordRow(Transaction& tx, const Space& space,
                                              std::string_view module, std::string_view id) {
  auto rows = TRY(tx.Query("SELECT " + std::string(kRecordColumns) +
                               ", org_id, environment FROM crm_records WHERE id = ?",
                           id));
  if (rows.empty() || rows.front().Text(7) != space.org_id ||
      rows.front().Text(8) != space.environment ||
      (!module.empty() && rows.front().Text(1) != module)) {
    return std::optional<Row>();
  }
  return std::optional<Row>(std::move(rows.front()));
}

namespace {

Result<std::string> OrderBy(const ListOptions& o, std::string* sort_by) {
  std::string column;
  if (FoldCase(o.sort_by) == "id") {
    column = "id";
    *sort_by = "id";
  } else if (FoldCase(o.sort_by) == "created_time") {
    column = "created_time";
    *sort_by = "Created_Time";
  } else if (FoldCase(o.sort_by) == "modified_time") {
    column = "modified_time";
    *sort_by = "Modified_Time";
  } else {
    return InvalidArgument("sort_by must be id, Created_Time or Modified_Time");
  }
  std::string dir = o.ascending ? " ASC" : " DESC";
  return " ORDER BY " + column + dir + (column == "id" ? "" : ", id" + dir);
}

Result<void> CheckPaging(const ListOptions& o) {
  if (o.page < 1) return InvalidArgument("page must be 1 or more");
  if (o.per_page < 1 || o.per_page > kMaxPerPage) {
    return InvalidArgument("per_page must be from 1 to " + std::to_string(kMaxPerPage));
  }
  return Ok();
}

}  // namespace

Result<Page> Crm::ListRecords(const Space& space, std::string_view module_name,
                              const ListOptions& options) {
  TRY(CheckPaging(options));
  Page page{.page = options.page,
            .per_page = options.per_page,
            .sort_order = options.ascending ? "asc" : "desc"};
  std::string order = TRY(OrderBy(options, &page.sort_by));
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Page> {
    page.records.clear();  // Transact may run this again (store.h)
    Module module = TRY(LoadModule(tx, space, module_name));
    auto rows = TRY(tx.Query("SELECT " + std::string(kRecordColumns) +
                                 " FROM crm_records WHERE org_id = ? AND environment = ?"
                                 " AND module = ?" +
                                 order + " LIMIT ? OFFSET ?",
                             space.org_id, space.environment, module.api_name, options.per_page + 1,
                             static_cast<int64_t>(options.page - 1) * options.per_page));
    page.more_records = rows.size() > static_cast<size_t>(options.per_page);
    if (page.more_records) rows.pop_back();
    for (const auto& r : rows)
      page.records.push_back(TRY(Present(tx, space, module, r, options.fields)));
    return page;
  });
}

Result<Page> Crm::SearchRecords(const Space& space, std::string_view module_name,
                                const SearchQuery& query, const ListOptions& options) {
  TRY(CheckPaging(options));
  Page page{.page = options.page,
            .per_page = options.per_page,
            .sort_order = options.ascending ? "asc" : "desc"};
  std::string order = TRY(OrderBy(options, &page.sort_by));
  return store::Transact(store_, TxMode::kRead, [&](Transaction& tx) -> Result<Page> {
    page.records.clear();  // Transact may run this again (store.h)
    page.more_records = false;
    Module module = TRY(LoadModule(tx, space, module_name));
    if (query.criteria) TRY(CheckCriteria(*query.criteria, module));
    // FIXME: search scans the module's records in the store and filters them here; fine for
    // the thousands of records a sandbox holds, slow for millions (an index table per searchable
    // field would let the criteria compile to SQL).
    auto rows = TRY(tx.Query("SELECT " + std::string(kRecordColumns) +
                                 " FROM crm_records WHERE org_id = ? AND environment = ?"
                                 " AND module = ?" +
                                 order,
                             space.org_id, space.environment, module.api_name));
    size_t skip = static_cast<size_t>(options.page - 1) * static_cast<size_t>(options.per_page);
    size_t matched = 0;
    for (const auto& r : rows) {
      Json record = TRY(Present(tx, space, module, r, {}));
      bool match = query.criteria ? Matches(*query.criteria, module, record)
                                  : MatchesSimpleSearch(module, query, record);
      if (!match) continue;
      ++matched;
      if (matched <= skip) continue;
      if (page.records.size() == static_cast<size_t>(options.per_page)) {
        page.more_records = true;
        break;
      }
      if (!options.fields.empty()) record = TRY(Present(tx, space, module, r, options.fields));
      page.records.push_back(std::move(record));
    }
    return page;
  });
}

Result<Json> Crm::EventRecord(const Space& space, std::string_view event_id) {
  TRY(CheckEnvironment(space.environment));
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne("no change '" + std::string(event_id) + "'",
                       "SELECT record FROM crm_events WHERE id = ? AND org_id = ? AND environment = ?",
                       event_id, space.org_id, space.environment);
  }));
  return ParseJson(row.Text(0));
}

Result<std::vector<ChangeEvent>> Crm::ListEvents(const Space& space, std::string_view module,
                                                 std::string_view record_id, int limit) {
  TRY(CheckEnvironment(space.environment));
  return store::Transact(
      store_, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<ChangeEvent>> {
        std::string sql =
            "SELECT id, module, record_id, kind, changed_fields, old_values, record, "
            "fire_workflows,"
            " actor, created_at, seq FROM crm_events WHERE org_id = ? AND environment = ?";
        std::vector<store::Value> params = {space.org_id, space.environment};
        if (!module.empty()) {
          Module m = TRY(LoadModule(tx, space, module));
          sql += " AND module = ?";
          params.emplace_back(m.api_name);
        }
        if (!record_id.empty()) {
          sql += " AND record_id = ?";
          params.emplace_back(record_id);
        }
        // One record's history is exactly ordered by its sequence; across records, by time.
        sql += record_id.empty() ? " ORDER BY created_at DESC, id DESC LIMIT ?"
                                 : " ORDER BY seq DESC LIMIT ?";
        params.emplace_back(std::clamp(limit, 1, 1000));
        std::vector<ChangeEvent> out;
        for (const auto& r : TRY(tx.QueryParams(sql, params))) {
          ChangeEvent e;
          e.id = r.Text(0);
          e.org_id = space.org_id;
          e.environment = space.environment;
          e.module = r.Text(1);
          e.record_id = r.Text(2);
          e.kind = r.Text(3) == "create"
                       ? ChangeKind::kCreate
                       : (r.Text(3) == "delete" ? ChangeKind::kDelete : ChangeKind::kEdit);
          for (const auto& f : ParseJson(r.Text(4)))
            e.changed_fields.push_back(f.get<std::string>());
          e.old_values = ParseJson(r.Text(5));
          e.record = ParseJson(r.Text(6));
          e.fire_workflows = r.Bool(7);
          Json actor = ParseJson(r.Text(8));
          e.actor = {actor.value("id", ""), actor.value("name", ""), actor.value("email", "")};
          e.at_ms = r.Int(9);
          e.sequence = r.Int(10);
          out.push_back(std::move(e));
        }
        return out;
      });
}

}  // namespace relish::crm
