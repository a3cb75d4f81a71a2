#include "connections/connections.h"

#include <thread>

#include "connections/connections_impl.h"
#include "test_fixture.h"

namespace relish::connections {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

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

  auto done = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "the-code"}}, "usr_1");
  ASSERT_TRUE(done.ok()) << done.error().message();
  ASSERT_TRUE(done->completed);
  EXPECT_EQ(done->completed->return_to, "/connections");
  const auto& auth = done->completed->connection.authorizations.at(0);
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
  auto replay = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "the-code"}}, "usr_1");
  EXPECT_EQ(replay.error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(provider_.token_calls, 1);
}

TEST_F(ConnectionsTest, StatesExpireAndProviderErrorsAreRecorded) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  clock_.Advance(Millis(10 * 60 * 1000 + 1));
  EXPECT_EQ(connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}, "usr_1").error().message(),
            "the authorization took longer than 10 minutes; start it again");
  auto again = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  // An error grants nothing: it ends the attempt wherever it arrives, no confirmation asked.
  auto denied = connections_->CompleteAuthorization(
      {{"state", again.state}, {"error", "access_denied"}, {"error_description", "user said no"}}, "");
  EXPECT_EQ(denied.error().message(), "the provider did not authorize: access_denied (user said no)");
  auto c = *connections_->Get("org1", "sandbox", "acme");
  EXPECT_EQ(c.authorizations.at(0).status, Status::kNeedsReauth);
  EXPECT_EQ(c.authorizations.at(0).reason, "the provider did not authorize: access_denied (user said no)");
  EXPECT_EQ(provider_.token_calls, 0);
  EXPECT_EQ(connections_->CompleteAuthorization({{"code", "x"}}, "usr_1").error().message(),
            "the callback has no state parameter");
  EXPECT_EQ(connections_->BeginAuthorization("org1", "sandbox", "acme", "u", "https://evil.test/")
                .error()
                .message(),
            "return_to must be a path on this server: it is not a path starting with '/'");
}

// Browsers drop a tab from a URL, so "/\t/evil.test/x" led to evil.test; the shared rule
// (outbound::CheckSameOriginPath, tested case by case in url_test.cc) refuses it at the start.
TEST_F(ConnectionsTest, ReturnToThatLeavesTheSiteIsRefusedAtTheStart) {
  ASSERT_TRUE(
      connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  auto refused = [&](std::string_view return_to) {
    auto r = connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", return_to);
    return r.ok() ? std::string("started") : r.error().ToString();
  };
  EXPECT_EQ(refused("/\t/evil.test/x"),
            "invalid_argument: return_to must be a path on this server: it contains a space, a "
            "control character or a non-ASCII character");
  EXPECT_EQ(refused("/\\evil.test"),
            "invalid_argument: return_to must be a path on this server: it contains a backslash");
  EXPECT_EQ(refused("//evil.test"),
            "invalid_argument: return_to must be a path on this server: it starts with '//', "
            "which names a host");
  EXPECT_EQ(refused("/connections?tab=oauth"), "started");
  EXPECT_EQ(refused(""), "started");
}

// A state an older Relish saved with a laxer check still completes, but sends the browser
// nowhere (the callback's "Connected" page) rather than to another site.
TEST_F(ConnectionsTest, ReturnToIsCheckedAgainAtTheCallback) {
  ASSERT_TRUE(
      connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  auto begin =
      *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "/connections");
  ASSERT_TRUE(
      store::Transact(*store_, store::TxMode::kWrite, [](store::Transaction& tx) -> Result<void> {
        TRY(tx.Exec("UPDATE oauth_states SET return_to = ?", "/\t/evil.test/x"));
        return Ok();
      }).ok());
  auto done =
      connections_->CompleteAuthorization({{"state", begin.state}, {"code", "the-code"}}, "usr_1");
  ASSERT_TRUE(done.ok()) << done.error().message();
  ASSERT_TRUE(done->completed);
  EXPECT_EQ(done->completed->return_to, "");
  EXPECT_EQ(done->completed->connection.authorizations.at(0).status, Status::kConnected);
}

TEST_F(ConnectionsTest, RefusedCodeExchangeIsNotRetried) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  provider_.token_error = "invalid_grant";
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  auto r = connections_->CompleteAuthorization({{"state", begin.state}, {"code", "used"}}, "usr_1");
  EXPECT_EQ(r.error().message(),
            "exchanging the authorization code: the provider refused: invalid_grant");
  EXPECT_EQ(provider_.token_calls, 1);
}

