#include "cli/client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "base/encoding.h"
#include "base/json_depth.h"
#include "cli/command.h"
#include "outbound/curl_client.h"

namespace relish::cli {

namespace {

// Request bodies are made from arguments, files and standard input, which may hold bytes that
// are not UTF-8; nlohmann's dump throws on those.
Result<std::string> JsonText(const Json& value, int indent = -1) {
  try {
    return value.dump(indent);
  } catch (const Json::exception&) {
    return InvalidArgument(
        "the request holds text that is not UTF-8 (check the arguments, files and standard "
        "input)");
  }
}

}  // namespace

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
    // A file that is not what `relish login` writes is ignored: the server then asks for a
    // sign-in, and `relish login` writes it anew.
    if (JsonDepthWithin(text.str(), kMaxAnswerDepth)) {
      Json j = Json::parse(text.str(), nullptr, false);
      Field saved(j);
      auto url = saved.OptionalString("url");
      auto token = saved.OptionalString("token");
      if (url.ok() && token.ok()) {
        s.url = *url;
        s.token = *token;
      }
    }
  }
  if (const char* url = std::getenv("RELISH_URL"); url && *url) s.url = url;
  if (const char* token = std::getenv("RELISH_TOKEN"); token && *token) s.token = token;
  if (!flags.url.empty()) s.url = flags.url;
  if (!flags.token.empty()) s.token = flags.token;
  if (s.url.empty()) s.url = "http://127.0.0.1:8080";
  // "127.0.0.1:8080" or "relish.local": an address as curl takes it, over http.
  if (s.url.find("://") == std::string::npos) s.url = "http://" + s.url;
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  return s;
}

Result<void> SaveClientSettings(const ClientSettings& settings) {
  std::string path = ClientConfigPath();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string text = TRY(JsonText(Json{{"url", settings.url}, {"token", settings.token}}, 2)) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot write " + path);
  ::fchmod(fd, 0600);
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
    r.body = TRY(JsonText(*body));
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

Error ApiClient::NotRelish(std::string_view what) const {
  return FailedPrecondition("not a Relish server at " + settings_.url + ": " + last_request_ + ": " +
                            std::string(what));
}

Result<Json> ApiClient::Send(outbound::Request r) {
  std::string path = r.url;
  last_request_ = r.method + " " + path.substr(0, path.find('?'));
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
    if (response.error().code() == ErrorCode::kResourceExhausted) return response.error();
    return Unavailable("cannot reach the Relish server at " + settings_.url + ": " +
                       response.error().message() + " (is `relish serve` running? see --url)");
  }
  return Read(*response);
}

namespace {

// "a body of type text/html", or "a body" when the server named no type.
std::string BodyOfType(const outbound::Response& response) {
  const std::string* type = response.Header("Content-Type");
  std::string shown;
  if (type != nullptr) {
    for (char c : *type) {
      if (c == ';' || shown.size() >= 60) break;
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '+' || c == '.' ||
          c == '-') {
        shown += c;
      }
    }
  }
  return shown.empty() ? "a body" : "a body of type " + shown;
}

}  // namespace

Result<Json> ApiClient::Read(const outbound::Response& response) const {
  const std::string& text = response.body;
  std::string status = "HTTP " + std::to_string(response.status);
  bool too_deep = !JsonDepthWithin(text, kMaxAnswerDepth);
  Json body = text.empty() || too_deep ? Json(Json::value_t::discarded)
                                       : Json::parse(text, nullptr, false);
  if (response.status >= 200 && response.status < 300) {
    if (text.empty()) return NotRelish(status + " with an empty body");
    if (too_deep) {
      return NotRelish(status + " with JSON nested deeper than " +
                       std::to_string(kMaxAnswerDepth) + " levels");
    }
    if (body.is_discarded()) return NotRelish(status + " with " + BodyOfType(response) + " that is not JSON");
    if (auto object = Field(body).ExpectObject(); !object.ok()) return NotRelish(object.error().message());
    return body;
  }

  // A Relish error is {"code": "not_found", "message": "..."}; any other server's error that
  // says something in "message" is passed on too.
  Field error(body);
  auto message = error.OptionalString("message");
  if (message.ok() && !message->empty()) {
    std::string said = *message;
    // Not to someone running `relish login` already (its wrong password is a 401 too).
    if (response.status == 401 && settings_.token.empty() &&
        last_request_ != "POST /api/v1/auth/token") {
      said += " (sign in with `relish login`, or set RELISH_TOKEN)";
    }
    static const std::map<std::string, ErrorCode, std::less<>> kCodes = {
        {"invalid_argument", ErrorCode::kInvalidArgument}, {"not_found", ErrorCode::kNotFound},
        {"already_exists", ErrorCode::kAlreadyExists}, {"permission_denied", ErrorCode::kPermissionDenied},
        {"unauthenticated", ErrorCode::kUnauthenticated}, {"failed_precondition", ErrorCode::kFailedPrecondition},
        {"resource_exhausted", ErrorCode::kResourceExhausted}, {"unavailable", ErrorCode::kUnavailable},
        {"deadline_exceeded", ErrorCode::kDeadlineExceeded}};
    ErrorCode code = ErrorCode::kInternal;
    if (auto name = error.OptionalString("code"); name.ok()) {
      if (auto it = kCodes.find(*name); it != kCodes.end()) code = it->second;
    }
    return Error(code, said);
  }
  if (response.status >= 300 && response.status < 400) {
    if (const std::string* to = response.Header("Location"); to != nullptr && !to->empty()) {
      return NotRelish(status + ", a redirect to " + *to + " (is --url the server's address?)");
    }
  }
  if (text.empty()) return NotRelish(status + " with an empty body");
  if (too_deep || !body.is_discarded()) return NotRelish(status + " with JSON that is not a Relish error");
  return NotRelish(status + " with " + BodyOfType(response) + " that is not JSON");
}

