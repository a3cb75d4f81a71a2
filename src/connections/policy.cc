// PolicyChanges: which of a service's settings that decide where its credentials go differ
// between two versions of it. A connection's credentials were granted for the old ones, so a
// change here (catalog.cc) marks live connections `needs_reauth`.
#include <algorithm>

#include "connections/service.h"

namespace relish::connections {
namespace {

bool SameParameters(const std::vector<Parameter>& a, const std::vector<Parameter>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    // Labels and examples are for people; a pattern or a default moves a host.
    if (a[i].name != b[i].name || a[i].pattern != b[i].pattern ||
        a[i].default_value != b[i].default_value ||
        a[i].user_chosen_host != b[i].user_chosen_host) {
      return false;
    }
    // Issue 20: a capture moves a host too (what the provider may set it to).
    const auto& ca = a[i].capture;
    const auto& cb = b[i].capture;
    if (ca.has_value() != cb.has_value()) return false;
    if (ca && (ca->from != cb->from || ca->field != cb->field || ca->values != cb->values ||
               ca->url != cb->url || ca->prefix != cb->prefix)) {
      return false;
    }
  }
  return true;
}

bool SameApiKey(const std::optional<ApiKeySettings>& a, const std::optional<ApiKeySettings>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  if (a->in != b->in || a->fields.size() != b->fields.size()) return false;
  for (size_t i = 0; i < a->fields.size(); ++i) {
    if (a->fields[i].name != b->fields[i].name || a->fields[i].prefix != b->fields[i].prefix) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> PolicyChanges(const Service& before, const Service& after) {
  std::vector<std::string> out;
  auto check = [&](bool same, const char* name) {
    if (!same) out.emplace_back(name);
  };
  check(before.auth == after.auth, "auth");
  check(SameParameters(before.parameters, after.parameters), "parameters");
  // Issue 20: derived per-value maps.
  check(before.derived.size() == after.derived.size() &&
            std::equal(before.derived.begin(), before.derived.end(), after.derived.begin(),
                       [](const Derived& x, const Derived& y) {
                         return x.name == y.name && x.from == y.from && x.values == y.values;
                       }),
        "derived");
  check(before.base_url == after.base_url, "base_url");
  check(before.sandbox_base_url == after.sandbox_base_url, "sandbox_base_url");
  check(before.allowed_hosts == after.allowed_hosts, "allowed_hosts");
  check(before.token_hosts == after.token_hosts, "token_hosts");
  check(before.headers == after.headers, "headers");
  check(before.inject.header == after.inject.header &&
            before.inject.prefix == after.inject.prefix &&
            before.inject.query == after.inject.query,
        "inject");
  OAuth2Settings none2;
  const OAuth2Settings& o2a = before.oauth2 ? *before.oauth2 : none2;
  const OAuth2Settings& o2b = after.oauth2 ? *after.oauth2 : none2;
  check(o2a.authorize_url == o2b.authorize_url, "oauth2.authorize_url");
  check(o2a.token_url == o2b.token_url, "oauth2.token_url");
  check(o2a.refresh_url == o2b.refresh_url, "oauth2.refresh_url");
  check(o2a.revoke_url == o2b.revoke_url, "oauth2.revoke_url");
  check(o2a.client_auth == o2b.client_auth, "oauth2.client_auth");
  OAuth1Settings none1;
  const OAuth1Settings& o1a = before.oauth1 ? *before.oauth1 : none1;
  const OAuth1Settings& o1b = after.oauth1 ? *after.oauth1 : none1;
  check(o1a.request_token_url == o1b.request_token_url, "oauth1.request_token_url");
  check(o1a.authorize_url == o1b.authorize_url, "oauth1.authorize_url");
  check(o1a.access_token_url == o1b.access_token_url, "oauth1.access_token_url");
  check(SameApiKey(before.api_key, after.api_key), "api_key");
  return out;
}

}  // namespace relish::connections
