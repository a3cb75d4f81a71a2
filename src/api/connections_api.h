// REST endpoints for services, connections, the OAuth callback, the credentialed proxy and key
// rotation. Handlers that call other servers run on `pool`, never on the I/O threads.
#pragma once

#include "api/auth.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "outbound/async_client.h"
#include "server/router.h"
#include "vault/vault.h"

namespace relish::api {

struct ConnectionsApiDeps {
  const Auth& auth;
  connections::Catalog& catalog;
  connections::Connections& connections;
  vault::Vault& vault;
  vault::MasterKeySource master_key;  // for rotation
  outbound::HttpClient& discovery_http;
  boost::asio::thread_pool& pool;
  // The proxy's fast path: requests whose credentials are ready go out on the server's own
  // threads (sandbox client applies the host remap).
  outbound::AsyncHttpClient& sandbox_async;
  outbound::AsyncHttpClient& production_async;
};

void AddConnectionsRoutes(server::Router& router, ConnectionsApiDeps deps);

}  // namespace relish::api
