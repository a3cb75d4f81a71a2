#include "server/static_files.h"

#include "base/result.h"
#include "server/json.h"

namespace relish::server {
namespace {

// The console's top-level sections; a new page adds its section here and in web/src/routes.ts.
constexpr std::string_view kConsoleSections[] = {
    "connections", "services", "functions", "rules",    "runs",
    "toppings",    "crm",      "audit",     "settings",
};

// The console loads only its own bundle and talks only to this server: no inline script or
// style (the bundle's CSS is a file; a library that injects styles must use a nonce-free way
// such as constructable stylesheets), no framing, no plugins, no <base> rewriting.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'";

Response FileResponse(const EmbeddedFile& file) {
  Response r;
  r.body = std::string(file.data);
  r.SetHeader("Content-Type", std::string(ContentTypeFor(file.path)));
  r.SetHeader("Cache-Control", "no-cache");
  r.SetHeader("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.SetHeader("X-Content-Type-Options", "nosniff");
  r.SetHeader("Referrer-Policy", "same-origin");
  return r;
}

const EmbeddedFile* FindFile(std::string_view path) {
  for (const auto& file : EmbeddedFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

}  // namespace

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

bool IsConsolePage(std::string_view path) {
  if (path == "/") return true;
  if (!path.starts_with('/')) return false;
  std::string_view rest = path.substr(1);
  std::string_view section = rest.substr(0, rest.find('/'));
  for (std::string_view s : kConsoleSections) {
    if (section == s) return true;
  }
  return false;
}

Response ServeStatic(const Request& request) {
  if (const EmbeddedFile* file = FindFile(request.path)) return FileResponse(*file);
  if (IsConsolePage(request.path)) {
    if (const EmbeddedFile* index = FindFile("/index.html")) return FileResponse(*index);
  }
  return ErrorResponse(NotFound("no file " + request.path));
}

}  // namespace relish::server
