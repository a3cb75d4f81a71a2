#include "server/system_routes.h"

#include "server/json.h"

namespace relish::server {

void AddSystemRoutes(Router& router, const Metrics& metrics) {
  router.Add("GET", "/healthz", [](Request&) { return JsonResponse(200, {{"status", "ok"}}); });
  router.Add("GET", "/metrics", [&metrics](Request&) {
    return Response::Text(200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace relish::server
