// The registry of a connection's secrets: one list of every value its credentials and its
// organization's OAuth client hold, in the forms they take on the wire. It feeds every scrubber:
// the log Redactor (each value registered under the connection's organization), the audit
// (URL, error, note), and what comes back from the upstream (Call's response and errors, the
// proxy's answer), so a script, a caller of the proxy, a run's log or the audit never shows a
// secret even when the upstream echoes it.
#include "base/encoding.h"
#include "base/http_wire.h"
#include "base/log.h"
#include "connections/connections_impl.h"

namespace relish::connections {
namespace {

// The value as a JSON string's contents (nlohmann's escapes), when that differs.
std::string JsonEscaped(std::string_view value) {
  std::string quoted = Json(std::string(value)).dump(-1, ' ', false, Json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

const std::shared_ptr<const SecretValues>& NoSecrets() {
  static const auto* none = new std::shared_ptr<const SecretValues>(
      std::make_shared<const SecretValues>());  // never destroyed: used from any thread at exit
  return *none;
}

void AddWireForms(std::string_view value, std::vector<std::string>& out) {
  if (value.empty()) return;
  out.emplace_back(value);
  out.push_back(FormEncode(value));     // a query parameter or form field (api_key=a%2Bb)
  out.push_back(PercentEncode(value));  // OAuth 1.0a's header, a path segment
  std::string json = JsonEscaped(value);
  if (json != value) out.push_back(json);  // echoed inside a JSON string
  // Some encoders (PHP's json_encode) also escape '/'.
  if (json.find('/') != std::string::npos) {
    std::string slashed;
    for (char c : json) slashed += c == '/' ? std::string("\\/") : std::string(1, c);
    out.push_back(std::move(slashed));
  }
}

void AddFieldSecrets(const Values& fields, bool basic, std::vector<std::string>& out) {
  for (const auto& [name, value] : fields) {
    // Basic's user name is an account's name, shown as such; every other field is a key, a
    // token or a password.
    if (basic && name == "username") continue;
    AddWireForms(value, out);
  }
  if (basic) {
    auto user = fields.find("username");
    auto password = fields.find("password");
    if (user != fields.end() && password != fields.end()) {
      out.push_back(Base64Encode(user->second + ":" + password->second));  // the header's value
    }
  }
}

std::vector<std::string> SecretValuesOf(const Service& s, const Credentials& c,
                                        const ClientApp* client) {
  std::vector<std::string> out;
  AddWireForms(c.access_token, out);   // OAuth 2.0 and 1.0a
  AddWireForms(c.refresh_token, out);  // OAuth 2.0
  AddWireForms(c.token_secret, out);   // OAuth 1.0a (signs; never sent)
  AddFieldSecrets(c.fields, s.auth == AuthScheme::kBasic, out);
  if (client != nullptr && !client->client_secret.empty()) {
    AddWireForms(client->client_secret, out);  // OAuth 2.0 client secret, 1.0a consumer secret
    // RFC 6749 2.3.1: how token requests send it with client_auth basic.
    out.push_back(Base64Encode(FormEncode(client->client_id) + ":" +
                               FormEncode(client->client_secret)));
  }
  return out;
}

std::shared_ptr<const SecretValues> Connections::Impl::Secrets(const Resolved& r,
                                                               const Credentials& c) {
  const Service& s = *r.service;
  std::optional<ClientApp> client;
  bool has_client = s.auth == AuthScheme::kOAuth2 || s.auth == AuthScheme::kOAuth2ClientCredentials ||
                    s.auth == AuthScheme::kOAuth1;
  if (has_client) {
    // No client registered: nothing of it to hide (and the connection cannot be used).
    if (auto loaded = LoadClient(r.connection.org_id, r.connection.environment, s.id); loaded.ok()) client = std::move(*loaded);
  }
  auto secrets = std::make_shared<const SecretValues>(
      SecretValuesOf(s, c, client ? &*client : nullptr));
  for (const auto& v : secrets->values()) GlobalRedactor().Add(r.connection.org_id, v);
  return secrets;
}

void ScrubAnswer(const SecretValues& secrets, outbound::Response& response) {
  if (secrets.empty()) return;
  size_t before = response.body.size();
  secrets.ScrubInPlace(response.body);
  for (auto& [name, value] : response.headers) {
    secrets.ScrubInPlace(value);
    // The answer's own length no longer holds for the masked body.
    if (response.body.size() != before && SameHeaderName(name, "content-length")) {
      value = std::to_string(response.body.size());
    }
  }
  secrets.ScrubInPlace(response.url);
}

Error ScrubError(const SecretValues& secrets, const Error& error) {
  if (!secrets.Contains(error.message())) return error;
  return Error(error.code(), secrets.Scrub(error.message()));
}

}  // namespace relish::connections
