// Runtime: the services every Relish process builds from one data directory — the store (with
// every module's migrations), vault, identity, OAuth server, CRM, service catalog, connections,
// the two outbound clients, the function runner and the console's run history, workflow (rules, queue, run log, engine) and
// toppings. `relish serve` (App) adds the HTTP server
// and its routes; local commands such as `relish run` use a Runtime as it is, so both see the
// same connections and the same CRM. Part of the composition root: the only other place that
// wires modules together.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/config.h"
#include "base/result.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "crm/crm.h"
#include "functions/platform_runner.h"
#include "functions/run_history.h"
#include "identity/identity.h"
#include "identity/oauth_server.h"
#include "outbound/http_client.h"
#include "store/store.h"
#include "toppings/toppings.h"
#include "vault/vault.h"
#include "webhooks/probes.h"
#include "webhooks/webhooks.h"
#include "workflow/engine.h"

namespace relish::app {

struct RuntimeOptions {
  // The URL this installation is reached at: redirect URIs, the OAuth issuer and the base URL of
  // the built-in "bigin" service are made from it.
  std::string public_url;
  // First start: create the data directory and the first administrator (serve does; a local
  // command opens an existing directory and creates nothing).
  bool first_start = true;
  // The function runner's time zone and the most a run may use.
  functions::RunnerOptions runner;
  // Every module's clock; null is the system's. Tests of several nodes pass one fake clock to
  // move the caches' time (it must outlive the Runtime).
  const Clock* clock = nullptr;
};

class Runtime {
 public:
  static Result<std::unique_ptr<Runtime>> Open(const Config& config, RuntimeOptions options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const Config& config() const { return config_; }
  const std::string& public_url() const { return public_url_; }
  store::Store& store() { return *store_; }
  vault::Vault& vault() { return *vault_; }
  const vault::MasterKeySource& master_key() const { return master_key_; }
  identity::Identity& identity() { return *identity_; }
  identity::OAuthServer& oauth() { return *oauth_; }
  crm::Crm& crm() { return *crm_; }
  connections::Catalog& catalog() { return *catalog_; }
  connections::Connections& connections() { return *connections_; }
  outbound::HttpClient& sandbox_http() { return *sandbox_http_; }
  outbound::HttpClient& production_http() { return *production_http_; }
  functions::PlatformRunner& runner() { return *runner_; }
  functions::RunHistory& run_history() { return *run_history_; }
  workflow::Repository& workflow() { return *workflow_; }
  workflow::JobQueue& jobs() { return *jobs_; }
  workflow::RunLog& runs() { return *runs_; }
  // Every process's CRM writes enqueue the rules' jobs; only `relish serve` starts its workers.
  workflow::Engine& engine() { return *engine_; }
  toppings::Toppings& toppings() { return *toppings_; }
  // Connection events' webhook endpoints and deliveries (run by the engine's workers).
  webhooks::Webhooks& webhooks() { return *webhooks_; }
  webhooks::ProbeSchedule& probes() { return *probes_; }  // issue 18: scheduled health probes

  // Writes what is queued in the background (audit entries) before the process ends.
  void Flush();

  // ---- Many nodes (issue 16) ----
  // `relish serve`'s periodic work that is not a job: every kLearnEvery, the vault learns the
  // secrets other nodes sealed (Vault::Learn), so this node's log Redactor knows them. Stopped
  // by the destructor.
  static constexpr std::chrono::milliseconds kLearnEvery{1000};
  void StartNodeTasks();

 private:
  Runtime() = default;

  Config config_;
  std::string public_url_;
  std::unique_ptr<store::Store> store_;
  vault::MasterKeySource master_key_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<identity::OAuthServer> oauth_;
  std::unique_ptr<crm::UserDirectory> crm_users_;
  std::unique_ptr<crm::Crm> crm_;
  std::unique_ptr<outbound::HttpClient> sandbox_http_;
  std::unique_ptr<outbound::HttpClient> production_http_;
  std::unique_ptr<connections::Catalog> catalog_;
  std::unique_ptr<connections::Connections> connections_;
  std::unique_ptr<functions::PlatformRunner> runner_;
  std::unique_ptr<functions::RunHistory> run_history_;
  std::unique_ptr<workflow::Repository> workflow_;
  std::unique_ptr<workflow::JobQueue> jobs_;
  std::unique_ptr<workflow::RunLog> runs_;
  std::unique_ptr<workflow::Engine> engine_;
  std::unique_ptr<toppings::Toppings> toppings_;
  std::unique_ptr<webhooks::Webhooks> webhooks_;
  std::unique_ptr<webhooks::ProbeSchedule> probes_;
  std::mutex node_mu_;
  std::condition_variable node_cv_;
  bool node_stop_ = false;  // guarded by node_mu_
  std::thread node_thread_;
};

}  // namespace relish::app