TEST_F(ConnectionsTest, CallInjectsTheTokenOnlyForAllowedHosts) {
  std::string link = Authorized();
  auto r = Get(link);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})");  // the echo, masked
  EXPECT_EQ(SentAuthorization(), "Zoho-oauthtoken access-1");
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

// Credentials are bound to origins, not host names: a token for https://api.acme.test went to
// http://api.acme.test and to any port of the host.
TEST_F(ConnectionsTest, CredentialsGoOnlyToTheServicesOrigins) {
  std::string link = Authorized();
  size_t sent = http_.requests().size();
  EXPECT_EQ(Get(link, "http://api.acme.test/v1/me").error().message(),
            "connection 'acme_sync' (service acme) may not send credentials to "
            "http://api.acme.test; allowed: api.acme.test");
  EXPECT_EQ(Get(link, "http://api.acme.test:443/v1/me").error().message(),
            "connection 'acme_sync' (service acme) may not send credentials to "
            "http://api.acme.test:443; allowed: api.acme.test");
  EXPECT_EQ(Get(link, "https://api.acme.test:8443/v1/me").error().message(),
            "connection 'acme_sync' (service acme) may not send credentials to "
            "api.acme.test:8443; allowed: api.acme.test");
  for (const char* url : {"http://api.acme.test:8080/v1/me", "https://api.acme.test:8443/v1/me"}) {
    auto prepared = connections_->Prepare(Ctx(), link, {.url = url});
    ASSERT_TRUE(prepared.ok());
    EXPECT_FALSE((*prepared)->ready) << url;  // Call says why
  }
  EXPECT_EQ(http_.requests().size(), sent);
  EXPECT_TRUE(Get(link, "https://api.acme.test:443/v1/me").ok());
}

// A base URL on the installation's own http public URL (as Relish's own CRM service is): only
// an entry with the scheme admits it, for relative calls (the cached base check) and absolute
// ones alike.
TEST_F(ConnectionsTest, PlainHttpOnlyWhereTheServiceSaysSo) {
  auto own = [](const std::string& hosts) {
    return "id: own\nname: Own\nauth: bearer\nbase_url: '{public_url}/api'\nallowed_hosts: [" +
           hosts + "]\n";
  };
  ASSERT_TRUE(catalog_->CreateCustom("org1", own("'{public_host}'"), "usr_1").ok());
  ASSERT_TRUE(
      connections_->Create({.org_id = "org1", .display_name = "own", .service_id = "own"}).ok());
  ASSERT_TRUE(
      connections_->SetCredentials("org1", "sandbox", "own", "", {{"token", "PLANTED-own"}}).ok());
  size_t sent = http_.requests().size();
  auto prepared = connections_->Prepare(Ctx(), "own", {.url = "/x"});
  ASSERT_TRUE(prepared.ok());
  EXPECT_FALSE((*prepared)->ready);
  EXPECT_EQ(connections_->Call(Ctx(), "own", {.url = "/x"}).error().message(),
            "connection 'own' (service own) may not send credentials to "
            "http://relish.test:8080; allowed: relish.test:8080");
  EXPECT_EQ(http_.requests().size(), sent);

  ASSERT_TRUE(
      catalog_->UpdateCustom({.user_id = "usr_1"}, "org1", "own", own("'{public_origin}'")).ok());
  ASSERT_TRUE(
      connections_->SetCredentials("org1", "sandbox", "own", "", {{"token", "PLANTED-own"}}).ok());
  prepared = connections_->Prepare(Ctx(), "own", {.url = "/x"});
  ASSERT_TRUE(prepared.ok());
  EXPECT_TRUE((*prepared)->ready);
  EXPECT_EQ((*prepared)->request.url, "http://relish.test:8080/api/x");
  ASSERT_TRUE(connections_->Call(Ctx(), "own", {.url = "/x"}).ok());
  EXPECT_EQ(http_.requests().back().url, "http://relish.test:8080/api/x");
  EXPECT_EQ(
      connections_->Call(Ctx(), "own", {.url = "https://relish.test:8080/api/x"}).error().message(),
      "connection 'own' (service own) may not send credentials to "
      "relish.test:8080; allowed: http://relish.test:8080");
}

