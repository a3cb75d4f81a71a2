// Outbound HTTP: the one way Relish calls other servers. Blocking and thread-safe.
//
// Every request passes the egress policy (scheme, host remap, forbidden addresses) before a
// connection is made, and again on each redirect hop, which the client follows itself (curl never
// follows on its own). On a redirect to another host, credential headers (Authorization,
// Proxy-Authorization, Cookie, and any listed in Request::credential_headers) are dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace relish::outbound {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The default limits, as Deluge has them.
inline constexpr std::chrono::milliseconds kDefaultTimeout{40'000};
inline constexpr size_t kDefaultMaxResponseBytes = 10 * 1024 * 1024;
inline constexpr int kDefaultMaxRedirects = 5;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout = kDefaultTimeout;  // whole exchange, redirects included
  size_t max_response_bytes = kDefaultMaxResponseBytes;
  int max_redirects = kDefaultMaxRedirects;  // 0: return 3xx responses as they are
  // Extra header names that carry credentials and must not follow a cross-host redirect.
  std::vector<std::string> credential_headers;
};

struct Response {
  int status = 0;
  Headers headers;  // names lowercased, in arrival order
  std::string body;
  std::string url;  // final URL after redirects (as requested, before any remap)
  std::chrono::microseconds elapsed{0};

  // First header with this (case-insensitive) name.
  const std::string* Header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Errors: kPermissionDenied (egress policy), kDeadlineExceeded (timeout), kResourceExhausted
  // (response too large), kUnavailable (DNS, refused, TLS), kInvalidArgument (bad URL).
  // An HTTP error status is not an error: it comes back as a Response.
  virtual Result<Response> Send(Request request) = 0;
};

}  // namespace relish::outbound
