// Crm: the CRM's records, modules and fields, per organization and environment.
//
// Each organization has two separate sets of data, "sandbox" and "production" (a Space). Both
// start with Bigin's standard modules (schema.h); custom modules and custom fields are added at
// runtime per Space. Records are stored as JSON in the store, validated per field on every
// write; ids are 19-digit numeric strings like Zoho's, increasing with creation time.
//
// Writes take batches (the REST API allows up to kMaxBatch records) and answer per record, as
// Bigin's API does: some records may be written while others are refused. One batch is one
// store transaction; every record written in it emits a ChangeEvent inside that transaction.
//
// Thread-safe: all state is in the Store; listeners are added before serving starts.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "crm/criteria.h"
#include "crm/events.h"
#include "crm/schema.h"
#include "store/store.h"

namespace relish::crm {

inline constexpr size_t kMaxBatch = 100;
inline constexpr int kMaxPerPage = 200;

// One organization's sandbox or production data.
struct Space {
  std::string org_id;
  std::string environment;  // "sandbox" or "production"
};
Result<void> CheckEnvironment(std::string_view environment);

// The users records can name as owners; the composition root implements it over identity.
class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // The user `user_id` when they belong to `org_id`; kNotFound otherwise.
  virtual Result<Actor> FindMember(std::string_view org_id, std::string_view user_id) = 0;
};

// A refused record, in Bigin's terms.
struct RecordError {
  std::string code;  // INVALID_DATA, MANDATORY_NOT_FOUND, DUPLICATE_DATA, ...
  std::string message;
  Json details = Json::object();  // api_name, json_path, expected_data_type, id, ...
};

// The outcome for one record of a batch.
struct WriteResult {
  bool ok = false;
  std::string action;             // upsert only: "insert" or "update"
  Json details = Json::object();  // on success: id, Created_Time, Modified_Time, Created_By, ...
  RecordError error;
};

struct WriteOptions {
  bool fire_workflows = true;
};

struct ListOptions {
  int page = 1;
  int per_page = kMaxPerPage;
  std::vector<std::string> fields;  // empty: every field
  std::string sort_by = "id";       // id, Created_Time or Modified_Time
  bool ascending = false;
};

struct Page {
  std::vector<Json> records;
  int page = 1;
  int per_page = kMaxPerPage;
  bool more_records = false;
  std::string sort_by;
  std::string sort_order;  // "asc" or "desc"
};

// What to search for: criteria, or an email / phone / word across the module's fields.
struct SearchQuery {
  std::optional<Criteria> criteria;
  std::string email;
  std::string phone;
  std::string word;
};

struct NewModule {
  std::string api_name;  // empty: from plural_label
  std::string singular_label;
  std::string plural_label;
};

struct NewField {
  std::string api_name;  // empty: from label
  std::string label;
  FieldType type = FieldType::kText;
  bool required = false;
  bool unique = false;
  std::vector<std::string> options;
  std::string lookup_module;
  int max_length = 0;
};

// What may change in a custom field once made: its label, whether it is required, a pick list's
// options. Its API name and type stay (stored values and scripts depend on them); uniqueness
// stays too (turning it on would have to check every record). Unset members keep their value.
struct FieldChange {
  std::optional<std::string> label;
  std::optional<bool> required;
  std::optional<std::vector<std::string>> options;
};

class Crm {
 public:
  Crm(store::Store& store, const Clock& clock, Random& random, UserDirectory& users);

  static std::vector<store::Migration> Migrations();

  // Called by the composition root before serving; the listener must outlive the Crm.
  void AddListener(ChangeListener& listener) { listeners_.push_back(&listener); }

