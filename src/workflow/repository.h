// Repository: the stored functions and rules of each organization's sandbox and production.
//
// Functions and rules belong to a topping (its namespace) or, with an empty topping, to the
// organization itself; a rule's function actions name functions of the same topping. Every
// change bumps the space's rule version in the same transaction, which is how the engine's
// in-memory rule cache (on every node) notices it must reload.
//
// Thread-safe: all state is in the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "crm/crm.h"
#include "functions/runner.h"
#include "store/store.h"
#include "workflow/rule.h"

namespace relish::workflow {

inline constexpr size_t kMaxFunctionBytes = functions::kMaxSourceBytes;

struct Function {
  std::string id;
  std::string org_id;
  std::string environment;
  std::string topping;
  std::string name;
  std::string description;
  std::string source;
  std::vector<std::string> params;  // the header's parameters, or the declared arguments
  bool has_header = false;
  std::string created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct NewFunction {
  std::string name;  // a letter, then letters, digits and '_', at most 50
  std::string source;
  // The variables a script without a function header expects (the workflow's arguments, e.g.
  // "contact"); a script with a header declares its own and these must match or be empty.
  std::vector<std::string> params;
  std::string description;
};

// Compiles `spec.source` (parse and check): kInvalidArgument "line N: message" for the first
// problem. Returns the parameters the function takes and whether it has a header.
Result<std::pair<std::vector<std::string>, bool>> CheckFunction(const NewFunction& spec);

struct RuleFilter {
  std::string module;
  std::optional<std::string> topping;  // nullopt: any
};

// A topping's whole set of functions and rules (what push and publish install).
struct ToppingContents {
  std::vector<NewFunction> functions;
  std::vector<Json> rules;  // definitions
};

class Repository {
 public:
  Repository(store::Store& store, crm::Crm& crm, const Clock& clock, Random& random);

  static std::vector<store::Migration> Migrations();

  // Functions. Put creates or replaces by (topping, name); runs pick up the new source at once.
  Result<Function> PutFunction(const crm::Space& space, std::string_view topping,
                               const NewFunction& spec, std::string_view user_id);
  Result<Function> GetFunction(const crm::Space& space, std::string_view topping,
                               std::string_view name);  // kNotFound
  Result<std::vector<Function>> ListFunctions(const crm::Space& space,
                                              std::optional<std::string> topping);
  // kFailedPrecondition while a rule still runs it.
  Result<void> DeleteFunction(const crm::Space& space, std::string_view topping,
                              std::string_view name);

  // Rules. The definition is checked against the module and the topping's functions.
  Result<Rule> CreateRule(const crm::Space& space, std::string_view topping, const Json& definition,
                          std::string_view user_id);
  Result<Rule> UpdateRule(const crm::Space& space, std::string_view id, const Json& definition);
  Result<Rule> SetActive(const crm::Space& space, std::string_view id, bool active);
  Result<void> DeleteRule(const crm::Space& space, std::string_view id);
  Result<Rule> GetRule(const crm::Space& space, std::string_view id);  // kNotFound
  Result<std::vector<Rule>> ListRules(const crm::Space& space, const RuleFilter& filter);

  // Replaces the topping's functions and rules with `contents` in one transaction, after
  // checking all of it (nothing changes when anything is wrong). Errors name the function
  // ("functions.sync: line 3: ...") or the rule ("rules[1].conditions[0]...: ...").
  Result<void> ReplaceTopping(const crm::Space& space, std::string_view topping,
                              const ToppingContents& contents, std::string_view user_id);
  // Deletes every function and rule of the topping.
  Result<void> DeleteTopping(const crm::Space& space, std::string_view topping);

  // For the engine, inside the change's transaction.
  Result<int64_t> Version(store::Transaction& tx, const crm::Space& space);
  Result<std::vector<Rule>> LoadActiveRules(store::Transaction& tx, const crm::Space& space);
  // Records that `rule` ran for `record`; false when it already had (rules that do not repeat).
  Result<bool> MarkFired(store::Transaction& tx, std::string_view rule_id,
                         std::string_view record_id);
  // Also for a change elsewhere that compiled rules depend on: a module's fields.
  Result<void> BumpVersion(store::Transaction& tx, const crm::Space& space);

 private:
  // Creates or replaces a function's row; `f` is already checked (CheckFunction's answer).
  Result<void> WriteFunction(store::Transaction& tx, const crm::Space& space,
                             std::string_view topping, const NewFunction& f,
                             const std::vector<std::string>& params, bool has_header,
                             std::string_view user_id, int64_t now);
  Result<Rule> CheckedRule(store::Transaction& tx, const crm::Space& space,
                           std::string_view topping, const Json& definition);

  store::Store& store_;
  crm::Crm& crm_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace relish::workflow
