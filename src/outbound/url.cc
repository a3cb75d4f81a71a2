#include "outbound/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "base/encoding.h"

namespace relish::outbound {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using CurlUrl = std::unique_ptr<CURLU, UrlDeleter>;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Part(CURLU* u, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

Result<Url> FromHandle(CURLU* u, std::string_view original) {
  Url url;
  url.scheme = Lower(Part(u, CURLUPART_SCHEME));
  if (url.scheme != "http" && url.scheme != "https") {
    return InvalidArgument("only http and https URLs can be called, not '" + std::string(original) + "'");
  }
  if (!Part(u, CURLUPART_USER).empty() || !Part(u, CURLUPART_PASSWORD).empty()) {
    return InvalidArgument("URLs with a user name or password are refused; use a connection");
  }
  url.host = Lower(Part(u, CURLUPART_HOST));
  if (url.host.size() >= 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  if (url.host.empty()) return InvalidArgument("URL has no host: '" + std::string(original) + "'");
  std::string port = Part(u, CURLUPART_PORT);
  url.port = port.empty() ? (url.scheme == "https" ? 443 : 80)
                          : static_cast<uint16_t>(std::stoi(port));
  url.path = Part(u, CURLUPART_PATH);
  if (url.path.empty()) url.path = "/";
  url.query = Part(u, CURLUPART_QUERY);
  return url;
}

}  // namespace

std::string Url::Origin() const {
  std::string out = scheme + "://";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  if (!default_port) out += ":" + std::to_string(port);
  return out;
}

std::string Url::ToString() const {
  std::string out = Origin() + path;
  if (!query.empty()) out += "?" + query;
  return out;
}

Result<Url> ParseUrl(std::string_view text) {
  CurlUrl u(curl_url());
  std::string s(text);
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, s.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) {
    return InvalidArgument("invalid URL '" + s + "': " + curl_url_strerror(rc));
  }
  return FromHandle(u.get(), text);
}

Result<Url> ResolveUrl(const Url& base, std::string_view reference) {
  CurlUrl u(curl_url());
  std::string b = base.ToString();
  if (curl_url_set(u.get(), CURLUPART_URL, b.c_str(), 0) != CURLUE_OK) {
    return InvalidArgument("invalid base URL '" + b + "'");
  }
  std::string ref(reference);
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, ref.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) {
    return InvalidArgument("invalid redirect location '" + ref + "': " + curl_url_strerror(rc));
  }
  return FromHandle(u.get(), reference);
}

std::string RedactQuery(const Url& url, const std::vector<std::string>& secret_params) {
  if (url.query.empty() || secret_params.empty()) return url.ToString();
  std::string query;
  std::string_view rest = url.query;
  while (true) {
    auto amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    auto eq = part.find('=');
    std::string name = PercentDecode(part.substr(0, eq), true);
    if (!query.empty()) query += '&';
    if (eq != std::string_view::npos &&
        std::find(secret_params.begin(), secret_params.end(), name) != secret_params.end()) {
      query += std::string(part.substr(0, eq)) + "=***";
    } else {
      query += part;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  Url copy = url;
  copy.query = query;
  return copy.ToString();
}

}  // namespace relish::outbound
