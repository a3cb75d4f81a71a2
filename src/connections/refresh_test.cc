// Token refresh: ahead of expiry, after a 401, single-flight, back-off, and giving up.
#include <thread>

#include "test_fixture.h"

namespace relish::connections {
namespace {

TEST_F(ConnectionsTest, RefreshesAheadOfExpiryKeepingTheRefreshToken) {
  std::string link = Authorized();
  clock_.Advance(Millis(3600 * 1000 - 4 * 60 * 1000));  // 4 minutes left; the margin is 5
  provider_.next_access = "access-2";
  provider_.next_refresh = "";  // this provider does not rotate refresh tokens
  auto r = Get(link);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})");  // the echo, masked
  EXPECT_EQ(SentAuthorization(), "Zoho-oauthtoken access-2");
  ASSERT_EQ(provider_.token_forms.size(), 2u);
  EXPECT_EQ(provider_.token_forms[1]["grant_type"], "refresh_token");
  EXPECT_EQ(provider_.token_forms[1]["refresh_token"], "refresh-1");
  // Next time the old refresh token is still the one sent.
  clock_.Advance(Millis(3600 * 1000));
  provider_.next_access = "access-3";
  ASSERT_TRUE(Get(link).ok());
  EXPECT_EQ(provider_.token_forms[2]["refresh_token"], "refresh-1");
  auto c = *connections_->Get("org1", "sandbox", link);
  EXPECT_EQ(*c.authorizations[0].refreshed_at, clock_.NowMillis());
}

TEST_F(ConnectionsTest, RefreshesOnceAfterA401AndRetries) {
  std::string link = Authorized();
  provider_.valid_tokens = {};  // the provider forgot the token
  provider_.next_access = "access-new";
  auto r = Get(link);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})");  // the echo, masked
  EXPECT_EQ(SentAuthorization(), "Zoho-oauthtoken access-new");
  EXPECT_EQ(provider_.token_calls, 2);  // the code exchange, then one refresh
  auto audit = *connections_->Audit("org1", "", 1);
  EXPECT_EQ(audit[0].note, "retried after 401 with a refreshed token");
}

