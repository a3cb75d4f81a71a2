#include "connections/catalog.h"

namespace relish::connections {

using store::Transaction;
using store::TxMode;

std::vector<store::Migration> Catalog::Migrations() {
  return {{"catalog", 1, "custom services", R"sql(
CREATE TABLE custom_services (
  id TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
)sql"},
          // Custom services were installation-wide: anyone signed in could read or rewrite any
          // of them, and so send another organization's credentials elsewhere. Each row goes
          // to the organizations whose connections use it (a copy each), else to its creator's
          // first organization (as Identity::FirstOrgId orders them). A row with neither is
          // kept under the organization '' that nobody belongs to, so nothing is lost and
          // nobody sees it.
          {"catalog", 2, "custom services belong to an organization", R"sql(
CREATE TABLE custom_services_v2 (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  policy_changed_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, id)
);
INSERT INTO custom_services_v2 (org_id, id, definition, created_by, created_at, updated_at,
                                policy_changed_at)
  SELECT DISTINCT c.org_id, s.id, s.definition, s.created_by, s.created_at, s.updated_at, 0
  FROM custom_services s JOIN connections c ON c.service_id = s.id;
INSERT INTO custom_services_v2 (org_id, id, definition, created_by, created_at, updated_at,
                                policy_changed_at)
  SELECT COALESCE((SELECT MIN(m.org_id) FROM org_members m WHERE m.user_id = s.created_by), ''),
         s.id, s.definition, s.created_by, s.created_at, s.updated_at, 0
  FROM custom_services s
  WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.service_id = s.id);
DROP TABLE custom_services;
ALTER TABLE custom_services_v2 RENAME TO custom_services;
)sql"}};
}

namespace {

std::string Listed(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += (out.size() == 1 ? "" : ", ") + i;
  return out + "]";
}

// The changes for people: old and new values for hosts and URLs (never secret), the names of
// the rest (a fixed header's value may be).
std::string Describe(const Service& before, const Service& after,
                     const std::vector<std::string>& changes) {
  auto url_of = [](const Service& s, const std::string& field) -> std::string {
    if (field == "base_url") return s.base_url;
    if (field == "sandbox_base_url") return s.sandbox_base_url;
    if (field == "oauth2.authorize_url") return s.oauth2 ? s.oauth2->authorize_url : "";
    if (field == "oauth2.token_url") return s.oauth2 ? s.oauth2->token_url : "";
    if (field == "oauth2.refresh_url") return s.oauth2 ? s.oauth2->refresh_url : "";
    if (field == "oauth2.revoke_url") return s.oauth2 ? s.oauth2->revoke_url : "";
    if (field == "oauth1.request_token_url") return s.oauth1 ? s.oauth1->request_token_url : "";
    if (field == "oauth1.authorize_url") return s.oauth1 ? s.oauth1->authorize_url : "";
    if (field == "oauth1.access_token_url") return s.oauth1 ? s.oauth1->access_token_url : "";
    return "";
  };
  std::string out;
  for (const auto& field : changes) {
    if (!out.empty()) out += "; ";
    out += field;
    if (field == "allowed_hosts") {
      out += " " + Listed(before.allowed_hosts) + " -> " + Listed(after.allowed_hosts);
    } else if (field == "token_hosts") {
      out += " " + Listed(before.token_hosts) + " -> " + Listed(after.token_hosts);
    } else if (field == "auth") {
      out += " " + std::string(AuthSchemeName(before.auth)) + " -> " +
             std::string(AuthSchemeName(after.auth));
    } else if (field.ends_with("_url")) {
      auto shown = [](const std::string& u) { return u.empty() ? std::string("(none)") : u; };
      out += " " + shown(url_of(before, field)) + " -> " + shown(url_of(after, field));
    }
  }
  return out;
}

Result<Service> ParseRow(const store::Row& row, std::string_view org_id, std::string_view id) {
  auto service = TRY(ParseService(row.Text(0), "custom service " + std::string(id)));
  service.org_id = std::string(org_id);
  service.created_by = row.Text(1);
  service.policy_changed_at = row.Int(2);
  return service;
}

// A stored definition that no longer loads (one saved before a rule it breaks existed) is
// listed as this, so its organization sees it and can fix or delete it; it is never used.
Service Unloadable(const store::Row& row, std::string_view org_id, std::string_view id,
                   const Error& error) {
  Service s;
  s.id = std::string(id);
  s.name = std::string(id);
  s.description = "this definition no longer loads: " + error.message();
  s.source = row.Text(0);
  s.org_id = std::string(org_id);
  s.created_by = row.Text(1);
  s.policy_changed_at = row.Int(2);
  return s;
}

constexpr std::string_view kRowColumns = "definition, created_by, policy_changed_at";

}  // namespace

Catalog::Catalog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<void> Catalog::LoadDefaults() { return LoadDefaults(DefaultServiceFiles()); }

Result<void> Catalog::LoadDefaults(const std::vector<EmbeddedFile>& files) {
  std::map<std::string, ServicePtr> loaded;
  for (const auto& f : files) {
    std::string origin = "services" + std::string(f.path);
    auto service = TRY(ParseService(f.data, origin));
    std::string expected = std::string(f.path.substr(1, f.path.rfind('.') - 1));
    if (service.id != expected) {
      return InvalidArgument(origin + ": id '" + service.id + "' must match the file name");
    }
    if (service.docs.empty()) return InvalidArgument(origin + ": default services need 'docs'");
    if (service.category.empty()) {
      return InvalidArgument(origin + ": default services need a 'category'");
    }
    service.builtin = true;
    std::string id = service.id;  // not in the assignment: its right side is evaluated first
    loaded[id] = std::make_shared<const Service>(std::move(service));
  }
  std::unique_lock lock(mu_);
  defaults_ = std::move(loaded);
  return Ok();
}

bool Catalog::IsDefault(std::string_view id) const {
  std::shared_lock lock(mu_);
  return defaults_.contains(std::string(id));
}

std::string Catalog::CacheKey(std::string_view org_id, std::string_view id) const {
  return std::string(org_id) + "/" + std::string(id);
}

void Catalog::SetObserver(std::shared_ptr<const Observer> observer) {
  std::unique_lock lock(mu_);
  observer_ = std::move(observer);
}

bool Catalog::CanEdit(const Editor& editor, const Service& service) {
  return editor.admin || (!editor.user_id.empty() && editor.user_id == service.created_by);
}

Result<ServicePtr> Catalog::Default(std::string_view id) const {
  std::shared_lock lock(mu_);
  if (auto it = defaults_.find(std::string(id)); it != defaults_.end()) return it->second;
  return NotFound("no service '" + std::string(id) + "'");
}

Result<store::Row> Catalog::LoadRow(Transaction& tx, std::string_view org_id,
                                    std::string_view id) const {
  auto rows = TRY(tx.Query(
      "SELECT " + std::string(kRowColumns) + " FROM custom_services WHERE org_id = ? AND id = ?",
      org_id, id));
  // Another organization's service answers as one that does not exist.
  if (rows.empty()) return NotFound("no service '" + std::string(id) + "'");
  return std::move(rows[0]);
}

Result<ServicePtr> Catalog::LoadCustom(Transaction& tx, std::string_view org_id,
                                       std::string_view id) const {
  auto row = TRY(LoadRow(tx, org_id, id));
  return std::make_shared<const Service>(TRY(ParseRow(row, org_id, id)));
}

Result<ServicePtr> Catalog::Get(std::string_view org_id, std::string_view id) const {
  {
    std::shared_lock lock(mu_);
    if (auto it = defaults_.find(std::string(id)); it != defaults_.end()) return it->second;
  }
  // Nobody belongs to the organization '' (where migration 2 keeps orphaned rows).
  if (org_id.empty()) return NotFound("no service '" + std::string(id) + "'");
  std::string key = CacheKey(org_id, id);
  if (auto cached = custom_.Get(key)) return *cached;
  auto ptr = TRY(store::Transact(store_, TxMode::kRead,
                                 [&](Transaction& tx) { return LoadCustom(tx, org_id, id); }));
  custom_.Put(key, ptr);
  return ptr;
}

Result<std::vector<ServicePtr>> Catalog::List(std::string_view org_id) const {
  std::vector<ServicePtr> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, s] : defaults_) out.push_back(s);
  }
  if (org_id.empty()) return out;
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.Query("SELECT " + std::string(kRowColumns) +
                        ", id FROM custom_services WHERE org_id = ? ORDER BY id",
                    org_id);
  }));
  for (const auto& r : rows) {
    auto service = ParseRow(r, org_id, r.Text(3));
    out.push_back(std::make_shared<const Service>(
        service.ok() ? std::move(*service) : Unloadable(r, org_id, r.Text(3), service.error())));
  }
  return out;
}

