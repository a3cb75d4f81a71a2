#include "identity/oauth_server.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "identity/identity.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing.h"

namespace relish::identity {
namespace {

using Params = std::map<std::string, std::string>;

constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kRedirect = "https://client.example/cb";

class OAuthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    auto migrations = Identity::Migrations();
    for (auto& m : OAuthServer::Migrations()) migrations.push_back(m);
    ASSERT_TRUE(store_->Migrate(migrations).ok());
    identity_ =
        std::make_unique<Identity>(*store_, clock_, random_,
                                   IdentityOptions{.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN,
                                                   .pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN});
    user_ = identity_->CreateUser("ada@example.com", "Ada", "long enough pw", Role::kAdmin)->id;
    oauth_ = std::make_unique<OAuthServer>(*store_, clock_, random_);
    auto created =
        oauth_->CreateClient({.name = "Books sync",
                              .redirect_uris = {std::string(kRedirect)},
                              .scopes = {"ZohoBigin.modules.ALL", "ZohoBigin.users.READ"}});
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    client_ = created->first;
    secret_ = created->second;
  }

  Params AuthorizeParams() {
    return {{"response_type", "code"},
            {"client_id", client_.id},
            {"redirect_uri", std::string(kRedirect)},
            {"scope", "ZohoBigin.modules.contacts.READ,ZohoBigin.users.READ"},
            {"state", "xyz"},
            {"code_challenge", PkceChallenge(kVerifier)},
            {"code_challenge_method", "S256"},
            {"access_type", "offline"}};
  }

  // A code for the default request (checks pass).
  std::string Code(Params params = {}) {
    if (params.empty()) params = AuthorizeParams();
    auto check = oauth_->CheckAuthorizeRequest(params);
    EXPECT_TRUE(check.ok() && check->request)
        << (check.ok() && check->redirect_error ? check->redirect_error->description : "");
    return *oauth_->IssueCode(*check->request, user_, "org1", "sandbox");
  }

  std::variant<TokenResponse, OAuthError> Token(Params p, std::optional<std::string> secret = {}) {
    auto r = oauth_->Token({client_.id, secret ? secret : std::optional(secret_)}, p);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return *r;
  }
  static std::string ErrorOf(const std::variant<TokenResponse, OAuthError>& v) {
    auto* e = std::get_if<OAuthError>(&v);
    return e ? e->error + ": " + e->description : "ok";
  }
  Params Exchange(const std::string& code) {
    return {{"grant_type", "authorization_code"},
            {"code", code},
            {"redirect_uri", std::string(kRedirect)},
            {"code_verifier", std::string(kVerifier)}};
  }

  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Identity> identity_;
  std::unique_ptr<OAuthServer> oauth_;
  std::string user_;
  OAuthClient client_;
  std::string secret_;
};

TEST_F(OAuthServerTest, PkceChallengeIsBase64UrlOfSha256) {
  // Computed independently: base64url(sha256(verifier)) without padding.
  EXPECT_EQ(PkceChallenge(kVerifier), "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc");
}

TEST_F(OAuthServerTest, ClientsKeepOnlyADigestOfTheSecret) {
  EXPECT_TRUE(client_.id.starts_with("1000."));
  EXPECT_EQ(client_.id.size(), 35u);
  EXPECT_EQ(secret_.size(), 42u);
  auto tx = *store_->Begin(store::TxMode::kRead);
  auto rows = *tx->Query("SELECT secret_digest FROM oauth_clients");
  EXPECT_EQ(rows.front().Text(0), DigestSecret(secret_));
  EXPECT_FALSE(oauth_->CreateClient({.name = "x", .redirect_uris = {"https://a/b#frag"}}).ok());
  EXPECT_FALSE(oauth_->CreateClient({.name = "x", .redirect_uris = {"javascript:alert(1)"}}).ok());
  EXPECT_FALSE(
      oauth_->CreateClient({.name = "x", .redirect_uris = {"https://a/"}, .scopes = {"bad"}}).ok());
}

