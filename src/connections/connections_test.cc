#include "connections/connections.h"

#include <thread>

#include "connections/connections_impl.h"
#include "test_fixture.h"

namespace relish::connections {
namespace {

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : ParseFormEncoded(url.substr(url.find('?') + 1))) out[k] = v;
  return out;
}

TEST(LinkNameTest, FromDisplayNames) {
  EXPECT_EQ(LinkNameFrom("Zoho Books (prod)"), "zoho_books_prod");
  EXPECT_EQ(LinkNameFrom("Bigin Connection"), "bigin_connection");
  EXPECT_EQ(LinkNameFrom("42 things"), "c_42_things");
  EXPECT_EQ(LinkNameFrom("  --  "), "c");
  EXPECT_EQ(LinkNameFrom(std::string(80, 'a')).size(), 50u);
}

TEST_F(ConnectionsTest, CreateGeneratesUniqueLinkNamesAndChecksScopes) {
  auto a = connections_->Create({.org_id = "org1", .display_name = "Books Connection", .service_id = "acme"});
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->link_name, "books_connection");
  EXPECT_EQ(a->scopes, std::vector<std::string>{"read"});  // the service's default
  auto b = connections_->Create({.org_id = "org1", .display_name = "Books Connection", .service_id = "acme"});
  EXPECT_EQ(b->link_name, "books_connection_2");
  auto c = connections_->Create({.org_id = "org1", .display_name = "X", .link_name = "books_connection",
                                 .service_id = "acme"});
  EXPECT_EQ(c.error().message(),
            "a connection with link name 'books_connection' already exists in the sandbox environment");
  // The same link name in production is another connection.
  EXPECT_TRUE(connections_->Create({.org_id = "org1", .environment = "production",
                                    .display_name = "Books Connection", .service_id = "acme"})
                  .ok());
  EXPECT_EQ(connections_->Create({.org_id = "org1", .display_name = "X", .service_id = "acme",
                                  .scopes = {"admin"}})
                .error()
                .message(),
            "service acme has no scope 'admin'");
  EXPECT_EQ(connections_->Create({.org_id = "org1", .display_name = "X", .link_name = "Bad-Name",
                                  .service_id = "acme"})
                .error()
                .message(),
            "link name 'Bad-Name' must start with a lowercase letter and hold only a-z, 0-9 and _, at "
            "most 50 characters");
  EXPECT_TRUE(connections_->Create({.org_id = "org1", .display_name = "T",
                                    .link_name = "biginandbooks__booksconnection", .service_id = "acme"})
                  .ok());
  EXPECT_EQ(connections_->Create({.org_id = "org1", .display_name = "X", .service_id = "nope"})
                .error()
                .message(),
            "no service 'nope'");
}

TEST_F(ConnectionsTest, AuthorizationCodeFlowWithPkce) {
  auto c = *connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme",
                                  .scopes = {"read", "write"}});
  auto begin = connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "/connections");
  ASSERT_TRUE(begin.ok()) << begin.error().message();
  EXPECT_EQ(begin->authorize_url.rfind("https://login.acme.test/authorize?", 0), 0u);
  auto q = QueryOf(begin->authorize_url);
  EXPECT_EQ(q["response_type"], "code");
  EXPECT_EQ(q["client_id"], "client-1");
  EXPECT_EQ(q["redirect_uri"], "http://relish.test:8080/oauth/callback");
  EXPECT_EQ(q["scope"], "read,write");
  EXPECT_EQ(q["state"], begin->state);
  EXPECT_EQ(q["code_challenge_method"], "S256");
  EXPECT_EQ(q["access_type"], "offline");
  EXPECT_EQ(q["code_challenge"].size(), 43u);

  auto done = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "the-code"}});
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(done->return_to, "/connections");
  const auto& auth = done->connection.authorizations.at(0);
  EXPECT_EQ(auth.status, Status::kConnected);
  EXPECT_EQ(auth.granted_scopes, std::vector<std::string>{"read"});  // the provider granted less
  EXPECT_EQ(auth.account_id, "acct-42");
  EXPECT_EQ(*auth.expires_at, clock_.NowMillis() + 3'600'000);
  // The exchange sent the code, our redirect URI, the verifier behind the challenge, and the
  // client credentials as form fields (client_auth: form).
  ASSERT_EQ(provider_.token_forms.size(), 1u);
  auto form = provider_.token_forms[0];
  EXPECT_EQ(form["grant_type"], "authorization_code");
  EXPECT_EQ(form["code"], "the-code");
  EXPECT_EQ(form["redirect_uri"], "http://relish.test:8080/oauth/callback");
  EXPECT_EQ(PkceChallenge(form["code_verifier"]), q["code_challenge"]);
  EXPECT_EQ(form["client_id"], "client-1");
  EXPECT_EQ(form["client_secret"], "client-secret-1");
  // A state is good once.
  auto replay = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "the-code"}});
  EXPECT_EQ(replay.error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(provider_.token_calls, 1);
}

