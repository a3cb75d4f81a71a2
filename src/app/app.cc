#include "app/app.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "api/auth.h"
#include "api/identity_api.h"
#include "identity/identity.h"
#include "server/http_server.h"
#include "server/static_files.h"
#include "server/system_routes.h"
#include "store/sqlite/sqlite_store.h"

namespace relish::app {

class App::Impl {
 public:
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<identity::Identity> identity;
  std::unique_ptr<api::Auth> auth;
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

  server::AddSystemRoutes(impl->router, impl->metrics);
  api::AddIdentityRoutes(impl->router, *impl->auth,
                         {.secure_cookies = config.PublicUrl().starts_with("https://")});
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
  if (on_listening) on_listening(impl_->http->port());
  impl_->http->Run(handle_signals);
  spdlog::info("server stopped");
  return Ok();
}

void App::Stop() { impl_->http->Stop(); }

}  // namespace relish::app
