// Issue 20, the JWT bearer grant (RFC 7523) through real HTTP: Connections with the real curl
// client, whose egress remaps the token and API hosts to a loopback token endpoint that verifies
// each assertion's RS256 signature with the service account's public key (OpenSSL) and answers
// only then. Two organizations hold different keys; each one's assertion verifies with its own
// public key only, and domain-wide delegation's `sub` comes from the connection's parameter.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "connections/jwt_test_keys.h"
#include "connections/catalog.h"
#include "connections/connections.h"
#include "connections/test_fixture.h"
#include "outbound/curl_client.h"
#include "server/http_server.h"
#include "server/json.h"
#include "server/metrics.h"
#include "server/router.h"
#include "store/sqlite/sqlite_store.h"
#include "vault/vault.h"

namespace relish::connections {
namespace {

using Json = nlohmann::json;

using testing::KeyPair;
using testing::NewKeyPair;

std::optional<Json> Verified(const std::string& jwt, const std::string& public_pem) {
  return testing::VerifiedClaims(jwt, public_pem);
}

// Google's token endpoint and an API, on loopback. The endpoint knows each service account's
// public key, never a private one.
class TokenEndpoint {
 public:
  explicit TokenEndpoint(std::map<std::string, std::string> public_keys)
      : public_keys_(std::move(public_keys)) {
    router_.Add("POST", "/token", server::Access::kPublic, [this](server::Request& r) {
      std::map<std::string, std::string> form;
      for (auto& [k, v] : server::ParseForm(r.body)) form[k] = v;
      std::lock_guard lock(mu_);
      forms_.push_back(form);
      if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return server::JsonResponse(400, {{"error", "unsupported_grant_type"}});
      }
      // The issuer names the key to verify with; a signature by any other key is refused.
      auto dot1 = form["assertion"].find('.');
      auto dot2 = form["assertion"].rfind('.');
      auto unverified = Base64Decode(form["assertion"].substr(dot1 + 1, dot2 - dot1 - 1));
      Json claims = unverified ? Json::parse(*unverified, nullptr, false) : Json();
      std::string iss = claims.is_object() ? claims.value("iss", "") : "";
      auto key = public_keys_.find(iss);
      auto verified = key == public_keys_.end() ? std::nullopt : Verified(form["assertion"], key->second);
      if (!verified) {
        return server::JsonResponse(400, {{"error", "invalid_grant"},
                                          {"error_description", "Invalid JWT Signature."}});
      }
      verified_.push_back(*verified);
      std::string token = "ya29." + iss.substr(0, iss.find('@')) + "-" +
                          verified->value("sub", std::string("self"));
      return server::JsonResponse(200, {{"access_token", token}, {"expires_in", 3599},
                                        {"token_type", "Bearer"}});
    });
    router_.Add("GET", "/drive/v3/about", server::Access::kPublic, [](server::Request& r) {
      std::string auth(r.Header("Authorization").value_or(""));
      if (!auth.starts_with("Bearer ya29.")) return server::JsonResponse(401, {{"error", "unauthenticated"}});
      // Whom the token acts for (not the token itself, which Relish would mask in the answer).
      return server::JsonResponse(200, {{"as", auth.substr(12)}});
    });
    server::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
    ok_ = server_->Listen().ok();
    if (ok_) thread_ = std::thread([this] { server_->Run(false); });
  }
  ~TokenEndpoint() {
    if (ok_) {
      server_->Stop();
      thread_.join();
    }
  }
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<Json> verified() {
    std::lock_guard lock(mu_);
    return verified_;
  }
  std::vector<std::map<std::string, std::string>> forms() {
    std::lock_guard lock(mu_);
    return forms_;
  }