TEST_F(OAuthServerTest, AuthorizeErrorsBeforeTheRedirectUriIsTrustedAreNeverRedirected) {
  auto check = [&](Params p) { return *oauth_->CheckAuthorizeRequest(p); };
  Params p = AuthorizeParams();
  p["client_id"] = "1000.NOPE";
  EXPECT_EQ(check(p).page_error->error, "invalid_client");
  p = AuthorizeParams();
  p["redirect_uri"] = std::string(kRedirect) + "/other";
  EXPECT_EQ(check(p).page_error->error, "invalid_request");
  p["redirect_uri"] = "https://client.example/CB";  // exact match only
  EXPECT_TRUE(check(p).page_error);
  p = AuthorizeParams();
  p.erase("redirect_uri");
  EXPECT_TRUE(check(p).page_error);

  p = AuthorizeParams();
  p["response_type"] = "token";
  auto r = check(p);
  EXPECT_FALSE(r.page_error);
  EXPECT_EQ(r.redirect_error->error, "unsupported_response_type");
  EXPECT_EQ(r.redirect_uri, kRedirect);
  EXPECT_EQ(r.state, "xyz");
  p = AuthorizeParams();
  p["scope"] = "ZohoBigin.settings.ALL";  // beyond what the client may ask for
  EXPECT_EQ(check(p).redirect_error->error, "invalid_scope");
  p["scope"] = "ZohoCRM.modules.ALL";
  EXPECT_EQ(check(p).redirect_error->description, "unknown scope 'ZohoCRM.modules.ALL'.");
  p = AuthorizeParams();
  p["code_challenge_method"] = "plain";
  EXPECT_EQ(check(p).redirect_error->description, "code_challenge_method must be S256.");
}

TEST_F(OAuthServerTest, CodeFlowWithPkceAndRotation) {
  auto first = Token(Exchange(Code()));
  ASSERT_EQ(ErrorOf(first), "ok");
  auto tokens = std::get<TokenResponse>(first);
  EXPECT_TRUE(tokens.access_token.starts_with("rla_"));
  EXPECT_TRUE(tokens.refresh_token.starts_with("rlr_"));
  EXPECT_EQ(tokens.scope, "ZohoBigin.modules.contacts.READ ZohoBigin.users.READ");
  EXPECT_EQ(tokens.expires_in, 3600);
  auto grant = oauth_->AuthenticateAccessToken(tokens.access_token);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->user_id, user_);
  EXPECT_EQ(grant->org_id, "org1");
  EXPECT_EQ(grant->environment, "sandbox");
  EXPECT_EQ(grant->scopes.size(), 2u);

  // Refresh rotates: the new refresh token works, the old one is spent.
  auto second = Token({{"grant_type", "refresh_token"}, {"refresh_token", tokens.refresh_token}});
  ASSERT_EQ(ErrorOf(second), "ok");
  auto rotated = std::get<TokenResponse>(second);
  EXPECT_NE(rotated.refresh_token, tokens.refresh_token);
  // Narrowing the scope on refresh is allowed, widening is not.
  auto narrowed = Token({{"grant_type", "refresh_token"},
                         {"refresh_token", rotated.refresh_token},
                         {"scope", "ZohoBigin.users.READ"}});
  ASSERT_EQ(ErrorOf(narrowed), "ok");
  auto latest = std::get<TokenResponse>(narrowed);
  EXPECT_EQ(latest.scope, "ZohoBigin.users.READ");
  EXPECT_EQ(ErrorOf(Token({{"grant_type", "refresh_token"},
                           {"refresh_token", latest.refresh_token},
                           {"scope", "ZohoBigin.modules.ALL"}})),
            "invalid_scope: The scope asked for exceeds the grant.");

  // Reusing a spent refresh token revokes the whole grant: every token stops working.
  EXPECT_EQ(
      ErrorOf(Token({{"grant_type", "refresh_token"}, {"refresh_token", tokens.refresh_token}})),
      "invalid_grant: The refresh token was already used; the grant is revoked.");
  EXPECT_FALSE(oauth_->AuthenticateAccessToken(latest.access_token).ok());
  EXPECT_EQ(
      ErrorOf(Token({{"grant_type", "refresh_token"}, {"refresh_token", latest.refresh_token}})),
      "invalid_grant: The refresh token is invalid or revoked.");
}

