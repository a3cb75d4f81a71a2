// Issue 13 item 19: the registry of a connection's secrets, and every scrubber it feeds.
#include "base/log.h"
#include "connections/connections_impl.h"
#include "store/counting_store.h"
#include "test_fixture.h"

namespace relish::connections {
namespace {

// The registry lists every secret in the forms it takes on the wire, and nothing that is not
// one (Basic's user name, the client id).
TEST(SecretRegistryTest, EverySecretInEveryFormItTakesOnTheWire) {
  Service basic;
  basic.auth = AuthScheme::kBasic;
  Credentials c;
  c.fields = {{"username", "ada"}, {"password", "p\"w/1+2 x"}};
  EXPECT_EQ(SecretValuesOf(basic, c, nullptr),
            (std::vector<std::string>{"p\"w/1+2 x", "p%22w%2F1%2B2+x", "p%22w%2F1%2B2%20x",
                                      "p\\\"w/1+2 x", "p\\\"w\\/1+2 x",
                                      Base64Encode("ada:p\"w/1+2 x")}));

  Service oauth2;
  oauth2.auth = AuthScheme::kOAuth2;
  Credentials tokens;
  tokens.access_token = "access-token-1";
  tokens.refresh_token = "refresh-token-1";
  ClientApp client{.client_id = "client id", .client_secret = "client-secret-1"};
  EXPECT_EQ(SecretValuesOf(oauth2, tokens, &client),
            (std::vector<std::string>{"access-token-1", "access-token-1", "access-token-1",
                                      "refresh-token-1", "refresh-token-1", "refresh-token-1",
                                      "client-secret-1", "client-secret-1", "client-secret-1",
                                      Base64Encode("client+id:client-secret-1")}));
  // SecretValues keeps each once, longest first.
  SecretValues values(SecretValuesOf(oauth2, tokens, &client));
  EXPECT_EQ(values.values(),
            (std::vector<std::string>{Base64Encode("client+id:client-secret-1"), "client-secret-1",
                                      "refresh-token-1", "access-token-1"}));

  Service oauth1;
  oauth1.auth = AuthScheme::kOAuth1;
  Credentials signed_with;
  signed_with.access_token = "o1-token";
  signed_with.token_secret = "o1-token-secret";
  ClientApp consumer{.client_id = "ck", .client_secret = "consumer-secret"};
  SecretValues o1(SecretValuesOf(oauth1, signed_with, &consumer));
  EXPECT_EQ(o1.Scrub("o1-token o1-token-secret consumer-secret ck"),
            "[REDACTED] [REDACTED] [REDACTED] ck");
}

// What comes back from Call (headers, body, final URL, or the error) and what the audit keeps
// hold the mask, never the key, even when the upstream echoes it; the request carried it.
TEST_F(ConnectionsTest, CallMasksTheSecretsAnUpstreamEchoes) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "k", .service_id = "keyed"}).ok());
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", "k", "u", {{"api_key", "key+v/1=9z"}}).ok());
  http_.SetHandler([](const outbound::Request& r) -> Result<outbound::Response> {
    if (r.url.find("/fail") != std::string::npos) return Unavailable("could not follow " + r.url);
    outbound::Response answer;
    answer.status = 302;
    answer.body = R"({"you_sent":")" + r.url + R"("})";
    answer.headers = {{"location", r.url + "&again=1"},
                      {"x-key", "key+v/1=9z"},
                      {"content-length", std::to_string(answer.body.size())}};
    answer.url = r.url;
    return answer;
  });
  auto r = Get("k", "https://api.keyed.test/echo?q=1");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(http_.requests().back().url, "https://api.keyed.test/echo?q=1&api_key=key%2Bv%2F1%3D9z");
  EXPECT_EQ(r->body, R"({"you_sent":"https://api.keyed.test/echo?q=1&api_key=[REDACTED]"})");
  EXPECT_EQ(r->headers, (outbound::Headers{
                            {"location", "https://api.keyed.test/echo?q=1&api_key=[REDACTED]&again=1"},
                            {"x-key", "[REDACTED]"},
                            {"content-length", "65"}}));  // the masked body's
  EXPECT_EQ(r->url, "https://api.keyed.test/echo?q=1&api_key=[REDACTED]");
  auto failed = Get("k", "https://api.keyed.test/fail");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(failed.error().message(),
            "could not follow https://api.keyed.test/fail?api_key=[REDACTED]");
  auto audit = *connections_->Audit("org1", "", 2);
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].error, "could not follow https://api.keyed.test/fail?api_key=[REDACTED]");
  EXPECT_EQ(audit[1].url, "https://api.keyed.test/echo?q=1");
  // The log Redactor knows the key too, for the connection's organization only.
  EXPECT_EQ(GlobalRedactor().ScrubFor("org1", "key+v/1=9z key%2Bv%2F1%3D9z"), "[REDACTED] [REDACTED]");
  EXPECT_EQ(GlobalRedactor().ScrubFor("org2", "key+v/1=9z"), "key+v/1=9z");
}

