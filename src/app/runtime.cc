#include "app/runtime.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "app/data_dir.h"
#include "app/migrations.h"
#include "base/barrier.h"
#include "outbound/curl_client.h"
#include "outbound/egress.h"
#include "outbound/url.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace relish::app {
namespace {

// "Name (email)", or the email alone for a user without a name: how messages name a user.
std::function<std::string(std::string_view)> DescribeUser(identity::Identity& identity) {
  return [&identity](std::string_view user_id) -> std::string {
    auto user = identity.GetUser(user_id);
    if (!user.ok()) return "";
    return user->name.empty() ? user->email : user->name + " (" + user->email + ")";
  };
}

// The CRM's owners and actors are the organization's members, as identity knows them.
class IdentityUsers final : public crm::UserDirectory {
 public:
  explicit IdentityUsers(identity::Identity& identity) : identity_(identity) {}
  Result<crm::Actor> FindMember(std::string_view org_id, std::string_view user_id) override {
    auto user = identity_.GetUser(user_id);
    if (!user.ok()) return user.error();
    if (!TRY(identity_.IsMember(org_id, user_id))) return NotFound("not a member");
    return crm::Actor{user->id, user->name, user->email};
  }

 private:
  identity::Identity& identity_;
};

// DATA/initial-admin-password holds the first administrator's generated password until it is
// changed; after that the file opens nothing and only tells a reader what the password was, so it
// goes. Checked when the server starts (another process, or an older Relish, may have changed
// the password) and after the first user's password changes in this process: `changed_user`,
// when given, is whose changed, and checking costs a password hash, so no one else's counts.
void ForgetChangedInitialPassword(identity::Identity& identity, const std::string& data_dir,
                                  std::string_view changed_user = {}) {
  std::string path = data_dir + "/" + std::string(kInitialPasswordFile);
  std::ifstream in(path);
  if (!in) return;
  std::string password;
  std::getline(in, password);
  in.close();
  // The file belongs to the first user, whom Bootstrap made with it.
  auto users = identity.ListUsers();
  if (!users.ok()) {
    spdlog::warn("cannot check whether {} is still the password: {}", path,
                 users.error().message());
    return;
  }
  const identity::User* first = nullptr;
  for (const auto& u : *users) {
    if (first == nullptr || u.created_at < first->created_at ||
        (u.created_at == first->created_at && u.id < first->id)) {
      first = &u;
    }
  }
  if (first == nullptr || (!changed_user.empty() && changed_user != first->id)) return;
  auto still = identity.CheckPassword(first->email, password);
  if (still.ok()) return;
  if (still.error().code() != ErrorCode::kUnauthenticated) {
    spdlog::warn("cannot check whether {} is still the password: {}", path,
                 still.error().message());
    return;
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) {
    spdlog::warn("cannot remove {}, whose password has been changed: {}", path, ec.message());
  } else {
    spdlog::info("removed {}: the first administrator's password has been changed", path);
  }
}

}  // namespace

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all;
  // The vault's first: connections' and webhooks' sealed-column numbering uses its counter.
  for (auto list : {vault::Vault::Migrations(), identity::Identity::Migrations(),
                    identity::OAuthServer::Migrations(), crm::Crm::Migrations(),
                    // The catalog's second migration reads identity's and connections' tables.
                    connections::Connections::Migrations(), connections::Catalog::Migrations(),
                    workflow::Engine::Migrations(), toppings::Toppings::Migrations(),
                    functions::RunHistory::Migrations(), webhooks::Webhooks::Migrations()}) {
    for (auto& m : list) all.push_back(std::move(m));
  }
  return all;
}

namespace {

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

// Issue 17: standalone.name(...) from a run finds the function in the run's topping first, else
// the only function of that name in the environment (any topping). Looked up when called: the
// repository is made after the runner, and a function saved a moment ago is found.
std::function<Result<std::string>(const connections::CallContext&, std::string_view)>
FunctionSource(Runtime& rt) {
  return [&rt](const connections::CallContext& call,
               std::string_view name) -> Result<std::string> {
    crm::Space space{call.org_id, call.environment};
    if (!call.topping.empty()) {
      auto fn = rt.workflow().GetFunction(space, call.topping, name);
      if (fn.ok()) return fn->source;
      if (fn.error().code() != ErrorCode::kNotFound) return fn.error();
    }
    std::string lower = ToLowerAscii(name);
    const workflow::Function* found = nullptr;
    auto all = TRY(rt.workflow().ListFunctions(space, std::nullopt));
    for (const auto& f : all) {
      if (ToLowerAscii(f.name) != lower) continue;
      if (found != nullptr) {
        return FailedPrecondition("toppings '" + found->topping + "' and '" + f.topping +
                                  "' both have a function '" + std::string(name) + "'");
      }
      found = &f;
    }
    if (found == nullptr) return NotFound("no function '" + std::string(name) + "'");
    return found->source;
  };
}

}  // namespace

