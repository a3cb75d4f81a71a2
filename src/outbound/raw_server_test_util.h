// Loopback peers for the outbound clients' tests that see the exact bytes a client sends, which
// an HTTP server (that parses, merges and normalises) cannot show: a server that records each
// connection's bytes and answers from a script, and a CONNECT proxy that records what it was
// asked and relays the tunnel.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace relish::outbound::testing {

// Accepts connections on `bind` ("127.0.0.1" or "::1"), port 0. Each connection gets one
// request read (the head, then Content-Length bytes of body) and one answer (the next of
// Answer()'s, the last repeated; by default 200 "ok"), sent with "Connection: close"; then
// whatever else the client sends is read until it closes, and the connection's bytes are kept.
class RawServer {
 public:
  explicit RawServer(const std::string& bind = "127.0.0.1");
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  uint16_t port() const { return port_; }
  // Queues a whole response, e.g. "HTTP/1.1 302 Found\r\nLocation: ...\r\nContent-Length: 0\r\n\r\n".
  void Answer(std::string response);
  // Connections accepted so far.
  int connections() const { return accepted_.load(); }
  // The bytes of each finished connection, in order; waits up to 2 s for `n` of them.
  std::vector<std::string> Requests(size_t n = 1);

 private:
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::condition_variable done_;
  std::vector<std::string> answers_;  // guarded by mu_
  size_t next_answer_ = 0;            // guarded by mu_
  std::vector<std::string> requests_;  // guarded by mu_
  std::thread thread_;
};

// A CONNECT proxy on 127.0.0.1: records each request head it receives ("CONNECT host:port
// HTTP/1.1" and its fields), connects to the host and port asked for (a numeric address only)
// and relays bytes both ways until either side closes. Anything but CONNECT is answered 405.
class ConnectProxy {
 public:
  ConnectProxy();
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  uint16_t port() const { return port_; }
  std::vector<std::string> Heads();  // each request head received, in order

 private:
  void Serve();
  void Tunnel(int client);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> heads_;  // guarded by mu_
  std::vector<std::thread> tunnels_;  // touched by the serving thread only, joined at the end
  std::thread thread_;
};

}  // namespace relish::outbound::testing
