// GET /healthz and GET /metrics (public, or behind a bearer token when `metrics_token` is set:
// the counters name every route and show its traffic).
#pragma once

#include <string>

#include "server/metrics.h"
#include "server/router.h"

namespace relish::server {

void AddSystemRoutes(Router& router, const Metrics& metrics, std::string metrics_token = "");

}  // namespace relish::server
