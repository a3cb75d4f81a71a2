#include "outbound/request_head.h"

#include <array>

#include "base/http_wire.h"

namespace relish::outbound {

bool IsClientHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kClientHeaders = {
      "host", "content-length", "transfer-encoding", "connection",
      "keep-alive", "proxy-connection", "te", "upgrade"};
  for (auto own : kClientHeaders) {
    if (SameHeaderName(name, own)) return true;
  }
  return false;
}

Result<void> CheckRequestHead(const Request& request) {
  if (auto e = MethodError(request.method); !e.empty()) return InvalidArgument(e);
  if (auto e = UrlTextError(request.url); !e.empty()) return InvalidArgument(e);
  for (const auto& [name, value] : request.headers) {
    if (auto e = HeaderFieldError(name, value); !e.empty()) return InvalidArgument(e);
  }
  return Ok();
}

}  // namespace relish::outbound
