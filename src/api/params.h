// Query parameters that several routes read the same way.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "server/http.h"

namespace relish::api {

// ?name= as a whole number: 0 when absent or empty; kInvalidArgument when it is not a whole
// number of at least 0.
Result<int64_t> IntParam(const server::Request& request, const char* name);

// ?limit= for a list: `fallback` when absent or 0, else clamped to 1..`max` (a caller may not make
// the server read and send an unbounded list); kInvalidArgument when not a whole number.
Result<int> LimitParam(const server::Request& request, int fallback, int max);

}  // namespace relish::api