TEST_F(ConnectionsTest, StatesExpireAndProviderErrorsAreRecorded) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  clock_.Advance(Millis(10 * 60 * 1000 + 1));
  EXPECT_EQ(connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}).error().message(),
            "the authorization took longer than 10 minutes; start it again");
  auto again = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  auto denied = connections_->CompleteAuthorization(
      {{"state", again.state}, {"error", "access_denied"}, {"error_description", "user said no"}});
  EXPECT_EQ(denied.error().message(), "the provider did not authorize: access_denied (user said no)");
  auto c = *connections_->Get("org1", "sandbox", "acme");
  EXPECT_EQ(c.authorizations.at(0).status, Status::kNeedsReauth);
  EXPECT_EQ(c.authorizations.at(0).reason, "the provider did not authorize: access_denied (user said no)");
  EXPECT_EQ(provider_.token_calls, 0);
  EXPECT_EQ(connections_->CompleteAuthorization({{"code", "x"}}).error().message(),
            "the callback has no state parameter");
  EXPECT_EQ(connections_->BeginAuthorization("org1", "sandbox", "acme", "u", "https://evil.test/").error().message(),
            "return_to must be a path on this server");
}

TEST_F(ConnectionsTest, RefusedCodeExchangeIsNotRetried) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  provider_.token_error = "invalid_grant";
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  auto r = connections_->CompleteAuthorization({{"state", begin.state}, {"code", "used"}});
  EXPECT_EQ(r.error().message(),
            "exchanging the authorization code: the provider refused: invalid_grant");
  EXPECT_EQ(provider_.token_calls, 1);
}

TEST_F(ConnectionsTest, CallInjectsTheTokenOnlyForAllowedHosts) {
  std::string link = Authorized();
  auto r = Get(link);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Zoho-oauthtoken access-1"})");
  auto elsewhere = Get(link, "https://evil.test/steal");
  EXPECT_EQ(elsewhere.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(elsewhere.error().message(),
            "connection 'acme_sync' (service acme) may not send credentials to evil.test; allowed: "
            "api.acme.test");
  size_t sent_to_evil = 0;
  for (const auto& req : http_.requests()) sent_to_evil += req.url.find("evil.test") != std::string::npos;
  EXPECT_EQ(sent_to_evil, 0u);
  EXPECT_EQ(Get("nope").error().message(), "no connection 'nope' in the sandbox environment");
}

TEST_F(ConnectionsTest, ConnectionCredentialReplacesTheCallersHeader) {
  std::string link = Authorized();
  outbound::Request req{.url = "https://api.acme.test/v1/me", .headers = {{"authorization", "Bearer mine"}}};
  auto r = connections_->Call(Ctx(), link, req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Zoho-oauthtoken access-1"})");
  auto audit = *connections_->Audit("org1", "", 10);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].note, "replaced the caller's Authorization header");
  EXPECT_EQ(audit[0].status, 200);
  EXPECT_EQ(audit[0].url, "https://api.acme.test/v1/me");
  EXPECT_EQ(audit[0].link_name, "acme_sync");
}

