#include "api/params.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace relish::api {

Result<int64_t> IntParam(const server::Request& request, const char* name) {
  auto v = request.QueryParam(name);
  if (!v || v->empty()) return int64_t{0};
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < 0) {
    return InvalidArgument(std::string("'") + name + "' must be a whole number");
  }
  return out;
}

Result<int> LimitParam(const server::Request& request, int fallback, int max) {
  int64_t limit = TRY(IntParam(request, "limit"));
  if (limit == 0) return fallback;
  return static_cast<int>(std::clamp<int64_t>(limit, 1, max));
}

}  // namespace relish::api
