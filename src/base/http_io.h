// Reading and writing HTTP/1 messages without Beast's composed operations. Beast's parser does
// the parsing (framing, limits, the checks against request smuggling); a parser derived from
// beast::http::basic_parser puts what it reads straight into Relish's own request or response
// type. What goes is the machinery around it: http::async_read and asio::async_write post their
// completion to the scheduler even when the bytes were already there, and a proxied request made
// four such round trips (callgrind: ~15% of its instructions).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/asio.h"

namespace relish {

// A parser whose body goes into a string, held to `limit` (http::error::body_limit past it, or
// as soon as a Content-Length says so), and which parses eagerly, as ReadHttpMessage needs.
// A derived parser takes the start line and the fields.
template <bool isRequest>
class StringBodyParser : public boost::beast::http::basic_parser<isRequest> {
 public:
  StringBodyParser(std::string& body, size_t limit) : body_(body), limit_(limit) {
    this->eager(true);
    this->body_limit(limit);
  }

  // Holds what the parser must have whole before it can go on to `limit` bytes, however they
  // arrive (ParseBuffered enforces it; http::error::header_limit past it): the head (start line,
  // fields and the blank line), a chunk's size line, a chunked body's trailer. Beast's own
  // header_limit holds the start line and the fields to it each when they come in one read and
  // the whole head when it comes in pieces (so a head of up to twice the limit was served or
  // refused by how the packets fell), and a chunk line or a trailer to nothing, so a peer that
  // never ended one grew the buffer for as long as the read timeout let it send. Without a call,
  // Beast's own limits apply.
  void limit_head(size_t limit) {
    head_limit_ = limit;
    // Above ours, so that Beast's checks never refuse a head ours takes.
    this->header_limit(static_cast<uint32_t>(std::min<size_t>(limit + 1, UINT32_MAX)));
  }
  size_t head_limit() const { return head_limit_; }
  // Bytes of the head the parser has taken so far (ParseBuffered counts them).
  size_t head_seen = 0;

 protected:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;
  // The start line of the other direction: never called for this one.
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code& ec) override {
    ec = boost::beast::http::error::bad_method;
  }
  void on_response_impl(int, string_view, int, error_code& ec) override {
    ec = boost::beast::http::error::bad_status;
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code& ec) override {
    if (length && *length > limit_) {
      ec = boost::beast::http::error::body_limit;
    } else if (length) {
      body_.reserve(*length);
    }
  }
  size_t on_body_impl(string_view body, error_code& ec) override {
    if (body_.size() + body.size() > limit_) {
      ec = boost::beast::http::error::body_limit;
      return 0;
    }
    body_.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(error_code&) override {}

 private:
  std::string& body_;
  size_t limit_;
  size_t head_limit_ = SIZE_MAX;
};

// Feeds what `buffer` holds to `parser`. True when the message is complete or `ec` says why it
// never will be; false when the parser needs more bytes. Holds the parser to its head_limit().
template <bool isRequest>
bool ParseBuffered(boost::beast::flat_buffer& buffer, StringBodyParser<isRequest>& parser,
                   boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  while (!parser.is_done() && buffer.size() > 0) {
    auto data = buffer.data();
    bool head = !parser.is_header_done();
    // The head is given no more than its room: when it does not end within that, it never will.
    // A chunked body is given no more than the head limit at a time, so that a chunk line or a
    // trailer is held to it however the bytes arrive: Beast takes one of any length when it
    // comes whole, and a chunk's data simply arrives over several calls.
    size_t room = head              ? parser.head_limit() - parser.head_seen
                  : parser.chunked() ? parser.head_limit()
                                     : SIZE_MAX;
    // Beast 1.74 asserts (parse_chunk_header) that a last chunk it has seen, "0\r\n", whose
    // trailer had not ended, comes back at least 5 bytes long; when it was also the first chunk
    // and one byte has come since, it is 4. The message cannot end before a fifth byte
    // ("0\r\n\r\n"), and Beast would only ask for more: wait for it.
    if (!head && parser.chunked() && data.size() == 4 &&
        std::string_view(static_cast<const char*>(data.data()), 3) == "0\r\n") {
      return false;
    }
    size_t given = std::min(data.size(), room);
    size_t used = parser.put(boost::asio::const_buffer(data.data(), given), ec);
    buffer.consume(used);
    if (head) parser.head_seen += used;
    if (ec == http::error::need_more) {
      ec = {};
      if (!parser.is_header_done()) {
        if (given < room) return false;
        ec = http::error::header_limit;
        return true;
      }
      // Only bytes it has not seen yet may be put again (Beast asserts there are more).
      if (given < data.size()) {
        if (used > 0) continue;  // it went on within its window: give it the next
        // A chunk line or a trailer with no end in the limit's worth of bytes.
        ec = http::error::header_limit;
        return true;
      }
      // A chunk line or a trailer it waits to see whole: what it left unread.
      if (buffer.size() < parser.head_limit()) return false;
      ec = http::error::header_limit;
      return true;
    }
    if (ec) return true;
    if (used == 0) return false;
  }
  return parser.is_done();
}

// Reads until `parser` has a whole message, as beast::http::async_read does: the end of the
// stream completes a message that ends with it (a response without a length) and is
// http::error::end_of_stream before the first byte. The parser must be eager.
template <typename Stream, bool isRequest>
Task<void> ReadHttpMessage(Stream& stream, boost::beast::flat_buffer& buffer,
                           StringBodyParser<isRequest>& parser, boost::system::error_code& ec) {
  namespace asio = boost::asio;
  while (!ParseBuffered(buffer, parser, ec)) {
    size_t room = std::clamp<size_t>(buffer.capacity() - buffer.size(), 4096, 65536);
    size_t n = co_await stream.async_read_some(buffer.prepare(room), asio::redirect_error(use_task, ec));
    if (ec == asio::error::eof) {
      ec = {};
      if (!parser.got_some()) {
        ec = boost::beast::http::error::end_of_stream;
        co_return;
      }
      parser.put_eof(ec);
      co_return;
    }
    if (ec) co_return;
    buffer.commit(n);
  }
}

// Writes all of `buffers` to a plain socket: at once when the socket takes them (the common
// case: a few hundred bytes into an empty send buffer), through async_write for the rest.
template <typename ConstBuffers>
Task<void> WriteAll(TcpSocket& socket, const ConstBuffers& buffers, boost::system::error_code& ec) {
  namespace asio = boost::asio;
  ec = {};
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  size_t total = asio::buffer_size(buffers);
  size_t written = ec ? 0 : socket.write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec || written == total) co_return;
  std::vector<asio::const_buffer> left;
  size_t offset = written;  // into the sequence: what the first write took
  for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
    asio::const_buffer b = *it;
    if (offset >= b.size()) {
      offset -= b.size();
      continue;
    }
    left.push_back(b + offset);
    offset = 0;
  }
  co_await asio::async_write(socket, left, asio::redirect_error(use_task, ec));
}

}  // namespace relish
