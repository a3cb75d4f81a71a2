// The Developer Console's files (the bundle web/build.mjs writes), embedded into the binary at
// build time, and the rule for which paths are the console's pages.
#pragma once

#include <string_view>
#include <vector>

#include "base/embedded.h"
#include "server/http.h"

namespace relish::server {

const std::vector<EmbeddedFile>& EmbeddedFiles();

// The console's pages: "/" and every path whose first segment is one of the console's
// sections (/connections, /functions/f_1, ...). web/src/routes.ts must route the same sections;
// the router serves index.html for them so a deep link or a reload lands on the page.
bool IsConsolePage(std::string_view path);

// Serves GET /path from the embedded files, and index.html for a console page (IsConsolePage).
// Anything else is a 404 (the router turns it into its JSON "no route"). Every response carries
// the console's Content-Security-Policy and the headers beside it.
Response ServeStatic(const Request& request);

std::string_view ContentTypeFor(std::string_view path);

}  // namespace relish::server
