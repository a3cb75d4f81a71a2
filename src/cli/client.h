// The CLI's REST client: where the server is and which API token to use, and JSON calls to it.
//
// The server URL and token come from --url/--token, else RELISH_URL/RELISH_TOKEN, else the file
// `relish login` writes: $XDG_CONFIG_HOME/relish/cli.json (default ~/.config/relish/cli.json,
// mode 0600). The token never appears on a command line of its own making.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/answer.h"
#include "outbound/http_client.h"

namespace relish::cli {

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
  // Calls the API. A 2xx answer must be a JSON object (Relish answers nothing else); a non-2xx
  // answer becomes an Error with the server's message (and code) when it is a Relish error;
  // anything else is NotRelish, saying what came instead. Never throws.
  // `path` may carry a query; `org` and `environment` from the flags are appended when set.
  Result<Json> Call(const std::string& method, const std::string& path, const Json* body = nullptr);
  // Sends a raw body (YAML service definitions).
  Result<Json> CallRaw(const std::string& method, const std::string& path, std::string body,
                       const std::string& content_type);
  void SetScope(std::string org, std::string environment);

  // "not a Relish server at URL: METHOD PATH: <what>", about the last call's answer.
  Error NotRelish(std::string_view what) const;
  const std::string& url() const { return settings_.url; }

 private:
  Result<Json> Send(outbound::Request request);
  Result<Json> Read(const outbound::Response& response) const;
  ClientSettings settings_;
  std::string org_;
  std::string environment_;
  std::string last_request_;  // "GET /api/v1/connections", for NotRelish
  std::unique_ptr<outbound::HttpClient> http_;
};

// Which of --org and --env a command takes: none (the server's or the user's own things), --org
// alone (a command whose environment is fixed: `topping push` is the sandbox's, `publish`
// production's), or both.
enum class RemoteScope { kNone, kOrg, kOrgAndEnvironment };

// What every command over the REST API shares: --url, --token, --json, and --org/--env as
// `scope` says.
void AddRemoteFlags(CLI::App& cmd, RemoteFlags& flags,
                    RemoteScope scope = RemoteScope::kOrgAndEnvironment);
// A client for the flags' server, scoped to their organization and environment.
Result<ApiClient> Connect(const RemoteFlags& flags);
// Writes an answer as text, reading its fields through Field; an answer without the fields a
// Relish answer has is an error (ApiClient::NotRelish says so).
using Printer = std::function<Result<void>(const Field& answer, std::ostream& out)>;
// Prints an answer through `text`, or as JSON with --json or when there is no `text` (after
// `text` has checked its shape all the same), and returns the exit code; an error goes to
// stderr. Text from the server is printed with its control characters (other than newline and
// tab) escaped, so an answer cannot drive the terminal. JSON is indented by `indent` spaces,
// or compact on one line when it is -1 (JSON Lines: a command that prints several documents).
int PrintAnswer(const RemoteFlags& flags, const ApiClient& client, const Result<Json>& result,
                const Printer& text, int indent = 2);

// A list request's query string: "?key=value&..." of the values given (empty ones left out,
// each percent-encoded), or "" when there are none.
class ListQuery {
 public:
  ListQuery& Add(std::string_view key, std::string_view value);
  // since=<epoch ms> for "the last N minutes", when minutes > 0 (a --since flag).
  ListQuery& SinceMinutes(int64_t minutes);
  const std::string& str() const { return query_; }

 private:
  std::string query_;
};

// Reads a secret from standard input: prompts without echo on a terminal, else reads one line.
Result<std::string> ReadSecret(const std::string& prompt);
// Secret lines from standard input: without echo on a terminal, until an empty line or Ctrl-D;
// else every non-empty line to the end.
std::vector<std::string> ReadSecretLines(const std::string& prompt);

}  // namespace relish::cli
