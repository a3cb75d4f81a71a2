// Toppings: installing a topping's files into an organization's sandbox (push) and copying what
// the sandbox holds to production (publish).
//
// Installing checks everything first (the manifest, every function, every rule against the
// CRM's modules with the topping's custom fields added, every connection's service and scopes)
// and refuses the whole topping with "FILE:LINE: reason" when anything is wrong. Then it adds
// the custom fields that are missing, replaces the topping's functions and rules (one
// transaction), creates the connections that do not exist yet (pending: they are authorized
// separately in each environment; existing ones keep their authorization), and records the
// files it installed, which is what publish copies.
//
// Thread-safe: all state is in the Store. Pushes of the same topping are not serialised against
// each other; the last one wins.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "crm/crm.h"
#include "store/store.h"
#include "toppings/manifest.h"
#include "workflow/repository.h"

namespace relish::toppings {

struct InstalledConnection {
  std::string link_name;  // the full one
  std::string service;
  std::string status;  // the connection's status: "pending", "connected", ...
  bool created = false;
};

struct Topping {
  std::string org_id;
  std::string environment;
  std::string ns;
  std::string name;
  std::string version;
  std::string description;
  std::string installed_by;
  int64_t installed_at = 0;
  std::vector<std::string> functions;
  std::vector<std::string> rules;
  std::vector<InstalledConnection> connections;
  std::vector<std::string> fields_added;  // "Contacts.Books_Id" (this install only)
};

// What publishing a topping would change in production, computed without changing anything.
struct PublishPreview {
  struct Changes {
    std::vector<std::string> added, changed, removed;  // by name, in the manifest's order
  };
  std::string ns;
  std::string name;
  std::string version;             // the sandbox's
  std::string production_version;  // empty: not installed in production yet
  Changes functions;
  Changes rules;
  std::vector<std::string> fields_to_add;                  // "Contacts.Books_Id"
  std::vector<InstalledConnection> connections_to_create;  // status "pending"
  // Every production connection of the topping that will not be usable until someone
  // authorizes it in production: those to create, and existing ones not connected.
  std::vector<InstalledConnection> connections_to_authorize;
};

class Toppings {
 public:
  Toppings(store::Store& store, crm::Crm& crm, workflow::Repository& workflow,
           connections::Catalog& catalog, connections::Connections& connections,
           const Clock& clock);

  static std::vector<store::Migration> Migrations();

  // Installs or updates the topping in the organization's sandbox.
  Result<Topping> Push(std::string_view org_id, const Files& files, std::string_view user_id);
  // Copies the sandbox's installed files of the topping to production.
  Result<Topping> Publish(std::string_view org_id, std::string_view ns, std::string_view user_id);
  // What Publish would change, or the same refusal Publish would give.
  Result<PublishPreview> PreviewPublish(std::string_view org_id, std::string_view ns);

  Result<std::vector<Topping>> List(std::string_view org_id, std::string_view environment);
  Result<Topping> Get(std::string_view org_id, std::string_view environment, std::string_view ns);
  Result<Files> GetFiles(std::string_view org_id, std::string_view environment, std::string_view ns);
  // Removes its functions and rules (custom fields and connections stay: they hold data).
  Result<void> Uninstall(std::string_view org_id, std::string_view environment, std::string_view ns);

 private:
  // What installing `files` in `space` would do, once everything checks.
  struct Plan {
    Bundle bundle;
    std::vector<std::pair<std::string, crm::NewField>> new_fields;  // module -> field
    std::map<std::string, std::vector<std::string>> params;         // function -> its parameters
  };
  Result<Plan> Check(const crm::Space& space, const Files& files);
  Result<Topping> Install(const crm::Space& space, const Files& files, std::string_view user_id);
  Result<Files> SandboxFiles(std::string_view org_id, std::string_view ns);
  std::string ConnectionStatus(const crm::Space& space, std::string_view link_name);
  Result<Topping> Describe(const crm::Space& space, const Manifest& m, std::string_view user_id,
                           int64_t at);

  store::Store& store_;
  crm::Crm& crm_;
  workflow::Repository& workflow_;
  connections::Catalog& catalog_;
  connections::Connections& connections_;
  const Clock& clock_;
};

}  // namespace relish::toppings
