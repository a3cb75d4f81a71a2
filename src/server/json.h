// JSON bodies in and out, and the one mapping from error codes to HTTP statuses.
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "server/http.h"

namespace relish::server {

using Json = nlohmann::ordered_json;

// The only place an ErrorCode becomes an HTTP status.
int HttpStatusFor(ErrorCode code);

Response JsonResponse(int status, const Json& body);
// {"code":"not_found","message":"..."} with the status HttpStatusFor gives.
Response ErrorResponse(const Error& error);

// Runs a handler body that may fail: its response, or the error as ErrorResponse gives it.
template <typename Fn>
Response Handle(Fn&& fn) {
  Result<Response> r = fn();
  return r.ok() ? std::move(*r) : ErrorResponse(r.error());
}

// Parses a JSON object body sent as application/json (or a "+json" type); a clear
// kInvalidArgument otherwise.
Result<Json> ParseJsonBody(const Request& request);
// True for "application/json" and "application/...+json", with or without parameters.
bool JsonContentType(std::string_view content_type);

}  // namespace relish::server
