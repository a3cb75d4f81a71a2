// The JWT grants (issue 20): RS256 signatures a public key verifies, the JWT bearer grant
// (RFC 7523, Google service accounts) and GitHub App installation tokens, each against a token
// endpoint that checks the signature with the public key; the private key never leaves.
#include "connections/jwt.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "connections/jwt_test_keys.h"
#include "test_fixture.h"

namespace relish::connections {
namespace {

using Json = nlohmann::json;

using testing::KeyPair;
using testing::NewKeyPair;

std::optional<Json> Verified(const std::string& jwt, const std::string& public_pem) {
  return testing::VerifiedClaims(jwt, public_pem);
}

// A line from the middle of the PEM: what a leak of the key would contain.
std::string KeyLine(const std::string& pem) {
  auto start = pem.find('\n', pem.size() / 2) + 1;
  return pem.substr(start, pem.find('\n', start) - start);
}

TEST(JwtTest, SignsWhatThePublicKeyVerifies) {
  KeyPair keys = NewKeyPair();
  std::string claims = JwtBearerClaims("robot@proj.iam.gserviceaccount.com", "a b",
                                       "https://oauth2.example.test/token", 1700000000, "");
  EXPECT_EQ(claims,
            R"({"aud":"https://oauth2.example.test/token","exp":1700003600,"iat":1700000000,)"
            R"("iss":"robot@proj.iam.gserviceaccount.com","scope":"a b"})");
  auto jwt = SignRs256Jwt(claims, keys.private_pem);
  ASSERT_TRUE(jwt.ok()) << jwt.error().message();
  auto payload = Verified(*jwt, keys.public_pem);
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(payload->dump(), claims);
  // Another key's signature, or a changed payload, does not verify.
  EXPECT_FALSE(Verified(*jwt, NewKeyPair().public_pem).has_value());
  std::string tampered = *jwt;
  tampered[tampered.find('.') + 2] ^= 1;
  EXPECT_FALSE(Verified(tampered, keys.public_pem).has_value());
  // A Google key file (JSON) works as well as the bare PEM.
  std::string key_file = Json{{"type", "service_account"}, {"private_key", keys.private_pem}}.dump();
  EXPECT_EQ(PrivateKeyPem(key_file), keys.private_pem);
  EXPECT_EQ(PrivateKeyPem(keys.private_pem), keys.private_pem);
  // A broken key is refused without quoting it.
  std::string broken = keys.private_pem.substr(0, keys.private_pem.size() / 2);
  EXPECT_EQ(SignRs256Jwt(claims, broken).error().message(),
            "the client secret is not a PEM private key");
}

std::string Iso(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

class JwtGrantTest : public ConnectionsTest {
 protected:
  // Every request sent, as one text, to scan for the key.
  std::string Sent() {
    std::string all;
    for (const auto& r : http_.requests()) {
      all += r.url + "\n" + r.body + "\n";
      for (const auto& [k, v] : r.headers) all += k + ": " + v + "\n";
    }
    return all;
  }
  KeyPair keys_ = NewKeyPair();
};

TEST_F(JwtGrantTest, JwtBearerGrantSignsAnAssertionTheTokenEndpointVerifies) {
  const std::string yaml = R"(id: gsa
name: Service account
auth: oauth2_client_credentials
base_url: https://api.machine.test
allowed_hosts: [api.machine.test]
token_hosts: [login.machine.test]
oauth2:
  token_url: https://login.machine.test/token
  grant_type: jwt_bearer
  scopes: [https://www.googleapis.com/auth/drive.readonly]
)";
  ASSERT_TRUE(catalog_->CreateCustom("org1", yaml, "usr_1").ok());
  std::string key_file = Json{{"type", "service_account"},
                              {"client_email", "robot@proj.iam.gserviceaccount.com"},
                              {"private_key", keys_.private_pem}}.dump();
  ASSERT_TRUE(connections_->SetClient("org1", "gsa", "robot@proj.iam.gserviceaccount.com",
                                      key_file).ok());
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "g", .service_id = "gsa",
                                    .scopes = {"https://www.googleapis.com/auth/drive.readonly"}})
                  .ok());
  int64_t now = clock_.NowMillis() / 1000;
  std::vector<Json> assertions;
  bool refuse = false;
  http_.SetHandler([&](const outbound::Request& r) -> Result<outbound::Response> {
    if (r.url == "https://login.machine.test/token") {
      std::map<std::string, std::string> form;
      for (auto& [k, v] : ParseFormEncoded(r.body)) form[k] = v;
      EXPECT_EQ(form.size(), 2u);
      EXPECT_EQ(form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
      for (const auto& [k, v] : r.headers) EXPECT_NE(k, "Authorization");  // no client auth
      auto claims = Verified(form["assertion"], keys_.public_pem);
      if (!claims) return outbound::FakeHttpClient::Json(400, R"({"error":"invalid_grant"})");
      assertions.push_back(*claims);
      if (refuse) {
        // A provider that quotes the request back: the assertion must come back masked.
        return outbound::FakeHttpClient::Json(
            400, Json{{"error", "invalid_scope"}, {"error_description", r.body}}.dump());
      }
      return outbound::FakeHttpClient::Json(200, R"({"access_token":"gsa-token","expires_in":3600})");
    }
    bool ok = false;
    for (const auto& [k, v] : r.headers) ok |= k == "Authorization" && v == "Bearer gsa-token";
    return outbound::FakeHttpClient::Json(ok ? 200 : 401, "{}");
  });
  auto r = Get("g", "https://api.machine.test/files");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(assertions.size(), 1u);
  EXPECT_EQ(assertions[0], (Json{{"iss", "robot@proj.iam.gserviceaccount.com"},
                                 {"aud", "https://login.machine.test/token"},
                                 {"scope", "https://www.googleapis.com/auth/drive.readonly"},
                                 {"iat", now},
                                 {"exp", now + 3600}}));
  // An hour later the token has expired and a new assertion is signed.
  clock_.Advance(Millis(3601 * 1000));
  refuse = true;
  auto refused = Get("g", "https://api.machine.test/files");
  ASSERT_FALSE(refused.ok());
  ASSERT_EQ(assertions.size(), 2u);
  EXPECT_EQ(assertions[1]["iat"], now + 3601);
  std::string message = refused.error().message();
  EXPECT_NE(message.find("invalid_scope"), std::string::npos) << message;
  EXPECT_EQ(message.find("eyJ"), std::string::npos) << message;  // no JWT, masked
  // The private key went nowhere: not in a request, not in an error.
  for (const std::string& text : {Sent(), message}) {
    EXPECT_EQ(text.find(KeyLine(keys_.private_pem)), std::string::npos);
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  }
}

TEST_F(JwtGrantTest, GitHubAppJwtBuysAnInstallationToken) {
  const std::string yaml = R"(id: ghapp
name: GitHub App
auth: oauth2_client_credentials
parameters:
  installation_id: {pattern: '^[0-9]{1,12}$'}
base_url: https://api.machine.test
allowed_hosts: [api.machine.test]
token_hosts: [login.machine.test]
oauth2:
  token_url: https://login.machine.test/app/installations/{installation_id}/access_tokens
  grant_type: github_app
)";
  ASSERT_TRUE(catalog_->CreateCustom("org1", yaml, "usr_1").ok());
  ASSERT_TRUE(connections_->SetClient("org1", "ghapp", "Iv23liAppClientId", keys_.private_pem).ok());
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "gh", .service_id = "ghapp",
                                    .params = {{"installation_id", "4242"}}}).ok());
  int64_t now = clock_.NowMillis() / 1000;
  std::vector<Json> jwts;
  int issued = 0;
  http_.SetHandler([&](const outbound::Request& r) -> Result<outbound::Response> {
    if (r.url.starts_with("https://login.machine.test/")) {
      EXPECT_EQ(r.method, "POST");
      EXPECT_EQ(r.url, "https://login.machine.test/app/installations/4242/access_tokens");
      std::string auth;
      for (const auto& [k, v] : r.headers) {
        if (k == "Authorization") auth = v;
      }
      auto claims = auth.starts_with("Bearer ") ? Verified(auth.substr(7), keys_.public_pem)
                                                : std::nullopt;
      if (!claims) return outbound::FakeHttpClient::Json(401, R"({"message":"A JSON web token could not be decoded"})");
      jwts.push_back(*claims);
      int64_t at = clock_.NowMillis() / 1000;
      return outbound::FakeHttpClient::Json(
          201, Json{{"token", "ghs_installation" + std::to_string(++issued)},
                    {"expires_at", Iso(at + 3600)}}.dump());
    }
    std::string auth;
    for (const auto& [k, v] : r.headers) {
      if (k == "Authorization") auth = v;
    }
    return outbound::FakeHttpClient::Json(auth.starts_with("Bearer ghs_installation") ? 200 : 401, "{}");
  });
  auto r = Get("gh", "https://api.machine.test/repos");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(SentAuthorization(), "Bearer ghs_installation1");
  ASSERT_EQ(jwts.size(), 1u);
  EXPECT_EQ(jwts[0], (Json{{"iss", "Iv23liAppClientId"}, {"iat", now - 60}, {"exp", now + 540}}));
  // Cached until expires_at (less the five-minute refresh margin): a call 54 minutes later
  // reuses it, one at 56 minutes buys another.
  clock_.Advance(Millis(54 * 60 * 1000));
  ASSERT_TRUE(Get("gh", "https://api.machine.test/repos").ok());
  EXPECT_EQ(jwts.size(), 1u);
  clock_.Advance(Millis(2 * 60 * 1000));
  ASSERT_TRUE(Get("gh", "https://api.machine.test/repos").ok());
  EXPECT_EQ(jwts.size(), 2u);
  EXPECT_EQ(SentAuthorization(), "Bearer ghs_installation2");
  std::string sent = Sent();
  EXPECT_EQ(sent.find(KeyLine(keys_.private_pem)), std::string::npos);
  EXPECT_EQ(sent.find("PRIVATE KEY"), std::string::npos);
}

}  // namespace
}  // namespace relish::connections
