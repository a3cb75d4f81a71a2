// REST endpoints for services, connections, the OAuth callback, the credentialed proxy and key
// rotation. Handlers that call other servers run on `pool`, never on the I/O threads.
#pragma once

#include "api/auth.h"
#include "connections/catalog.h"
#include "connections/connections.h"
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
};

void AddConnectionsRoutes(server::Router& router, ConnectionsApiDeps deps);

}  // namespace relish::api
