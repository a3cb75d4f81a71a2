// Catalog: the default services (services/*.yaml, embedded into the binary) and the custom
// services users create at runtime (stored). Custom service ids may not reuse a default id.
//
// Thread-safe. Services are immutable once loaded and shared as shared_ptr<const Service>.
#pragma once

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

class Catalog {
 public:
  static std::vector<store::Migration> Migrations();

  Catalog(store::Store& store, const Clock& clock);

  // Parses every embedded default service; any invalid file is an error naming it.
  Result<void> LoadDefaults();
  // Adds default services from YAML texts (tests); `files` maps names to YAML.
  Result<void> LoadDefaults(const std::vector<EmbeddedFile>& files);

  Result<ServicePtr> Get(std::string_view id) const;
  Result<std::vector<ServicePtr>> List() const;  // defaults then custom, each by id

  Result<ServicePtr> CreateCustom(std::string_view yaml, std::string_view created_by);
  Result<ServicePtr> UpdateCustom(std::string_view id, std::string_view yaml);
  Result<void> DeleteCustom(std::string_view id);

 private:
  store::Store& store_;
  const Clock& clock_;
  mutable std::shared_mutex mu_;
  std::map<std::string, ServicePtr> defaults_;  // guarded by mu_
  // Parsed custom services: parsing YAML on every call would dominate a proxy hop.
  mutable TtlCache<std::string, ServicePtr> custom_{clock_, std::chrono::seconds(2)};
};

}  // namespace relish::connections