// The proxy's two halves: a prepared request with a key in its query sends it (the parsed URL the
// asynchronous client takes included it not), and Finish masks the answer and the error.
TEST_F(ConnectionsTest, ThePreparedCallSendsTheQueryKeyAndFinishMasksTheAnswer) {
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "k", .service_id = "keyed"}).ok());
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", "k", "u", {{"api_key", "query-key-77"}}).ok());
  auto prepared = connections_->Prepare(Ctx(), "k", {.url = "/items?page=2"});
  ASSERT_TRUE(prepared.ok()) << prepared.error().message();
  Connections::Prepared& p = **prepared;
  ASSERT_TRUE(p.ready);
  EXPECT_EQ(p.url.ToString(), "https://api.keyed.test/items?page=2&api_key=query-key-77");
  EXPECT_EQ(p.request.url, "https://api.keyed.test/items?page=2&api_key=query-key-77");
  outbound::Response echoed;
  echoed.status = 200;
  echoed.headers = {{"x-echo", "api_key=query-key-77"}};
  echoed.body = "query-key-77";
  Result<outbound::Response> answer = echoed;
  EXPECT_FALSE(connections_->Finish(p, answer));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->body, "[REDACTED]");
  EXPECT_EQ(answer->headers, (outbound::Headers{{"x-echo", "api_key=[REDACTED]"}}));

  auto again = connections_->Prepare(Ctx(), "k", {.url = "/items"});
  ASSERT_TRUE(again.ok());
  Result<outbound::Response> refused = Unavailable("cannot reach https://api.keyed.test/items?api_key=query-key-77");
  EXPECT_FALSE(connections_->Finish(**again, refused));
  EXPECT_EQ(refused.error().message(), "cannot reach https://api.keyed.test/items?api_key=[REDACTED]");
  auto audit = *connections_->Audit("org1", "", 2);
  EXPECT_EQ(audit[0].error, "cannot reach https://api.keyed.test/items?api_key=[REDACTED]");
  EXPECT_EQ(audit[0].url, "https://api.keyed.test/items");
  EXPECT_EQ(audit[1].url, "https://api.keyed.test/items?page=2");
  EXPECT_EQ(audit[1].status, 200);
}

// A token endpoint that quotes what it was sent (a refresh token, the client secret) in its
// refusal: the error, and the reason the connection records and shows, hold the mask.
TEST_F(ConnectionsTest, TokenEndpointErrorsNeverQuoteTheSecretsSent) {
  std::string link = Authorized();
  clock_.Advance(Millis(2 * 3600 * 1000));  // expired: the next call refreshes
  provider_.token_status = 400;
  provider_.token_body_override =
      R"({"error":"invalid_grant","error_description":"refresh-1 is not valid for client-secret-1"})";
  auto r = Get(link);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "connection 'acme_sync' needs to be authorized again: the provider refused: "
            "invalid_grant ([REDACTED] is not valid for [REDACTED])");
  auto c = *connections_->Get("org1", "sandbox", link);
  EXPECT_EQ(c.authorizations[0].reason,
            "the provider refused: invalid_grant ([REDACTED] is not valid for [REDACTED])");
  provider_.token_status = 500;
  provider_.token_body_override = "upstream said: client_secret=client-secret-1";
  ASSERT_TRUE(connections_->Create({.org_id = "org1", .display_name = "Again", .service_id = "acme"}).ok());
  auto begin = connections_->BeginAuthorization("org1", "sandbox", "again", "usr_1", "");
  ASSERT_TRUE(begin.ok());
  auto done = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "code-9"}}, "usr_1");
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().message(),
            "exchanging the authorization code: token endpoint login.acme.test answered HTTP 500: "
            "upstream said: client_secret=[REDACTED]");
}

