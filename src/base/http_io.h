// Reading and writing HTTP/1 messages without Beast's composed operations. Beast's parser does
// the parsing (framing, limits, the checks against request smuggling); a parser derived from
// beast::http::basic_parser puts what it reads straight into Relish's own request or response
// type. What goes is the machinery around it: http::async_read and asio::async_write post their
// completion to the scheduler even when the bytes were already there, and a proxied request made
// four such round trips (callgrind: ~15% of its instructions).
#pragma once

#include <algorithm>
#include <vector>

#include "base/asio.h"

namespace relish {

// Feeds what `buffer` holds to `parser`. True when the message is complete or `ec` says why it
// never will be; false when the parser needs more bytes.
template <bool isRequest>
bool ParseBuffered(boost::beast::flat_buffer& buffer, boost::beast::http::basic_parser<isRequest>& parser,
                   boost::system::error_code& ec) {
  while (!parser.is_done() && buffer.size() > 0) {
    size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      return false;
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
                           boost::beast::http::basic_parser<isRequest>& parser,
                           boost::system::error_code& ec) {
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
