#include "app/app.h"

#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/bigin_api.h"
#include "api/connections_api.h"
#include "api/crm_admin_api.h"
#include "api/functions_api.h"
#include "api/identity_api.h"
#include "api/oauth_api.h"
#include "api/public_url.h"
#include "api/workflow_api.h"
#include "app/runtime.h"
#include "outbound/async_client.h"
#include "server/http_server.h"
#include "server/static_files.h"
#include "server/system_routes.h"

namespace relish::app {

class App::Impl {
 public:
  Config config;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<api::Auth> auth;
  std::unique_ptr<boost::asio::thread_pool> pool;  // blocking work of async handlers
  // The proxy's hot path: HTTP on the server's own threads (the Runtime's clients block).
  std::unique_ptr<outbound::AsyncHttpClient> sandbox_async;
  std::unique_ptr<outbound::AsyncHttpClient> production_async;
  api::PublicUrl public_url;
  server::Router router;
  server::Metrics metrics;
  std::unique_ptr<server::HttpServer> http;
};

namespace {

// Relish's own CRM service ("bigin") authorizes against this installation's OAuth server with
// one client shared by every organization. Its secret is only seen when the client is made (or
// its secret replaced), so it goes straight into the vault as the installation-wide client.
Result<void> EnsureOwnCrmClient(identity::OAuthServer& oauth, connections::Connections& conns,
                                connections::Catalog& catalog, const std::string& public_url) {
  auto service = TRY(catalog.Get("bigin"));
  auto ensured = TRY(oauth.EnsureSystemClient("Relish connections", public_url + "/oauth/callback",
                                              service->oauth2->scopes));
  if (ensured.client_secret) {
    return conns.SetClient(connections::kAnyOrg, "bigin", ensured.client_id,
                           *ensured.client_secret);
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

  // Bind first: with port 0 the port, and so the public URL that redirect URIs and the OAuth
  // issuer are built from, is only known once bound. Nothing is served before Serve().
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

  impl->runtime = TRY(Runtime::Open(config, {.public_url = public_url, .first_start = true}));
  Runtime& rt = *impl->runtime;
  impl->auth = std::make_unique<api::Auth>(rt.identity());
  TRY(EnsureOwnCrmClient(rt.oauth(), rt.connections(), rt.catalog(), public_url));
  impl->pool = std::make_unique<boost::asio::thread_pool>(32);
  outbound::EgressOptions egress{.allow_loopback = config.egress_allow_loopback,
                                 .allow_private = config.egress_allow_private};
  outbound::EgressOptions sandbox_egress = egress;
  sandbox_egress.remap = TRY(outbound::ParseRemap(config.sandbox_remap));
  impl->sandbox_async =
      std::make_unique<outbound::AsyncHttpClient>(impl->http->io_context(), sandbox_egress);
  impl->production_async =
      std::make_unique<outbound::AsyncHttpClient>(impl->http->io_context(), egress);

  bool secure = public_url.starts_with("https://");
  server::AddSystemRoutes(impl->router, impl->metrics);
  api::AddIdentityRoutes(impl->router, *impl->auth, {.secure_cookies = secure});
  api::AddOAuthRoutes(impl->router, *impl->auth, rt.oauth(), impl->public_url);
  api::AddLoginAndConsentPages(impl->router, *impl->auth, rt.oauth(), impl->public_url,
                               SystemRandom(), {.secure_cookies = secure});
  api::AddCrmAdminRoutes(impl->router, *impl->auth, rt.crm());
  api::AddBiginRoutes(impl->router, {rt.crm(), rt.identity(), rt.oauth()});
  api::AddConnectionsRoutes(impl->router, {*impl->auth, rt.catalog(), rt.connections(), rt.vault(),
                                           rt.master_key(), rt.production_http(), *impl->pool,
                             *impl->sandbox_async, *impl->production_async});
  api::AddFunctionsRoutes(impl->router, {*impl->auth, rt.runner(), *impl->pool});
  api::AddWorkflowRoutes(impl->router,
                         {*impl->auth, rt.workflow(), rt.runs(), rt.jobs(), rt.toppings()});
  impl->router.SetFallback(server::ServeStatic);
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Result<void> App::Serve(bool handle_signals, const std::function<void(uint16_t)>& on_listening) {
  if (on_listening) on_listening(impl_->http->port());
  impl_->runtime->engine().Start();
  impl_->http->Run(handle_signals);
  impl_->runtime->engine().Stop();
  impl_->pool->join();
  impl_->runtime->Flush();
  spdlog::info("server stopped");
  return Ok();
}

void App::Stop() { impl_->http->Stop(); }

}  // namespace relish::app
