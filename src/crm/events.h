// Record-change events. Every create, edit and delete of a record produces one ChangeEvent, in
// the same store transaction as the change: the CRM writes it to its history table
// (crm_events) and hands it to every registered ChangeListener before the transaction commits,
// so a listener that enqueues work (the workflow engine) either commits with the change or not
// at all. A listener that returns an error rolls the whole write back. Schema changes (a module
// created, a field added, changed or removed) reach listeners the same way, without an event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crm/schema.h"
#include "store/store.h"

namespace relish::crm {

struct Space;  // crm.h

// Who acts: shown in Created_By, Modified_By and (by default) Owner.
struct Actor {
  std::string id;
  std::string name;
  std::string email;
};

enum class ChangeKind { kCreate, kEdit, kDelete };
std::string_view ChangeKindName(ChangeKind kind);  // "create", "edit", "delete"

struct ChangeEvent {
  std::string id;  // "evt_...", time-ordered
  std::string org_id;
  std::string environment;  // "sandbox" or "production"
  std::string module;       // API name, e.g. "Contacts"
  std::string record_id;
  int64_t sequence = 0;  // 1 for the record's creation, then 2, 3, ... for each later change
  ChangeKind kind = ChangeKind::kCreate;
  // create: the fields given a value; edit: the fields whose value changed; delete: none.
  std::vector<std::string> changed_fields;
  // edit: {field: value before} for each changed field, in the API's output shape; else {}.
  Json old_values = Json::object();
  // The record in the API's output shape (as GET returns it): after the change for create and
  // edit, as it was for delete.
  Json record = Json::object();
  // False when the write asked not to fire workflow rules: a REST write with "trigger": [], or a
  // function's write without {"trigger":["workflow"]}.
  bool fire_workflows = true;
  Actor actor;
  int64_t at_ms = 0;  // epoch milliseconds
};

// Implemented by modules that react to record changes (the workflow engine); registered with
// Crm::AddListener at the composition root. Called on the writing thread, inside the open write
// transaction `tx`, after the change and its history row are written. It may read and write its
// own tables through `tx`; it must not begin another transaction on the same store.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual Result<void> OnRecordChange(store::Transaction& tx, const ChangeEvent& event) = 0;
  // `module` of `space` was created, or a field of it added, changed or removed, in `tx`: what a
  // listener keeps of the space's modules (on any node) is stale once `tx` commits.
  virtual Result<void> OnSchemaChange(store::Transaction& tx, const Space& space,
                                      std::string_view module) {
    (void)tx, (void)space, (void)module;
    return Ok();
  }
};

}  // namespace relish::crm
