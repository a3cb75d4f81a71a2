#include "server/router.h"

#include <cassert>

#include "base/encoding.h"
#include "server/json.h"

namespace relish::server {

std::vector<Router::Segment> Router::Compile(std::string_view pattern) {
  std::vector<Segment> segments;
  assert(pattern.starts_with('/'));
  pattern.remove_prefix(1);
  while (true) {
    auto slash = pattern.find('/');
    std::string_view part = pattern.substr(0, slash);
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      std::string_view name = part.substr(1, part.size() - 2);
      if (name.ends_with("...")) {
        segments.push_back({std::string(name.substr(0, name.size() - 3)), Segment::kRest});
      } else {
        segments.push_back({std::string(name), Segment::kParam});
      }
    } else {
      segments.push_back({std::string(part), Segment::kLiteral});
    }
    if (slash == std::string_view::npos) break;
    pattern.remove_prefix(slash + 1);
  }
  return segments;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  auto segments = Compile(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  auto segments = Compile(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

bool Router::Match(const Route& route, std::string_view path, Request& request) {
  if (!path.starts_with('/')) return false;
  path.remove_prefix(1);
  std::map<std::string, std::string> params;
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const Segment& seg = route.segments[i];
    if (seg.kind == Segment::kRest) {
      params[seg.text] = std::string(path);
      path = {};
      request.params = std::move(params);
      return true;
    }
    auto slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (seg.kind == Segment::kLiteral) {
      if (part != seg.text) return false;
    } else {
      if (part.empty()) return false;
      params[seg.text] = PercentDecode(part);
    }
    if (i + 1 == route.segments.size()) {
      if (!last) return false;
    } else {
      if (last) {
        // A trailing rest segment may match an empty remainder ("/proxy/x" vs "/proxy/x/").
        if (i + 2 == route.segments.size() && route.segments[i + 1].kind == Segment::kRest) {
          params[route.segments[i + 1].text] = "";
          request.params = std::move(params);
          return true;
        }
        return false;
      }
      path.remove_prefix(slash + 1);
    }
  }
  request.params = std::move(params);
  return true;
}

boost::asio::awaitable<Response> Router::Dispatch(Request& request) const {
  std::string allowed;
  for (const Route& route : routes_) {
    if (!Match(route, request.path, request)) continue;
    bool method_ok = route.method == request.method ||
                     (route.method == "GET" && request.method == "HEAD");
    if (!method_ok) {
      if (allowed.find(route.method) == std::string::npos) {
        if (!allowed.empty()) allowed += ", ";
        allowed += route.method;
      }
      continue;
    }
    request.route = route.pattern;
    if (const auto* h = std::get_if<Handler>(&route.handler)) co_return (*h)(request);
    co_return co_await std::get<AsyncHandler>(route.handler)(request);
  }
  if (!allowed.empty()) {
    request.route = "(method not allowed)";
    Response r = ErrorResponse(InvalidArgument("method " + request.method + " is not allowed on " +
                                               request.path + " (allowed: " + allowed + ")"));
    r.status = 405;
    r.SetHeader("Allow", allowed);
    co_return r;
  }
  if (fallback_ && (request.method == "GET" || request.method == "HEAD")) {
    request.route = "(static)";
    Response r = fallback_(request);
    if (r.status != 404) co_return r;
  }
  request.route = "(unmatched)";
  co_return ErrorResponse(NotFound("no route for " + request.method + " " + request.path));
}

}  // namespace relish::server
