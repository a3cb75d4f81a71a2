// Crm: record writes (insert, update, upsert, delete), each emitting a ChangeEvent in the same
// transaction.
#include <algorithm>

#include "base/ids.h"
#include "crm/crm.h"
#include "crm/values.h"

namespace relish::crm {
namespace {

using store::Row;
using store::Transaction;
using store::TxMode;

Json ActorJson(const Actor& a) { return {{"name", a.name}, {"id", a.id}, {"email", a.email}}; }

Json ParseObject(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_object() ? j : Json::object();
}

std::string JsonPath(size_t index, std::string_view field = {}) {
  std::string p = "$.data[" + std::to_string(index) + "]";
  if (!field.empty()) p += "." + std::string(field);
  return p;
}

RecordError Invalid(const Field& f, size_t index, std::string message) {
  return {"INVALID_DATA",
          std::move(message),
          {{"api_name", f.api_name},
           {"json_path", JsonPath(index, f.api_name)},
           {"expected_data_type", DataTypeName(f.type)}}};
}

WriteResult Refused(RecordError e) {
  WriteResult r;
  r.ok = false;
  r.error = std::move(e);
  return r;
}

std::string IdText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  return "";
}

}  // namespace

// One batch's writes inside one transaction.
class Crm::Writer {
 public:
  Writer(Crm& crm, Transaction& tx, const Space& space, Module module, const Actor& actor,
         const WriteOptions& options)
      : crm_(crm),
        tx_(tx),
        space_(space),
        module_(std::move(module)),
        actor_(actor),
        options_(options) {}

  const Module& module() const { return module_; }

