// Outbound HTTP: the one way Relish calls other servers. Blocking and thread-safe.
//
// Every request passes the request-head policy (request_head.h) and the egress policy (scheme,
// host remap, forbidden addresses) before a connection is made, and the egress policy again on
// each redirect hop, which the client follows itself (curl never follows on its own). On a
// redirect to another origin (scheme, host or port), every credential goes: the Authorization,
// Proxy-Authorization and Cookie headers, and whatever Request::credentials lists (the headers,
// query parameters and form fields a connection added).
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

// Where credentials were put on a request, by name, so that a redirect to another origin can
// take every one of them off: a header, a query parameter (also one the redirect's Location
// copied), a field of a form body (which 307 and 308 send again).
struct CredentialPlaces {
  std::vector<std::string> headers;       // besides Authorization, Proxy-Authorization, Cookie
  std::vector<std::string> query_params;  // decoded names
  std::vector<std::string> form_fields;   // decoded names, in an x-www-form-urlencoded body
};

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout = kDefaultTimeout;  // whole exchange, redirects included
  size_t max_response_bytes = kDefaultMaxResponseBytes;
  int max_redirects = kDefaultMaxRedirects;  // 0: return 3xx responses as they are
  CredentialPlaces credentials;  // set by whoever added credentials (connections' Inject)
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
