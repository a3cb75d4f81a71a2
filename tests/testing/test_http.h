// A small synchronous HTTP/1.1 client over a raw socket, so tests control exactly what goes on
// the wire (keep-alive, oversized bodies, half-sent requests).
#pragma once

#include <string>

#include "server/asio.h"

namespace relish::testing {

struct RawResponse {
  int status = 0;
  std::string body;
  boost::beast::http::response<boost::beast::http::string_body> message;
  bool keep_alive() const { return message.keep_alive(); }
  std::string Header(const std::string& name) const {
    auto it = message.find(name);
    return it == message.end() ? "" : std::string(it->value());
  }
};

class TestConnection {
 public:
  // `from`: the local address to connect from ("127.0.0.2": another client on loopback).
  explicit TestConnection(uint16_t port, const std::string& from = "") : socket_(ioc_) {
    if (!from.empty()) {
      socket_.open(boost::asio::ip::tcp::v4());
      socket_.bind({boost::asio::ip::make_address(from), 0});
    }
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  void Send(const std::string& raw) { boost::asio::write(socket_, boost::asio::buffer(raw)); }
  RawResponse Read() {
    RawResponse r;
    boost::beast::http::read(socket_, buffer_, r.message);
    r.status = static_cast<int>(r.message.result_int());
    r.body = r.message.body();
    return r;
  }
  RawResponse Request(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& extra_headers = "") {
    Send(method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return Read();
  }
  // True when the server has closed the connection (reads EOF).
  bool ClosedByPeer() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace relish::testing
