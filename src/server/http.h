// Request and Response as handlers see them: plain data, no Asio or Beast types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relish::server {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup (first match).
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // target up to '?', still percent-encoded
  std::string query;   // after '?', raw
  Headers headers;
  std::string body;
  std::string remote;      // peer address
  std::string request_id;  // from X-Request-Id when sane, else generated
  // The matched route pattern, e.g. "/api/v1/connections/{id}": the Router's own text (it
  // outlives every request), or a literal such as "(unmatched)".
  std::string_view route;
  std::map<std::string, std::string> params;  // path parameters, percent-decoded

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
  // First value of a query parameter, form-decoded.
  std::optional<std::string> QueryParam(std::string_view name) const;
  // All query parameters in order, form-decoded.
  std::vector<std::pair<std::string, std::string>> QueryParams() const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type goes here too
  std::string body;

  Response& SetHeader(std::string name, std::string value);
  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }

  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

// Splits "a=1&b=x+y" into decoded pairs (application/x-www-form-urlencoded).
std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view text);

}  // namespace relish::server
