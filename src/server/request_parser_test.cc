#include "server/request_parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

namespace relish::server {
namespace {

// Parses `bytes` (all there is of the connection) as HttpServer does: the first request, or the
// error that ends the connection; `rest` is what is left for the next request.
std::string ParseOne(std::string_view bytes, Request& request, std::string* rest = nullptr,
                     size_t body_limit = 1024, size_t header_limit = 1024) {
  boost::beast::flat_buffer buffer;
  auto space = buffer.prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
  RequestParser parser(request, body_limit, header_limit);
  boost::system::error_code ec;
  if (!ParseBuffered(buffer, parser, ec) && !ec) parser.put_eof(ec);
  if (rest) {
    auto data = buffer.data();
    rest->assign(static_cast<const char*>(data.data()), data.size());
  }
  return ec ? ec.message() : "ok";
}

TEST(RequestParserTest, FillsTheRequest) {
  Request r;
  std::string rest;
  EXPECT_EQ(ParseOne("POST /api/v1/x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}GET", r,
                     &rest),
            "ok");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/v1/x?a=1");
  EXPECT_EQ(r.body, "{}");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[1].first, "Content-Length");
  EXPECT_EQ(rest, "GET");
  CompleteRequest(r, "192.0.2.1");
  EXPECT_EQ(r.path, "/api/v1/x");
  EXPECT_EQ(r.query, "a=1");
  EXPECT_EQ(r.remote, "192.0.2.1");
}

TEST(RequestParserTest, ChunkedBodies) {
  Request r;
  EXPECT_EQ(ParseOne("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                     "3\r\nabc\r\n0\r\n\r\n",
                     r),
            "ok");
  EXPECT_EQ(r.body, "abc");
}

// Beast frames a request whose Transfer-Encoding does not end in chunked as one without a body,
// so what the client sent as its body was read as the next request; a proxy in front that
// refuses such a request, or reads its body to the end, sees one request where the server saw
// two (request smuggling). RFC 9112 §6.3: answer 400 and close. Found by the http_request fuzz
// target.
TEST(RequestParserTest, RefusesATransferEncodingThatDoesNotEndInChunked) {
  for (const char* coding : {"gzip", "chunked, gzip", "chunked, chunked", "identity"}) {
    Request r;
    std::string head = std::string("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ") + coding +
                       "\r\n\r\nGET /admin HTTP/1.1\r\n\r\n";
    EXPECT_EQ(ParseOne(head, r), "bad Transfer-Encoding") << coding;
  }
}

// Beast reads "chunked" followed by bytes that are not a token character ("chunked\xaa") as
// chunked, where a proxy in front may read an unknown coding: each coding must be a token, and
// the last one chunked. Found by the http_request fuzz target.
TEST(RequestParserTest, RefusesATransferEncodingThatIsNotAListOfCodings) {
  for (const char* coding : {"chunked\xaa", "chunked\xaa, chunked", "\"chunked\"", "chunked;x"}) {
    Request r;
    std::string head = std::string("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ") + coding +
                       "\r\n\r\n0\r\n\r\n";
    EXPECT_EQ(ParseOne(head, r), "bad Transfer-Encoding") << coding;
  }
  Request r;
  EXPECT_EQ(
      ParseOne("POST / HTTP/1.1\r\nTransfer-Encoding: gzip,\r\nTransfer-Encoding: , Chunked\r\n"
               "\r\n3\r\nabc\r\n0\r\n\r\n",
               r),
      "ok");
  EXPECT_EQ(r.body, "abc");
}

// Beast hands a chunked body's trailer fields to the same callback as the header's, so a field
// sent after the body (an Authorization, a Cookie, an X-Request-Id) became one of the request's
// headers, which a proxy in front checks and a handler reads. RFC 9110 §6.5.1: a trailer is not
// merged into the header section. Found by the http_request fuzz target.
TEST(RequestParserTest, TrailerFieldsAreNotHeaders) {
  Request r;
  EXPECT_EQ(ParseOne("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n0\r\nAuthorization: Bearer t\r\nX-Request-Id: planted\r\n\r\n",
                     r),
            "ok");
  EXPECT_EQ(r.body, "abc");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.Header("Authorization"), std::nullopt);
  EXPECT_EQ(r.Header("X-Request-Id"), std::nullopt);
}

// Parses `bytes` arriving in reads of `piece` bytes, as HttpServer does; the outcome.
std::string ParseInPieces(std::string_view bytes, size_t piece, size_t header_limit) {
  Request r;
  boost::beast::flat_buffer buffer;
  RequestParser parser(r, 1024, header_limit);
  boost::system::error_code ec;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    std::string_view read = bytes.substr(at, piece);
    auto space = buffer.prepare(read.size());
    std::memcpy(space.data(), read.data(), read.size());
    buffer.commit(read.size());
    if (ParseBuffered(buffer, parser, ec) || ec) break;
  }
  return ec ? ec.message() : parser.is_done() ? "ok" : "incomplete";
}

