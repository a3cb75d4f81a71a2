// AsyncHttpClient: outbound HTTP on an Asio executor, for the credentialed proxy's hot path,
// where a thread hop and a blocking curl call per request would cost more than the request.
// Connections are kept alive and reused per target (scheme, host, port, pinned address).
//
// Same request-head policy and egress policy as the curl client (checked before every request;
// the resolved address is pinned), same caps (timeout, response size). It does not follow
// redirects: a proxy answers a redirect to its caller as it came. HTTPS verifies the peer and
// the host name.
//
// It speaks to no proxy, and reads no proxy environment variable. When EgressOptions::proxy is
// set, every request goes instead through a blocking curl client (which tunnels through the
// proxy) on a pool of this client's own threads, so no request bypasses the proxy; the I/O
// threads never block.
//
// Send may be called concurrently from coroutines on several io_contexts, each run by one
// thread (as the server's are): idle connections and timeouts are kept per io_context and
// touched only on its thread; those io_contexts must outlive the client. Timeouts are checked
// every 20 ms, so a request times out within 20 ms after its deadline.
#pragma once

#include <memory>

#include "outbound/egress.h"
#include "outbound/http_client.h"
#include "outbound/url.h"

#include "base/asio.h"

namespace relish::outbound {

class AsyncHttpClient {
 public:
  AsyncHttpClient(boost::asio::io_context& ioc, EgressOptions egress, Resolver* resolver = nullptr);
  ~AsyncHttpClient();

  // `request` must outlive the co_await (keep it in a named local: g++ 12 destroys non-trivial
  // temporaries of co_await expressions wrongly).
  Task<Result<Response>> Send(const Request& request);
  // The same, for a caller that has parsed the URL already: `parsed` is ParseUrl(request.url).
  Task<Result<Response>> Send(const Request& request, const Url& parsed);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace relish::outbound
