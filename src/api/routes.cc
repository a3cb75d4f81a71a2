#include "api/routes.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "server/json.h"
#include "server/offload.h"

namespace relish::api {

using server::Access;
using server::Request;
using server::Response;

Result<Caller> Authorize(const Auth& auth, const Request& request, Access access) {
  Caller caller{.principal = TRY(auth.Authenticate(request)), .scope = {}};
  switch (access) {
    case Access::kUser:
      break;
    case Access::kAdmin:
      if (!caller.principal.is_admin()) return PermissionDenied("only administrators may do this");
      break;
    case Access::kMember:
      caller.scope = TRY(ResolveScope(auth, request, caller.principal));
      break;
    case Access::kPublic:
    case Access::kCrmToken:
      return Internal("route access is not checked by Authorize");
  }
  return caller;
}

namespace {

// A broken invariant of the code that registers routes, found at start-up.
void RequireSignedIn(Access access, const std::string& pattern) {
  if (access == Access::kUser || access == Access::kMember || access == Access::kAdmin) return;
  std::fprintf(stderr, "route %s: Routes::Add takes signed-in routes; use Public\n",
               pattern.c_str());
  std::abort();
}

Response Answer(Result<Response> r) {
  return r.ok() ? std::move(*r) : server::ErrorResponse(r.error());
}

}  // namespace

void Routes::Add(std::string method, std::string pattern, Access access, CallerHandler handler) {
  RequireSignedIn(access, pattern);
  const Auth& auth = auth_;
  router_.Add(std::move(method), std::move(pattern), access,
              [&auth, access, handler = std::move(handler)](Request& req) {
                auto caller = Authorize(auth, req, access);
                if (!caller.ok()) return server::ErrorResponse(caller.error());
                return Answer(handler(req, *caller));
              });
}

void Routes::AddBlocking(std::string method, std::string pattern, Access access,
                         CallerHandler handler) {
  RequireSignedIn(access, pattern);
  auto shared = std::make_shared<CallerHandler>(std::move(handler));
  const Auth& auth = auth_;
  boost::asio::thread_pool& pool = pool_;
  router_.AddAsync(std::move(method), std::move(pattern), access,
                   [&auth, &pool, access, shared](Request& req) -> Task<Response> {
                     // Authenticated on the I/O thread: token and membership checks are cached
                     // reads, and a refused request never waits for a pool thread.
                     auto caller = Authorize(auth, req, access);
                     if (!caller.ok()) co_return server::ErrorResponse(caller.error());
                     auto work = [&]() { return Answer((*shared)(req, *caller)); };
                     co_return co_await server::Offload(pool, work);
                   });
}

void Routes::Public(std::string method, std::string pattern, server::Handler handler) {
  router_.Add(std::move(method), std::move(pattern), Access::kPublic, std::move(handler));
}

void Routes::PublicAsync(std::string method, std::string pattern, server::AsyncHandler handler) {
  router_.AddAsync(std::move(method), std::move(pattern), Access::kPublic, std::move(handler));
}

}  // namespace relish::api
