// OAuth 1.0a request signing, HMAC-SHA1 (RFC 5849 section 3.4).
#include <openssl/hmac.h>

#include <algorithm>

#include "base/encoding.h"
#include "connections/connections_impl.h"
#include "outbound/url.h"

namespace relish::connections {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs ParseQuery(std::string_view q) {
  Pairs out;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    if (!part.empty()) {
      auto eq = part.find('=');
      out.emplace_back(PercentDecode(part.substr(0, eq), true),
                       eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

std::string OAuth1BaseString(std::string_view method, std::string_view url,
                             const Pairs& form_params, const Pairs& oauth_params) {
  // 3.4.1.2: the base URI is scheme://host[:port]/path, without query.
  auto parsed = outbound::ParseUrl(url);
  std::string base_uri = parsed.ok() ? parsed->Origin() + parsed->path : std::string(url);
  Pairs all = oauth_params;
  if (parsed.ok()) {
    for (auto& p : ParseQuery(parsed->query)) all.push_back(std::move(p));
  }
  for (const auto& p : form_params) all.push_back(p);
  // 3.4.1.3.2: encode, then sort by name, then value.
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : all) encoded.emplace_back(PercentEncode(k), PercentEncode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string normalized;
  for (const auto& [k, v] : encoded) {
    if (!normalized.empty()) normalized += '&';
    normalized += k + "=" + v;
  }
  std::string upper(method);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  return upper + "&" + PercentEncode(base_uri) + "&" + PercentEncode(normalized);
}

std::string OAuth1Signature(std::string_view base, std::string_view consumer_secret,
                            std::string_view token_secret) {
  std::string key = PercentEncode(consumer_secret) + "&" + PercentEncode(token_secret);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac, &mac_len);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

std::string OAuth1Header(std::string_view method, std::string_view url, const Pairs& form_params,
                         std::string_view consumer_key, std::string_view consumer_secret,
                         std::string_view token, std::string_view token_secret,
                         const Pairs& oauth_extra, std::string_view nonce, int64_t timestamp) {
  Pairs oauth = {{"oauth_consumer_key", std::string(consumer_key)},
                 {"oauth_nonce", std::string(nonce)},
                 {"oauth_signature_method", "HMAC-SHA1"},
                 {"oauth_timestamp", std::to_string(timestamp)},
                 {"oauth_version", "1.0"}};
  if (!token.empty()) oauth.emplace_back("oauth_token", std::string(token));
  for (const auto& e : oauth_extra) oauth.push_back(e);
  std::string base = OAuth1BaseString(method, url, form_params, oauth);
  oauth.emplace_back("oauth_signature", OAuth1Signature(base, consumer_secret, token_secret));
  std::string header = "OAuth ";
  bool first = true;
  for (const auto& [k, v] : oauth) {
    if (!first) header += ", ";
    first = false;
    header += PercentEncode(k) + "=\"" + PercentEncode(v) + "\"";
  }
  return header;
}

}  // namespace relish::connections
