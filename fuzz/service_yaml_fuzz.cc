// libFuzzer target for service definitions (connections/service.h): the YAML a developer sends
// to create a custom service, and the default services in services/*.yaml. yaml-cpp parses it
// (recursion, anchors and aliases: billion laughs, deep nesting), then ParseService validates
// it; for a service that validates, its parameters are resolved, its templates expanded and its
// hosts matched, as a connection's calls do.
//
// Input: the YAML text.
//
// Properties:
// - ParseService answers (no exception escapes it, no crash, no hang) with kInvalidArgument
//   naming "fuzz.yaml:LINE: ..." when it refuses;
// - for a service that validates, every allowed_hosts and token_hosts entry, expanded with the
//   parameters' defaults or examples, is an origin whose written forms (Entry(), ToString())
//   parse back to the same origin, and an origin without a wildcard admits the URL of itself;
// - its URLs expand, and its policy compared with itself has no change.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "connections/service.h"
#include "outbound/url.h"

namespace {

using relish::connections::OriginRule;

std::string Show(const OriginRule& r) {
  return r.scheme + " | " + (r.wildcard ? "*." : "") + r.host + " | " + std::to_string(r.port);
}

bool Same(const OriginRule& a, const OriginRule& b) {
  return a.scheme == b.scheme && a.host == b.host && a.wildcard == b.wildcard && a.port == b.port;
}

void CheckOrigins(const std::vector<std::string>& entries, const relish::connections::Values& values) {
  auto rules = relish::connections::ExpandOrigins(entries, values);
  if (!rules.ok()) return;  // a parameter value that makes no origin: refused when connecting
  for (const auto& rule : *rules) {
    for (const std::string& written : {rule.Entry(), rule.ToString()}) {
      auto again = relish::connections::ParseOriginRule(written);
      FUZZ_CHECK(again.ok(), Show(rule) + " written as " + written + ": " + again.error().message());
      FUZZ_CHECK(Same(rule, *again), Show(rule) + " written as " + written + " is " + Show(*again));
    }
    if (rule.wildcard) continue;
    auto url = relish::outbound::ParseUrl(rule.ToString() + "/");
    if (!url.ok()) continue;  // an origin no URL can have: it admits nothing (fails closed)
    FUZZ_CHECK(relish::connections::OriginMatches(rule, *url),
               Show(rule) + " does not admit " + url->ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto service = relish::connections::ParseService(yaml, "fuzz.yaml");
  if (!service.ok()) {
    FUZZ_CHECK(service.error().code() == relish::ErrorCode::kInvalidArgument, service.error().ToString());
    FUZZ_CHECK(service.error().message().starts_with("fuzz.yaml:"), service.error().message());
    return 0;
  }
  const auto& s = *service;

  // A connection's parameters: each one's default, else its example, else a value that may not
  // match (then ResolveParameters refuses, as it would for a developer).
  relish::connections::Values given;
  for (const auto& p : s.parameters) {
    if (!p.default_value) given[p.name] = p.example.value_or("sample");
  }
  auto values = relish::connections::ResolveParameters(s, given, "https://relish.example.com:8443/");
  if (values.ok()) {
    CheckOrigins(s.allowed_hosts, *values);
    CheckOrigins(s.token_hosts, *values);
    for (const std::string* url : {&s.base_url, &s.sandbox_base_url}) {
      auto expanded = relish::connections::Expand(*url, *values);
      if (expanded.ok() && !expanded->empty()) (void)relish::outbound::ParseUrl(*expanded);
    }
    if (s.oauth2) {
      for (const std::string* url : {&s.oauth2->authorize_url, &s.oauth2->token_url,
                                     &s.oauth2->refresh_url, &s.oauth2->revoke_url}) {
        (void)relish::connections::Expand(*url, *values);
      }
    }
  }
  FUZZ_CHECK(relish::connections::PolicyChanges(s, s).empty(), s.id);
  return 0;
}
