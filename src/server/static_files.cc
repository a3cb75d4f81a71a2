#include "server/static_files.h"

#include "base/result.h"
#include "server/json.h"

namespace relish::server {

std::string_view ContentTypeFor(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

Response ServeStatic(const Request& request) {
  std::string_view path = request.path;
  auto last_slash = path.rfind('/');
  bool has_extension = path.find('.', last_slash) != std::string_view::npos;
  if (path == "/" || !has_extension) path = "/index.html";
  for (const auto& file : EmbeddedFiles()) {
    if (file.path != path) continue;
    Response r;
    r.body = std::string(file.data);
    r.SetHeader("Content-Type", std::string(ContentTypeFor(path)));
    r.SetHeader("Cache-Control", "no-cache");
    r.SetHeader("X-Content-Type-Options", "nosniff");
    return r;
  }
  return ErrorResponse(NotFound("no file " + std::string(request.path)));
}

}  // namespace relish::server