  Result<WriteResult> Insert(const Json& input, size_t index) {
    if (!input.is_object()) return NotAnObject(index);
    Json data = Json::object();
    if (auto e = TRY(Apply(input, index, data))) return Refused(std::move(*e));
    if (!data.contains("Owner")) data["Owner"] = ActorJson(actor_);
    if (auto e = MissingRequired(data, index, /*only=*/nullptr)) return Refused(std::move(*e));
    std::string id = crm_.NewRecordId();
    if (auto e = TRY(Duplicate(data, index, id))) return Refused(std::move(*e));
    int64_t now = crm_.clock_.NowMillis();
    std::string by = ActorJson(actor_).dump();
    auto inserted = tx_.Exec(
        "INSERT INTO crm_records (id, org_id, environment, module, data,"
        " created_time, modified_time, created_by, modified_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id, space_.org_id, space_.environment, module_.api_name, data.dump(), now, now, by, by);
    if (!inserted.ok()) {
      if (inserted.error().code() == ErrorCode::kAlreadyExists) {
        return Internal("record id collision; try again");
      }
      return inserted.error();
    }
    TRY(WriteUniqueValues(id, data, nullptr));
    Json record = TRY(PresentById(id));
    std::vector<std::string> changed;
    for (const auto& f : module_.fields) {
      if (data.contains(f.api_name)) changed.push_back(f.api_name);
    }
    TRY(Emit(ChangeKind::kCreate, id, changed, Json::object(), record, now));
    return Success(record, "");
  }

  Result<WriteResult> Update(const Json& input, size_t index, const std::string& id) {
    if (!input.is_object()) return NotAnObject(index);
    if (id.empty()) {
      return Refused({"MANDATORY_NOT_FOUND",
                      "required field not found",
                      {{"api_name", "id"}, {"json_path", JsonPath(index, "id")}}});
    }
    auto row = TRY(LoadRow(id));
    if (!row) return Refused(BadId(index, "id"));
    Json before = ParseObject(row->Text(2));
    Json data = before;
    if (auto e = TRY(Apply(input, index, data))) return Refused(std::move(*e));
    if (auto e = MissingRequired(data, index, &input)) return Refused(std::move(*e));
    if (auto e = TRY(Duplicate(data, index, id))) return Refused(std::move(*e));
    std::vector<std::string> changed;
    for (const auto& f : module_.fields) {
      Json a = before.value(f.api_name, Json());
      Json b = data.value(f.api_name, Json());
      if (a != b) changed.push_back(f.api_name);
    }
    if (changed.empty()) return Success(TRY(PresentRow(*row)), "");  // nothing to change
    Json old_record = TRY(PresentRow(*row));
    int64_t now = crm_.clock_.NowMillis();
    TRY(tx_.Exec("UPDATE crm_records SET data = ?, modified_time = ?, modified_by = ? WHERE id = ?",
                 data.dump(), now, ActorJson(actor_).dump(), id));
    TRY(WriteUniqueValues(id, data, &before));
    Json record = TRY(PresentById(id));
    Json old_values = Json::object();
    for (const auto& f : changed) old_values[f] = old_record.value(f, Json());
    TRY(Emit(ChangeKind::kEdit, id, changed, old_values, record, now));
    return Success(record, "");
  }

  Result<WriteResult> Delete(const std::string& id) {
    auto row = TRY(LoadRow(id));
    if (!row) {
      return Refused({"INVALID_DATA", "the id given seems to be invalid", {{"id", id}}});
    }
    Json record = TRY(PresentRow(*row));
    TRY(tx_.Exec("DELETE FROM crm_records WHERE id = ?", id));
    TRY(tx_.Exec("DELETE FROM crm_unique_values WHERE record_id = ?", id));
    TRY(Emit(ChangeKind::kDelete, id, {}, Json::object(), record, crm_.clock_.NowMillis()));
    WriteResult r;
    r.ok = true;
    r.details = {{"id", id}};
    return r;
  }

  // The id of a record whose `field` holds `value` (case-insensitive), if any.
  Result<std::optional<std::string>> FindByValue(const Field& field, const Json& value) {
    if (field.unique) {
      auto rows = TRY(tx_.Query(
          "SELECT record_id FROM crm_unique_values WHERE org_id = ? AND"
          " environment = ? AND module = ? AND field = ? AND value = ?",
          space_.org_id, space_.environment, module_.api_name, field.api_name, Folded(value)));
      if (rows.empty()) return std::optional<std::string>();
      return std::optional<std::string>(rows.front().Text(0));
    }
    // FIXME: scans the module; an index table per field would make this a lookup.
    auto rows =
        TRY(tx_.Query("SELECT id, data FROM crm_records WHERE org_id = ? AND"
                      " environment = ? AND module = ? ORDER BY id",
                      space_.org_id, space_.environment, module_.api_name));
    for (const auto& r : rows) {
      Json data = ParseObject(r.Text(1));
      auto it = data.find(field.api_name);
      if (it != data.end() && Folded(*it) == Folded(value)) {
        return std::optional<std::string>(r.Text(0));
      }
    }
    return std::optional<std::string>();
  }

 private:
  static WriteResult NotAnObject(size_t index) {
    return Refused(
        {"INVALID_DATA", "each record must be a JSON object", {{"json_path", JsonPath(index)}}});
  }
  static RecordError BadId(size_t index, std::string_view field) {
    return {"INVALID_DATA",
            "the id given seems to be invalid",
            {{"api_name", field}, {"json_path", JsonPath(index, field)}}};
  }

  static std::string Folded(const Json& v) {
    return FoldCase(v.is_string() ? v.get<std::string>() : v.dump());
  }

  // Validates and applies the input's fields onto `data` (stored form). Unknown and read-only
  // keys are ignored, as Bigin's API ignores them.
  Result<std::optional<RecordError>> Apply(const Json& input, size_t index, Json& data) {
    for (const auto& [key, value] : input.items()) {
      if (IsSystemField(key) || key.starts_with("$")) continue;
      const Field* f = module_.FindField(key);
      if (!f || f->read_only) continue;
      auto normalized = NormalizeValue(*f, value);
      if (!normalized.ok()) return std::optional(Invalid(*f, index, normalized.error().message()));
      Json v = std::move(*normalized);
      if (!v.is_null() && f->type == FieldType::kOwner) {
        auto member = crm_.users_.FindMember(space_.org_id, v.get<std::string>());
        if (!member.ok()) {
          if (member.error().code() != ErrorCode::kNotFound) return member.error();
          return std::optional(Invalid(
              *f, index,
              f->api_name + ": '" + v.get<std::string>() + "' is not a user of this organization"));
        }
        v = ActorJson(*member);
      }
      if (!v.is_null() && f->type == FieldType::kLookup) {
        if (!TRY(crm_.FindRecordRow(tx_, space_, f->lookup_module, v.get<std::string>()))) {
          std::string where = f->lookup_module.empty() ? "" : " in " + f->lookup_module;
          return std::optional(Invalid(
              *f, index, f->api_name + ": there is no record " + v.get<std::string>() + where));
        }
      }
      if (v.is_null()) {
        data.erase(f->api_name);
      } else {
        data[f->api_name] = std::move(v);
      }
    }
    Derive(data);
    return std::optional<RecordError>();
  }

  // Fields computed from others: a contact's Full_Name.
  void Derive(Json& data) const {
    if (module_.api_name != "Contacts") return;
    std::string full;
    for (const char* part : {"First_Name", "Last_Name"}) {
      auto it = data.find(part);
      if (it == data.end() || !it->is_string()) continue;
      if (!full.empty()) full += ' ';
      full += it->get<std::string>();
    }
    if (full.empty()) {
      data.erase("Full_Name");
    } else {
      data["Full_Name"] = full;
    }
  }

  // A required field without a value; on update (`only` set) just the fields the input names.
  std::optional<RecordError> MissingRequired(const Json& data, size_t index,
                                             const Json* only) const {
    for (const auto& f : module_.fields) {
      if (!f.required) continue;
      if (only) {
        bool named = false;
        for (const auto& [key, value] : only->items()) {
          if (FoldCase(key) == FoldCase(f.api_name)) named = true;
        }
        if (!named) continue;
      }
      if (!data.contains(f.api_name)) {
        return RecordError{"MANDATORY_NOT_FOUND",
                           "required field not found",
                           {{"api_name", f.api_name}, {"json_path", JsonPath(index, f.api_name)}}};
      }
    }
    return std::nullopt;
  }

  Result<std::optional<RecordError>> Duplicate(const Json& data, size_t index,
                                               const std::string& id) {
    for (const auto& f : module_.fields) {
      if (!f.unique || !data.contains(f.api_name)) continue;
      auto existing = TRY(FindByValue(f, data[f.api_name]));
      if (existing && *existing != id) {
        return std::optional(
            RecordError{"DUPLICATE_DATA",
                        "duplicate data",
                        {{"api_name", f.api_name},
                         {"json_path", JsonPath(index, f.api_name)},
                         {"duplicate_record",
                          {{"id", *existing}, {"module", {{"api_name", module_.api_name}}}}}}});
      }
    }
    return std::optional<RecordError>();
  }

  Result<void> WriteUniqueValues(const std::string& id, const Json& data, const Json* before) {
    for (const auto& f : module_.fields) {
      if (!f.unique) continue;
      Json now = data.value(f.api_name, Json());
      if (before && before->value(f.api_name, Json()) == now) continue;
      TRY(tx_.Exec("DELETE FROM crm_unique_values WHERE record_id = ? AND field = ?", id,
                   f.api_name));
      if (now.is_null()) continue;
      TRY(tx_.Exec(
          "INSERT INTO crm_unique_values (org_id, environment, module, field, value,"
          " record_id) VALUES (?, ?, ?, ?, ?, ?)",
          space_.org_id, space_.environment, module_.api_name, f.api_name, Folded(now), id));
    }
    return Ok();
  }

  Result<std::optional<Row>> LoadRow(const std::string& id) {
    return crm_.FindRecordRow(tx_, space_, module_.api_name, id);
  }

  Result<Json> PresentRow(const Row& row) { return crm_.Present(tx_, space_, module_, row, {}); }
  Result<Json> PresentById(const std::string& id) {
    auto row = TRY(LoadRow(id));
    if (!row) return Internal("record " + id + " vanished inside its transaction");
    return PresentRow(*row);
  }

  static Result<WriteResult> Success(const Json& record, std::string action) {
    WriteResult r;
    r.ok = true;
    r.action = std::move(action);
    r.details = {{"Modified_Time", record["Modified_Time"]},
                 {"Modified_By", record["Modified_By"]},
                 {"Created_Time", record["Created_Time"]},
                 {"id", record["id"]},
                 {"Created_By", record["Created_By"]}};
    return r;
  }

  Result<void> Emit(ChangeKind kind, const std::string& record_id, std::vector<std::string> changed,
                    Json old_values, Json record, int64_t now) {
    ChangeEvent e;
    e.id = NewId("evt", crm_.clock_, crm_.random_);
    e.org_id = space_.org_id;
    e.environment = space_.environment;
    e.module = module_.api_name;
    e.record_id = record_id;
    // The write already holds the record (its row was just written), so no other writer can
    // add to its history between this read and the insert.
    auto last = TRY(tx_.Query("SELECT MAX(seq) FROM crm_events WHERE record_id = ?", record_id));
    e.sequence = (last.empty() || last.front().IsNull(0) ? 0 : last.front().Int(0)) + 1;
    e.kind = kind;
    e.changed_fields = std::move(changed);
    e.old_values = std::move(old_values);
    e.record = std::move(record);
    e.fire_workflows = options_.fire_workflows;
    e.actor = actor_;
    e.at_ms = now;
    TRY(
        tx_.Exec("INSERT INTO crm_events (id, org_id, environment, module, record_id, seq, kind,"
                 " changed_fields, old_values, record, fire_workflows, actor, created_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 e.id, e.org_id, e.environment, e.module, e.record_id, e.sequence,
                 ChangeKindName(kind), Json(e.changed_fields).dump(), e.old_values.dump(),
                 e.record.dump(), e.fire_workflows, ActorJson(actor_).dump(), now));
    for (ChangeListener* listener : crm_.listeners_) TRY(listener->OnRecordChange(tx_, e));
    return Ok();
  }

  Crm& crm_;
  Transaction& tx_;
  const Space& space_;
  Module module_;
  const Actor& actor_;
  const WriteOptions& options_;
};

namespace {

Result<void> CheckBatch(const Json& records) {
  if (!records.is_array()) return InvalidArgument("records must be a JSON array");
  if (records.empty()) return InvalidArgument("there are no records to write");
  if (records.size() > kMaxBatch) {
    return ResourceExhausted("at most " + std::to_string(kMaxBatch) +
                             " records may be written at once, got " +
                             std::to_string(records.size()));
  }
  return Ok();
}

}  // namespace

Result<std::vector<WriteResult>> Crm::InsertRecords(const Space& space, std::string_view module,
                                                    const Json& records, const Actor& actor,
                                                    const WriteOptions& options) {
  TRY(CheckBatch(records));
  return store::Transact(
      store_, TxMode::kWrite, [&](Transaction& tx) -> Result<std::vector<WriteResult>> {
        Writer w(*this, tx, space, TRY(LoadModule(tx, space, module)), actor, options);
        std::vector<WriteResult> out;
        for (size_t i = 0; i < records.size(); ++i) out.push_back(TRY(w.Insert(records[i], i)));
        return out;
      });
}

Result<std::vector<WriteResult>> Crm::UpdateRecords(const Space& space, std::string_view module,
                                                    const Json& records, const Actor& actor,
                                                    const WriteOptions& options) {
  TRY(CheckBatch(records));
  return store::Transact(
      store_, TxMode::kWrite, [&](Transaction& tx) -> Result<std::vector<WriteResult>> {
        Writer w(*this, tx, space, TRY(LoadModule(tx, space, module)), actor, options);
        std::vector<WriteResult> out;
        for (size_t i = 0; i < records.size(); ++i) {
          const Json& r = records[i];
          std::string id = r.is_object() && r.contains("id") ? IdText(r["id"]) : "";
          out.push_back(TRY(w.Update(r, i, id)));
        }
        return out;
      });
}

Result<std::vector<WriteResult>> Crm::UpsertRecords(const Space& space, std::string_view module,
                                                    const Json& records,
                                                    const std::vector<std::string>& check_fields,
                                                    const Actor& actor,
                                                    const WriteOptions& options) {
  TRY(CheckBatch(records));
  return store::Transact(
      store_, TxMode::kWrite, [&](Transaction& tx) -> Result<std::vector<WriteResult>> {
        Writer w(*this, tx, space, TRY(LoadModule(tx, space, module)), actor, options);
        const Module& m = w.module();
        std::vector<const Field*> fields;
        for (const auto& name : check_fields) {
          const Field* f = m.FindField(name);
          if (!f)
            return InvalidArgument(m.api_name + " has no field '" + name +
                                   "' to check duplicates on");
          fields.push_back(f);
        }
        if (fields.empty()) {
          for (const auto& f : m.fields) {
            if (f.unique) fields.push_back(&f);
          }
          if (const Field* email = m.FindField("Email")) fields.push_back(email);
          if (const Field* name = m.FindField(m.name_field); name && !name->read_only) {
            fields.push_back(name);
          }
        }
        std::vector<WriteResult> out;
        for (size_t i = 0; i < records.size(); ++i) {
          const Json& r = records[i];
          std::optional<std::string> existing;
          std::string matched_on;
          if (r.is_object() && r.contains("id")) {
            existing = IdText(r["id"]);
            matched_on = "id";
          }
          for (const Field* f : fields) {
            if (existing || !r.is_object() || !r.contains(f->api_name)) continue;
            auto value = NormalizeValue(*f, r[f->api_name]);
            if (!value.ok() || value->is_null()) continue;
            existing = TRY(w.FindByValue(*f, *value));
            if (existing) matched_on = f->api_name;
          }
          WriteResult result = existing ? TRY(w.Update(r, i, *existing)) : TRY(w.Insert(r, i));
          result.action = existing ? "update" : "insert";
          if (result.ok && existing) result.details["duplicate_field"] = matched_on;
          out.push_back(std::move(result));
        }
        return out;
      });
}

Result<std::vector<WriteResult>> Crm::DeleteRecords(const Space& space, std::string_view module,
                                                    const std::vector<std::string>& ids,
                                                    const Actor& actor,
                                                    const WriteOptions& options) {
  if (ids.empty()) return InvalidArgument("there are no record ids to delete");
  if (ids.size() > kMaxBatch) {
    return ResourceExhausted("at most " + std::to_string(kMaxBatch) +
                             " records may be deleted at once, got " + std::to_string(ids.size()));
  }
  return store::Transact(
      store_, TxMode::kWrite, [&](Transaction& tx) -> Result<std::vector<WriteResult>> {
        Writer w(*this, tx, space, TRY(LoadModule(tx, space, module)), actor, options);
        std::vector<WriteResult> out;
        for (size_t i = 0; i < ids.size(); ++i) out.push_back(TRY(w.Delete(ids[i])));
        return out;
      });
}

}  // namespace relish::crm