TEST_F(ConnectionsTest, ConnectionCredentialReplacesTheCallersHeader) {
  std::string link = Authorized();
  outbound::Request req{.url = "https://api.acme.test/v1/me", .headers = {{"authorization", "Bearer mine"}}};
  auto r = connections_->Call(Ctx(), link, req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})");  // the echo, masked
  EXPECT_EQ(SentAuthorization(), "Zoho-oauthtoken access-1");
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
  Result<outbound::Response> answer = outbound::Response{.status = 204};
  connections_->Finish(**prepared, answer);
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
  ASSERT_TRUE(connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}, "u")->completed);
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

// A release whose service definition renamed its key field meets credentials stored under the
// old name: the call says what to do (before, Inject's fields.at() threw std::out_of_range on
// the blocking pool or a workflow worker, which ended the process).
TEST_F(ConnectionsTest, CredentialsMissingAFieldTheServiceNowNamesAreAnError) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "k", .service_id = "keyed"}).ok());
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", "k", "u", {{"api_key", "k3y-value-123"}}).ok());
  std::vector<EmbeddedFile> renamed = TestServices();
  static const std::string keyed = R"(id: keyed
name: Keyed
docs: https://keyed.test/docs
category: Other
auth: api_key
base_url: https://api.keyed.test
allowed_hosts: [api.keyed.test]
api_key: {in: query, fields: [{name: key, label: Key}]}
)";
  for (auto& f : renamed) {
    if (f.path == "/keyed.yaml") f.data = keyed;
  }
  ASSERT_TRUE(catalog_->LoadDefaults(renamed).ok());
  clock_.Advance(std::chrono::seconds(2));  // past the resolved-connection cache
  size_t sent = http_.requests().size();
  auto r = Get("k", "https://api.keyed.test/things");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), FailedPrecondition("connection 'k' has no 'key' credential (its service keyed "
                                          "changed since they were set); set its credentials again"));
  EXPECT_EQ(http_.requests().size(), sent);  // nothing went out
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
  ASSERT_TRUE(connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}, "usr_a")->completed);
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
  auto r = connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c2"}}, "usr_1");
  EXPECT_EQ(r.error().message(),
            "this connection is authorized for upstream account acct-42, but the sign-in was for "
            "acct-99; create a new connection for the other account");
  provider_.token_body_override.clear();
  EXPECT_EQ(Get(link)->body, R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})");
  EXPECT_EQ(SentAuthorization(), "Zoho-oauthtoken access-1");
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
  // The answer comes back for a person to read, with the connection's secrets masked.
  EXPECT_EQ(t->body, R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})");
  EXPECT_FALSE(t->body_truncated);
  EXPECT_EQ(t->headers, (outbound::Headers{{"content-type", "application/json"}}));
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
  // Key rotation while the user is at the provider re-seals the request-token secret (it was
  // sealed for another owner than the column's, and rotation failed while one was pending).
  auto rotated = vault_->Rotate(vault::MakeMasterKey(random_), [] { return Ok(); });
  ASSERT_TRUE(rotated.ok()) << rotated.error().message();
  EXPECT_EQ(begin->authorize_url,
            "https://api.legacy.test/oauth/authorize?oauth_token=request-token&scope=read%2Cwrite"
            "&expiration=never");
  EXPECT_EQ(seen[0]["oauth_callback"], "http://relish.test:8080/oauth/callback");
  EXPECT_EQ(seen[0]["oauth_consumer_key"], "consumer-key");
  auto done = connections_->CompleteAuthorization({{"oauth_token", "request-token"}, {"oauth_verifier", "verifier-1"}}, "usr_1");
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(done->completed->connection.authorizations[0].status, Status::kConnected);
  auto r = connections_->Call(Ctx(), "legacy", {.url = "https://api.legacy.test/1/statuses?count=2"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(seen.back()["oauth_token"], "access-token");
  EXPECT_EQ(connections_->CompleteAuthorization({{"oauth_token", "request-token"}, {"oauth_verifier", "v"}}, "usr_1")
                .error()
                .message(),
            "unknown or already used authorization state; start the authorization again");
}

// ---- Issue 13 item 3: an authorization completes only for the user who started it ----------

TEST_F(ConnectionsTest, CallbackInAnotherBrowserWaitsForConfirmation) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme",
                                    .created_by = "usr_1"}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "/connections");
  Query callback = {{"state", begin.state}, {"code", "the-code"}};
  // Someone else's session: nothing is used, and the page learns what it would connect.
  auto held = connections_->CompleteAuthorization(callback, "usr_2");
  ASSERT_TRUE(held.ok()) << held.error().message();
  ASSERT_FALSE(held->completed);
  ASSERT_TRUE(held->pending);
  const PendingAuthorization& p = *held->pending;
  EXPECT_EQ(p.org_id, "org1");
  EXPECT_EQ(p.environment, "sandbox");
  EXPECT_EQ(p.link_name, "acme");
  EXPECT_EQ(p.connection_name, "Acme");
  EXPECT_EQ(p.service_id, "acme");
  EXPECT_EQ(p.service_name, "Acme");
  EXPECT_EQ(p.started_by, "usr_1");
  EXPECT_EQ(p.expires_at, clock_.NowMillis() + 10 * 60 * 1000);
  EXPECT_EQ(provider_.token_calls, 0);
  EXPECT_TRUE(connections_->Get("org1", "sandbox", "acme")->authorizations.empty());
  // The kept callback is sealed: its code is not in the store in clear.
  {
    auto tx = *store_->Begin(store::TxMode::kRead);
    auto rows = *tx->Query("SELECT callback, confirm_digest FROM oauth_states");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].Text(0).find("the-code"), std::string::npos);
    EXPECT_EQ(rows[0].Text(1), Sha256Hex(p.confirmation));
  }
  // No session at all: the same, with a new confirmation; only the latest one counts.
  auto again = *connections_->CompleteAuthorization(callback, "");
  ASSERT_TRUE(again.pending);
  EXPECT_NE(again.pending->confirmation, p.confirmation);
  EXPECT_EQ(connections_->ConfirmAuthorization(p.confirmation).error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(connections_->ConfirmAuthorization("").error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(provider_.token_calls, 0);
  // "Connect": the kept code is exchanged, once.
  auto done = connections_->ConfirmAuthorization(again.pending->confirmation);
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(done->connection.authorizations.at(0).status, Status::kConnected);
  EXPECT_EQ(done->return_to, "/connections");
  ASSERT_EQ(provider_.token_forms.size(), 1u);
  EXPECT_EQ(provider_.token_forms[0]["code"], "the-code");
  EXPECT_EQ(connections_->ConfirmAuthorization(again.pending->confirmation).error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(connections_->CompleteAuthorization(callback, "usr_1").error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(provider_.token_calls, 1);
}

TEST_F(ConnectionsTest, TheInitiatorsSessionCompletesAtOnce) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  auto done = connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}, "usr_1");
  ASSERT_TRUE(done.ok()) << done.error().message();
  ASSERT_TRUE(done->completed);
  EXPECT_FALSE(done->pending);
  EXPECT_EQ(done->completed->connection.authorizations.at(0).status, Status::kConnected);
  EXPECT_EQ(connections_->BeginAuthorization("org1", "sandbox", "acme", "", "").error().message(),
            "an authorization is started by a signed-in user");
}

