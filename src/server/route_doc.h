// The API contract's record of one route (docs/api.md): what GET /api/v1/openapi.json says about
// it. Each module documents its routes next to their handlers (Router::Document), and the
// OpenAPI document (server/openapi.h) is made from the router's own route table plus these
// records: a route without a record is listed by the test that walks Routes()
// (tests/integration/route_isolation_test.cc), and so is a record without a route.
//
// Schemas are written in a compact shorthand of JSON Schema (server/openapi.h expands it):
//   "string" "integer" "number" "boolean" "object" (any object) "any"; "ms" (epoch millis);
//   "a|b|c" (a string of those values); "'ok'", true, 3 (that value only); "$Name" (a shared schema, Router::DocumentSchema);
//   a trailing "?" makes a value nullable ("string?", "$Connection?");
//   ["T"] an array of T; "map:T" an object whose every member is T;
//   {"key": T, "opt?": T} an object (keys ending in "?" are optional, the others required);
//   {"=": {...}} plain JSON Schema, as it is.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace relish::server {

struct RouteDoc {
  std::string method;
  std::string pattern;      // exactly as registered, "{path...}" included
  std::string summary;
  std::string description;  // optional; Markdown
  std::string query;        // query parameters: "limit:integer since:integer link" (default string)
  std::string request;      // the JSON body's schema (shorthand); empty: the route takes none
  std::string request_media = "application/json";
  std::string response;     // the success body's schema (shorthand); empty: no body
  std::string media = "application/json";
  int status = 200;
  // Other answers that are not errors: {204, "no record matched"}, {303, "to the login page"}.
  std::vector<std::pair<int, std::string>> also;
  // Error codes ("not_found", "already_exists") or, for routes that answer errors in a shape of
  // their own (error_schema), HTTP statuses ("401 404"). The access-level ones (unauthenticated,
  // permission_denied, the organization's not_found) are added from the route's Access.
  std::string errors;
  std::string error_schema = "Error";  // or "ZohoError", "OAuthError", "html" (an error page)
  // Security schemes that replace those of the route's Access ("apiToken"; "none" for optional).
  std::string security;

  RouteDoc&& Describe(std::string text) && { description = std::move(text); return std::move(*this); }
  RouteDoc&& Query(std::string q) && { query = std::move(q); return std::move(*this); }
  RouteDoc&& Body(std::string schema, std::string type = "application/json") && {
    request = std::move(schema);
    request_media = std::move(type);
    return std::move(*this);
  }
  RouteDoc&& Returns(std::string schema, int code = 200) && {
    response = std::move(schema);
    status = code;
    return std::move(*this);
  }
  RouteDoc&& Media(std::string type) && { media = std::move(type); return std::move(*this); }
  RouteDoc&& Also(int code, std::string what) && {
    also.emplace_back(code, std::move(what));
    return std::move(*this);
  }
  RouteDoc&& Errors(std::string list) && { errors = std::move(list); return std::move(*this); }
  RouteDoc&& Security(std::string schemes) && { security = std::move(schemes); return std::move(*this); }
  RouteDoc&& ErrorSchema(std::string name) && { error_schema = std::move(name); return std::move(*this); }
};

// Doc("GET", "/api/v1/connections", "List connections").Returns(R"({"connections":["$Connection"]})")
inline RouteDoc Doc(std::string method, std::string pattern, std::string summary) {
  RouteDoc d;
  d.method = std::move(method);
  d.pattern = std::move(pattern);
  d.summary = std::move(summary);
  return d;
}

}  // namespace relish::server