// Vault::Learn read every sealed value each second; now it reads the rows changed since its last
// scan, which the connections tables number themselves (migration 8). Another node (its own
// vault and Connections on the same database) learns an OAuth client's secret, an authorization's
// tokens and an API key, new or changed, each under its organization, and a scan with nothing
// changed reads no row of these tables.
TEST_F(ConnectionsTest, AnotherNodeLearnsTheSecretsWrittenSinceItsLastScanAndNothingElse) {
  store::testing::CountingStore counting(*store_);
  auto opened = vault::Vault::Open(counting, {master_}, clock_, random_);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  std::unique_ptr<vault::Vault> node_vault = std::move(*opened);
  Connections node(counting, *node_vault, *catalog_, http_, http_, clock_, random_,
                   ConnectionsOptions{.public_url = "http://relish.test:8080"});
  const std::vector<std::string> tables = {"connection_credentials", "oauth_states",
                                           "service_clients", "service_env_clients"};
  // Learns, and returns the rows it read from the connections tables.
  auto scan = [&] {
    counting.Reset();
    auto learned = node_vault->Learn();
    EXPECT_TRUE(learned.ok()) << learned.error().ToString();
    size_t rows = 0;
    for (const auto& t : tables) {
      for (const auto& r : counting.ReadsOf("FROM " + t + " WHERE")) rows += r.rows;
    }
    return rows;
  };
  EXPECT_EQ(scan(), 1u);  // the first: org1's client secret
  EXPECT_EQ(scan(), 0u);

  provider_.next_access = "ACCESSxLEARNEDxTOKEN1";
  provider_.next_refresh = "REFRESHxLEARNEDxTOKEN1";
  ASSERT_TRUE(connections_->SetClient("org2", "acme", "client-2", "CLIENTxSECRETxORG2").ok());
  Authorized();
  auto keyed = connections_->Create({.org_id = "org1", .display_name = "Keyed",
                                     .service_id = "keyed", .created_by = "usr_1"});
  ASSERT_TRUE(keyed.ok()) << keyed.error().message();
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", keyed->link_name, "",
                                           {{"api_key", "APIxKEYxFIRSTxVALUE"}}).ok());
  const std::vector<std::string> sealed = {"ACCESSxLEARNEDxTOKEN1", "REFRESHxLEARNEDxTOKEN1",
                                           "CLIENTxSECRETxORG2", "APIxKEYxFIRSTxVALUE"};
  for (const auto& s : sealed) GlobalRedactor().Remove(s);  // told by the node that sealed them
  // The client's row, the authorization's and the key's (the state was deleted on completion).
  EXPECT_EQ(scan(), 3u);
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org1", "ACCESSxLEARNEDxTOKEN1"));
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org1", "REFRESHxLEARNEDxTOKEN1"));
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org1", "APIxKEYxFIRSTxVALUE"));
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org2", "CLIENTxSECRETxORG2"));
  EXPECT_FALSE(GlobalRedactor().ContainsFor("org1", "CLIENTxSECRETxORG2"));
  EXPECT_FALSE(GlobalRedactor().ContainsFor("org2", "APIxKEYxFIRSTxVALUE"));
  EXPECT_EQ(scan(), 0u);

  // A changed key: its row again, and only it.
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", keyed->link_name, "",
                                           {{"api_key", "APIxKEYxSECONDxVALUE"}}).ok());
  GlobalRedactor().Remove("APIxKEYxSECONDxVALUE");
  EXPECT_EQ(scan(), 1u);
  EXPECT_TRUE(GlobalRedactor().ContainsFor("org1", "APIxKEYxSECONDxVALUE"));
  EXPECT_EQ(scan(), 0u);
}

}  // namespace
}  // namespace relish::connections
