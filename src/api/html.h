// Server-rendered HTML for the few pages that must work without JavaScript (sign-in, OAuth
// consent): escaping, one page layout, and the security headers those pages carry.
#pragma once

#include <string>
#include <string_view>

#include "server/http.h"

namespace relish::api::html {

// Escapes &, <, >, " and ' for text and attribute values.
std::string Escape(std::string_view text);

// <input type="hidden" name=".." value="..">, both escaped.
std::string Hidden(std::string_view name, std::string_view value);

// A complete page: `body` is already-escaped HTML. The response is never cached, cannot be
// framed (clickjacking), sends no Referer, and runs no script.
server::Response Page(int status, std::string_view title, std::string_view body);

// A page that says what went wrong, for errors that must not be redirected.
server::Response ErrorPage(int status, std::string_view title, std::string_view message);

}  // namespace relish::api::html
