#include "server/router.h"

#include <array>
#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "base/encoding.h"
#include "server/json.h"

namespace relish::server {

std::vector<Router::Segment> Router::Compile(std::string_view pattern) {
  std::string_view whole = pattern;
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
  // A broken invariant of the code that registers routes, found at start-up; Match relies on it.
  if (segments.size() > kMaxSegments) {
    std::fprintf(stderr, "route %.*s has more than %zu segments\n", static_cast<int>(whole.size()),
                 whole.data(), kMaxSegments);
    std::abort();
  }
  return segments;
}

int Router::MethodCode(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (size_t i = 0; i < std::size(kMethods); ++i) {
    if (method == kMethods[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

std::string Router::LiteralPrefix(std::string_view pattern) {
  return std::string(pattern.substr(0, pattern.find('{')));
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kPublic: return "public";
    case Access::kUser: return "user";
    case Access::kMember: return "member";
    case Access::kAdmin: return "admin";
    case Access::kCrmToken: return "crm_token";
  }
  return "public";
}

void Router::AddRoute(std::string method, std::string pattern, Access access,
                      std::variant<Handler, AsyncHandler> handler) {
  auto segments = Compile(pattern);
  auto prefix = LiteralPrefix(pattern);
  int code = MethodCode(method);
  routes_.push_back({std::move(method), code, std::move(pattern), access, std::move(prefix),
                     std::move(segments), std::move(handler)});
  Index(routes_.size() - 1);
}

void Router::Add(std::string method, std::string pattern, Access access, Handler handler) {
  AddRoute(std::move(method), std::move(pattern), access, std::move(handler));
}

void Router::AddAsync(std::string method, std::string pattern, Access access,
                      AsyncHandler handler) {
  AddRoute(std::move(method), std::move(pattern), access, std::move(handler));
}

void Router::Document(std::vector<RouteDoc> docs) {
  for (auto& d : docs) docs_.push_back(std::move(d));
}

void Router::DocumentSchema(std::string name, std::string shorthand) {
  schemas_.emplace_back(std::move(name), std::move(shorthand));
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.push_back({r.method, r.pattern, r.access});
  return out;
}

std::string_view Router::Key(std::string_view path) {
  size_t end = 0;
  for (int segment = 0; segment < 3; ++segment) {
    if (end >= path.size() || path[end] != '/') return {};
    end = path.find('/', end + 1);
    if (end == std::string_view::npos) return segment == 2 ? path : std::string_view();
  }
  return path.substr(0, end);
}

void Router::Index(size_t route) {
  const Route& r = routes_[route];
  auto index = static_cast<uint32_t>(route);
  bool keyed = r.segments.size() >= 3;
  for (size_t i = 0; keyed && i < 3; ++i) keyed = r.segments[i].kind == Segment::kLiteral;
  if (!keyed) {
    // May match any path: every bucket tries it, in its place.
    unkeyed_.push_back(index);
    for (auto& [key, list] : by_key_) list.push_back(index);
    return;
  }
  std::string key = "/" + r.segments[0].text + "/" + r.segments[1].text + "/" + r.segments[2].text;
  auto [it, fresh] = by_key_.try_emplace(std::move(key));
  if (fresh) it->second = unkeyed_;  // the generic routes registered before this one
  it->second.push_back(index);
}

// Every request tries the routes in order and most fail, so matching compares views and
// allocates nothing; the parameters are decoded and copied only for the route that matches.
bool Router::Match(const Route& route, std::string_view path, Request* request) {
  if (!path.starts_with('/')) return false;
  path.remove_prefix(1);
  std::array<std::string_view, kMaxSegments> values;  // by segment; literals leave theirs empty
  size_t matched = 0;                                    // segments matched so far
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const Segment& seg = route.segments[i];
    if (seg.kind == Segment::kRest) {
      values[i] = path;
      matched = i + 1;
      break;
    }
    auto slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (seg.kind == Segment::kLiteral) {
      if (part != seg.text) return false;
    } else {
      if (part.empty()) return false;
      values[i] = part;
    }
    matched = i + 1;
    if (i + 1 == route.segments.size()) {
      if (!last) return false;
    } else if (last) {
      // A trailing rest segment may match an empty remainder ("/proxy/x" vs "/proxy/x/").
      if (i + 2 != route.segments.size() || route.segments[i + 1].kind != Segment::kRest) return false;
      values[i + 1] = {};
      matched = i + 2;
      break;
    } else {
      path.remove_prefix(slash + 1);
    }
  }
  if (request == nullptr) return true;
  request->params.clear();
  for (size_t i = 0; i < matched; ++i) {
    const Segment& seg = route.segments[i];
    if (seg.kind == Segment::kParam) request->params[seg.text] = PercentDecode(values[i]);
    if (seg.kind == Segment::kRest) request->params[seg.text] = std::string(values[i]);
  }
  return true;
}

Task<Response> Router::Dispatch(Request& request) const {
  static const int kGet = MethodCode("GET"), kHead = MethodCode("HEAD");
  int code = MethodCode(request.method);
  const std::vector<uint32_t>* candidates = &unkeyed_;
  if (auto key = Key(request.path); !key.empty()) {
    if (auto it = by_key_.find(key); it != by_key_.end()) candidates = &it->second;
  }
  for (uint32_t index : *candidates) {
    const Route& route = routes_[index];
    bool method_ok = code != 0 ? route.method_code == code || (code == kHead && route.method_code == kGet)
                               : route.method == request.method;
    if (!method_ok || !request.path.starts_with(route.prefix) ||
        !Match(route, request.path, &request)) {
      continue;
    }
    request.route = route.pattern;
    if (const auto* h = std::get_if<Handler>(&route.handler)) co_return (*h)(request);
    co_return co_await std::get<AsyncHandler>(route.handler)(request);
  }
  // No route takes this method here; the ones that take others make the 405's Allow header.
  std::string allowed;
  for (const Route& route : routes_) {
    if (!Match(route, request.path, nullptr)) continue;
    if (allowed.find(route.method) == std::string::npos) {
      if (!allowed.empty()) allowed += ", ";
      allowed += route.method;
    }
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
