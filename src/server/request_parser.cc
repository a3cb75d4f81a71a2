#include "server/request_parser.h"

#include <algorithm>

#include "base/fast_random.h"
#include "base/http_wire.h"
#include "base/ids.h"

namespace relish::server {

namespace http = boost::beast::http;

namespace {

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A list of tokens (empty elements allowed, RFC 9110 §5.6.1) whose only chunked is the last.
bool ChunkedLast(std::string_view codings) {
  bool chunked = false;
  while (!codings.empty()) {
    size_t comma = std::min(codings.find(','), codings.size());
    std::string_view coding = codings.substr(0, comma);
    codings.remove_prefix(std::min(comma + 1, codings.size()));
    while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t'))
      coding.remove_prefix(1);
    while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t'))
      coding.remove_suffix(1);
    if (coding.empty()) continue;
    if (chunked || !IsToken(coding)) return false;
    chunked = SameHeaderName(coding, "chunked");
  }
  return chunked;
}

}  // namespace

RequestParser::RequestParser(Request& out, size_t body_limit, size_t header_limit)
    : StringBodyParser(out.body, body_limit), out_(out) {
  limit_head(header_limit);
}

void RequestParser::on_request_impl(http::verb, string_view method, string_view target, int version,
                                    error_code&) {
  out_.method.assign(method.data(), method.size());
  out_.target.assign(target.data(), target.size());
  version_ = static_cast<unsigned>(version);
}

void RequestParser::on_field_impl(http::field field, string_view name, string_view value,
                                  error_code&) {
  // After the header, Beast hands over a chunked body's trailer fields, which are not headers
  // (RFC 9110 §6.5.1): a field sent after the body is not one a proxy in front checked.
  if (this->is_header_done()) return;
  if (field == http::field::transfer_encoding) {
    transfer_encoding_ = true;
    codings_.append(1, ',').append(value.data(), value.size());
  }
  out_.headers.emplace_back(std::string(name.data(), name.size()),
                            std::string(value.data(), value.size()));
}

void RequestParser::on_header_impl(error_code& ec) {
  if (transfer_encoding_ && (!this->chunked() || !ChunkedLast(codings_))) {
    ec = http::error::bad_transfer_encoding;
  }
}

void CompleteRequest(Request& req, const std::string& remote) {
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.remote = remote;
  auto id = req.Header("X-Request-Id");
  req.request_id =
      id && SaneRequestId(*id) ? std::string(*id) : NewId("req", SystemClock(), FastRandom());
}

}  // namespace relish::server
