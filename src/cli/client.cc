#include "cli/client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/encoding.h"
#include "cli/command.h"
#include "outbound/curl_client.h"

namespace relish::cli {

std::string ClientConfigPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  std::string base = xdg && *xdg ? xdg : std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.config";
  return base + "/relish/cli.json";
}

Result<ClientSettings> LoadClientSettings(const RemoteFlags& flags) {
  ClientSettings s;
  std::ifstream in(ClientConfigPath());
  if (in.good()) {
    std::stringstream text;
    text << in.rdbuf();
    auto j = Json::parse(text.str(), nullptr, false);
    if (j.is_object()) {
      s.url = j.value("url", "");
      s.token = j.value("token", "");
    }
  }
  if (const char* url = std::getenv("RELISH_URL"); url && *url) s.url = url;
  if (const char* token = std::getenv("RELISH_TOKEN"); token && *token) s.token = token;
  if (!flags.url.empty()) s.url = flags.url;
  if (!flags.token.empty()) s.token = flags.token;
  if (s.url.empty()) s.url = "http://127.0.0.1:8080";
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  return s;
}

Result<void> SaveClientSettings(const ClientSettings& settings) {
  std::string path = ClientConfigPath();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot write " + path);
  ::fchmod(fd, 0600);
  std::string text = Json{{"url", settings.url}, {"token", settings.token}}.dump(2) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return Unavailable("cannot write " + path);
  return Ok();
}

ApiClient::ApiClient(ClientSettings settings) : settings_(std::move(settings)) {
  // The CLI talks to the user's own server, which is usually on loopback or a private network.
  http_ = outbound::NewCurlClient({.egress = {.allow_loopback = true, .allow_private = true},
                                   .user_agent = "relish-cli"});
}

void ApiClient::SetScope(std::string org, std::string environment) {
  org_ = std::move(org);
  environment_ = std::move(environment);
}

Result<Json> ApiClient::Call(const std::string& method, const std::string& path, const Json* body) {
  outbound::Request r;
  r.method = method;
  r.url = path;
  if (body != nullptr) {
    r.body = body->dump();
    r.headers.emplace_back("Content-Type", "application/json");
  }
  return Send(std::move(r));
}

Result<Json> ApiClient::CallRaw(const std::string& method, const std::string& path, std::string body,
                                const std::string& content_type) {
  outbound::Request r;
  r.method = method;
  r.url = path;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", content_type);
  return Send(std::move(r));
}

Result<Json> ApiClient::Send(outbound::Request r) {
  std::string path = r.url;
  std::string scope;
  if (!org_.empty()) scope += "org=" + FormEncode(org_);
  if (!environment_.empty()) scope += std::string(scope.empty() ? "" : "&") + "environment=" + FormEncode(environment_);
  if (!scope.empty()) path += (path.find('?') == std::string::npos ? "?" : "&") + scope;
  r.url = settings_.url + path;
  if (!settings_.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + settings_.token);
  r.max_redirects = 0;
  r.timeout = std::chrono::seconds(60);
  auto response = http_->Send(std::move(r));
  if (!response.ok()) {
    return Unavailable("cannot reach the Relish server at " + settings_.url + ": " +
                       response.error().message() + " (is `relish serve` running? see --url)");
  }
  Json body = response->body.empty() ? Json::object() : Json::parse(response->body, nullptr, false);
  if (response->status >= 200 && response->status < 300) {
    if (body.is_discarded()) return Internal("the server answered with something that is not JSON");
    return body;
  }
  std::string message = body.is_object() && body.contains("message") ? body["message"].get<std::string>()
                                                                     : "HTTP " + std::to_string(response->status);
  if (response->status == 401 && settings_.token.empty()) {
    message += " (sign in with `relish login`, or set RELISH_TOKEN)";
  }
  static const std::map<std::string, ErrorCode> kCodes = {
      {"invalid_argument", ErrorCode::kInvalidArgument}, {"not_found", ErrorCode::kNotFound},
      {"already_exists", ErrorCode::kAlreadyExists}, {"permission_denied", ErrorCode::kPermissionDenied},
      {"unauthenticated", ErrorCode::kUnauthenticated}, {"failed_precondition", ErrorCode::kFailedPrecondition},
      {"resource_exhausted", ErrorCode::kResourceExhausted}, {"unavailable", ErrorCode::kUnavailable},
      {"deadline_exceeded", ErrorCode::kDeadlineExceeded}};
  ErrorCode code = ErrorCode::kInternal;
  if (body.is_object() && body.contains("code")) {
    auto it = kCodes.find(body["code"].get<std::string>());
    if (it != kCodes.end()) code = it->second;
  }
  return Error(code, message);
}

Result<std::string> ReadSecret(const std::string& prompt) {
  bool tty = ::isatty(STDIN_FILENO);
  termios old {};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (!got) return InvalidArgument("no input on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void AddRemoteFlags(CLI::App& cmd, RemoteFlags& flags, bool scoped) {
  cmd.add_option("--url", flags.url,
                 "Relish server URL (default RELISH_URL, the saved login, or http://127.0.0.1:8080)");
  cmd.add_option("--token", flags.token, "API token (default RELISH_TOKEN or the saved login)");
  if (scoped) {
    cmd.add_option("--org", flags.org, "Organization id (default: your first)");
    cmd.add_option("--env", flags.environment, "Environment: sandbox (default) or production");
  }
  cmd.add_flag("--json", flags.json, "Print the server's JSON answer");
}

Result<ApiClient> Connect(const RemoteFlags& flags) {
  ApiClient client(TRY(LoadClientSettings(flags)));
  client.SetScope(flags.org, flags.environment);
  return client;
}

int PrintAnswer(const RemoteFlags& flags, const Result<Json>& result,
                const std::function<void(const Json&)>& text) {
  if (!result.ok()) return Fail(result.error());
  if (flags.json || !text) {
    std::cout << result->dump(2) << "\n";
  } else {
    text(*result);
  }
  return kExitOk;
}

}  // namespace relish::cli
