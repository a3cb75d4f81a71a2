// The CLI's REST client: where the server is and which API token to use, and JSON calls to it.
//
// The server URL and token come from --url/--token, else RELISH_URL/RELISH_TOKEN, else the file
// `relish login` writes: $XDG_CONFIG_HOME/relish/cli.json (default ~/.config/relish/cli.json,
// mode 0600). The token never appears on a command line of its own making.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "outbound/http_client.h"

namespace relish::cli {

using Json = nlohmann::ordered_json;

struct RemoteFlags {
  std::string url;
  std::string token;
  std::string org;
  std::string environment;
  bool json = false;  // print raw JSON instead of text
};

struct ClientSettings {
  std::string url;
  std::string token;
};

std::string ClientConfigPath();
Result<ClientSettings> LoadClientSettings(const RemoteFlags& flags);
Result<void> SaveClientSettings(const ClientSettings& settings);

class ApiClient {
 public:
  explicit ApiClient(ClientSettings settings);
  // Calls the API; a non-2xx answer becomes an Error with the server's code and message.
  // `path` may carry a query; `org` and `environment` from the flags are appended when set.
  Result<Json> Call(const std::string& method, const std::string& path, const Json* body = nullptr);
  // Sends a raw body (YAML service definitions).
  Result<Json> CallRaw(const std::string& method, const std::string& path, std::string body,
                       const std::string& content_type);
  void SetScope(std::string org, std::string environment);

 private:
  Result<Json> Send(outbound::Request request);
  ClientSettings settings_;
  std::string org_;
  std::string environment_;
  std::unique_ptr<outbound::HttpClient> http_;
};

// What every command over the REST API shares: --url, --token, --json, and --org/--env when
// the command works inside an organization's environment (`scoped`).
void AddRemoteFlags(CLI::App& cmd, RemoteFlags& flags, bool scoped = true);
// A client for the flags' server, scoped to their organization and environment.
Result<ApiClient> Connect(const RemoteFlags& flags);
// Prints an answer as JSON (with --json, or when there is no `text`) or through `text`, and
// returns the exit code; an error goes to stderr.
int PrintAnswer(const RemoteFlags& flags, const Result<Json>& result,
                const std::function<void(const Json&)>& text);

// Reads a secret from standard input: prompts without echo on a terminal, else reads one line.
Result<std::string> ReadSecret(const std::string& prompt);

}  // namespace relish::cli
