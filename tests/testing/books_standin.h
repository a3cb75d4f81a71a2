// Starts the Zoho Books stand-in (tests/standins/books/server.mjs, run by node) on a free
// loopback port for one test, and stops it when destroyed. Its README says what it serves.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

extern char** environ;

namespace relish::testing {

class BooksStandIn {
 public:
  // `source_dir` is the repository root. With a client id, the stand-in's token endpoint accepts
  // only that client and secret. Null (and `error` set) when node or the script cannot start.
  // `plays`: Zoho hosts the stand-in also listens for, one port each (see its README); their
  // URLs are in played().
  static std::unique_ptr<BooksStandIn> Start(const std::string& source_dir,
                                             const std::string& client_id,
                                             const std::string& client_secret, std::string* error,
                                             const std::vector<std::string>& plays = {}) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      *error = "pipe failed";
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::string script = source_dir + "/tests/standins/books/server.mjs";
    std::vector<std::string> args = {"node", script, "--port", "0"};
    if (!client_id.empty()) {
      args.insert(args.end(), {"--client-id", client_id, "--client-secret", client_secret});
    }
    if (!plays.empty()) {
      std::string list;
      for (const auto& h : plays) list += (list.empty() ? "" : ",") + h;
      args.insert(args.end(), {"--play", list});
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, "node", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      *error = "cannot start node (is it installed? scripts/setup.sh installs it)";
      return nullptr;
    }
    std::unique_ptr<BooksStandIn> s(new BooksStandIn(pid, out[0]));
    // "books stand-in plays HOST at http://127.0.0.1:PORT" for each played host, then
    // "books stand-in listening on http://127.0.0.1:PORT".
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto complete = [&] {
      auto at = line.find("listening on ");
      return at != std::string::npos && line.find('\n', at) != std::string::npos;
    };
    while (!complete() && std::chrono::steady_clock::now() < deadline) {
      pollfd p{s->out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      ssize_t n = ::read(s->out_, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    for (size_t p = line.find("plays "); p != std::string::npos; p = line.find("plays ", p + 1)) {
      size_t host_end = line.find(" at ", p);
      size_t end = line.find('\n', p);
      if (host_end == std::string::npos || end == std::string::npos) break;
      s->played_[line.substr(p + 6, host_end - p - 6)] = line.substr(host_end + 4, end - host_end - 4);
    }
    size_t at = line.find("listening on ");
    if (at != std::string::npos) at = line.find("http://", at);
    if (at == std::string::npos) {
      *error = "the stand-in did not start: " + line;
      return nullptr;
    }
    s->url_ = line.substr(at, line.find('\n', at) - at);
    s->port_ = static_cast<uint16_t>(std::stoi(s->url_.substr(s->url_.rfind(':') + 1)));
    return s;
  }

  ~BooksStandIn() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    ::close(out_);
  }

  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  uint16_t port() const { return port_; }
  // Played host -> "http://127.0.0.1:PORT" of its own listener.
  const std::map<std::string, std::string>& played() const { return played_; }

 private:
  BooksStandIn(pid_t pid, int out) : pid_(pid), out_(out) {}
  pid_t pid_;
  int out_;
  std::string url_;
  uint16_t port_ = 0;
  std::map<std::string, std::string> played_;
};

}  // namespace relish::testing
