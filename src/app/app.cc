#include "app/app.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "api/auth.h"
#include "api/bigin_api.h"
#include "api/crm_admin_api.h"
#include "api/identity_api.h"
#include "api/oauth_api.h"
#include "api/public_url.h"
#include "crm/crm.h"
#include "identity/identity.h"
#include "identity/oauth_server.h"
#include "server/http_server.h"
#include "server/static_files.h"
#include "server/system_routes.h"
#include "store/sqlite/sqlite_store.h"

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

class App::Impl {
 public:
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<identity::Identity> identity;
  std::unique_ptr<api::Auth> auth;
  std::unique_ptr<identity::OAuthServer> oauth;
  std::unique_ptr<IdentityUsers> crm_users;
  std::unique_ptr<crm::Crm> crm;
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
  for (auto& m : identity::Identity::Migrations()) all.push_back(std::move(m));
  for (auto& m : identity::OAuthServer::Migrations()) all.push_back(std::move(m));  // after users
  for (auto& m : crm::Crm::Migrations()) all.push_back(std::move(m));
  return all;
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
  impl->oauth = std::make_unique<identity::OAuthServer>(
      *impl->store, SystemClock(), SystemRandom(),
      identity::OAuthOptions{.code_ttl_ms = config.oauth_code_ttl.count()});
  impl->crm_users = std::make_unique<IdentityUsers>(*impl->identity);
  impl->crm = std::make_unique<crm::Crm>(*impl->store, SystemClock(), SystemRandom(),
                                         *impl->crm_users);
  // Modules that react to record changes register here: impl->crm->AddListener(...).
  // Relish's own OAuth client for its connections: once the public URL is known (Serve), call
  // impl->oauth->EnsureSystemClient("Relish connections", public_url + "/oauth/callback",
  // scopes); it returns the secret only when it creates the client, for the vault to keep.
  if (!config.public_url.empty()) impl->public_url.Set(config.PublicUrl());

  bool secure = config.PublicUrl().starts_with("https://");
  server::AddSystemRoutes(impl->router, impl->metrics);
  api::AddIdentityRoutes(impl->router, *impl->auth, {.secure_cookies = secure});
  api::AddOAuthRoutes(impl->router, *impl->auth, *impl->oauth, impl->public_url);
  api::AddLoginAndConsentPages(impl->router, *impl->auth, *impl->oauth, impl->public_url,
                               SystemRandom(),
                               {.secure_cookies = secure});
  api::AddCrmAdminRoutes(impl->router, *impl->auth, *impl->crm);
  api::AddBiginRoutes(impl->router, {*impl->crm, *impl->identity, *impl->oauth});
  impl->router.SetFallback(server::ServeStatic);

  auto [host, port] = TRY(ParseHostPort(config.listen));
  server::ServerOptions options;
  options.host = host;
  options.port = port;
  options.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  options.header_timeout = config.header_timeout;
  options.idle_timeout = config.idle_timeout;
  options.threads = config.threads;
  impl->http = std::make_unique<server::HttpServer>(options, impl->router, impl->metrics);
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Result<void> App::Serve(bool handle_signals, const std::function<void(uint16_t)>& on_listening) {
  TRY(impl_->http->Listen());
  if (impl_->config.public_url.empty()) {
    // Listening on port 0 picks the port only now.
    auto [host, unused] = TRY(ParseHostPort(impl_->config.listen));
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    impl_->public_url.Set("http://" + host + ":" + std::to_string(impl_->http->port()));
  }
  if (on_listening) on_listening(impl_->http->port());
  impl_->http->Run(handle_signals);
  spdlog::info("server stopped");
  return Ok();
}

void App::Stop() { impl_->http->Stop(); }

}  // namespace relish::app
