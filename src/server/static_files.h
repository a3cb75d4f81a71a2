// The Developer Console's files (web/), embedded into the binary at build time.
#pragma once

#include <string_view>
#include <vector>

#include "base/embedded.h"
#include "server/http.h"

namespace relish::server {

const std::vector<EmbeddedFile>& EmbeddedFiles();

// Serves GET /path from the embedded files; "/" and unknown paths without an extension serve
// /index.html (the console routes in the browser). 404 otherwise.
Response ServeStatic(const Request& request);

std::string_view ContentTypeFor(std::string_view path);

}  // namespace relish::server
