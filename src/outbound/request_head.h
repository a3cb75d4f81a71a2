// The request-head policy: what every outbound request's method, URL and headers must be, applied
// by both clients (curl_client, async_client) before anything is sent, and by callers that want
// to refuse a bad request before doing any other work for it (a function run's host, workflow
// webhooks). The character rules are base/http_wire.h's.
//
// - The method is an RFC 9110 token; the URL has no space or control character.
// - Header names are tokens; values have no CR, LF or NUL. Otherwise the request is refused
//   (kInvalidArgument, naming the header, never quoting its value) and nothing is sent.
// - The fields that frame the message or steer the connection are the client's own: Host (the
//   URL's, so a request cannot reach another virtual host at the address the egress policy
//   checked), Content-Length and Transfer-Encoding (from the body), Connection and the other
//   connection-specific fields (Keep-Alive, Proxy-Connection, TE, Upgrade). A caller's are
//   dropped, silently: scripts copied from elsewhere often set Content-Length, and the request
//   they meant is still the one sent.
#pragma once

#include <string_view>

#include "base/result.h"
#include "outbound/http_client.h"

namespace relish::outbound {

// A header the client writes itself; a caller's of this name is left out.
bool IsClientHeader(std::string_view name);

// kInvalidArgument with the first problem (base/http_wire.h's words) when the request may not be
// sent as it is.
Result<void> CheckRequestHead(const Request& request);

}  // namespace relish::outbound
