// The REST API's OpenAPI 3.1 document (docs/api.md), made from the router's route table and the
// records its modules keep next to their handlers (server/route_doc.h). It holds no data of any
// installation or user: the same server build always answers the same document.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "server/json.h"
#include "server/router.h"

namespace relish::server {

// The document's path for a route's pattern: "{path...}" becomes "{path}".
std::string OpenApiPath(std::string_view pattern);

// JSON Schema for a shorthand (route_doc.h); an error names what it could not read.
Result<Json> ExpandSchema(const Json& shorthand);

// The document for every route of `router`. A route without a record is still listed (its
// operation says "x-undocumented": true, and the test that walks Routes() fails on it); a record
// without a route, or a shorthand that does not read, is an error.
Result<Json> OpenApiDocument(const Router& router);

// GET /api/v1/openapi.json, public: register it after every other route (the document is made
// here, once).
void AddOpenApiRoute(Router& router);

}  // namespace relish::server