Result<ServicePtr> Catalog::CreateCustom(std::string_view org_id, std::string_view yaml,
                                         std::string_view created_by) {
  if (org_id.empty()) return InvalidArgument("a custom service needs an organization");
  auto service = TRY(ParseService(yaml, "service"));
  if (IsDefault(service.id)) {
    return AlreadyExists("'" + service.id + "' is a default service; choose another id");
  }
  int64_t now = clock_.NowMillis();
  auto r = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(
        tx.Exec("INSERT INTO custom_services (org_id, id, definition, created_by, created_at,"
                " updated_at, policy_changed_at) VALUES (?, ?, ?, ?, ?, ?, 0)",
                org_id, service.id, std::string(yaml), created_by, now, now));
    return Ok();
  });
  if (!r.ok() && r.error().code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists("a custom service '" + service.id + "' already exists");
  }
  TRY(r);
  custom_.Erase(CacheKey(org_id, service.id));
  service.org_id = std::string(org_id);
  service.created_by = std::string(created_by);
  return std::make_shared<const Service>(std::move(service));
}

Result<ServicePtr> Catalog::UpdateCustom(const Editor& editor, std::string_view org_id,
                                         std::string_view id, std::string_view yaml) {
  if (IsDefault(id)) {
    return FailedPrecondition("'" + std::string(id) +
                              "' is a default service and cannot be changed");
  }
  std::shared_ptr<const Observer> observer;
  {
    std::shared_lock lock(mu_);
    observer = observer_;
  }
  std::string key = CacheKey(org_id, id);
  bool changed = false;
  auto updated =
      TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<ServicePtr> {
        changed = false;  // Transact may run this again (store.h)
        // Read under the write lock: the policy compared is the one being replaced. One that no
        // longer loads is replaced whole.
        auto row = TRY(LoadRow(tx, org_id, id));
        auto parsed = ParseRow(row, org_id, id);
        auto before = std::make_shared<const Service>(
            parsed.ok() ? std::move(*parsed) : Unloadable(row, org_id, id, parsed.error()));
        if (!CanEdit(editor, *before)) {
          return PermissionDenied(
              "only the service's creator or an administrator of the organization "
              "may change service '" +
              std::string(id) + "'");
        }
        auto after = TRY(ParseService(yaml, "service"));
        if (after.id != id) {
          return InvalidArgument("the definition's id '" + after.id + "' differs from '" +
                                 std::string(id) + "'; a service's id cannot change");
        }
        after.org_id = before->org_id;
        after.created_by = before->created_by;
        after.policy_changed_at = before->policy_changed_at;
        PolicyChange change;
        change.changes =
            parsed.ok() ? PolicyChanges(*before, after) : std::vector<std::string>{"definition"};
        int64_t now = clock_.NowMillis();
        if (!change.changes.empty()) {
          changed = true;
          after.policy_changed_at = now;
          change.org_id = std::string(org_id);
          change.service_id = std::string(id);
          change.changed_by = editor.user_id;
          change.description = Describe(*before, after, change.changes);
          change.at = now;
        }
        TRY(tx.Exec(
            "UPDATE custom_services SET definition = ?, updated_at = ?, policy_changed_at = ?"
            " WHERE org_id = ? AND id = ?",
            std::string(yaml), now, after.policy_changed_at, org_id, id));
        if (changed && observer && observer->during) TRY(observer->during(tx, change));
        return std::make_shared<const Service>(std::move(after));
      }));
  custom_.Erase(key);
  if (changed && observer && observer->after) observer->after();
  return updated;
}

Result<void> Catalog::DeleteCustom(const Editor& editor, std::string_view org_id,
                                   std::string_view id) {
  if (IsDefault(id)) {
    return FailedPrecondition("'" + std::string(id) +
                              "' is a default service and cannot be deleted");
  }
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    auto row = TRY(LoadRow(tx, org_id, id));
    Service service;
    service.created_by = row.Text(1);
    if (!CanEdit(editor, service)) {
      return PermissionDenied(
          "only the service's creator or an administrator of the organization "
          "may delete service '" +
          std::string(id) + "'");
    }
    auto used = TRY(tx.Query("SELECT COUNT(*) FROM connections WHERE org_id = ? AND service_id = ?",
                             org_id, id));
    if (used[0].Int(0) > 0) {
      return FailedPrecondition("service '" + std::string(id) + "' is used by " +
                                std::to_string(used[0].Int(0)) +
                                " connection(s); delete them first");
    }
    TRY(tx.Exec("DELETE FROM custom_services WHERE org_id = ? AND id = ?", org_id, id));
    return Ok();
  }));
  custom_.Erase(CacheKey(org_id, id));
  return Ok();
}

}  // namespace relish::connections