TEST_F(ConnectionsTest, AThousandConcurrentCallersCauseOneRefresh) {
  std::string link = Authorized();
  clock_.Advance(Millis(2 * 3600 * 1000));  // expired
  provider_.next_access = "access-fresh";
  provider_.token_delay_ms = 50;  // callers pile up behind the first refresh
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 1000; ++i) {
    threads.emplace_back([&] {
      auto r = Get(link);
      if (r.ok() && r->body == R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 1000);
  size_t fresh = 0;
  for (const auto& req : http_.requests()) {
    for (const auto& [k, v] : req.headers) fresh += k == "Authorization" && v == "Zoho-oauthtoken access-fresh";
  }
  EXPECT_EQ(fresh, 1000u);
  EXPECT_EQ(provider_.token_calls, 2);  // the code exchange and exactly one refresh
}

TEST_F(ConnectionsTest, InvalidGrantMeansReauthorize) {
  std::string link = Authorized();
  clock_.Advance(Millis(2 * 3600 * 1000));
  provider_.token_error = "invalid_grant";
  auto r = Get(link);
  EXPECT_EQ(r.error().message(),
            "connection 'acme_sync' needs to be authorized again: the provider refused: invalid_grant");
  auto c = *connections_->Get("org1", "sandbox", link);
  EXPECT_EQ(c.authorizations[0].status, Status::kNeedsReauth);
  int calls = provider_.token_calls;
  EXPECT_FALSE(Get(link).ok());
  EXPECT_EQ(provider_.token_calls, calls);  // no more attempts until re-authorized
}

// A provider that forgot its tokens (the Books stand-in restarted) refuses the token with a 401
// and the refresh with Zoho's invalid_code under an error status: the connection needs
// authorizing again at once, not after five back-offs.
TEST_F(ConnectionsTest, InvalidCodeWithAnErrorStatusMeansReauthorize) {
  std::string link = Authorized();
  provider_.valid_tokens = {};
  provider_.token_error = "invalid_code";  // answered with HTTP 400
  auto r = Get(link);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 401);  // the provider's answer, handed back
  auto c = *connections_->Get("org1", "sandbox", link);
  EXPECT_EQ(c.authorizations[0].status, Status::kNeedsReauth);
  EXPECT_EQ(c.authorizations[0].reason, "the provider refused: invalid_code");
}

TEST_F(ConnectionsTest, TransientFailuresBackOffThenGiveUp) {
  std::string link = Authorized();
  clock_.Advance(Millis(2 * 3600 * 1000));
  provider_.token_status = 502;
  provider_.token_body_override = "<html>Bad Gateway</html>";
  auto first = Get(link);
  EXPECT_EQ(first.error().message(),
            "refreshing the token of connection 'acme_sync': token endpoint login.acme.test answered "
            "HTTP 502: <html>Bad Gateway</html>");
  // Within the back-off no request is made.
  int calls = provider_.token_calls;
  auto waiting = Get(link);
  EXPECT_EQ(waiting.error().message(),
            "refreshing the token of connection 'acme_sync' failed recently (token endpoint "
            "login.acme.test answered HTTP 502: <html>Bad Gateway</html>); next attempt in 30s");
  EXPECT_EQ(provider_.token_calls, calls);
  // Back-off doubles: 30s, 60s, 120s, 240s; the fifth failure gives up.
  for (int64_t wait : {30, 60, 120, 240}) {
    clock_.Advance(Millis(wait * 1000));
    EXPECT_FALSE(Get(link).ok());
  }
  auto c = *connections_->Get("org1", "sandbox", link);
  EXPECT_EQ(c.authorizations[0].status, Status::kNeedsReauth);
  EXPECT_EQ(c.authorizations[0].refresh_failures, 5);
  EXPECT_EQ(c.authorizations[0].reason,
            "refreshing the token failed 5 times; last: token endpoint login.acme.test answered "
            "HTTP 502: <html>Bad Gateway</html>");
}

TEST_F(ConnectionsTest, GarbageFromTheTokenEndpointIsAClearError) {
  std::string link = Authorized();
  clock_.Advance(Millis(2 * 3600 * 1000));
  provider_.token_body_override = "not json at all";
  EXPECT_EQ(Get(link).error().message(),
            "refreshing the token of connection 'acme_sync': token endpoint login.acme.test answered "
            "with something that is not a token response: not json at all");
}

// A token endpoint's error of unexpected types: a clear error, not nlohmann's type_error (which
// used to end the process from the refresh path).
TEST_F(ConnectionsTest, TokenErrorsOfUnexpectedTypesAreClearErrors) {
  std::string link = Authorized();
  clock_.Advance(Millis(2 * 3600 * 1000));
  provider_.token_status = 400;
  provider_.token_body_override = R"({"error":"invalid_grant","error_description":42})";
  EXPECT_EQ(Get(link).error().message(),
            "connection 'acme_sync' needs to be authorized again: the provider refused: "
            "invalid_grant");
  provider_.token_status = 200;
  provider_.token_body_override.clear();
  std::string other = Authorized("Acme Two");
  clock_.Advance(Millis(2 * 3600 * 1000));
  provider_.token_body_override = R"({"access_token":["x"],"expires_in":"soon"})";
  EXPECT_EQ(Get(other).error().message(),
            "refreshing the token of connection 'acme_two': token endpoint login.acme.test "
            "answered with something that is not a token response: {\"access_token\":[\"x\"],"
            "\"expires_in\":\"soon\"}");
}

TEST_F(ConnectionsTest, ClientCredentialsFetchTokensOnDemand) {
  ASSERT_TRUE(connections_->SetClient("org1", "machine", "m-client", "m-secret").ok());
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "m", .service_id = "machine",
                                    .scopes = {"jobs"}}).ok());
  provider_.next_access = "cc-token";
  provider_.next_refresh = "";
  auto r = Get("m", "https://api.machine.test/jobs");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Bearer [REDACTED]"})");  // the echo, masked
  EXPECT_EQ(SentAuthorization(), "Bearer cc-token");
  ASSERT_EQ(provider_.token_forms.size(), 1u);
  EXPECT_EQ(provider_.token_forms[0]["grant_type"], "client_credentials");
  EXPECT_EQ(provider_.token_forms[0]["scope"], "jobs");
  auto basic = http_.requests().front();  // client_auth defaults to basic
  EXPECT_EQ(basic.headers[2], (std::pair<std::string, std::string>{
                                  "Authorization", "Basic " + Base64Encode("m-client:m-secret")}));
  ASSERT_TRUE(Get("m", "https://api.machine.test/jobs").ok());
  EXPECT_EQ(provider_.token_calls, 1);  // cached until it expires
}