namespace {
// Vault::Learn through the barrier: on the node thread a throw would end the process (every
// tenant's work with it).
void LearnSecrets(vault::Vault& vault) {
  auto learned = CatchAll("learning the sealed secrets", [&] { return vault.Learn(); });
  if (!learned.ok()) {
    spdlog::warn("vault: learning the sealed secrets failed: {}", learned.error().message());
  }
}
}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::Open(const Config& config, RuntimeOptions options) {
  std::unique_ptr<Runtime> rt(new Runtime());
  const Clock& clock = options.clock ? *options.clock : SystemClock();
  rt->config_ = config;
  rt->public_url_ = options.public_url;
  const std::string db_path = config.data_dir + "/" + std::string(kDatabaseFile);
  // With PostgreSQL the data directory still holds the master key; the database is elsewhere.
  const bool postgres = !config.database_url.empty();
  if (!options.first_start && !HasDatabase(config)) {
    return NotFound("no Relish data in " + config.data_dir + " (relish serve creates it)");
  }
  DataDirFixes fixes = TRY(PrepareDataDir(config.data_dir, options.first_start, !postgres));
  if (!fixes.changed.empty()) spdlog::warn("{}", DescribeFixes(fixes));
  if (postgres) {
    rt->store_ = TRY(store::OpenPostgres(
        {.url = config.database_url, .pool_size = config.database_pool_size}));
  } else {
    rt->store_ = TRY(store::OpenSqlite({.path = db_path}));
  }
  TRY(rt->store_->Migrate(AllMigrations()));

  identity::IdentityOptions identity_options;
  Runtime* self = rt.get();  // owns the Identity, so outlives the hook
  identity_options.on_password_changed = [self](std::string_view user_id) {
    ForgetChangedInitialPassword(*self->identity_, self->config_.data_dir, user_id);
  };
  rt->identity_ = std::make_unique<identity::Identity>(*rt->store_, clock, SystemRandom(),
                                                       std::move(identity_options));
  bool wrote_initial_password = false;
  if (options.first_start) {
    std::optional<std::string> password;
    if (!config.admin_password.empty()) password = config.admin_password;
    auto first = TRY(rt->identity_->Bootstrap(config.admin_email, password));
    if (first && !password) {
      std::string path = config.data_dir + "/" + std::string(kInitialPasswordFile);
      TRY(WritePrivateFile(path, first->second + "\n"));
      wrote_initial_password = true;
      spdlog::warn("created the first administrator {}; the password is in {}", first->first.email,
                   path);
    } else if (first) {
      spdlog::info("created the first administrator {}", first->first.email);
    }
  }

  // At the server's start only: `relish run` opens the same directory and need not hash.
  if (options.first_start && !wrote_initial_password) {
    ForgetChangedInitialPassword(*rt->identity_, config.data_dir);
  }

  rt->oauth_ = std::make_unique<identity::OAuthServer>(
      *rt->store_, clock, SystemRandom(),
      identity::OAuthOptions{.code_ttl_ms = config.oauth_code_ttl.count()});
  rt->crm_users_ = std::make_unique<IdentityUsers>(*rt->identity_);
  rt->crm_ =
      std::make_unique<crm::Crm>(*rt->store_, clock, SystemRandom(), *rt->crm_users_);

  // The master key comes from the environment (never from a config file that `relish config`
  // would print) or from DATA/master.key.
  const char* env_key = std::getenv("RELISH_MASTER_KEY");
  rt->master_key_ = {config.data_dir + "/" + std::string(kMasterKeyFile), env_key ? env_key : ""};
  rt->vault_ = TRY(vault::OpenVault(*rt->store_, rt->master_key_, clock, SystemRandom()));

  if (!config.outbound_proxy.empty()) TRY(outbound::CheckProxyUrl(config.outbound_proxy));
  outbound::EgressOptions egress{.allow_loopback = config.egress_allow_loopback,
                                 .allow_private = config.egress_allow_private,
                                 .proxy = config.outbound_proxy};
  outbound::EgressOptions production_egress = egress;
  // Off unless the installation says so: production reaches the real hosts.
  production_egress.remap = TRY(outbound::ParseRemap(config.production_remap));
  rt->production_http_ = outbound::NewCurlClient({.egress = production_egress});
  outbound::EgressOptions sandbox_egress = egress;
  sandbox_egress.remap = TRY(outbound::ParseRemap(config.sandbox_remap));
  rt->sandbox_http_ = outbound::NewCurlClient({.egress = sandbox_egress});
  rt->catalog_ = std::make_unique<connections::Catalog>(*rt->store_, clock);
  TRY(rt->catalog_->LoadDefaults());
  rt->connections_ = std::make_unique<connections::Connections>(
      *rt->store_, *rt->vault_, *rt->catalog_, *rt->sandbox_http_, *rt->production_http_,
      clock, SystemRandom(),
      connections::ConnectionsOptions{.public_url = options.public_url,
                                      .sandbox_remap = sandbox_egress.remap,
                                      .production_remap = production_egress.remap,
                                      .refresh_margin = config.refresh_margin,
                                      .state_ttl = config.authorization_timeout,
                                      .audit_queue_limit =
                                          static_cast<size_t>(config.audit_queue_limit),
                                      .describe_user = DescribeUser(*rt->identity_)});
  rt->runner_ = std::make_unique<functions::PlatformRunner>(
      functions::PlatformServices{.sandbox_http = rt->sandbox_http_.get(),
                                  .production_http = rt->production_http_.get(),
                                  .connections = rt->connections_.get(),
                                  .crm = rt->crm_.get(),
                                  .identity = rt->identity_.get(),
                                  .clock = &clock,
                                  .function_source = FunctionSource(*rt)},
      std::move(options.runner));

  rt->run_history_ = std::make_unique<functions::RunHistory>(*rt->store_);
  rt->workflow_ = std::make_unique<workflow::Repository>(*rt->store_, *rt->crm_, clock,
                                                         SystemRandom());
  rt->jobs_ = std::make_unique<workflow::JobQueue>(
      *rt->store_, clock, SystemRandom(),
      workflow::QueueOptions{.lease_ms = config.workflow_lease.count()});
  rt->runs_ = std::make_unique<workflow::RunLog>(*rt->store_);
  rt->engine_ = std::make_unique<workflow::Engine>(
      workflow::EngineDeps{*rt->store_, *rt->crm_, *rt->workflow_, *rt->jobs_, *rt->runs_,
                           *rt->runner_, rt->connections_.get(), *rt->sandbox_http_,
                           *rt->production_http_, clock, SystemRandom()},
      workflow::EngineOptions{.workers = config.workflow_workers,
                              .retention_ms = config.workflow_run_retention.count()});
  rt->crm_->AddListener(*rt->engine_);
  // Webhook deliveries go out like any production call: the egress policy, no sandbox remap.
  rt->webhooks_ = std::make_unique<webhooks::Webhooks>(
      *rt->store_, *rt->vault_, *rt->jobs_, *rt->production_http_, clock, SystemRandom(),
      webhooks::WebhookOptions{.first_backoff_ms = config.webhook_backoff.count()});
  rt->webhooks_->Attach(*rt->connections_, *rt->engine_);
  // Scheduled health probes (issue 18) run on the engine's workers too.
  rt->probes_ = std::make_unique<webhooks::ProbeSchedule>(
      *rt->store_, *rt->jobs_, *rt->connections_, *rt->catalog_,
      [identity = rt->identity_.get()]() -> Result<std::vector<std::string>> {
        std::vector<std::string> ids;
        for (const auto& org : TRY(identity->ListOrgs())) ids.push_back(org.id);
        return ids;
      },
      clock, webhooks::ProbeOptions{.interval_ms = config.probe_interval.count()});
  rt->probes_->Attach(*rt->engine_);
  rt->toppings_ = std::make_unique<toppings::Toppings>(*rt->store_, *rt->crm_, *rt->workflow_,
                                                       *rt->catalog_, *rt->connections_,
                                                       clock);
  // Every module has registered its sealed columns: the secrets other processes sealed reach a
  // serving node's log Redactor before it serves anything (StartNodeTasks keeps it up to date).
  // A local command (`relish run`, `relish lsp`: not a first start) opens only what it uses,
  // and has no business holding every tenant's secrets.
  if (options.first_start) LearnSecrets(*rt->vault_);
  return rt;
}

Runtime::~Runtime() {
  // The engine's workers use the runner; the runner uses the connections and the CRM; the
  // connections flush their audit on the way out.
  {
    std::lock_guard lock(node_mu_);
    node_stop_ = true;
  }
  node_cv_.notify_all();
  if (node_thread_.joinable()) node_thread_.join();
  if (engine_) engine_->Stop();
  toppings_.reset();
  engine_.reset();
  runner_.reset();
  connections_.reset();
}

void Runtime::StartNodeTasks() {
  if (node_thread_.joinable()) return;
  node_thread_ = std::thread([this] {
    std::unique_lock lock(node_mu_);
    while (!node_cv_.wait_for(lock, kLearnEvery, [this] { return node_stop_; })) {
      lock.unlock();
      LearnSecrets(*vault_);
      lock.lock();
    }
  });
}

void Runtime::Flush() {
  if (connections_) connections_->FlushAudit();
}

}  // namespace relish::app
