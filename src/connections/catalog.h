// Catalog: the default services (services/*.yaml, embedded into the binary, shared by every
// organization and read-only) and the custom services organizations create at runtime.
//
// A custom service belongs to one organization: only that organization's connections, toppings
// and members see or use it, and another organization's lookups answer "no service" exactly as
// for an id that does not exist. Ids are unique per organization and never reuse a default id.
// Who may change one is decided here (CanEdit, docs/services.md); that the caller is a member
// of the organization is the caller's to check.
//
// Thread-safe. Services are immutable once loaded and shared as shared_ptr<const Service>.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/embedded.h"
#include "base/result.h"
#include "base/ttl_cache.h"
#include "connections/service.h"
#include "store/store.h"

namespace relish::connections {

using ServicePtr = std::shared_ptr<const Service>;

// The embedded services/*.yaml files.
const std::vector<EmbeddedFile>& DefaultServiceFiles();

// Who changes a custom service: a member of its organization (the caller checked that).
struct Editor {
  std::string user_id;
  bool admin = false;  // has the admin role
};

// A custom service's policy changed (PolicyChanges): handed to the change observer inside the
// write transaction that stores the new definition.
struct PolicyChange {
  std::string org_id;
  std::string service_id;
  std::string changed_by;            // user id
  std::vector<std::string> changes;  // PolicyChanges(before, after)
  std::string description;           // the changes, with old and new hosts and URLs
  int64_t at = 0;
};

class Catalog {
 public:
  // Version 2 moves custom services into organizations: it reads identity's org_members and
  // connections' connections, so these come after both modules' migrations.
  static std::vector<store::Migration> Migrations();

  Catalog(store::Store& store, const Clock& clock);

  // Parses every embedded default service; any invalid file is an error naming it.
  Result<void> LoadDefaults();
  // Adds default services from YAML texts (tests); `files` maps names to YAML.
  Result<void> LoadDefaults(const std::vector<EmbeddedFile>& files);

  // A default service, or the organization's custom one.
  Result<ServicePtr> Get(std::string_view org_id, std::string_view id) const;
  // A default service only.
  Result<ServicePtr> Default(std::string_view id) const;
  Result<std::vector<ServicePtr>> List(std::string_view org_id) const;  // defaults, then custom

  Result<ServicePtr> CreateCustom(std::string_view org_id, std::string_view yaml,
                                  std::string_view created_by);
  // kNotFound for another organization's service; kPermissionDenied unless CanEdit. A change of
  // policy is passed to the observer in the same transaction and stamps policy_changed_at.
  Result<ServicePtr> UpdateCustom(const Editor& editor, std::string_view org_id,
                                  std::string_view id, std::string_view yaml);
  Result<void> DeleteCustom(const Editor& editor, std::string_view org_id, std::string_view id);

  // The organization's administrators and the service's creator.
  static bool CanEdit(const Editor& editor, const Service& service);

  // Connections marks the connections that use a changed service. Called inside the write
  // transaction (an error rolls the change back), then `after` once it committed. One observer;
  // set it to nullptr before it goes away.
  struct Observer {
    std::function<Result<void>(store::Transaction&, const PolicyChange&)> during;
    std::function<void()> after;
  };
  void SetObserver(std::shared_ptr<const Observer> observer);

 private:
  Result<store::Row> LoadRow(store::Transaction& tx, std::string_view org_id,
                             std::string_view id) const;
  Result<ServicePtr> LoadCustom(store::Transaction& tx, std::string_view org_id,
                                std::string_view id) const;
  bool IsDefault(std::string_view id) const;
  std::string CacheKey(std::string_view org_id, std::string_view id) const;

  store::Store& store_;
  const Clock& clock_;
  mutable std::shared_mutex mu_;
  std::map<std::string, ServicePtr> defaults_;  // guarded by mu_
  std::shared_ptr<const Observer> observer_;    // guarded by mu_
  // Parsed custom services by "org/id": parsing YAML on every call would dominate a proxy hop.
  // Half a second: a connection's resolved entry (connections_impl.h) holds what it read here
  // for as long again, so another node's change shows within a second in all
  // (docs/architecture.md#many-nodes).
  mutable TtlCache<std::string, ServicePtr> custom_{clock_, std::chrono::milliseconds(500)};
};

}  // namespace relish::connections
