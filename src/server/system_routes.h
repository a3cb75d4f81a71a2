// GET /healthz and GET /metrics.
#pragma once

#include "server/metrics.h"
#include "server/router.h"

namespace relish::server {

void AddSystemRoutes(Router& router, const Metrics& metrics);

}  // namespace relish::server
