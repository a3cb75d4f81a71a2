#include "server/openapi.h"

#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "base/log.h"

namespace relish::server {
namespace {

constexpr ErrorCode kAllCodes[] = {
    ErrorCode::kInvalidArgument,   ErrorCode::kNotFound,          ErrorCode::kAlreadyExists,
    ErrorCode::kPermissionDenied,  ErrorCode::kUnauthenticated,   ErrorCode::kFailedPrecondition,
    ErrorCode::kResourceExhausted, ErrorCode::kUnavailable,       ErrorCode::kDeadlineExceeded,
    ErrorCode::kInternal};

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Json Ref(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

Json Nullable(Json schema) {
  if (auto t = schema.find("type"); t != schema.end() && t->is_string() && !schema.contains("enum")) {
    schema["type"] = Json::array({*t, "null"});
    return schema;
  }
  return {{"anyOf", Json::array({schema, {{"type", "null"}}})}};
}

Result<Json> ExpandName(std::string_view s) {
  if (s.ends_with('?')) return Nullable(TRY(ExpandName(s.substr(0, s.size() - 1))));
  if (s == "string" || s == "integer" || s == "number" || s == "boolean" || s == "null") {
    return Json{{"type", std::string(s)}};
  }
  if (s == "object") return Json{{"type", "object"}};
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') {
    return Json{{"const", std::string(s.substr(1, s.size() - 2))}};
  }
  if (s == "any") return Json::object();
  if (s == "ms") return Json{{"type", "integer"}, {"description", "milliseconds since the Unix epoch"}};
  if (s.starts_with('$') && s.size() > 1) return Ref(s.substr(1));
  if (s.starts_with("map:")) {
    return Json{{"type", "object"}, {"additionalProperties", TRY(ExpandName(s.substr(4)))}};
  }
  if (s.find('|') != std::string_view::npos) {
    Json values = Json::array();
    size_t start = 0;
    while (true) {
      size_t bar = s.find('|', start);
      values.push_back(std::string(s.substr(start, bar - start)));
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    return Json{{"type", "string"}, {"enum", values}};
  }
  return InvalidArgument("unknown schema shorthand '" + std::string(s) + "'");
}

// A shorthand's text: JSON, or one bare name ("$Connection", "string").
Json ParseShorthand(const std::string& text) {
  Json parsed = Json::parse(text, nullptr, false);
  return parsed.is_discarded() ? Json(text) : parsed;
}

// Path parameters' descriptions, by name: the same names mean the same things everywhere.
std::string_view ParamDescription(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kNames = {
      {"link", "a connection's link name"},
      {"id", "the object's id"},
      {"name", "a function's name"},
      {"ns", "a topping's namespace"},
      {"org", "an organization's id"},
      {"module", "a CRM module's API name (Contacts, Deals, ...)"},
      {"field", "a field's API name"},
      {"path", "the rest of the path, sent to the connection's service under its base URL"},
      {"rest", "the rest of the path"},
  };
  auto it = kNames.find(name);
  return it == kNames.end() ? std::string_view() : it->second;
}

std::string OperationId(std::string_view method, std::string_view pattern) {
  std::string out;
  for (char c : method) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool gap = true;
  for (char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (gap) out += '_';
      out += c;
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

std::string TagOf(std::string_view pattern) {
  if (pattern.starts_with("/bigin/")) return "crm-api";
  if (pattern == "/healthz" || pattern == "/metrics") return "system";
  if (pattern.starts_with("/api/v1/")) {
    std::string_view rest = pattern.substr(8);
    std::string_view tag = rest.substr(0, rest.find('/'));
    if (tag == "me" || tag == "session" || tag == "auth" || tag == "tokens" || tag == "users" ||
        tag == "orgs") {
      return "identity";
    }
    if (tag == "services" || tag == "connections" || tag == "audit" || tag == "sandbox" ||
        tag == "keys") {
      return "connections";
    }
    if (tag == "openapi.json") return "system";
    return std::string(tag);
  }
  return "oauth";
}

Json ErrorContent(std::string_view schema) {
  // The sign-in and consent pages answer errors as pages, for people.
  if (schema == "html") return {{"text/html", {{"schema", {{"type", "string"}}}}}};
  return {{"application/json", {{"schema", Ref(schema)}}}};
}

// Security requirements by access; a record's `security` (scheme names, "none" for optional)
// replaces them.
Json SecurityOf(Access access, std::string_view method) {
  bool changes = method != "GET" && method != "HEAD";
  switch (access) {
    case Access::kPublic:
      return Json::array();
    case Access::kCrmToken:
      return Json::array({{{"crmToken", Json::array()}}});
    case Access::kUser:
    case Access::kMember:
    case Access::kAdmin: {
      Json cookie = {{"sessionCookie", Json::array()}};
      if (changes) cookie["csrfToken"] = Json::array();
      return Json::array({{{"apiToken", Json::array()}}, cookie});
    }
  }
  return Json::array();
}

Result<Json> Operation(const RouteInfo& route, const RouteDoc* doc) {
  Json op;
  op["operationId"] = OperationId(route.method, route.pattern);
  op["tags"] = Json::array({TagOf(route.pattern)});
  op["x-relish-access"] = std::string(AccessName(route.access));
  op["security"] = SecurityOf(route.access, route.method);
  Json params = Json::array();
  std::string_view pattern = route.pattern;
  for (size_t i = pattern.find('{'); i != std::string_view::npos; i = pattern.find('{', i + 1)) {
    std::string_view name = pattern.substr(i + 1, pattern.find('}', i) - i - 1);
    bool rest = name.ends_with("...");
    if (rest) name.remove_suffix(3);
    Json p = {{"name", std::string(name)}, {"in", "path"}, {"required", true},
              {"schema", {{"type", "string"}}}};
    std::string text(ParamDescription(name));
    if (rest) text += (text.empty() ? "" : "; ") + std::string("may hold '/'");
    if (!text.empty()) p["description"] = text;
    params.push_back(p);
  }
  if (!doc) {
    op["summary"] = "(undocumented)";
    op["x-undocumented"] = true;
    if (!params.empty()) op["parameters"] = params;
    op["responses"] = {{"default", {{"description", "undocumented"}}}};
    return op;
  }
  op["summary"] = doc->summary;
  if (!doc->security.empty()) {
    Json alternatives = Json::array();
    for (const std::string& scheme : Words(doc->security)) {
      alternatives.push_back(scheme == "none" ? Json::object() : Json{{scheme, Json::array()}});
    }
    op["security"] = alternatives;
  }
  if (!doc->description.empty()) op["description"] = doc->description;

  bool scoped_by_header = false;
  for (const std::string& word : Words(doc->query)) {
    std::string name = word, type = "string", in = "query";
    if (auto at = name.find('@'); at != std::string::npos) {
      in = name.substr(at + 1);
      name.resize(at);
    }
    if (auto colon = name.find(':'); colon != std::string::npos) {
      type = name.substr(colon + 1);
      name.resize(colon);
    }
    if (name == "X-Relish-Org") scoped_by_header = true;
    params.push_back({{"name", name}, {"in", in}, {"required", false},
                      {"schema", TRY(ExpandName(type))}});
  }
  if (route.access == Access::kMember && !scoped_by_header) {
    params.push_back({{"name", "org"}, {"in", "query"}, {"required", false},
                      {"description", "the organization to act in (default: your first)"},
                      {"schema", {{"type", "string"}}}});
    params.push_back({{"name", "environment"}, {"in", "query"}, {"required", false},
                      {"description", "the environment to act in (default: sandbox)"},
                      {"schema", {{"type", "string"}, {"enum", {"sandbox", "production"}}}}});
  }
  if (!params.empty()) op["parameters"] = params;

  if (!doc->request.empty()) {
    Json shorthand = ParseShorthand(doc->request);
    op["requestBody"] = {{"required", true},
                         {"content", {{doc->request_media, {{"schema", TRY(ExpandSchema(shorthand))}}}}}};
  }

  Json responses = Json::object();
  Json success = {{"description", doc->summary}};
  if (!doc->response.empty()) {
    Json shorthand = ParseShorthand(doc->response);
    success["content"] = {{doc->media, {{"schema", TRY(ExpandSchema(shorthand))}}}};
  }
  responses[std::to_string(doc->status)] = success;
  for (const auto& [status, what] : doc->also) responses[std::to_string(status)] = {{"description", what}};

  // Errors: the route's own (in its error shape), then those of its access (always Error: the
  // registrar answers them); grouped by status, a status with both shapes taking either.
  std::map<int, std::pair<std::set<std::string>, std::set<std::string>>> by_status;
  auto add = [&](const std::string& e, const std::string& schema) -> Result<void> {
    if (!e.empty() && std::isdigit(static_cast<unsigned char>(e[0]))) {
      by_status[std::stoi(e)].second.insert(schema);
      return Ok();
    }
    for (ErrorCode code : kAllCodes) {
      if (ErrorCodeName(code) == e) {
        auto& [codes, schemas] = by_status[HttpStatusFor(code)];
        codes.insert(e);
        schemas.insert(schema);
        return Ok();
      }
    }
    return InvalidArgument("unknown error code '" + e + "'");
  };
  for (const std::string& e : Words(doc->errors)) TRY(add(e, doc->error_schema));
  bool signed_in = route.access == Access::kUser || route.access == Access::kMember ||
                   route.access == Access::kAdmin;
  // Pages check their callers themselves and answer refusals as pages too.
  std::string access_schema = doc->error_schema == "html" ? "html" : "Error";
  if (signed_in) {
    TRY(add("unauthenticated", access_schema));
    TRY(add("permission_denied", access_schema));
  }
  if (route.access == Access::kMember) TRY(add("not_found", "Error"));
  if (!doc->request.empty() && doc->error_schema == "Error") TRY(add("invalid_argument", "Error"));
  if (route.access == Access::kCrmToken) TRY(add("401", doc->error_schema));
  for (const auto& [status, entry] : by_status) {
    const auto& [codes, schemas] = entry;
    std::string text;
    for (const auto& c : codes) text += (text.empty() ? "" : ", ") + c;
    Json content;
    if (schemas.size() == 1) {
      content = ErrorContent(*schemas.begin());
    } else {
      Json any = Json::array();
      for (const auto& name : schemas) any.push_back(Ref(name));
      content = {{"application/json", {{"schema", {{"anyOf", any}}}}}};
    }
    responses[std::to_string(status)] = {{"description", text.empty() ? "an error" : text},
                                         {"content", content}};
  }
  responses["default"] = {{"description", "an error (internal, unavailable, ...)"},
                          {"content", ErrorContent(doc->error_schema)}};
  op["responses"] = responses;
  return op;
}

// The shapes every document has: the errors of each family.
Json Components() {
  Json codes = Json::array();
  for (ErrorCode code : kAllCodes) codes.push_back(std::string(ErrorCodeName(code)));
  Json schemas = {
      {"ErrorCode",
       {{"type", "string"},
        {"enum", codes},
        {"description",
         "Stable error codes. HTTP statuses: invalid_argument 400, unauthenticated 401, "
         "permission_denied 403, not_found 404, already_exists 409, failed_precondition 409, "
         "resource_exhausted 429, internal 500, unavailable 503, deadline_exceeded 504."}}},
      {"Error",
       {{"type", "object"},
        {"required", {"code", "message"}},
        {"properties", {{"code", Ref("ErrorCode")}, {"message", {{"type", "string"}}}}},
        {"description", "Every error of Relish's own API: a stable code and a message for people."}}},
      {"ZohoError",
       {{"type", "object"},
        {"required", {"code", "details", "message", "status"}},
        {"properties",
         {{"code", {{"type", "string"}, {"description", "Zoho's code: INVALID_TOKEN, INVALID_DATA, ..."}}},
          {"details", {{"type", "object"}}},
          {"message", {{"type", "string"}}},
          {"status", {{"const", "error"}}}}},
        {"description", "An error of the CRM API (/bigin), in Zoho Bigin's shape."}}},
      {"OAuthError",
       {{"type", "object"},
        {"required", {"error"}},
        {"properties", {{"error", {{"type", "string"}}}, {"error_description", {{"type", "string"}}}}},
        {"description", "An OAuth 2.0 error (RFC 6749 5.2)."}}},
  };
  return schemas;
}

}  // namespace

std::string OpenApiPath(std::string_view pattern) {
  std::string out(pattern);
  for (size_t at; (at = out.find("...}")) != std::string::npos;) out.erase(at, 3);
  return out;
}

Result<Json> ExpandSchema(const Json& s) {
  if (s.is_string()) return ExpandName(s.get<std::string>());
  if (s.is_array()) {
    if (s.empty()) return Json{{"type", "array"}};
    if (s.size() != 1) return InvalidArgument("an array shorthand has one element: its items");
    return Json{{"type", "array"}, {"items", TRY(ExpandSchema(s[0]))}};
  }
  if (s.is_boolean() || s.is_number()) return Json{{"const", s}};
  if (!s.is_object()) return InvalidArgument("a schema shorthand is a string, array or object");
  if (auto raw = s.find("="); raw != s.end()) return *raw;
  Json props = Json::object();
  Json required = Json::array();
  for (const auto& [key, value] : s.items()) {
    std::string name = key;
    bool optional = name.ends_with('?');
    if (optional) name.pop_back();
    auto expanded = ExpandSchema(value);
    if (!expanded.ok()) return expanded.error().WithContext(name);
    props[name] = std::move(*expanded);
    if (!optional) required.push_back(name);
  }
  Json out = {{"type", "object"}, {"properties", props}};
  if (!required.empty()) out["required"] = required;
  return out;
}

Result<Json> OpenApiDocument(const Router& router) {
  std::map<std::pair<std::string, std::string>, const RouteDoc*> docs;
  for (const RouteDoc& d : router.Docs()) {
    if (!docs.emplace(std::pair{d.method, d.pattern}, &d).second) {
      return InvalidArgument("two records for " + d.method + " " + d.pattern);
    }
  }
  Json paths = Json::object();
  std::set<std::pair<std::string, std::string>> routed;
  for (const RouteInfo& r : router.Routes()) {
    std::pair key{std::string(r.method), std::string(r.pattern)};
    routed.insert(key);
    auto it = docs.find(key);
    auto op = Operation(r, it == docs.end() ? nullptr : it->second);
    if (!op.ok()) return op.error().WithContext(key.first + " " + key.second);
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[OpenApiPath(r.pattern)][method] = std::move(*op);
  }
  for (const auto& [key, doc] : docs) {
    if (!routed.contains(key)) {
      return InvalidArgument("a record for " + key.first + " " + key.second + ", which is no route");
    }
  }
  Json schemas = Components();
  for (const auto& [name, shorthand] : router.Schemas()) {
    auto expanded = ExpandSchema(ParseShorthand(shorthand));
    if (!expanded.ok()) return expanded.error().WithContext("schema " + name);
    schemas[name] = std::move(*expanded);
  }
  Json security_schemes = {
      {"apiToken",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "A personal API token (rl_...): `relish login`, or POST /api/v1/auth/token."}}},
      {"sessionCookie",
       {{"type", "apiKey"},
        {"in", "cookie"},
        {"name", "relish_session"},
        {"description", "The console's session (POST /api/v1/session). Requests that change "
                        "state also send the session's CSRF token (csrfToken)."}}},
      {"csrfToken",
       {{"type", "apiKey"},
        {"in", "header"},
        {"name", "X-CSRF-Token"},
        {"description", "The session's CSRF token, from POST /api/v1/session or GET /api/v1/me."}}},
      {"crmToken",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "An access token of Relish's OAuth server (/oauth/token), sent as "
                        "'Authorization: Zoho-oauthtoken <token>' or as a Bearer token."}}},
      {"metricsToken",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "The metrics_token setting, when it is set."}}},
  };
  return Json{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Relish API"},
        {"version", "1"},
        {"description", "Relish's REST API: connections and the credentialed proxy, functions, "
                        "workflow rules and runs, toppings, the CRM, identity, and the CRM API in "
                        "Zoho Bigin's shape. See docs/api.md."}}},
      {"paths", paths},
      {"components", {{"schemas", schemas}, {"securitySchemes", security_schemes}}},
  };
}

void AddOpenApiRoute(Router& router) {
  router.Document({Doc("GET", "/api/v1/openapi.json", "This document: the API's OpenAPI 3.1 description")
                       .Describe("Public: it describes the API's shapes and holds no data.")
                       .Returns("object")});
  auto body = std::make_shared<std::string>();
  router.Add("GET", "/api/v1/openapi.json", Access::kPublic, [body](Request&) {
    if (body->empty()) return ErrorResponse(Internal("the API document could not be made; see the log"));
    return Response::Text(200, *body, "application/json");
  });
  auto document = OpenApiDocument(router);
  if (!document.ok()) {
    spdlog::error("the OpenAPI document: {}", document.error().ToString());
    return;
  }
  int undocumented = 0;
  for (const auto& [path, ops] : (*document)["paths"].items()) {
    for (const auto& [method, op] : ops.items()) undocumented += op.contains("x-undocumented");
  }
  if (undocumented > 0) {
    spdlog::warn("{} routes have no record in the API document (server/route_doc.h)", undocumented);
  }
  *body = document->dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace relish::server