// A URL starting with '/' goes under the connection's base URL (https://api.acme.test/v1), by
// Call and by Prepare alike; one of an unusual shape is parsed in full, with the same result.
TEST_F(ConnectionsTest, RelativeUrlsGoUnderTheBaseUrl) {
  std::string link = Authorized();
  ASSERT_TRUE(connections_->Call(Ctx(), link, {.url = "/me?x=1"}).ok());
  EXPECT_EQ(http_.requests().back().url, "https://api.acme.test/v1/me?x=1");
  ASSERT_TRUE(connections_->Call(Ctx(), link, {.url = "/a/../me"}).ok());
  EXPECT_EQ(http_.requests().back().url, "https://api.acme.test/v1/a/../me");
  auto prepared = connections_->Prepare(Ctx(), link, {.url = "/me?page=2"});
  ASSERT_TRUE(prepared.ok()) << prepared.error().message();
  EXPECT_TRUE((*prepared)->ready);
  EXPECT_EQ((*prepared)->request.url, "https://api.acme.test/v1/me?page=2");
  EXPECT_EQ((*prepared)->url.ToString(), "https://api.acme.test/v1/me?page=2");
  EXPECT_EQ((*prepared)->url.host, "api.acme.test");
  EXPECT_EQ((*prepared)->request.headers.back(), (std::pair<std::string, std::string>{"Authorization", "Zoho-oauthtoken access-1"}));
  connections_->Finish(**prepared, outbound::Response{.status = 204});
  auto audit = connections_->Audit("org1", "", 3);
  std::vector<std::string> urls;
  for (const auto& e : *audit) urls.push_back(e.url);
  EXPECT_EQ(urls, (std::vector<std::string>{"https://api.acme.test/v1/me?page=2",
                                            "https://api.acme.test/v1/me",  // as libcurl reads it
                                            "https://api.acme.test/v1/me?x=1"}));
}

TEST_F(ConnectionsTest, ToppingNamespacesResolveLinkNames) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "x",
                                    .link_name = "shop__acme", .service_id = "acme"}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "shop__acme", "u", "");
  ASSERT_TRUE(connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}).ok());
  CallContext ctx = Ctx();
  ctx.topping = "shop";
  EXPECT_TRUE(connections_->Call(ctx, "acme", {.url = "https://api.acme.test/v1/me"}).ok());
  EXPECT_TRUE(connections_->Call(ctx, "shop__acme", {.url = "https://api.acme.test/v1/me"}).ok());
  EXPECT_EQ(connections_->Call(Ctx(), "acme", {.url = "https://api.acme.test/v1/me"}).error().message(),
            "no connection 'acme' in the sandbox environment");
}

TEST_F(ConnectionsTest, ApiKeyBasicAndFormPlacement) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "k", .service_id = "keyed"}).ok());
  EXPECT_EQ(connections_->SetCredentials("org1", "sandbox", "k", "u", {{"api_key", ""}}).error().message(),
            "credential 'api_key' is required for service keyed");
  EXPECT_EQ(connections_->SetCredentials("org1", "sandbox", "k", "u", {{"key", "x"}}).error().message(),
            "service keyed takes no credential 'key'");
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", "k", "u", {{"api_key", "k3y-value-123"}}).ok());
  ASSERT_TRUE(Get("k", "https://api.keyed.test/things?q=1&api_key=mine").ok());
  EXPECT_EQ(http_.requests().back().url, "https://api.keyed.test/things?q=1&api_key=k3y-value-123");
  auto audit = *connections_->Audit("org1", "", 1);
  EXPECT_EQ(audit[0].url, "https://api.keyed.test/things?q=1&api_key=***");

  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "b", .service_id = "basicsvc"}).ok());
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", "b", "u",
                                           {{"username", "ada"}, {"password", "lovelace-1815"}}).ok());
  ASSERT_TRUE(Get("b", "https://api.basic.test/x").ok());
  EXPECT_EQ(http_.requests().back().headers.back(),
            (std::pair<std::string, std::string>{"Authorization", "Basic " + Base64Encode("ada:lovelace-1815")}));

  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "f", .service_id = "formkey"}).ok());
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", "f", "u", {{"token", "form-token-9"}}).ok());
  outbound::Request post{.method = "POST", .url = "https://api.formkey.test/send",
                         .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                         .body = "message=hi+there"};
  ASSERT_TRUE(connections_->Call(Ctx(), "f", post).ok());
  EXPECT_EQ(http_.requests().back().body, "message=hi+there&token=form-token-9");
  outbound::Request json{.method = "POST", .url = "https://api.formkey.test/send",
                         .headers = {{"Content-Type", "application/json"}}, .body = "{}"};
  EXPECT_EQ(connections_->Call(Ctx(), "f", json).error().message(),
            "service formkey takes its API key as a form field, but this request's body is not a form");
}

