#include "outbound/http_client.h"

#include <strings.h>

namespace relish::outbound {

const std::string* Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return &v;
  }
  return nullptr;
}

}  // namespace relish::outbound
