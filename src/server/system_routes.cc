#include "server/system_routes.h"

#include "base/encoding.h"
#include "server/json.h"

namespace relish::server {

void AddSystemRoutes(Router& router, const Metrics& metrics, std::string metrics_token) {
  // --- API contract (server/route_doc.h)
  router.Document({
      Doc("GET", "/healthz", "Liveness: the server answers").Returns(R"({"status":"'ok'"})"),
      Doc("GET", "/metrics", "Prometheus metrics (text exposition format)")
          .Security("none metricsToken")
          .Returns("string")
          .Media("text/plain")
          .Errors("unauthenticated"),
  });
  router.Add("GET", "/healthz", Access::kPublic, [](Request&) { return JsonResponse(200, {{"status", "ok"}}); });
  // Public as a route: with a token configured, the handler checks it itself (a scraper's token
  // is not a user's, so it is no Access of its own).
  router.Add("GET", "/metrics", Access::kPublic, [&metrics, token = std::move(metrics_token)](Request& req) {
    if (!token.empty()) {
      auto sent = req.Header("Authorization");
      std::string_view value = sent.value_or("");
      bool ok = value.starts_with("Bearer ") && SameSecret(value.substr(7), token);
      if (!ok) {
        return ErrorResponse(Unauthenticated(
            "/metrics needs 'Authorization: Bearer <metrics_token>' (the metrics_token setting)"));
      }
    }
    return Response::Text(200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace relish::server
