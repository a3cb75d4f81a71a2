// The real HttpClient, on libcurl. Each thread reuses its own curl handle (and so its
// connections); the client itself is stateless apart from its policy and is thread-safe.
//
// libcurl is told the checked address (CURLOPT_CONNECT_TO) and is never left to find a proxy in
// the environment: without EgressOptions::proxy it connects directly, and with it every request
// is a CONNECT tunnel through that proxy to the checked address.
#pragma once

#include <memory>
#include <string>

#include "outbound/egress.h"
#include "outbound/http_client.h"

namespace relish::outbound {

struct CurlClientOptions {
  EgressOptions egress;
  Resolver* resolver = nullptr;  // nullptr: SystemResolver()
  std::string user_agent = "Relish/0.1";
};

std::unique_ptr<HttpClient> NewCurlClient(CurlClientOptions options);

}  // namespace relish::outbound