TEST_F(ConnectionsTest, UnauthorizedConnectionsSayWhy) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  EXPECT_EQ(Get("acme").error().message(), "connection 'acme' is not authorized yet");
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Mine", .service_id = "acme",
                                    .per_user = true}).ok());
  EXPECT_EQ(Get("mine").error().message(),
            "connection 'mine' uses each user's own credentials, and no user is acting");
}

TEST_F(ConnectionsTest, PerUserConnectionsKeepOneAuthorizationPerUser) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Mine", .service_id = "acme",
                                    .per_user = true}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "mine", "usr_a", "");
  ASSERT_TRUE(connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}).ok());
  CallContext a = Ctx();
  a.user_id = "usr_a";
  CallContext b = Ctx();
  b.user_id = "usr_b";
  EXPECT_TRUE(connections_->Call(a, "mine", {.url = "https://api.acme.test/v1/me"}).ok());
  EXPECT_EQ(connections_->Call(b, "mine", {.url = "https://api.acme.test/v1/me"}).error().message(),
            "connection 'mine' is not authorized for user usr_b yet");
  auto c = *connections_->Get("org1", "sandbox", "mine");
  ASSERT_EQ(c.authorizations.size(), 1u);
  EXPECT_EQ(c.authorizations[0].user_id, "usr_a");
}

TEST_F(ConnectionsTest, ReauthorizingAsAnotherAccountIsRefused) {
  std::string link = Authorized();
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", link, "usr_1", "");
  provider_.next_access = "access-other";
  // The fake provider names account "acct-42"; make it answer as someone else.
  provider_.token_body_override =
      R"({"access_token":"access-other","refresh_token":"r","expires_in":3600,"account":"acct-99"})";
  auto r = connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c2"}});
  EXPECT_EQ(r.error().message(),
            "this connection is authorized for upstream account acct-42, but the sign-in was for "
            "acct-99; create a new connection for the other account");
  provider_.token_body_override.clear();
  EXPECT_EQ(Get(link)->body, R"({"ok":true,"auth":"Zoho-oauthtoken access-1"})");
}

TEST_F(ConnectionsTest, RevokeCallsTheProviderAndForgetsTokens) {
  std::string link = Authorized();
  auto c = connections_->Revoke("org1", "sandbox", link, "usr_1");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(provider_.revoke_calls, 1);
  auto revoke = http_.requests().back();
  EXPECT_EQ(revoke.body, "token=refresh-1&token_type_hint=refresh_token&client_id=client-1&client_secret=client-secret-1");
  EXPECT_EQ(c->authorizations[0].status, Status::kRevoked);
  EXPECT_EQ(Get(link).error().message(), "connection 'acme_sync' was revoked");
}

TEST_F(ConnectionsTest, TestUsesTheServicesTestCall) {
  std::string link = Authorized();
  auto t = connections_->Test(Ctx(), link, "");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->ok);
  EXPECT_EQ(t->status, 200);
  EXPECT_EQ(http_.requests().back().url, "https://api.acme.test/v1/me");
  provider_.valid_tokens.clear();
  provider_.token_error = "invalid_grant";
  auto bad = connections_->Test(Ctx(), link, "https://api.acme.test/v1/other");
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->status, 401);
}

// RFC 5849 section 3.4.1.1 publishes the base string of its example request, and the
// signature follows from it (the example sends no oauth_version).
TEST(OAuth1Test, BaseStringAndSignatureMatchTheRfcExample) {
  std::string base = OAuth1BaseString(
      "post", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
      {{"c2", ""}, {"a3", "2 q"}},
      {{"oauth_consumer_key", "9djdj82h48djs9d2"}, {"oauth_token", "kkk9d7dh3k39sjv7"},
       {"oauth_signature_method", "HMAC-SHA1"}, {"oauth_timestamp", "137131201"},
       {"oauth_nonce", "7d8f3e4a"}});
  EXPECT_EQ(base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%"
            "253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%"
            "3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_"
            "token%3Dkkk9d7dh3k39sjv7");
  EXPECT_EQ(OAuth1Signature(base, "j49sk3j29djd", "dh893hdasih9"), "r6/TJjbCOr97/+UU0NsvSne7s5g=");
  std::string header = OAuth1Header("GET", "https://api.legacy.test/x", {}, "ck", "cs", "tk", "ts",
                                    {}, "nonce1", 1700000000);
  EXPECT_EQ(header.rfind("OAuth oauth_consumer_key=\"ck\", oauth_nonce=\"nonce1\", "
                         "oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1700000000\", "
                         "oauth_version=\"1.0\", oauth_token=\"tk\", oauth_signature=\"",
                         0),
            0u)
      << header;
}

}  // namespace
}  // namespace relish::connections

