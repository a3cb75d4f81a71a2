// Registration of the REST API's routes. Each route declares who may call it (server::Access)
// where it is registered, and the registrar makes that declaration the check that runs before
// the handler: a handler registered here cannot forget to authenticate, to refuse developers on
// an administrator's route, or to check that the caller belongs to the organization the request
// names. The route isolation test (tests/integration/route_isolation_test.cc) walks every route
// the router has and proves each refuses whom its declaration excludes.
#pragma once

#include <functional>
#include <string>

#include "api/auth.h"
#include "server/asio.h"
#include "server/router.h"

namespace relish::api {

// The caller of a signed-in route.
struct Caller {
  identity::Principal principal;
  Scope scope;  // kMember routes: the organization and environment the request acts in

  const identity::User& user() const { return principal.user; }
};

// The caller as the route's access asks: kUnauthenticated without valid credentials,
// kPermissionDenied for a developer on an administrator's route (or a cookie without its CSRF
// token), kNotFound for an organization the caller is not a member of.
Result<Caller> Authorize(const Auth& auth, const server::Request& request, server::Access access);

using CallerHandler = std::function<Result<server::Response>(server::Request&, const Caller&)>;

// A registrar: it may be a local of the function that registers the routes; the handlers it
// makes refer to the router, the Auth and the pool, which must outlive the server.
class Routes {
 public:
  Routes(server::Router& router, const Auth& auth, boost::asio::thread_pool& pool)
      : router_(router), auth_(auth), pool_(pool) {}

  // kUser, kMember or kAdmin routes. `handler` runs on an I/O thread, so it must not wait on
  // the network; AddBlocking runs it on the blocking pool instead (outbound calls, long work).
  void Add(std::string method, std::string pattern, server::Access access, CallerHandler handler);
  void AddBlocking(std::string method, std::string pattern, server::Access access,
                   CallerHandler handler);
  // kPublic routes authenticate by other means (a password, a client's secret, an OAuth state)
  // or not at all, and take the request as it is.
  void Public(std::string method, std::string pattern, server::Handler handler);
  void PublicAsync(std::string method, std::string pattern, server::AsyncHandler handler);

  server::Router& router() { return router_; }
  const Auth& auth() const { return auth_; }
  boost::asio::thread_pool& pool() { return pool_; }

 private:
  server::Router& router_;
  const Auth& auth_;
  boost::asio::thread_pool& pool_;
};

}  // namespace relish::api