TEST_F(OAuthServerTest, CodesAreSingleUseAndAReplayRevokesWhatTheyIssued) {
  std::string code = Code();
  auto tokens = std::get<TokenResponse>(Token(Exchange(code)));
  EXPECT_TRUE(oauth_->AuthenticateAccessToken(tokens.access_token).ok());
  EXPECT_EQ(ErrorOf(Token(Exchange(code))),
            "invalid_grant: The code is invalid, expired or already used.");
  EXPECT_FALSE(oauth_->AuthenticateAccessToken(tokens.access_token).ok());
  EXPECT_EQ(
      ErrorOf(Token({{"grant_type", "refresh_token"}, {"refresh_token", tokens.refresh_token}})),
      "invalid_grant: The refresh token is invalid or revoked.");
}

TEST_F(OAuthServerTest, CodesAreBoundToVerifierRedirectClientAndTime) {
  Params p = Exchange(Code());
  p["code_verifier"] = std::string(43, 'a');
  EXPECT_EQ(ErrorOf(Token(p)),
            "invalid_grant: The code_verifier does not match the code_challenge.");
  p = Exchange(Code());
  p.erase("code_verifier");
  EXPECT_EQ(ErrorOf(Token(p)), "invalid_grant: The request has no code_verifier.");
  p = Exchange(Code());
  p["redirect_uri"] = "https://client.example/other";
  EXPECT_EQ(ErrorOf(Token(p)),
            "invalid_grant: The redirect_uri does not match the authorization request.");
  p = Exchange(Code());
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(ErrorOf(Token(p)), "invalid_grant: The code is invalid, expired or already used.");
  EXPECT_EQ(ErrorOf(Token(Exchange(Code()), "wrong secret")),
            "invalid_client: Client authentication failed.");
  EXPECT_EQ(std::get<OAuthError>(Token(Exchange(Code()), "wrong secret")).status, 401);
  EXPECT_EQ(ErrorOf(Token({{"grant_type", "password"}})),
            "unsupported_grant_type: grant_type must be authorization_code or refresh_token.");
  // No PKCE downgrade: a code issued without a challenge refuses a verifier.
  Params no_pkce = AuthorizeParams();
  no_pkce.erase("code_challenge");
  no_pkce.erase("code_challenge_method");
  EXPECT_EQ(ErrorOf(Token(Exchange(Code(no_pkce)))),
            "invalid_grant: The authorization request had no code_challenge.");
  auto other = *oauth_->CreateClient({.name = "other", .redirect_uris = {std::string(kRedirect)}});
  auto stolen = oauth_->Token({other.first.id, other.second}, Exchange(Code()));
  EXPECT_EQ(ErrorOf(*stolen), "invalid_grant: The code is invalid, expired or already used.");
}

TEST_F(OAuthServerTest, PublicClientsMustUsePkce) {
  auto pub = *oauth_->CreateClient(
      {.name = "cli", .redirect_uris = {"http://127.0.0.1:9/cb"}, .confidential = false});
  EXPECT_TRUE(pub.second.empty());
  Params p = {{"response_type", "code"},
              {"client_id", pub.first.id},
              {"redirect_uri", "http://127.0.0.1:9/cb"},
              {"scope", "ZohoBigin.modules.ALL"}};
  EXPECT_EQ(oauth_->CheckAuthorizeRequest(p)->redirect_error->description,
            "A public client must use PKCE (code_challenge with S256).");
  p["code_challenge"] = PkceChallenge(kVerifier);
  p["code_challenge_method"] = "S256";
  auto check = *oauth_->CheckAuthorizeRequest(p);
  std::string code = *oauth_->IssueCode(*check.request, user_, "org1", "production");
  auto r =
      *oauth_->Token({pub.first.id, std::nullopt}, {{"grant_type", "authorization_code"},
                                                    {"code", code},
                                                    {"redirect_uri", "http://127.0.0.1:9/cb"},
                                                    {"code_verifier", std::string(kVerifier)}});
  ASSERT_EQ(ErrorOf(r), "ok");
  EXPECT_TRUE(std::get<TokenResponse>(r).refresh_token.empty());  // not offline: no refresh token
}