// A chunked body read a byte at a time. Beast 1.74 asserts that a last chunk it has seen
// ("0\r\n") but whose trailer has not ended comes back at least 5 bytes long; a last chunk
// that is also the first, followed by one more byte, is 4. A debug build aborted (found by the
// http_request fuzz target), so ParseBuffered waits for the next byte first.
TEST(RequestParserTest, ChunkedBodiesArrivingAByteAtATime) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t piece : {1, 2, 3, 4, 5}) {
    EXPECT_EQ(ParseInPieces(head + "0\r\n\r\n", piece, 1024), "ok") << piece;
    EXPECT_EQ(ParseInPieces(head + "0\r\nX: y\r\n\r\n", piece, 1024), "ok") << piece;
    EXPECT_EQ(ParseInPieces(head + "3\r\nabc\r\n0\r\n\r\n", piece, 1024), "ok") << piece;
    EXPECT_EQ(ParseInPieces(head + "0\r\n\r", piece, 1024), "incomplete") << piece;
    EXPECT_EQ(ParseInPieces(head + "0\r\nzz", piece, 1024), "incomplete") << piece;
  }
}

// The head (start line, fields, blank line) is held to the header limit however its bytes
// arrive. Beast held the start line and the fields to it each when they came in one read, and
// the whole head when they came in pieces: a head of up to twice the limit was served or refused
// (431) by how the packets fell. Found by the http_request fuzz target.
TEST(RequestParserTest, TheHeaderLimitHoldsForTheWholeHeadHoweverItArrives) {
  const std::string start = "GET /a-target-of-some-length HTTP/1.1\r\n";  // 39 bytes
  auto head = [&](size_t bytes) {  // a head of exactly `bytes` bytes
    std::string field = "X: " + std::string(bytes - start.size() - 7, 'v') + "\r\n";
    return start + field + "\r\n";
  };
  for (size_t piece : {1000, 1, 7, 38, 39, 40, 64}) {
    EXPECT_EQ(ParseInPieces(head(64), piece, 64), "ok") << piece;
    EXPECT_EQ(ParseInPieces(head(65), piece, 64), "header limit exceeded") << piece;
    EXPECT_EQ(ParseInPieces(head(100), piece, 64), "header limit exceeded") << piece;
  }
}

// Beast waits for a chunk's whole size line and for a chunked body's whole trailer without any
// limit: a client that never ended one made the server's buffer grow for as long as the header
// timeout let it send. They are held to the header limit too.
TEST(RequestParserTest, AChunkLineOrATrailerIsHeldToTheHeaderLimit) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t piece : {1000, 1, 10}) {
    EXPECT_EQ(ParseInPieces(head + "1;ext=" + std::string(200, 'x'), piece, 64),
              "header limit exceeded")
        << piece;
    EXPECT_EQ(ParseInPieces(head + "1\r\na\r\n0\r\nX: " + std::string(200, 'x'), piece, 64),
              "header limit exceeded")
        << piece;
    // What waits unread behind the message (the next request) is not the parser's to hold.
    EXPECT_EQ(ParseInPieces(head + "1\r\na\r\n0\r\nX: " + std::string(20, 'y') + "\r\n\r\nGET /" +
                                std::string(100, 'x'),
                            piece, 64),
              "ok")
        << piece;
    EXPECT_EQ(ParseInPieces(head + "1;ext=" + std::string(40, 'x') + "\r\na\r\n0\r\nX: y\r\n\r\n",
                            piece, 64),
              "ok")
        << piece;
    // Whole ones too: Beast took a chunk line or a trailer of any length when it came in one
    // read, so the same request was served or refused by how the packets fell (found by the
    // http_request fuzz target).
    EXPECT_EQ(ParseInPieces(head + "1;ext=" + std::string(200, 'x') + "\r\na\r\n0\r\n\r\n", piece, 64),
              "header limit exceeded")
        << piece;
    EXPECT_EQ(ParseInPieces(head + "1\r\na\r\n0\r\nX: " + std::string(200, 'x') + "\r\n\r\n", piece, 64),
              "header limit exceeded")
        << piece;
    // A chunk's data is not a line: any length, in pieces of any size.
    EXPECT_EQ(ParseInPieces(head + "c8\r\n" + std::string(200, 'd') + "\r\n0\r\n\r\n", piece, 64), "ok")
        << piece;
  }
}

}  // namespace
}  // namespace relish::server