namespace {

// Echo off on standard input while alive, when it is a terminal.
class NoEcho {
 public:
  NoEcho() : tty_(::isatty(STDIN_FILENO) != 0) {
    if (!tty_) return;
    ::tcgetattr(STDIN_FILENO, &old_);
    termios quiet = old_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  ~NoEcho() {
    if (tty_) ::tcsetattr(STDIN_FILENO, TCSANOW, &old_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  bool tty() const { return tty_; }

 private:
  bool tty_;
  termios old_{};
};

}  // namespace

Result<std::string> ReadSecret(const std::string& prompt) {
  NoEcho quiet;
  if (quiet.tty()) std::cerr << prompt << std::flush;
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (quiet.tty()) std::cerr << "\n";
  if (!got) return InvalidArgument("no input on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::vector<std::string> ReadSecretLines(const std::string& prompt) {
  NoEcho quiet;
  if (quiet.tty()) std::cerr << prompt << std::flush;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // On a terminal an empty line ends (Ctrl-D does too); a pipe is read to its end.
    if (line.empty()) {
      if (quiet.tty()) break;
      continue;
    }
    if (quiet.tty()) std::cerr << "(" << lines.size() + 1 << " read)\n";
    lines.push_back(line);
  }
  if (quiet.tty()) std::cerr << "\n";
  return lines;
}

void AddRemoteFlags(CLI::App& cmd, RemoteFlags& flags, RemoteScope scope) {
  cmd.add_option("--url", flags.url,
                 "Relish server URL (default RELISH_URL, the saved login, or http://127.0.0.1:8080)");
  cmd.add_option("--token", flags.token, "API token (default RELISH_TOKEN or the saved login)");
  if (scope != RemoteScope::kNone) {
    cmd.add_option("--org", flags.org, "Organization id (default: your first)");
  }
  if (scope == RemoteScope::kOrgAndEnvironment) {
    cmd.add_option("--env", flags.environment, "Environment: sandbox (default) or production");
  }
  cmd.add_flag("--json", flags.json, "Print the server's JSON answer");
}

ListQuery& ListQuery::Add(std::string_view key, std::string_view value) {
  if (!value.empty()) {
    query_ += (query_.empty() ? "?" : "&") + std::string(key) + "=" + PercentEncode(value);
  }
  return *this;
}

ListQuery& ListQuery::SinceMinutes(int64_t minutes) {
  if (minutes <= 0) return *this;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return Add("since", std::to_string(now - minutes * 60'000));
}

Result<ApiClient> Connect(const RemoteFlags& flags) {
  ApiClient client(TRY(LoadClientSettings(flags)));
  client.SetScope(flags.org, flags.environment);
  return client;
}

int PrintAnswer(const RemoteFlags& flags, const ApiClient& client, const Result<Json>& result,
                const Printer& text, int indent) {
  if (!result.ok()) return Fail(result.error());
  std::ostringstream out;
  // Made with --json too: reading the fields is what tells a Relish answer from another.
  if (text) {
    if (auto made = text(Field(*result), out); !made.ok()) {
      return Fail(client.NotRelish(made.error().message()));
    }
  }
  if (flags.json || !text) {
    std::cout << DumpJson(*result, indent) << std::endl;  // flushed: a reader may be waiting
  } else {
    std::cout << Printable(out.str());
  }
  return kExitOk;
}

}  // namespace relish::cli
