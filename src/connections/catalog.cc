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
)sql"}};
}

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
    service.builtin = true;
    std::string id = service.id;  // not in the assignment: its right side is evaluated first
    loaded[id] = std::make_shared<const Service>(std::move(service));
  }
  std::unique_lock lock(mu_);
  defaults_ = std::move(loaded);
  return Ok();
}

Result<ServicePtr> Catalog::Get(std::string_view id) const {
  {
    std::shared_lock lock(mu_);
    if (auto it = defaults_.find(std::string(id)); it != defaults_.end()) return it->second;
  }
  if (auto cached = custom_.Get(std::string(id))) return *cached;
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.Query("SELECT definition FROM custom_services WHERE id = ?", id);
  }));
  if (rows.empty()) return NotFound("no service '" + std::string(id) + "'");
  auto service = TRY(ParseService(rows[0].Text(0), "custom service " + std::string(id)));
  auto ptr = std::make_shared<const Service>(std::move(service));
  custom_.Put(std::string(id), ptr);
  return ptr;
}

Result<std::vector<ServicePtr>> Catalog::List() const {
  std::vector<ServicePtr> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, s] : defaults_) out.push_back(s);
  }
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.Query("SELECT id, definition FROM custom_services ORDER BY id");
  }));
  for (const auto& r : rows) {
    auto service = ParseService(r.Text(1), "custom service " + r.Text(0));
    if (service.ok()) out.push_back(std::make_shared<const Service>(std::move(*service)));
  }
  return out;
}

Result<ServicePtr> Catalog::CreateCustom(std::string_view yaml, std::string_view created_by) {
  auto service = TRY(ParseService(yaml, "service"));
  {
    std::shared_lock lock(mu_);
    if (defaults_.contains(service.id)) {
      return AlreadyExists("'" + service.id + "' is a default service; choose another id");
    }
  }
  int64_t now = clock_.NowMillis();
  auto r = store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("INSERT INTO custom_services (id, definition, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                service.id, std::string(yaml), created_by, now, now));
    return Ok();
  });
  if (!r.ok() && r.error().code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists("a custom service '" + service.id + "' already exists");
  }
  TRY(r);
  return std::make_shared<const Service>(std::move(service));
}

Result<ServicePtr> Catalog::UpdateCustom(std::string_view id, std::string_view yaml) {
  auto service = TRY(ParseService(yaml, "service"));
  if (service.id != id) {
    return InvalidArgument("the definition's id '" + service.id + "' differs from '" +
                           std::string(id) + "'; a service's id cannot change");
  }
  custom_.Erase(std::string(id));
  TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    if (TRY(tx.Exec("UPDATE custom_services SET definition = ?, updated_at = ? WHERE id = ?",
                    std::string(yaml), clock_.NowMillis(), id)) == 0) {
      return NotFound("no custom service '" + std::string(id) + "'");
    }
    return Ok();
  }));
  return std::make_shared<const Service>(std::move(service));
}

Result<void> Catalog::DeleteCustom(std::string_view id) {
  {
    std::shared_lock lock(mu_);
    if (defaults_.contains(std::string(id))) {
      return FailedPrecondition("'" + std::string(id) + "' is a default service and cannot be deleted");
    }
  }
  custom_.Erase(std::string(id));
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    auto used = TRY(tx.Query("SELECT COUNT(*) FROM connections WHERE service_id = ?", id));
    if (used[0].Int(0) > 0) {
      return FailedPrecondition("service '" + std::string(id) + "' is used by " +
                                std::to_string(used[0].Int(0)) +
                                " connection(s); delete them first");
    }
    if (TRY(tx.Exec("DELETE FROM custom_services WHERE id = ?", id)) == 0) {
      return NotFound("no custom service '" + std::string(id) + "'");
    }
    return Ok();
  });
}

}  // namespace relish::connections
