// libFuzzer target for the server's request parser (server/request_parser.h), fed as HttpServer
// feeds it: the bytes of a connection, parsed request after request (keep-alive, pipelining),
// each with ParseBuffered as bytes arrive and put_eof when the peer closes.
//
// Input: a flags byte, a count byte, then `count % 8` split points (two bytes each), then the
// bytes the client sends. The flags choose the server's default limits or small ones (so the
// 413 and 431 paths are reached with short inputs).
//
// Properties:
// - the same bytes give the same requests (or an error, at the same request) whether they
//   arrive in one piece or in pieces cut at the split points;
// - a parsed request has a token method, HTTP/1.0 or 1.1, a target without spaces or control
//   characters, token header names, header values without CR, LF or NUL;
// - the body is framed by exactly one of Content-Length (and then is that many bytes) or a
//   Transfer-Encoding that is a list of codings (tokens) with chunked last and only there, or is
//   empty; it is within the body limit;
// - the head is within the header limit;
// - CompleteRequest splits the target into path and query and gives a sane request id.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/http_wire.h"
#include "check.h"
#include "server/http_server.h"
#include "server/request_parser.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using relish::server::Request;

struct Limits {
  size_t body;
  size_t header;
};

// One request's outcome as the server would act on it.
struct Outcome {
  std::string error;  // empty when a request was parsed
  Request request;
  unsigned version = 0;
  bool keep_alive = false;
  bool header_done = false;

  // Two errors are the same outcome: the server answers 4xx and closes either way, and which
  // check Beast's parser trips first may depend on how much it has seen.
  bool operator==(const Outcome& o) const {
    if (!error.empty() || !o.error.empty()) return !error.empty() && !o.error.empty();
    return request.method == o.request.method &&
           request.target == o.request.target && request.headers == o.request.headers &&
           request.body == o.request.body && version == o.version && keep_alive == o.keep_alive;
  }
};

std::string Show(const Outcome& o) {
  if (!o.error.empty()) return "error: " + o.error;
  std::string out = o.request.method + " " + o.request.target + " v" + std::to_string(o.version);
  for (const auto& [k, v] : o.request.headers) out += " [" + k + ": " + v + "]";
  out += " body=" + std::to_string(o.request.body.size()) + (o.keep_alive ? " keep-alive" : "");
  return out;
}

// Parses `chunks` (what successive reads return) as the server does; one outcome per request, up
// to the first error or the first request that ends the connection.
std::vector<Outcome> Serve(const std::vector<std::string_view>& chunks, const Limits& limits) {
  std::vector<Outcome> out;
  beast::flat_buffer buffer;
  size_t next = 0;
  auto read = [&]() {
    while (next < chunks.size() && chunks[next].empty()) ++next;  // a read is never empty
    if (next == chunks.size()) return false;
    std::string_view c = chunks[next++];
    auto space = buffer.prepare(c.size());
    std::memcpy(space.data(), c.data(), c.size());
    buffer.commit(c.size());
    return true;
  };
  while (true) {
    if (buffer.size() == 0 && !read()) break;  // the peer closed between requests
    Outcome o;
    relish::server::RequestParser parser(o.request, limits.body, limits.header);
    boost::system::error_code ec;
    bool done = relish::ParseBuffered(buffer, parser, ec);
    while (!done) {
      if (!read()) {
        // ReadHttpMessage at the end of the stream.
        if (!parser.got_some()) {
          ec = http::error::end_of_stream;
        } else {
          parser.put_eof(ec);
        }
        break;
      }
      done = relish::ParseBuffered(buffer, parser, ec);
    }
    if (ec == http::error::end_of_stream) break;
    o.header_done = parser.is_header_done();
    if (ec) {
      o.error = ec.message();
      out.push_back(std::move(o));
      break;
    }
    o.version = parser.version();
    o.keep_alive = parser.keep_alive();
    bool keep_alive = o.keep_alive;
    out.push_back(std::move(o));
    if (!keep_alive) break;
  }
  return out;
}