  // Schema. Module names match in any letter case.
  Result<std::vector<Module>> ListModules(const Space& space);
  Result<Module> GetModule(const Space& space, std::string_view module);  // kNotFound
  // The module's API name in its own letter case ("contacts" -> "Contacts"): a standard module's
  // without reading the store, a custom one's read.
  Result<std::string> ModuleApiName(const Space& space, std::string_view module);
  // The same inside a transaction the caller holds (a ChangeListener, or a writer that checks
  // something against the schema in its own transaction).
  Result<Module> GetModule(store::Transaction& tx, const Space& space, std::string_view module) {
    return LoadModule(tx, space, module);
  }
  Result<Module> CreateModule(const Space& space, const NewModule& spec);
  Result<Field> AddField(const Space& space, std::string_view module, const NewField& spec);
  Result<Field> UpdateField(const Space& space, std::string_view module, std::string_view field,
                            const FieldChange& change);
  // Removes a custom field (its values stay in stored records but are no longer shown).
  Result<void> DeleteField(const Space& space, std::string_view module, std::string_view field);

  // Records. GetRecord returns kNotFound for an id that is not in the module.
  Result<Json> GetRecord(const Space& space, std::string_view module, std::string_view id,
                         const std::vector<std::string>& fields = {});
  Result<Page> ListRecords(const Space& space, std::string_view module, const ListOptions& options);
  // kInvalidArgument for criteria that do not fit the module.
  Result<Page> SearchRecords(const Space& space, std::string_view module, const SearchQuery& query,
                             const ListOptions& options);

  // `records` is a JSON array of objects. Errors returned as Result are for the whole call
  // (unknown module, store failure); refused records are in the WriteResults.
  Result<std::vector<WriteResult>> InsertRecords(const Space& space, std::string_view module,
                                                 const Json& records, const Actor& actor,
                                                 const WriteOptions& options);
  // Each record names its "id".
  Result<std::vector<WriteResult>> UpdateRecords(const Space& space, std::string_view module,
                                                 const Json& records, const Actor& actor,
                                                 const WriteOptions& options);
  // Updates the record that matches on the first of `duplicate_check_fields` (default: the
  // module's unique fields, then Email / name field) that holds a value, else inserts.
  Result<std::vector<WriteResult>> UpsertRecords(
      const Space& space, std::string_view module, const Json& records,
      const std::vector<std::string>& duplicate_check_fields, const Actor& actor,
      const WriteOptions& options);
  Result<std::vector<WriteResult>> DeleteRecords(const Space& space, std::string_view module,
                                                 const std::vector<std::string>& ids,
                                                 const Actor& actor, const WriteOptions& options);

  // The record as one change left it (its snapshot in the change history), in the API's output
  // shape; kNotFound for an unknown event.
  Result<Json> EventRecord(const Space& space, std::string_view event_id);

  // Change history, newest first; `module` and `record_id` filter when not empty.
  Result<std::vector<ChangeEvent>> ListEvents(const Space& space, std::string_view module,
                                              std::string_view record_id, int limit);

  class Writer;  // crm_records.cc

 private:
  friend class Writer;
  Result<Module> LoadModule(store::Transaction& tx, const Space& space, std::string_view module);
  // The one lookup of a record by id: its stored row (id, module, data, created_time,
  // modified_time, created_by, modified_by) when it is in `space` and, unless `module` is empty,
  // in that module; nullopt otherwise.
  Result<std::optional<store::Row>> FindRecordRow(store::Transaction& tx, const Space& space,
                                                  std::string_view module, std::string_view id);
  // A stored row (id, module, data, created_time, modified_time, created_by, modified_by) in
  // the API's output shape; `fields` selects (empty: all).
  Result<Json> Present(store::Transaction& tx, const Space& space, const Module& module,
                       const store::Row& row, const std::vector<std::string>& fields);
  std::string NewRecordId();
  // Tells the listeners, in the schema change's transaction.
  Result<void> SchemaChanged(store::Transaction& tx, const Space& space, std::string_view module);

  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  UserDirectory& users_;
  std::vector<ChangeListener*> listeners_;
  std::atomic<uint64_t> last_record_id_{0};
};

}  // namespace relish::crm