TEST_F(ConnectionsTest, CancelLeavesTheConnectionAsItWas) {
  std::string link = Authorized();
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", link, "usr_1", "");
  Query callback = {{"state", begin.state}, {"code", "someone-elses-code"}};
  auto held = *connections_->CompleteAuthorization(callback, "usr_2");
  ASSERT_TRUE(held.pending);
  auto cancelled = connections_->CancelAuthorization(held.pending->confirmation);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message();
  EXPECT_EQ(cancelled->link_name, link);
  EXPECT_EQ(cancelled->started_by, "usr_1");
  EXPECT_EQ(connections_->ConfirmAuthorization(held.pending->confirmation).error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(connections_->CancelAuthorization(held.pending->confirmation).error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(connections_->CompleteAuthorization(callback, "usr_1").error().message(),
            "unknown or already used authorization state; start the authorization again");
  EXPECT_EQ(provider_.token_calls, 1);  // Authorized()'s own exchange only
  auto r = Get(link);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, R"({"ok":true,"auth":"Zoho-oauthtoken [REDACTED]"})");  // the echo, masked
  EXPECT_EQ(SentAuthorization(), "Zoho-oauthtoken access-1");
}

TEST_F(ConnectionsTest, ConfirmationsExpireWithTheirState) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Acme", .service_id = "acme"}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  Query callback = {{"state", begin.state}, {"code", "c"}};
  auto held = *connections_->CompleteAuthorization(callback, "");
  clock_.Advance(Millis(10 * 60 * 1000 + 1));
  EXPECT_EQ(connections_->ConfirmAuthorization(held.pending->confirmation).error().message(),
            "the authorization took longer than 10 minutes; start it again");
  EXPECT_EQ(connections_->CompleteAuthorization(callback, "usr_1").error().message(),
            "unknown or already used authorization state; start the authorization again");
  // A state that expired before anyone came back is refused without a page.
  auto late = *connections_->BeginAuthorization("org1", "sandbox", "acme", "usr_1", "");
  clock_.Advance(Millis(10 * 60 * 1000 + 1));
  EXPECT_EQ(connections_->CompleteAuthorization({{"state", late.state}, {"code", "c"}}, "usr_2")
                .error()
                .message(),
            "the authorization took longer than 10 minutes; start it again");
  EXPECT_EQ(provider_.token_calls, 0);
}

