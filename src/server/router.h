// Router: maps a method and a path to a handler. Patterns are literal segments, "{name}" (one
// segment, percent-decoded into Request::params) and a final "{name...}" (the raw rest of the
// path, not decoded, so a proxy can forward it unchanged). The first registered match wins, so
// register specific routes before generic ones.
//
// Routes are added before the server starts and not after: a request's route refers to the
// pattern's text.
//
// Every route declares who may call it (Access) where it is registered. The router does not
// check it (it knows nothing of users): the API layer's registrar (src/api/routes.h) turns the
// declaration into the check, and the route isolation test walks Routes() to prove that every
// route refuses whom its declaration excludes.
//
// Handlers run on the server's I/O threads. A plain Handler must finish quickly (store reads and
// writes are fine); anything that waits on the network is an AsyncHandler.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "server/asio.h"
#include "server/http.h"
#include "server/route_doc.h"

namespace relish::server {

using Handler = std::function<Response(Request&)>;
using AsyncHandler = std::function<Task<Response>(Request&)>;

// Who may call a route (docs/security.md).
enum class Access : uint8_t {
  kPublic,    // anyone: health, sign-in, OAuth endpoints that authenticate clients themselves
  kUser,      // any signed-in user (API token, or session cookie with CSRF), for their own things
  kMember,    // a signed-in member of the organization the request acts in
  kAdmin,     // a signed-in administrator
  kCrmToken,  // an access token of Relish's OAuth server, bound to one organization/environment
};
std::string_view AccessName(Access access);  // "public", "user", "member", "admin", "crm_token"

struct RouteInfo {
  std::string_view method;
  std::string_view pattern;
  Access access;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Access access, Handler handler);
  void AddAsync(std::string method, std::string pattern, Access access, AsyncHandler handler);
  // Every route, in registration order.
  std::vector<RouteInfo> Routes() const;
  // The API contract (server/route_doc.h): records of routes, and shared schemas they name
  // ("$Name"), for the OpenAPI document (server/openapi.h).
  void Document(std::vector<RouteDoc> docs);
  void DocumentSchema(std::string name, std::string shorthand);
  const std::vector<RouteDoc>& Docs() const { return docs_; }
  const std::vector<std::pair<std::string, std::string>>& Schemas() const { return schemas_; }
  // Called for GET/HEAD requests no route matched (static files); may return 404.
  void SetFallback(Handler handler) { fallback_ = std::move(handler); }

  // Fills request.params and request.route; returns a 404 or 405 response when nothing matches.
  Task<Response> Dispatch(Request& request) const;

 private:
  struct Segment {
    std::string text;
    enum Kind { kLiteral, kParam, kRest } kind;
  };
  struct Route {
    std::string method;
    int method_code;     // MethodCode(method): compared before any string
    std::string pattern;
    Access access;
    std::string prefix;  // the pattern up to its first parameter: a cheap first test
    std::vector<Segment> segments;
    std::variant<Handler, AsyncHandler> handler;
  };
  static constexpr size_t kMaxSegments = 16;
  static std::vector<Segment> Compile(std::string_view pattern);
  static std::string LiteralPrefix(std::string_view pattern);
  // A small number per common method (0 for others, which then compare as strings).
  static int MethodCode(std::string_view method);
  void AddRoute(std::string method, std::string pattern, Access access,
                std::variant<Handler, AsyncHandler> handler);
  // With a request, fills its params on a match.
  static bool Match(const Route& route, std::string_view path, Request* request);

  void Index(size_t route);
  // The path up to the end of its third segment ("/api/v1/proxy" of "/api/v1/proxy/up/x"),
  // empty when it has fewer.
  static std::string_view Key(std::string_view path);

  std::vector<Route> routes_;
  // Which routes a path may match, by Key: those whose first three segments are that literal
  // key, and every route that does not start with three literal segments, in registration
  // order. A request tries a handful of routes instead of all ~150.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<uint32_t>, KeyHash, std::equal_to<>> by_key_;
  std::vector<uint32_t> unkeyed_;
  Handler fallback_;
  std::vector<RouteDoc> docs_;
  std::vector<std::pair<std::string, std::string>> schemas_;
};

}  // namespace relish::server