TEST_F(OAuthServerTest, RevocationFollowsRfc7009) {
  auto tokens = std::get<TokenResponse>(Token(Exchange(Code())));
  ClientCredentials me{client_.id, secret_};
  EXPECT_FALSE(*oauth_->Revoke(me, "rla_unknown"));  // unknown tokens: fine
  auto other = *oauth_->CreateClient({.name = "other", .redirect_uris = {std::string(kRedirect)}});
  EXPECT_FALSE(*oauth_->Revoke({other.first.id, other.second}, tokens.refresh_token));
  EXPECT_TRUE(oauth_->AuthenticateAccessToken(tokens.access_token).ok());  // not theirs to revoke
  EXPECT_EQ((*oauth_->Revoke({client_.id, "bad"}, tokens.refresh_token))->error, "invalid_client");
  // Revoking the refresh token revokes the grant's access tokens too.
  EXPECT_FALSE(*oauth_->Revoke(me, tokens.refresh_token));
  EXPECT_FALSE(oauth_->AuthenticateAccessToken(tokens.access_token).ok());
  EXPECT_EQ(
      ErrorOf(Token({{"grant_type", "refresh_token"}, {"refresh_token", tokens.refresh_token}})),
      "invalid_grant: The refresh token is invalid or revoked.");
  // Revoking an access token leaves the refresh token.
  auto fresh = std::get<TokenResponse>(Token(Exchange(Code())));
  EXPECT_FALSE(*oauth_->Revoke(me, fresh.access_token));
  EXPECT_FALSE(oauth_->AuthenticateAccessToken(fresh.access_token).ok());
  EXPECT_EQ(
      ErrorOf(Token({{"grant_type", "refresh_token"}, {"refresh_token", fresh.refresh_token}})),
      "ok");
}

TEST_F(OAuthServerTest, AccessTokensExpire) {
  auto tokens = std::get<TokenResponse>(Token(Exchange(Code())));
  clock_.Advance(std::chrono::seconds(3599));
  EXPECT_TRUE(oauth_->AuthenticateAccessToken(tokens.access_token).ok());
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(oauth_->AuthenticateAccessToken(tokens.access_token).error(),
            Unauthenticated("invalid oauth token"));
}

TEST_F(OAuthServerTest, SystemClientSecretIsReturnedOnlyAtCreation) {
  auto first = oauth_->EnsureSystemClient(
      "Relish connections", "http://127.0.0.1:8080/oauth/callback", {"ZohoBigin.modules.ALL"});
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_TRUE(first->client_secret);
  auto again = oauth_->EnsureSystemClient(
      "Relish connections", "http://127.0.0.1:9090/oauth/callback", {"ZohoBigin.modules.ALL"});
  EXPECT_EQ(again->client_id, first->client_id);
  EXPECT_FALSE(again->client_secret);
  auto client = *oauth_->GetClient(first->client_id);
  EXPECT_TRUE(client.system);
  EXPECT_EQ(client.redirect_uris, std::vector<std::string>{"http://127.0.0.1:9090/oauth/callback"});
  auto auth = oauth_->Token({first->client_id, *first->client_secret}, {{"grant_type", "x"}});
  EXPECT_EQ(ErrorOf(*auth),
            "unsupported_grant_type: grant_type must be authorization_code or refresh_token.");
  // A lost secret is replaced, not recovered.
  auto rotated = oauth_->RotateClientSecret(first->client_id);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(
      ErrorOf(*oauth_->Token({first->client_id, *first->client_secret}, {{"grant_type", "x"}})),
      "invalid_client: Client authentication failed.");
  EXPECT_EQ(ErrorOf(*oauth_->Token({first->client_id, *rotated}, {{"grant_type", "x"}})),
            "unsupported_grant_type: grant_type must be authorization_code or refresh_token.");
}

