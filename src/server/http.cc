#include "server/http.h"

#include <strings.h>

#include "base/encoding.h"

namespace relish::server {

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view text) {
  return ParseFormEncoded(text);
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  for (auto& [k, v] : ParseForm(query)) {
    if (k == name) return std::move(v);
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Request::QueryParams() const {
  return ParseForm(query);
}

Response& Response::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) {
      v = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

}  // namespace relish::server