// Zoom's Server-to-Server OAuth (services/zoom_server_to_server.yaml): the client credentials
// request says grant_type=account_credentials and names the account from a parameter.
TEST_F(ConnectionsTest, AccountCredentialsGrantNamesTheAccount) {
  const std::string yaml = R"(id: s2s
name: S2S
auth: oauth2_client_credentials
parameters:
  account_id: {pattern: '^[A-Za-z0-9_-]{10,40}$'}
base_url: https://api.machine.test
allowed_hosts: [api.machine.test]
token_hosts: [login.machine.test]
oauth2:
  token_url: https://login.machine.test/token
  grant_type: account_credentials
  token_params: {account_id: '{account_id}'}
)";
  ASSERT_TRUE(catalog_->CreateCustom("org1", yaml, "usr_1").ok());
  ASSERT_TRUE(connections_->SetClient("org1", "s2s", "z-client", "z-secret").ok());
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "z", .service_id = "s2s",
                                    .params = {{"account_id", "AbC1dEf2GhI3"}}}).ok());
  provider_.next_access = "s2s-token";
  provider_.next_refresh = "";
  auto r = Get("z", "https://api.machine.test/jobs");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(SentAuthorization(), "Bearer s2s-token");
  ASSERT_EQ(provider_.token_forms.size(), 1u);
  EXPECT_EQ(provider_.token_forms[0],
            (std::map<std::string, std::string>{{"grant_type", "account_credentials"},
                                                {"account_id", "AbC1dEf2GhI3"}}));
  // The grant type is a fixed choice, and only for client credentials.
  std::string other = yaml;
  other.replace(other.find("account_credentials"), 19, "password");
  EXPECT_EQ(ParseService(other, "s2s.yaml").error().message(),
            "s2s.yaml:11:15: 'oauth2.grant_type' must be client_credentials, account_credentials, "
            "jwt_bearer or github_app");
}

}  // namespace
}  // namespace relish::connections

namespace relish::connections {
namespace {

// Issue 19: a client-credentials connection connected before its service's OAuth client was set
// stayed stuck with the first error, and once revoked, `connect` said "authorize it again"
// while `authorize` said "connect it instead".
TEST_F(ConnectionsTest, AClientCredentialsConnectionRecoversOnceItsClientIsSet) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "m", .service_id = "machine",
                                    .scopes = {"jobs"}}).ok());
  auto early = connections_->Connect("org1", "sandbox", "m", "usr_1");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().message(),
            "connection 'm' needs to be connected again: no OAuth client is registered for "
            "service 'machine' in this organization; set its client id and secret first");
  ASSERT_TRUE(connections_->SetClient("org1", "machine", "m-client", "m-secret").ok());
  provider_.next_access = "cc-token";
  provider_.next_refresh = "";
  // Setting the client is enough: the next call fetches a token.
  auto first_call = Get("m", "https://api.machine.test/jobs");
  ASSERT_TRUE(first_call.ok()) << first_call.error().message();
  auto connected = connections_->Connect("org1", "sandbox", "m", "usr_1");
  ASSERT_TRUE(connected.ok()) << connected.error().message();
  EXPECT_EQ(connected->authorizations.at(0).status, Status::kConnected);
  ASSERT_TRUE(Get("m", "https://api.machine.test/jobs").ok());

  ASSERT_TRUE(connections_->Revoke("org1", "sandbox", "m", "usr_1").ok());
  auto refused = Get("m", "https://api.machine.test/jobs");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "connection 'm' needs to be connected again: revoked");
  auto browser = connections_->BeginAuthorization("org1", "sandbox", "m", "usr_1", "");
  ASSERT_FALSE(browser.ok());
  EXPECT_EQ(browser.error().message(),
            "connection 'm' uses oauth2_client_credentials, which has no browser authorization; "
            "connect it instead");
  auto again = connections_->Connect("org1", "sandbox", "m", "usr_1");
  ASSERT_TRUE(again.ok()) << again.error().message();
  ASSERT_TRUE(Get("m", "https://api.machine.test/jobs").ok());

  // The other way round: a connection authorized in a browser is not connected, and the
  // refusal says what to do instead.
  std::string browser_link = Authorized();
  auto wrong = connections_->Connect("org1", "sandbox", browser_link, "usr_1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), "connection '" + browser_link +
                                         "' uses oauth2, which is not connected without a browser; "
                                         "authorize it instead");
}

}  // namespace
}  // namespace relish::connections

namespace relish::connections {
namespace {

// Issue 18: a client-credentials token is fetched again before it expires (the refresh margin),
// not after a call fails with it.
TEST_F(ConnectionsTest, AClientCredentialsTokenIsFetchedAgainBeforeItExpires) {
  ASSERT_TRUE(connections_->SetClient("org1", "machine", "m-client", "m-secret").ok());
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "m", .service_id = "machine",
                                    .scopes = {"jobs"}}).ok());
  provider_.next_access = "cc-token-1";
  provider_.next_refresh = "";
  ASSERT_TRUE(Get("m", "https://api.machine.test/jobs").ok());
  clock_.Advance(Millis(3600 * 1000 - 4 * 60 * 1000));  // 4 minutes left; the margin is 5
  provider_.next_access = "cc-token-2";
  auto r = Get("m", "https://api.machine.test/jobs");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(SentAuthorization(), "Bearer cc-token-2");
  ASSERT_EQ(provider_.token_forms.size(), 2u);
  EXPECT_EQ(provider_.token_forms[1]["grant_type"], "client_credentials");
  EXPECT_EQ(http_.requests().size(), 4u);  // two token requests, two calls: none refused first
}

}  // namespace
}  // namespace relish::connections