// Issue 13 item 3: a request that names relish_org/relish_environment is granted for exactly
// those, and Relish's own client must name them, at the authorization and token endpoints.
TEST_F(OAuthServerTest, RequestsNamingAnOrganizationAreGrantedForItAlone) {
  Params p = AuthorizeParams();
  p["relish_org"] = "org1";
  p["relish_environment"] = "sandbox";
  auto check = *oauth_->CheckAuthorizeRequest(p);
  ASSERT_TRUE(check.request);
  EXPECT_EQ(check.request->org_id, "org1");
  EXPECT_EQ(check.request->environment, "sandbox");
  EXPECT_EQ(oauth_->IssueCode(*check.request, user_, "org2", "sandbox").error(),
            PermissionDenied("the authorization request is for another organization or environment"));
  EXPECT_EQ(oauth_->IssueCode(*check.request, user_, "org1", "production").error(),
            PermissionDenied("the authorization request is for another organization or environment"));
  std::string code = *oauth_->IssueCode(*check.request, user_, "org1", "sandbox");
  // The token request may name them too; then they must be the code's.
  Params exchange = Exchange(code);
  exchange["relish_org"] = "org2";
  EXPECT_EQ(ErrorOf(Token(exchange)),
            "invalid_grant: The code was issued for another organization or environment.");
  exchange = Exchange(Code());  // issued for org1, sandbox
  exchange["relish_environment"] = "production";
  EXPECT_EQ(ErrorOf(Token(exchange)),
            "invalid_grant: The code was issued for another organization or environment.");
  exchange = Exchange(Code());
  exchange["relish_org"] = "org1";
  exchange["relish_environment"] = "sandbox";
  auto tokens = Token(exchange);
  ASSERT_EQ(ErrorOf(tokens), "ok");
  // And on refresh, against the grant's.
  std::string refresh = std::get<TokenResponse>(tokens).refresh_token;
  EXPECT_EQ(ErrorOf(Token({{"grant_type", "refresh_token"}, {"refresh_token", refresh},
                           {"relish_org", "org2"}})),
            "invalid_grant: The refresh token was issued for another organization or environment.");
  EXPECT_EQ(ErrorOf(Token({{"grant_type", "refresh_token"}, {"refresh_token", refresh},
                           {"relish_org", "org1"}, {"relish_environment", "sandbox"}})),
            "ok");  // the refused attempt above did not spend it

  p["relish_environment"] = "staging";
  EXPECT_EQ(oauth_->CheckAuthorizeRequest(p)->redirect_error->description,
            "relish_environment must be sandbox or production.");
}

TEST_F(OAuthServerTest, RelishsOwnClientMustNameTheOrganizationAndEnvironment) {
  auto own = *oauth_->EnsureSystemClient("Relish connections", std::string(kRedirect),
                                         {"ZohoBigin.modules.ALL"});
  Params p = AuthorizeParams();
  p["client_id"] = own.client_id;
  p["scope"] = "ZohoBigin.modules.ALL";
  for (const char* dropped : {"", "relish_org", "relish_environment"}) {
    Params q = p;
    q["relish_org"] = "org1";
    q["relish_environment"] = "sandbox";
    if (*dropped) {
      q.erase(dropped);
    } else {
      q.erase("relish_org");
      q.erase("relish_environment");
    }
    auto check = *oauth_->CheckAuthorizeRequest(q);
    ASSERT_TRUE(check.redirect_error) << dropped;
    EXPECT_EQ(check.redirect_error->error + ": " + check.redirect_error->description,
              "invalid_request: Relish's own connections must name relish_org and "
              "relish_environment.");
  }
  p["relish_org"] = "org1";
  p["relish_environment"] = "sandbox";
  auto check = *oauth_->CheckAuthorizeRequest(p);
  ASSERT_TRUE(check.request);
  std::string code = *oauth_->IssueCode(*check.request, user_, "org1", "sandbox");
  // Its token requests must name them too (the bigin service's token_params do).
  auto r = *oauth_->Token({own.client_id, *own.client_secret}, Exchange(code));
  EXPECT_EQ(ErrorOf(r),
            "invalid_request: Relish's own connections must name relish_org and relish_environment.");
  code = *oauth_->IssueCode(*check.request, user_, "org1", "sandbox");
  Params exchange = Exchange(code);
  exchange["relish_org"] = "org1";
  exchange["relish_environment"] = "sandbox";
  EXPECT_EQ(ErrorOf(*oauth_->Token({own.client_id, *own.client_secret}, exchange)), "ok");
}

}  // namespace
}  // namespace relish::identity
