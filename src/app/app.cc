#include "app/app.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "api/auth.h"
#include "api/bigin_api.h"
#include "api/connections_api.h"
#include "api/crm_admin_api.h"
#include "api/identity_api.h"
#include "api/oauth_api.h"
#include "api/public_url.h"
#include "api/workflow_api.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "crm/crm.h"
#include "identity/identity.h"
#include "identity/oauth_server.h"
#include "outbound/async_client.h"
#include "outbound/curl_client.h"
#include "server/http_server.h"
#include "server/static_files.h"
#include "server/system_routes.h"
#include "store/sqlite/sqlite_store.h"
#include "toppings/toppings.h"
#include "vault/vault.h"
#include "workflow/engine.h"

namespace relish::app {

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

// FIXME: until the functions branch's PlatformRunner is wired here, functions cannot run;
// their runs are recorded as failed with this message.
class NoRunner final : public functions::FunctionRunner {
 public:
  Result<functions::RunResult> Run(const functions::RunRequest&) override {
    return FailedPrecondition("this build has no function runner");
  }
};

class App::Impl {
 public:
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<vault::Vault> vault;
  vault::MasterKeySource master_key;
  std::unique_ptr<identity::Identity> identity;
  std::unique_ptr<api::Auth> auth;
  std::unique_ptr<outbound::HttpClient> sandbox_http;
  std::unique_ptr<outbound::HttpClient> production_http;
  std::unique_ptr<connections::Catalog> catalog;
  std::unique_ptr<connections::Connections> connections;
  std::unique_ptr<boost::asio::thread_pool> pool;  // blocking work of async handlers
  std::unique_ptr<outbound::AsyncHttpClient> sandbox_async;
  std::unique_ptr<outbound::AsyncHttpClient> production_async;
  std::unique_ptr<identity::OAuthServer> oauth;
  std::unique_ptr<IdentityUsers> crm_users;
  std::unique_ptr<crm::Crm> crm;
  // Workflow: declared after what it uses, so it stops and goes first.
  std::unique_ptr<functions::FunctionRunner> runner;
  std::unique_ptr<workflow::Repository> workflow_repo;
  std::unique_ptr<workflow::JobQueue> jobs;
  std::unique_ptr<workflow::RunLog> runs;
  std::unique_ptr<workflow::Engine> engine;
  std::unique_ptr<toppings::Toppings> toppings;
  api::PublicUrl public_url;
  server::Router router;
  server::Metrics metrics;
  std::unique_ptr<server::HttpServer> http;
};

namespace {

Result<void> EnsureDataDir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Ok();
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create data directory " + dir + ": " + ec.message());
  // The directory will hold the master key and the database: owner only.
  ::chmod(dir.c_str(), 0700);
  return Ok();
}

// Writes `text` to a new file readable by the owner only.
Result<void> WritePrivateFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot write " + path);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return Unavailable("cannot write " + path);
  return Ok();
}

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all;
  for (auto list : {vault::Vault::Migrations(), identity::Identity::Migrations(),
                    identity::OAuthServer::Migrations(), crm::Crm::Migrations(),
                    connections::Catalog::Migrations(), connections::Connections::Migrations(),
                    workflow::Engine::Migrations(), toppings::Toppings::Migrations()}) {
    for (auto& m : list) all.push_back(std::move(m));
  }
  return all;
}

// Relish's own CRM service ("bigin") authorizes against this installation's OAuth server with
// one client shared by every organization. Its secret is only seen when the client is made (or
// its secret replaced), so it goes straight into the vault as the installation-wide client.
Result<void> EnsureOwnCrmClient(identity::OAuthServer& oauth, connections::Connections& conns,
                                connections::Catalog& catalog, const std::string& public_url) {
  auto service = TRY(catalog.Get("bigin"));
  auto ensured = TRY(oauth.EnsureSystemClient("Relish connections", public_url + "/oauth/callback",
                                              service->oauth2->scopes));
  if (ensured.client_secret) {
    return conns.SetClient(connections::kAnyOrg, "bigin", ensured.client_id, *ensured.client_secret);
  }
  if (TRY(conns.HasClient(connections::kAnyOrg, "bigin"))) return Ok();
  // The client exists but its secret is not in this vault (a restored database): replace it.
  std::string secret = TRY(oauth.RotateClientSecret(ensured.client_id));
  return conns.SetClient(connections::kAnyOrg, "bigin", ensured.client_id, secret);
}

}  // namespace

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
App::~App() = default;