bool HasControl(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

// The comma-separated items of a header value, trimmed, empty ones left out.
std::vector<std::string> Items(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = std::min(value.find(',', start), value.size());
    std::string_view item = value.substr(start, end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

void CheckRequest(Outcome& o, const Limits& limits) {
  Request& r = o.request;
  FUZZ_CHECK(relish::IsToken(r.method), Show(o));
  FUZZ_CHECK(!r.target.empty() && !HasControl(r.target), Show(o));
  FUZZ_CHECK(o.version == 10 || o.version == 11, Show(o));
  size_t head = r.method.size() + r.target.size();
  std::vector<std::string> lengths, codings;
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(relish::IsToken(name), Show(o));
    FUZZ_CHECK(relish::IsFieldValue(value), Show(o));
    head += name.size() + value.size();
    if (relish::SameHeaderName(name, "content-length")) {
      for (auto& item : Items(value)) lengths.push_back(item);
    }
    if (relish::SameHeaderName(name, "transfer-encoding")) {
      for (auto& item : Items(value)) codings.push_back(item);
    }
  }
  FUZZ_CHECK(head <= limits.header, "head of " + std::to_string(head) + " bytes: " + Show(o));
  FUZZ_CHECK(r.body.size() <= limits.body, Show(o));
  FUZZ_CHECK(lengths.empty() || codings.empty(), "both framings: " + Show(o));
  if (!lengths.empty()) {
    for (const auto& l : lengths) {
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), n);
      FUZZ_CHECK(ec == std::errc() && end == l.data() + l.size() && n == r.body.size(),
                 "Content-Length " + l + ": " + Show(o));
    }
  } else if (!codings.empty()) {
    for (size_t i = 0; i < codings.size(); ++i) {
      FUZZ_CHECK(relish::IsToken(codings[i]) &&
                     relish::SameHeaderName(codings[i], "chunked") == (i + 1 == codings.size()),
                 "transfer codings that are not a list ending in chunked: " + Show(o));
    }
  } else {
    FUZZ_CHECK(r.body.empty(), "a body without framing: " + Show(o));
  }

  relish::server::CompleteRequest(r, "192.0.2.1");
  FUZZ_CHECK(r.path + (r.target.find('?') == std::string::npos ? "" : "?" + r.query) == r.target,
             Show(o));
  FUZZ_CHECK(!r.request_id.empty() && r.request_id.size() <= 64 && !HasControl(r.request_id),
             r.request_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t flags = data[0];
  size_t splits = data[1] % 8;
  size_t offset = 2 + 2 * splits;
  if (size < offset) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + offset, size - offset);

  relish::server::ServerOptions defaults;
  Limits limits = (flags & 1) ? Limits{64, 256} : Limits{defaults.max_body_bytes, defaults.max_header_bytes};

  std::vector<size_t> cuts = {0, bytes.size()};
  for (size_t i = 0; i < splits; ++i) {
    size_t at = static_cast<size_t>(data[2 + 2 * i]) << 8 | data[3 + 2 * i];
    cuts.push_back(at % (bytes.size() + 1));
  }
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::string_view> pieces;
  for (size_t i = 1; i < cuts.size(); ++i) {
    if (cuts[i] > cuts[i - 1]) pieces.push_back(bytes.substr(cuts[i - 1], cuts[i] - cuts[i - 1]));
  }

  std::vector<Outcome> whole = Serve({bytes}, limits);
  std::vector<Outcome> split = Serve(pieces, limits);
  for (size_t i = 0; i < whole.size() && i < split.size(); ++i) {
    FUZZ_CHECK(whole[i] == split[i],
               "request " + std::to_string(i) + ": whole: " + Show(whole[i]) + "; split: " + Show(split[i]));
  }
  FUZZ_CHECK(whole.size() == split.size(), std::to_string(whole.size()) + " requests whole, " +
                                               std::to_string(split.size()) + " split");
  for (auto& o : whole) {
    if (o.error.empty()) CheckRequest(o, limits);
  }
  return 0;
}
