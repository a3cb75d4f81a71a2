// The parser HttpServer reads every request with: Beast's basic_parser (framing, limits, the
// checks against request smuggling) filling a Request directly (base/http_io.h). In a header of
// its own so that the fuzz target (fuzz/http_request_fuzz.cc) drives exactly the code the server
// runs, with the same limits.
#pragma once

#include <cstddef>
#include <string>

#include "base/http_io.h"
#include "server/http.h"

namespace relish::server {

// One request: the start line and fields into `out`, the body into out.body. A body past
// `body_limit` is http::error::body_limit (413); a head (or a chunk's size line, or a trailer)
// past `header_limit` bytes is http::error::header_limit (431), however its bytes arrive
// (StringBodyParser::limit_head): ServerOptions' max_body_bytes and max_header_bytes. A body is
// framed by Content-Length or by a Transfer-Encoding that ends in chunked, or there is none;
// anything else is an error (400). A chunked body's trailer fields are dropped.
class RequestParser final : public StringBodyParser<true> {
 public:
  RequestParser(Request& out, size_t body_limit, size_t header_limit);
  unsigned version() const { return version_; }

 private:
  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code&) override;
  void on_field_impl(boost::beast::http::field field, string_view name, string_view value,
                     error_code&) override;
  // Refuses a Transfer-Encoding that is not a list of codings (tokens) ending in chunked (RFC
  // 9112 §6.3: the body's length cannot be known). Beast reads a request without chunked last as
  // one without a body (and the body as the next request), and "chunked" followed by other bytes
  // as chunked, where a proxy in front may read either differently: request smuggling.
  void on_header_impl(error_code& ec) override;

  Request& out_;
  unsigned version_ = 11;
  bool transfer_encoding_ = false;
  std::string codings_;  // the Transfer-Encoding fields' values, joined with ','
};

// What the parser does not fill in: the target split at '?', the peer, the request's id (the
// client's X-Request-Id when it is sane, else a new one).
void CompleteRequest(Request& req, const std::string& remote);

}  // namespace relish::server
