#include "lsp/server.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "lsp/analysis.h"
#include "lsp/format.h"
#include "lsp/position.h"

namespace relish::lsp {
namespace {

using json = nlohmann::json;

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kServerNotInitialized = -32002;

struct RpcError {
  int code;
  std::string message;
};

json ErrorResponse(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

Position PositionOf(const json& params) {
  const json& p = params.at("position");
  return {p.at("line").get<int>(), p.at("character").get<int>()};
}

json RangeJson(const Range& r) {
  return {{"start", {{"line", r.start.line}, {"character", r.start.character}}},
          {"end", {{"line", r.end.line}, {"character", r.end.character}}}};
}

json Capabilities() {
  return {
      {"textDocumentSync", {{"openClose", true}, {"change", 1}}},
      {"completionProvider", {{"triggerCharacters", {".", "\""}}}},
      {"hoverProvider", true},
      {"signatureHelpProvider", {{"triggerCharacters", {"(", ","}}}},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"documentSymbolProvider", true},
      {"documentFormattingProvider", true},
  };
}

}  // namespace

const std::string& Server::Text(const json& params) {
  std::string uri = params.at("textDocument").at("uri").get<std::string>();
  auto it = documents_.find(uri);
  if (it == documents_.end()) throw RpcError{kInvalidParams, "unknown document: " + uri};
  return it->second;
}

void Server::Publish(const std::string& uri, std::vector<json>& out) {
  auto it = documents_.find(uri);
  json diagnostics = it == documents_.end() ? json::array() : Diagnostics(it->second);
  out.push_back({{"jsonrpc", "2.0"},
                 {"method", "textDocument/publishDiagnostics"},
                 {"params", {{"uri", uri}, {"diagnostics", diagnostics}}}});
}

json Server::Dispatch(const std::string& method, const json& params, std::vector<json>& out) {
  if (method == "initialize") {
    initialized_ = true;
    return {{"capabilities", Capabilities()},
            {"serverInfo", {{"name", "relish"}}}};
  }
  if (!initialized_) throw RpcError{kServerNotInitialized, "initialize first"};
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (shutdown_) throw RpcError{kInvalidRequest, "the server is shutting down"};

  if (method == "textDocument/didOpen") {
    const json& doc = params.at("textDocument");
    std::string uri = doc.at("uri").get<std::string>();
    if (!documents_.count(uri) && documents_.size() >= options_.max_documents) {
      throw RpcError{kInvalidRequest, "too many open documents"};
    }
    documents_[uri] = doc.at("text").get<std::string>();
    Publish(uri, out);
    return nullptr;
  }
  if (method == "textDocument/didChange") {
    std::string uri = params.at("textDocument").at("uri").get<std::string>();
    std::string text = Text(params);
    for (const json& change : params.at("contentChanges")) {
      std::string piece = change.at("text").get<std::string>();
      if (change.contains("range")) {
        LineIndex lines(text);
        const json& r = change.at("range");
        size_t start = lines.Offset({r.at("start").at("line").get<int>(),
                                     r.at("start").at("character").get<int>()});
        size_t end = lines.Offset(
            {r.at("end").at("line").get<int>(), r.at("end").at("character").get<int>()});
        if (end < start) std::swap(start, end);
        text = text.substr(0, start) + piece + text.substr(end);
      } else {
        text = std::move(piece);
      }
      if (text.size() > options_.max_message_bytes) {
        throw RpcError{kInvalidParams, "the document is larger than the server takes"};
      }
    }
    documents_[uri] = std::move(text);
    Publish(uri, out);
    return nullptr;
  }
  if (method == "textDocument/didClose") {
    std::string uri = params.at("textDocument").at("uri").get<std::string>();
    documents_.erase(uri);
    Publish(uri, out);  // clears the editor's list
    return nullptr;
  }
  if (method == "textDocument/completion") {
    std::vector<std::string> links;
    if (options_.link_names) links = options_.link_names();
    return {{"isIncomplete", false}, {"items", Completion(Text(params), PositionOf(params), links)}};
  }
  if (method == "textDocument/hover") return HoverAt(Text(params), PositionOf(params));
  if (method == "textDocument/signatureHelp") {
    return SignatureHelpAt(Text(params), PositionOf(params));
  }
  if (method == "textDocument/definition" || method == "textDocument/references") {
    const std::string& text = Text(params);
    std::string uri = params.at("textDocument").at("uri").get<std::string>();
    std::vector<Range> ranges = VariableRanges(text, PositionOf(params));
    if (method == "textDocument/definition") {
      if (ranges.empty()) return nullptr;
      return {{"uri", uri}, {"range", RangeJson(ranges.front())}};
    }
    bool with_declaration = params.contains("context") &&
                            params["context"].value("includeDeclaration", true);
    json locations = json::array();
    for (size_t k = with_declaration ? 0 : 1; k < ranges.size(); ++k) {
      locations.push_back({{"uri", uri}, {"range", RangeJson(ranges[k])}});
    }
    return locations;
  }
  if (method == "textDocument/documentSymbol") return Symbols(Text(params));
  if (method == "textDocument/formatting") {
    const std::string& text = Text(params);
    auto formatted = FormatScript(text);
    // A script that does not parse is left as it is; the diagnostics already say why.
    if (!formatted.ok() || *formatted == text) return json::array();
    LineIndex lines(text);
    return json::array({{{"range", RangeJson({{0, 0}, lines.End()})}, {"newText", *formatted}}});
  }
  throw RpcError{kMethodNotFound, "unknown method: " + method};
}

void Server::Handle(std::string_view body, std::vector<json>& out) {
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    out.push_back(ErrorResponse(nullptr, kParseError, "the message is not JSON"));
    return;
  }
  if (!message.is_object() || !message.contains("method") || !message["method"].is_string()) {
    // Responses to requests the server never sends are ignored; anything else is invalid.
    if (message.is_object() && message.contains("id") && !message.contains("method") &&
        (message.contains("result") || message.contains("error"))) {
      return;
    }
    json id = message.is_object() && message.contains("id") ? message["id"] : json(nullptr);
    if (!id.is_number_integer() && !id.is_string()) id = nullptr;
    out.push_back(ErrorResponse(id, kInvalidRequest, "not a JSON-RPC request"));
    return;
  }
  std::string method = message["method"].get<std::string>();
  bool request = message.contains("id");
  json id = request ? message["id"] : json(nullptr);
  if (request && !id.is_number_integer() && !id.is_string()) {
    out.push_back(ErrorResponse(nullptr, kInvalidRequest, "a request id is a number or a text"));
    return;
  }
  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (!request && (method == "initialized" || method.rfind("$/", 0) == 0)) return;
  json params = message.contains("params") ? message["params"] : json::object();
  try {
    json result = Dispatch(method, params, out);
    if (request) out.push_back({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
  } catch (const RpcError& e) {
    if (request) out.push_back(ErrorResponse(id, e.code, e.message));
  } catch (const json::exception& e) {
    if (request) out.push_back(ErrorResponse(id, kInvalidParams, "invalid params"));
  } catch (const std::exception& e) {
    if (request) out.push_back(ErrorResponse(id, kInternalError, "internal error"));
  }
}

namespace {

void Send(std::ostream& out, const json& message) {
  std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
  out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out.flush();
}

enum class Read { kMessage, kEnd, kBadHeader, kTooLarge };

constexpr size_t kMaxHeaderBytes = 8192;

// One framed message's body; on a header error the rest of that header block is skipped.
Read ReadMessage(std::istream& in, size_t max_body, std::string& body) {
  std::optional<size_t> length;
  bool bad = false;
  size_t header_bytes = 0;
  bool any = false;
  for (;;) {
    std::string line;
    char c;
    bool got = false;
    while (in.get(c)) {
      got = true;
      if (c == '\n') break;
      if (++header_bytes > kMaxHeaderBytes) bad = true;
      if (!bad) line += c;
    }
    if (!got) return any ? Read::kBadHeader : Read::kEnd;
    any = true;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      bad = true;
      continue;
    }
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (name != "content-length") continue;
    std::string value = line.substr(colon + 1);
    size_t s = value.find_first_not_of(' ');
    size_t n = 0;
    auto [ptr, ec] = std::from_chars(value.data() + (s == std::string::npos ? value.size() : s),
                                     value.data() + value.size(), n);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
      bad = true;
    } else {
      length = n;
    }
  }
  if (bad || !length) return Read::kBadHeader;
  if (*length > max_body) {
    in.ignore(static_cast<std::streamsize>(*length));
    return Read::kTooLarge;
  }
  body.assign(*length, '\0');
  in.read(body.data(), static_cast<std::streamsize>(*length));
  if (static_cast<size_t>(in.gcount()) != *length) return Read::kEnd;
  return Read::kMessage;
}

}  // namespace

int Serve(std::istream& in, std::ostream& out, ServerOptions options) {
  Server server(std::move(options));
  std::string body;
  std::vector<json> replies;
  while (!server.exited()) {
    Read r = ReadMessage(in, server.options().max_message_bytes, body);
    if (r == Read::kEnd) break;
    if (r == Read::kBadHeader) {
      Send(out, ErrorResponse(nullptr, kParseError,
                              "a message needs a header `Content-Length: N` and a blank line"));
      continue;
    }
    if (r == Read::kTooLarge) {
      Send(out, ErrorResponse(nullptr, kInvalidRequest,
                              "the message is larger than " +
                                  std::to_string(server.options().max_message_bytes) + " bytes"));
      continue;
    }
    replies.clear();
    server.Handle(body, replies);
    for (const json& m : replies) Send(out, m);
  }
  return server.exit_code();
}

}  // namespace relish::lsp
