// `relish lsp`: the Language Server Protocol over a byte stream (stdio), JSON-RPC 2.0 messages
// framed by `Content-Length` headers. Hostile input answers a JSON-RPC error and the server
// carries on: a header block over 8 KiB or a body over the bound (16 MiB) is refused (the body
// is read and dropped), malformed JSON gets -32700, a request for a document that was never
// opened gets -32602. See docs/editors.md.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace relish::lsp {

struct ServerOptions {
  size_t max_message_bytes = 16u << 20;
  size_t max_documents = 1000;
  // The organization's connection link names, offered in `connection:` places (relish lsp
  // --data). Called for each such completion, so that a new connection shows up.
  std::function<std::vector<std::string>()> link_names;
};

class Server {
 public:
  explicit Server(ServerOptions options) : options_(std::move(options)) {}

  // One message's body; what to send back (responses and notifications) is appended to `out`.
  void Handle(std::string_view body, std::vector<nlohmann::json>& out);
  bool exited() const { return exited_; }
  int exit_code() const { return shutdown_ ? 0 : 1; }
  const ServerOptions& options() const { return options_; }

 private:
  nlohmann::json Dispatch(const std::string& method, const nlohmann::json& params,
                          std::vector<nlohmann::json>& out);
  const std::string& Text(const nlohmann::json& params);  // throws RpcError when not open
  void Publish(const std::string& uri, std::vector<nlohmann::json>& out);

  ServerOptions options_;
  std::map<std::string, std::string> documents_;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exited_ = false;
};

// Reads framed messages from `in` and answers on `out` until `exit` or the end of input;
// returns the process's exit code (0 after shutdown, 1 otherwise, as LSP asks).
int Serve(std::istream& in, std::ostream& out, ServerOptions options);

}  // namespace relish::lsp
