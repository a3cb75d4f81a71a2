// REST endpoints for services, connections, the OAuth callback, the credentialed proxy and key
// rotation. Handlers that call other servers run on the blocking pool, never on the I/O threads.
#pragma once

#include "api/routes.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "identity/identity.h"
#include "outbound/async_client.h"
#include "vault/vault.h"

namespace relish::api {

struct ConnectionsApiDeps {
  connections::Catalog& catalog;
  connections::Connections& connections;
  identity::Identity& identity;  // names and emails of the users of per-user authorizations
  vault::Vault& vault;
  vault::MasterKeySource master_key;  // for rotation
  outbound::HttpClient& discovery_http;
  // The proxy's fast path: requests whose credentials are ready go out on the server's own
  // threads (sandbox client applies the host remap).
  outbound::AsyncHttpClient& sandbox_async;
  outbound::AsyncHttpClient& production_async;
  bool secure_cookies = false;  // the public URL is https (the callback's confirmation cookie)
};

void AddConnectionsRoutes(Routes& routes, ConnectionsApiDeps deps);

}  // namespace relish::api