 private:
  std::map<std::string, std::string> public_keys_;
  std::mutex mu_;
  std::vector<Json> verified_;
  std::vector<std::map<std::string, std::string>> forms_;
  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  bool ok_ = false;
};

constexpr const char* kRobotA = "robot-a@proj-a.iam.gserviceaccount.com";
constexpr const char* kRobotB = "robot-b@proj-b.iam.gserviceaccount.com";

class JwtLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = std::make_unique<TokenEndpoint>(
        std::map<std::string, std::string>{{kRobotA, a_.public_pem}, {kRobotB, b_.public_pem}});
    ASSERT_TRUE(endpoint_->ok());
    store_ = std::move(*store::OpenSqlite({.path = ":memory:"}));
    ASSERT_TRUE(store_->Migrate(TestMigrations()).ok());
    vault_ = std::move(*vault::Vault::Open(*store_, {vault::MakeMasterKey(random_)}, clock_, random_));
    catalog_ = std::make_unique<Catalog>(*store_, clock_);
    ASSERT_TRUE(catalog_->LoadDefaults().ok());  // the shipped google_service_account
    outbound::EgressOptions egress{.allow_loopback = true};
    egress.remap["oauth2.googleapis.com"] = endpoint_->url();
    egress.remap["www.googleapis.com"] = endpoint_->url();
    http_ = outbound::NewCurlClient({.egress = egress});
    connections_ = std::make_unique<Connections>(*store_, *vault_, *catalog_, *http_, *http_,
                                                 clock_, random_, ConnectionsOptions{});
    // Each organization's client is its own service account: a Google key file for A, the
    // bare PEM for B.
    std::string key_file = Json{{"type", "service_account"},
                                {"client_email", kRobotA},
                                {"private_key", a_.private_pem}}.dump();
    ASSERT_TRUE(connections_->SetClient("org1", "google_service_account", kRobotA, key_file).ok());
    ASSERT_TRUE(connections_->SetClient("org2", "google_service_account", kRobotB, b_.private_pem).ok());
  }
  void TearDown() override { connections_.reset(); }

  void Create(const std::string& org, const std::string& link, Values params = {}) {
    auto c = connections_->Create({.org_id = org, .display_name = link,
                                   .link_name = link,
                                   .service_id = "google_service_account",
                                   .params = std::move(params)});
    ASSERT_TRUE(c.ok()) << c.error().message();
  }
  Result<outbound::Response> About(const std::string& org, const std::string& link) {
    return connections_->Call({.org_id = org, .environment = "sandbox", .origin = "test"}, link,
                              {.url = "https://www.googleapis.com/drive/v3/about?fields=user"});
  }

  FakeClock clock_;
  FakeRandom random_{9};
  KeyPair a_ = NewKeyPair();
  KeyPair b_ = NewKeyPair();
  std::unique_ptr<TokenEndpoint> endpoint_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<outbound::HttpClient> http_;
  std::unique_ptr<Connections> connections_;
};

TEST_F(JwtLoopbackTest, TheTokenEndpointVerifiesEachOrganizationsAssertionWithItsPublicKey) {
  Create("org1", "drive");
  Create("org1", "drive_as_ann", {{"subject", "ann@example.com"}});
  Create("org2", "drive");
  int64_t now = clock_.NowMillis() / 1000;

  auto self = About("org1", "drive");
  ASSERT_TRUE(self.ok()) << self.error().message();
  EXPECT_EQ(self->status, 200);
  EXPECT_EQ(Json::parse(self->body)["as"], "robot-a-self");
  auto ann = About("org1", "drive_as_ann");
  ASSERT_TRUE(ann.ok()) << ann.error().message();
  EXPECT_EQ(Json::parse(ann->body)["as"], "robot-a-ann@example.com");
  auto other = About("org2", "drive");
  ASSERT_TRUE(other.ok()) << other.error().message();
  EXPECT_EQ(Json::parse(other->body)["as"], "robot-b-self");

  // The audience is the token URL as Relish knows it (Google's), not the loopback it went to.
  const std::string aud = "https://oauth2.googleapis.com/token";
  const std::string scope = "https://www.googleapis.com/auth/drive.readonly";
  EXPECT_EQ(endpoint_->verified(),
            (std::vector<Json>{
                {{"iss", kRobotA}, {"aud", aud}, {"scope", scope}, {"iat", now}, {"exp", now + 3600}},
                {{"iss", kRobotA}, {"aud", aud}, {"scope", scope}, {"iat", now}, {"exp", now + 3600},
                 {"sub", "ann@example.com"}},
                {{"iss", kRobotB}, {"aud", aud}, {"scope", scope}, {"iat", now}, {"exp", now + 3600}}}));
  // Only the grant and the assertion went: no client secret, no key.
  for (const auto& form : endpoint_->forms()) {
    EXPECT_EQ(form.size(), 2u);
    for (const auto& [k, v] : form) {
      EXPECT_EQ(v.find("PRIVATE KEY"), std::string::npos) << k;
    }
  }
}

TEST_F(JwtLoopbackTest, AnAssertionSignedWithAnotherKeyIsRefusedAtTheEndpoint) {
  // Organization 2 claims robot A's e-mail but holds B's key: the endpoint's check fails.
  ASSERT_TRUE(connections_->SetClient("org2", "google_service_account", kRobotA, b_.private_pem).ok());
  Create("org2", "drive");
  auto r = About("org2", "drive");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("invalid_grant"), std::string::npos) << r.error().message();
  EXPECT_EQ(endpoint_->verified(), std::vector<Json>{});
  EXPECT_EQ(endpoint_->forms().size(), 1u);
}

TEST_F(JwtLoopbackTest, ASubjectThatIsNotAnEmailIsRefusedAtCreation) {
  for (const char* bad : {"ann", "ann@example.com\nsub", "a@b@c.com"}) {
    auto c = connections_->Create({.org_id = "org1", .display_name = "x", .link_name = "x",
                                   .service_id = "google_service_account",
                                   .params = {{"subject", bad}}});
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message().find("does not match"), std::string::npos) << c.error().message();
  }
  EXPECT_EQ(endpoint_->forms().size(), 0u);
}

}  // namespace
}  // namespace relish::connections