namespace relish::connections {
namespace {

// Parses 'OAuth k="v", k="v"' into decoded pairs.
std::map<std::string, std::string> OAuthParams(const std::string& header) {
  std::map<std::string, std::string> out;
  std::string rest = header.substr(6);
  size_t pos = 0;
  while (pos < rest.size()) {
    auto eq = rest.find('=', pos);
    auto close = rest.find('"', eq + 2);
    out[PercentDecode(rest.substr(pos, eq - pos))] = PercentDecode(rest.substr(eq + 2, close - eq - 2));
    pos = close + 3;
  }
  return out;
}

TEST_F(ConnectionsTest, OAuth1ThreeLeggedFlowAndSignedCalls) {
  ASSERT_TRUE(connections_->SetClient("org1", "legacy", "consumer-key", "consumer-secret").ok());
  std::vector<std::map<std::string, std::string>> seen;
  http_.SetHandler([&](const outbound::Request& r) -> Result<outbound::Response> {
    std::string auth;
    for (const auto& [k, v] : r.headers) {
      if (k == "Authorization") auth = v;
    }
    auto p = OAuthParams(auth);
    seen.push_back(p);
    // Every request must carry a valid HMAC-SHA1 signature.
    std::vector<std::pair<std::string, std::string>> oauth;
    for (const auto& [k, v] : p) {
      if (k != "oauth_signature") oauth.emplace_back(k, v);
    }
    std::string token_secret = p["oauth_token"] == "request-token" ? "request-secret"
                               : p["oauth_token"] == "access-token" ? "access-secret" : "";
    std::string expected = OAuth1Signature(OAuth1BaseString(r.method, r.url, {}, oauth), "consumer-secret", token_secret);
    if (p["oauth_signature"] != expected) return outbound::FakeHttpClient::Json(401, "bad signature");
    if (r.url == "https://api.legacy.test/oauth/request_token") {
      return outbound::FakeHttpClient::Json(200, "oauth_token=request-token&oauth_token_secret=request-secret&oauth_callback_confirmed=true");
    }
    if (r.url == "https://api.legacy.test/oauth/access_token") {
      if (p["oauth_verifier"] != "verifier-1") return outbound::FakeHttpClient::Json(401, "bad verifier");
      return outbound::FakeHttpClient::Json(200, "oauth_token=access-token&oauth_token_secret=access-secret");
    }
    return outbound::FakeHttpClient::Json(p["oauth_token"] == "access-token" ? 200 : 401, "{}");
  });
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Legacy", .service_id = "legacy"}).ok());
  auto begin = connections_->BeginAuthorization("org1", "sandbox", "legacy", "usr_1", "");
  ASSERT_TRUE(begin.ok()) << begin.error().message();
  EXPECT_EQ(begin->authorize_url, "https://api.legacy.test/oauth/authorize?oauth_token=request-token");
  EXPECT_EQ(seen[0]["oauth_callback"], "http://relish.test:8080/oauth/callback");
  EXPECT_EQ(seen[0]["oauth_consumer_key"], "consumer-key");
  auto done = connections_->CompleteAuthorization({{"oauth_token", "request-token"}, {"oauth_verifier", "verifier-1"}});
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(done->connection.authorizations[0].status, Status::kConnected);
  auto r = connections_->Call(Ctx(), "legacy", {.url = "https://api.legacy.test/1/statuses?count=2"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(seen.back()["oauth_token"], "access-token");
  EXPECT_EQ(connections_->CompleteAuthorization({{"oauth_token", "request-token"}, {"oauth_verifier", "v"}})
                .error()
                .message(),
            "unknown or already used authorization state; start the authorization again");
}

}  // namespace
}  // namespace relish::connections
