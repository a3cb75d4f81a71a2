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
#include "api/routes.h"
#include "api/signin.h"
#include "api/webhooks_api.h"
#include "api/workflow_api.h"
#include "app/runtime.h"
#include "outbound/async_client.h"
#include "server/http_server.h"
#include "server/openapi.h"
#include "server/static_files.h"
#include "server/system_routes.h"

namespace relish::app {

class App::Impl {
 public:
  // The async clients' pooled keep-alive sockets belong to the server's io_contexts: they must go
  // before the server does (members are destroyed in reverse order, which had the server first).
  ~Impl() {
    sandbox_async.reset();
    production_async.reset();
  }

  Config config;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<api::Auth> auth;
  std::unique_ptr<boost::asio::thread_pool> pool;  // blocking work of async handlers
  // Sign-in: passwords are hashed on their own small pool, and failures throttled.
  std::unique_ptr<api::PasswordPool> password_pool;
  std::unique_ptr<api::SignInThrottle> signin_throttle;
  std::unique_ptr<api::SignIn> signin;
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
  auto service = TRY(catalog.Default("bigin"));
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
  impl->auth = std::make_unique<api::Auth>(rt.identity(), impl->public_url);
  TRY(EnsureOwnCrmClient(rt.oauth(), rt.connections(), rt.catalog(), public_url));
  impl->pool = std::make_unique<boost::asio::thread_pool>(32);
  impl->password_pool = std::make_unique<api::PasswordPool>();
  impl->signin_throttle = std::make_unique<api::SignInThrottle>(SystemClock());
  impl->signin =
      std::make_unique<api::SignIn>(rt.identity(), *impl->signin_throttle, *impl->password_pool);
  // With outbound_proxy set, the async clients send through the blocking client and the proxy.
  outbound::EgressOptions egress{.allow_loopback = config.egress_allow_loopback,
                                 .allow_private = config.egress_allow_private,
                                 .proxy = config.outbound_proxy};
  outbound::EgressOptions sandbox_egress = egress;
  sandbox_egress.remap = TRY(outbound::ParseRemap(config.sandbox_remap));
  impl->sandbox_async =
      std::make_unique<outbound::AsyncHttpClient>(impl->http->io_context(), sandbox_egress);
  outbound::EgressOptions production_egress = egress;
  production_egress.remap = TRY(outbound::ParseRemap(config.production_remap));  // off by default
  impl->production_async =
      std::make_unique<outbound::AsyncHttpClient>(impl->http->io_context(), production_egress);

  bool secure = public_url.starts_with("https://");
  server::AddSystemRoutes(impl->router, impl->metrics, config.metrics_token);
  // The audit queue's back-pressure (audit_queue_limit, docs/connections.md#audit).
  connections::Connections& conns = rt.connections();
  impl->metrics.AddValue("relish_audit_queue_unwritten",
                         "Connections audit entries queued and not yet written.", "gauge",
                         [&conns] { return conns.AuditQueue().unwritten; });
  impl->metrics.AddValue("relish_audit_queue_waits_total",
                         "Credentialed calls that waited for room in the full audit queue.",
                         "counter", [&conns] { return conns.AuditQueue().waits; });
  api::Routes routes(impl->router, *impl->auth, *impl->pool);
  api::AddIdentityRoutes(routes, *impl->signin, {.secure_cookies = secure});
  api::AddOAuthRoutes(routes, rt.oauth(), impl->public_url);
  api::AddLoginAndConsentPages(routes, rt.oauth(), impl->public_url, SystemRandom(), *impl->signin,
                               {.secure_cookies = secure});
  api::AddCrmAdminRoutes(routes, rt.crm());
  api::AddBiginRoutes(impl->router, {rt.crm(), rt.identity(), rt.oauth()});
  // Before the connections' routes: /api/v1/connections/events is not a link name.
  api::AddWebhooksRoutes(routes, {rt.connections(), rt.webhooks()});
  api::AddConnectionsRoutes(routes, {rt.catalog(), rt.connections(), rt.identity(), rt.vault(), rt.master_key(),
                                     rt.production_http(), *impl->sandbox_async,
                                     *impl->production_async, secure});
  api::AddFunctionsRoutes(routes,
                          {rt.runner(), rt.connections(), rt.workflow(), rt.run_history()});
  api::AddWorkflowRoutes(routes, {rt.workflow(), rt.runs(), rt.jobs(), rt.toppings(), rt.engine()});
  // Last: the API document is made from every route registered above.
  server::AddOpenApiRoute(impl->router);
  impl->router.SetFallback(server::ServeStatic);
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Result<void> App::Serve(bool handle_signals, const std::function<void(uint16_t)>& on_listening) {
  if (on_listening) on_listening(impl_->http->port());
  // Issue 18: a sweep of the health probes is queued (it stays queued across restarts).
  if (auto scheduled = impl_->runtime->probes().EnsureScheduled(); !scheduled.ok()) {
    spdlog::warn("health probes: cannot schedule the sweep: {}", scheduled.error().message());
  }
  impl_->runtime->engine().Start();
  impl_->runtime->StartNodeTasks();
  impl_->http->Run(handle_signals);
  impl_->runtime->engine().Stop();
  impl_->pool->join();
  impl_->password_pool->Join();
  impl_->runtime->Flush();
  spdlog::info("server stopped");
  return Ok();
}

void App::Stop() { impl_->http->Stop(); }

std::vector<server::RouteInfo> App::Routes() const { return impl_->router.Routes(); }

}  // namespace relish::app
