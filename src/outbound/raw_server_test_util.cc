#include "outbound/raw_server_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "base/http_wire.h"

namespace relish::outbound::testing {
namespace {

constexpr int kPollMs = 50;
constexpr std::chrono::seconds kConnectionLimit{5};  // a stuck client cannot hang a test

int Listen(const std::string& bind, uint16_t& port) {
  bool v6 = bind.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    inet_pton(AF_INET6, bind.c_str(), &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    inet_pton(AF_INET, bind.c_str(), &a->sin_addr);
    len = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 16) != 0) {
    close(fd);
    throw std::runtime_error("cannot listen on " + bind);
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                  : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return fd;
}

// Waits up to kPollMs for `fd` to be readable.
bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, kPollMs) > 0;
}

// Appends what can be read now; false at end of stream or on an error.
bool ReadSome(int fd, std::string& out) {
  char buf[16384];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  out.append(buf, static_cast<size_t>(n));
  return true;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// The Content-Length of a head, 0 when it has none.
size_t ContentLength(std::string_view head) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    std::string_view line = head.substr(pos, head.find("\r\n", pos) - pos);
    auto colon = line.find(':');
    if (colon != std::string_view::npos && SameHeaderName(line.substr(0, colon), "content-length")) {
      std::string_view digits = line.substr(colon + 1);
      while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
      size_t n = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), n);  // 0 when not a number
      return n;
    }
  }
  return 0;
}

}  // namespace

RawServer::RawServer(const std::string& bind) {
  listen_fd_ = Listen(bind, port_);
  thread_ = std::thread([this] { Serve(); });
}

RawServer::~RawServer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

void RawServer::Answer(std::string response) {
  std::lock_guard lock(mu_);
  answers_.push_back(std::move(response));
}

std::vector<std::string> RawServer::Requests(size_t n) {
  std::unique_lock lock(mu_);
  done_.wait_for(lock, std::chrono::seconds(2), [&] { return requests_.size() >= n; });
  return requests_;
}

void RawServer::Serve() {
  while (!stop_) {
    if (!Readable(listen_fd_)) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++accepted_;
    Handle(fd);
    close(fd);
  }
}

void RawServer::Handle(int fd) {
  auto until = std::chrono::steady_clock::now() + kConnectionLimit;
  std::string bytes;
  size_t head_end = std::string::npos;
  bool open = true;
  // The head, then the body its Content-Length announces.
  while (open && std::chrono::steady_clock::now() < until) {
    if (head_end == std::string::npos) head_end = bytes.find("\r\n\r\n");
    if (head_end != std::string::npos &&
        bytes.size() >= head_end + 4 + ContentLength(std::string_view(bytes).substr(0, head_end))) {
      break;
    }
    if (Readable(fd)) open = ReadSome(fd, bytes);
  }
  std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  {
    std::lock_guard lock(mu_);
    if (!answers_.empty()) answer = answers_[std::min(next_answer_++, answers_.size() - 1)];
  }
  if (open) WriteAll(fd, answer);
  // Anything after the request (a second, smuggled one) arrives before the client closes.
  while (open && std::chrono::steady_clock::now() < until) {
    if (Readable(fd)) open = ReadSome(fd, bytes);
  }
  std::lock_guard lock(mu_);
  requests_.push_back(std::move(bytes));
  done_.notify_all();
}

ConnectProxy::ConnectProxy() {
  listen_fd_ = Listen("127.0.0.1", port_);
  thread_ = std::thread([this] { Serve(); });
}

ConnectProxy::~ConnectProxy() {
  stop_ = true;
  thread_.join();
  for (auto& t : tunnels_) t.join();
  close(listen_fd_);
}

std::vector<std::string> ConnectProxy::Heads() {
  std::lock_guard lock(mu_);
  return heads_;
}

void ConnectProxy::Serve() {
  while (!stop_) {
    if (!Readable(listen_fd_)) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    tunnels_.emplace_back([this, fd] {
      Tunnel(fd);
      close(fd);
    });
  }
}

void ConnectProxy::Tunnel(int client) {
  auto until = std::chrono::steady_clock::now() + kConnectionLimit;
  std::string bytes;
  size_t end = std::string::npos;
  while (end == std::string::npos && std::chrono::steady_clock::now() < until && !stop_) {
    if (Readable(client) && !ReadSome(client, bytes)) return;
    end = bytes.find("\r\n\r\n");
  }
  if (end == std::string::npos) return;
  std::string head = bytes.substr(0, end + 4);
  {
    std::lock_guard lock(mu_);
    heads_.push_back(head);
  }
  // "CONNECT host:port HTTP/1.1", host a numeric address, IPv6 in brackets.
  if (!head.starts_with("CONNECT ")) {
    WriteAll(client, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  std::string target = head.substr(8, head.find(' ', 8) - 8);
  auto colon = target.rfind(':');
  if (colon == std::string::npos) {
    WriteAll(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  std::string host = target.substr(0, colon);
  if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
  uint16_t port = 0;
  std::from_chars(target.data() + colon + 1, target.data() + target.size(), port);
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool v6 = host.find(':') != std::string::npos;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) host.clear();
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) host.clear();
    len = sizeof *a;
  }
  int upstream = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (host.empty() || connect(upstream, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    WriteAll(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    close(upstream);
    return;
  }
  WriteAll(client, "HTTP/1.1 200 Connection established\r\n\r\n");
  WriteAll(upstream, std::string_view(bytes).substr(end + 4));
  char buf[16384];
  while (std::chrono::steady_clock::now() < until && !stop_) {
    pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (poll(p, 2, kPollMs) <= 0) continue;
    bool closed = false;
    for (int i = 0; i < 2; ++i) {
      if (p[i].revents == 0) continue;
      ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        closed = true;
        break;
      }
      WriteAll(p[1 - i].fd, std::string_view(buf, static_cast<size_t>(n)));
    }
    if (closed) break;
  }
  close(upstream);
}

}  // namespace relish::outbound::testing
