// PlatformRunner: the FunctionRunner that runs Deluge against the real platform (runner.h says
// what a run may do). Each run gets its own Host bound to the run's organization, environment,
// topping, user and run id:
//
//   invokeurl with `connection:`  -> Connections::Call (credentials injected, audited)
//   invokeurl without             -> the environment's outbound client (egress policy, remap)
//   zoho.bigin.* / zoho.crm.*     -> with a trailing connection: the CRM's REST API at the
//                                    connection's base URL through Connections::Call; without:
//                                    in-process against crm::Crm, acting as the run's user
//   info, sendmail                -> RunResult.info / RunResult.mails (mail is not delivered)
//
// Every HTTP exchange is listed in RunResult.calls with its URL's credentials removed.
// Compiled programs are cached by source (program_cache.h). Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "connections/connections.h"
#include "crm/crm.h"
#include "deluge/limits.h"
#include "functions/runner.h"
#include "identity/identity.h"
#include "outbound/http_client.h"

namespace relish::functions {

class ProgramCache;

// What the runner calls. The HTTP clients are required; the rest may be null where a platform is
// not at hand (`relish run` without a data directory): scripts then run, and only what needs the
// missing part fails, with `RunnerOptions::unavailable` as the reason. All must outlive the runner.
struct PlatformServices {
  outbound::HttpClient* sandbox_http = nullptr;
  outbound::HttpClient* production_http = nullptr;
  connections::Connections* connections = nullptr;
  crm::Crm* crm = nullptr;
  identity::Identity* identity = nullptr;  // users for zoho.loginuser and for the CRM's actor
  const Clock* clock = nullptr;            // null: the system clock
  // Issue 17: the source of the organization's function `name`, for standalone.name(...) in a
  // run with `call`'s organization, environment and topping (the composition root looks it up
  // in the workflow repository). Empty: scripts can call only the functions of their own file.
  std::function<Result<std::string>(const connections::CallContext& call, std::string_view name)>
      function_source;
};

inline constexpr size_t kDefaultProgramCacheEntries = 512;
// What one run keeps of its `info` lines and mails; past that a last line says how much was cut.
inline constexpr size_t kMaxInfoBytes = 1024 * 1024;
inline constexpr size_t kMaxMails = 100;

struct RunnerOptions {
  // The most any run may use: a request's limits are lowered to these where they are higher.
  deluge::Limits max_limits;
  std::string time_zone = "UTC";  // IANA name, for zoho.currenttime and date conversions
  size_t program_cache_entries = kDefaultProgramCacheEntries;
  // Why connections or the CRM are missing, for the error a script gets when it needs them.
  std::string unavailable = "this runner has no connections or CRM";
};

class PlatformRunner final : public FunctionRunner {
 public:
  PlatformRunner(PlatformServices services, RunnerOptions options);
  ~PlatformRunner() override;

  // Errors: kInvalidArgument (environment, arguments that do not fit the function), kNotFound
  // (the user). Compile and runtime errors are results with ok = false.
  Result<RunResult> Run(const RunRequest& request) override;

  const ProgramCache& cache() const { return *cache_; }

 private:
  PlatformServices services_;
  RunnerOptions options_;
  std::unique_ptr<ProgramCache> cache_;
};

}  // namespace relish::functions