Result<std::unique_ptr<App>> App::Open(const Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  TRY(EnsureDataDir(config.data_dir));
  impl->store = TRY(store::OpenSqlite({.path = config.data_dir + "/relish.db"}));
  TRY(impl->store->Migrate(AllMigrations()));

  impl->identity =
      std::make_unique<identity::Identity>(*impl->store, SystemClock(), SystemRandom());
  std::optional<std::string> password;
  if (!config.admin_password.empty()) password = config.admin_password;
  auto first = TRY(impl->identity->Bootstrap(config.admin_email, password));
  if (first && !password) {
    std::string path = config.data_dir + "/initial-admin-password";
    TRY(WritePrivateFile(path, first->second + "\n"));
    spdlog::warn("created the first administrator {}; the password is in {}",
                 first->first.email, path);
  } else if (first) {
    spdlog::info("created the first administrator {}", first->first.email);
  }
  impl->auth = std::make_unique<api::Auth>(*impl->identity);

  // Bind now: with port 0 the port, and so the public URL that redirect URIs and the OAuth
  // issuer are built from, is only known once bound.
  auto [host, port] = TRY(ParseHostPort(config.listen));
  server::ServerOptions options;
  options.host = host;
  options.port = port;
  options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  options.header_timeout = config.header_timeout;
  options.idle_timeout = config.idle_timeout;
  options.threads = config.threads;
  impl->http = std::make_unique<server::HttpServer>(options, impl->router, impl->metrics);
  TRY(impl->http->Listen());
  std::string public_url = config.public_url;
  if (public_url.empty()) {
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    public_url = "http://" + shown + ":" + std::to_string(impl->http->port());
  } else {
    public_url = config.PublicUrl();
  }
  impl->public_url.Set(public_url);

  impl->oauth = std::make_unique<identity::OAuthServer>(
      *impl->store, SystemClock(), SystemRandom(),
      identity::OAuthOptions{.code_ttl_ms = config.oauth_code_ttl.count()});
  impl->crm_users = std::make_unique<IdentityUsers>(*impl->identity);
  impl->crm = std::make_unique<crm::Crm>(*impl->store, SystemClock(), SystemRandom(),
                                         *impl->crm_users);

  // The master key comes from the environment (never from a config file that `relish config`
  // would print) or from DATA/master.key.
  const char* env_key = std::getenv("RELISH_MASTER_KEY");
  impl->master_key = {config.data_dir + "/master.key", env_key ? env_key : ""};
  impl->vault = TRY(vault::OpenVault(*impl->store, impl->master_key, SystemClock(), SystemRandom()));

  outbound::EgressOptions egress{.allow_loopback = config.egress_allow_loopback,
                                 .allow_private = config.egress_allow_private};
  impl->production_http = outbound::NewCurlClient({.egress = egress});
  outbound::EgressOptions sandbox_egress = egress;
  sandbox_egress.remap = TRY(outbound::ParseRemap(config.sandbox_remap));
  impl->sandbox_http = outbound::NewCurlClient({.egress = sandbox_egress});
  impl->catalog = std::make_unique<connections::Catalog>(*impl->store, SystemClock());
  TRY(impl->catalog->LoadDefaults());
  impl->connections = std::make_unique<connections::Connections>(
      *impl->store, *impl->vault, *impl->catalog, *impl->sandbox_http, *impl->production_http,
      SystemClock(), SystemRandom(),
      connections::ConnectionsOptions{.public_url = public_url,
                                      .sandbox_remap = sandbox_egress.remap,
                                      .refresh_margin = config.refresh_margin,
                                      .state_ttl = config.authorization_timeout});
  TRY(EnsureOwnCrmClient(*impl->oauth, *impl->connections, *impl->catalog, public_url));
  impl->pool = std::make_unique<boost::asio::thread_pool>(32);
  impl->sandbox_async = std::make_unique<outbound::AsyncHttpClient>(impl->http->io_context(), sandbox_egress);
  impl->production_async = std::make_unique<outbound::AsyncHttpClient>(impl->http->io_context(), egress);

  impl->runner = std::make_unique<NoRunner>();
  impl->workflow_repo = std::make_unique<workflow::Repository>(*impl->store, *impl->crm,
                                                               SystemClock(), SystemRandom());
  impl->jobs = std::make_unique<workflow::JobQueue>(
      *impl->store, SystemClock(), SystemRandom(),
      workflow::QueueOptions{.lease_ms = config.workflow_lease.count()});
  impl->runs = std::make_unique<workflow::RunLog>(*impl->store);
  impl->engine = std::make_unique<workflow::Engine>(
      workflow::EngineDeps{*impl->store, *impl->crm, *impl->workflow_repo, *impl->jobs, *impl->runs,
                           *impl->runner, impl->connections.get(), *impl->sandbox_http,
                           *impl->production_http, SystemClock(), SystemRandom()},
      workflow::EngineOptions{.workers = config.workflow_workers,
                              .retention_ms = config.workflow_run_retention.count()});
  impl->crm->AddListener(*impl->engine);
  impl->toppings = std::make_unique<toppings::Toppings>(*impl->store, *impl->crm, *impl->workflow_repo,
                                                        *impl->catalog, *impl->connections,
                                                        SystemClock());

  bool secure = public_url.starts_with("https://");
  server::AddSystemRoutes(impl->router, impl->metrics);
  api::AddIdentityRoutes(impl->router, *impl->auth, {.secure_cookies = secure});
  api::AddOAuthRoutes(impl->router, *impl->auth, *impl->oauth, impl->public_url);
  api::AddLoginAndConsentPages(impl->router, *impl->auth, *impl->oauth, impl->public_url,
                               SystemRandom(), {.secure_cookies = secure});
  api::AddCrmAdminRoutes(impl->router, *impl->auth, *impl->crm);
  api::AddBiginRoutes(impl->router, {*impl->crm, *impl->identity, *impl->oauth});
  api::AddConnectionsRoutes(impl->router,
                            {*impl->auth, *impl->catalog, *impl->connections, *impl->vault,
                             impl->master_key, *impl->production_http, *impl->pool,
                             *impl->sandbox_async, *impl->production_async});
  api::AddWorkflowRoutes(impl->router, {*impl->auth, *impl->workflow_repo, *impl->runs, *impl->jobs,
                                        *impl->toppings});
  impl->router.SetFallback(server::ServeStatic);
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Result<void> App::Serve(bool handle_signals, const std::function<void(uint16_t)>& on_listening) {
  if (on_listening) on_listening(impl_->http->port());
  impl_->engine->Start();
  impl_->http->Run(handle_signals);
  impl_->engine->Stop();
  impl_->pool->join();
  impl_->connections->FlushAudit();
  spdlog::info("server stopped");
  return Ok();
}

void App::Stop() { impl_->http->Stop(); }

}  // namespace relish::app