TEST_F(ConnectionsTest, PerUserAuthorizationsBecomeTheStartersWhoeverConfirms) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Mine", .service_id = "acme",
                                    .per_user = true}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "sandbox", "mine", "usr_a", "");
  {
    auto tx = *store_->Begin(store::TxMode::kRead);
    auto rows = *tx->Query("SELECT org_id, environment, user_id, started_by FROM oauth_states");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].Text(0), "org1");
    EXPECT_EQ(rows[0].Text(1), "sandbox");
    EXPECT_EQ(rows[0].Text(2), "usr_a");
    EXPECT_EQ(rows[0].Text(3), "usr_a");
  }
  auto held = *connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}, "usr_b");
  ASSERT_TRUE(held.pending);
  auto done = *connections_->ConfirmAuthorization(held.pending->confirmation);
  ASSERT_EQ(done.connection.authorizations.size(), 1u);
  EXPECT_EQ(done.connection.authorizations[0].user_id, "usr_a");
}

TEST_F(ConnectionsTest, AuthorizationRequestsNameTheConnectionsOrganizationAndEnvironment) {
  static const std::string pinned = R"(id: pinned
name: Pinned
docs: https://pinned.test/docs
auth: oauth2
base_url: https://api.acme.test/v1
allowed_hosts: [api.acme.test]
token_hosts: [login.acme.test]
oauth2:
  authorize_url: https://login.acme.test/authorize
  token_url: https://login.acme.test/token
  scopes: [read]
  client_auth: form
  authorize_params: {relish_org: '{relish_org}', relish_environment: '{relish_environment}'}
  token_params: {relish_org: '{relish_org}', relish_environment: '{relish_environment}'}
category: Other
)";
  auto files = TestServices();
  files.push_back({"/pinned.yaml", pinned});
  ASSERT_TRUE(catalog_->LoadDefaults(files).ok());
  // A parameter named like the built-ins cannot stand in for them: it is refused.
  std::string impostor = pinned;
  impostor.replace(impostor.find("base_url:"), 0,
                   "parameters:\n  relish_org: {label: Org, pattern: '^[a-z0-9]+$', default: org2}\n");
  EXPECT_EQ(ParseService(impostor, "pinned.yaml").error().message(),
            "pinned.yaml:6:3: parameter name 'relish_org' must be lowercase letters, digits and _ "
            "(and not a built-in)");
  ASSERT_TRUE(connections_->SetClient("org1", "pinned", "client-p", "secret-p").ok());
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .environment = "production",
                                    .display_name = "P", .service_id = "pinned"}).ok());
  auto begin = *connections_->BeginAuthorization("org1", "production", "p", "usr_1", "");
  auto q = QueryOf(begin.authorize_url);
  EXPECT_EQ(q["relish_org"], "org1");
  EXPECT_EQ(q["relish_environment"], "production");
  ASSERT_TRUE(connections_->CompleteAuthorization({{"state", begin.state}, {"code", "c"}}, "usr_1")->completed);
  ASSERT_EQ(provider_.token_forms.size(), 1u);
  EXPECT_EQ(provider_.token_forms[0]["relish_org"], "org1");
  EXPECT_EQ(provider_.token_forms[0]["relish_environment"], "production");
}

}  // namespace
}  // namespace relish::connections
