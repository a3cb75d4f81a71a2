// REST endpoints for connection events (issue 18) and the organization's webhook endpoints and
// their delivery log. Registered before the connections' routes: /api/v1/connections/events
// must win over /api/v1/connections/{link}.
#pragma once

#include "api/routes.h"
#include "server/json.h"
#include "connections/connections.h"
#include "webhooks/webhooks.h"

namespace relish::api {

struct WebhooksApiDeps {
  connections::Connections& connections;
  webhooks::Webhooks& webhooks;
};

void AddWebhooksRoutes(Routes& routes, WebhooksApiDeps deps);

// A connection's health: its latest probe's outcome, {"ok", "at", "message"}, or null when it
// was never probed (or its last failure has not been followed by a success or another failure).
server::Json ConnectionHealth(connections::Connections& connections,
                              const connections::Connection& c);

}  // namespace relish::api
