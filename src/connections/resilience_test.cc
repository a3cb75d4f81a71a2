// Issue 18's pure parts: the service file's blocks, token-invalid matching and retry timing.
#include "connections/resilience.h"

#include <gtest/gtest.h>

namespace relish::connections {
namespace {

const std::string kHead =
    "id: acme\nname: Acme\nauth: oauth2\nbase_url: https://api.acme.test\n"
    "allowed_hosts: [api.acme.test]\n"
    "oauth2: {authorize_url: 'https://api.acme.test/a', token_url: 'https://api.acme.test/t'}\n";

outbound::Response Answer(int status, std::string body = "",
                          outbound::Headers headers = {}) {
  outbound::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(ResilienceTest, TheServiceFileDeclaresSignalsRetriesAndLimits) {
  auto s = ParseService(kHead +
                            "token_invalid:\n"
                            "  - {json: code, equals: INVALID_OAUTHTOKEN}\n"
                            "  - {status: 403, json: error.code, equals: '7202'}\n"
                            "  - {status: 419}\n"
                            "retry: {enabled: true, max_attempts: 4, max_wait: 12, base_delay_ms: 20}\n"
                            "limits: {concurrency: 2, per_minute: 60, queue_wait: 3}\n",
                        "acme.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(s->token_invalid.size(), 3u);
  EXPECT_FALSE(s->token_invalid[0].status);
  EXPECT_EQ(s->token_invalid[1].json, "error.code");
  EXPECT_EQ(*s->token_invalid[2].status, 419);
  EXPECT_TRUE(s->retry.enabled);
  EXPECT_EQ(s->retry.max_attempts, 4);
  EXPECT_EQ(s->retry.max_wait_ms, 12'000);
  EXPECT_EQ(s->retry.base_delay_ms, 20);
  EXPECT_EQ(s->limits.concurrency, 2);
  EXPECT_EQ(s->limits.per_minute, 60);
  EXPECT_EQ(s->limits.queue_wait_ms, 3'000);
}

TEST(ResilienceTest, BadDeclarationsAreRefusedWithTheirPlace) {
  auto error = [](const std::string& yaml) {
    auto s = ParseService(yaml, "acme.yaml");
    return s.ok() ? std::string("ok") : s.error().message();
  };
  EXPECT_EQ(error(kHead + "retry: {max_attempts: 11}\n"),
            "acme.yaml:7:23: 'retry.max_attempts' must be a whole number from 1 to 10");
  EXPECT_EQ(error(kHead + "retry: {tries: 2}\n"), "acme.yaml:7:9: unknown key 'retry.tries'");
  EXPECT_EQ(error(kHead + "token_invalid:\n  - {json: code}\n"),
            "acme.yaml:8:5: 'token_invalid' items give 'json' and 'equals' together");
  EXPECT_EQ(error(kHead + "token_invalid:\n  - {}\n"),
            "acme.yaml:8:5: a 'token_invalid' item needs a 'status', or 'json' and 'equals'");
  EXPECT_EQ(error(kHead + "limits: {queue_wait: -1}\n"),
            "acme.yaml:7:22: 'limits.queue_wait' must be a whole number from 0 to 60");
  EXPECT_EQ(error("id: k\nname: K\nauth: bearer\nbase_url: https://k.test\nallowed_hosts: [k.test]\n"
                  "token_invalid: [{status: 403}]\n"),
            "acme.yaml:6:16: 'token_invalid' is only for auth oauth2 and oauth2_client_credentials: "
            "nothing else has a token to refresh");
}

TEST(ResilienceTest, TokenInvalidMatchesStatusAndJsonPath) {
  auto s = *ParseService(kHead +
                             "token_invalid:\n"
                             "  - {json: code, equals: INVALID_OAUTHTOKEN}\n"
                             "  - {status: 403, json: error.code, equals: '7202'}\n",
                         "acme.yaml");
  EXPECT_TRUE(TokenInvalid(s, Answer(401)));
  EXPECT_TRUE(TokenInvalid(s, Answer(200, R"({"code":"INVALID_OAUTHTOKEN"})")));
  EXPECT_TRUE(TokenInvalid(s, Answer(400, R"({"code":"INVALID_OAUTHTOKEN","x":1})")));
  EXPECT_FALSE(TokenInvalid(s, Answer(200, R"({"code":"OK"})")));
  EXPECT_TRUE(TokenInvalid(s, Answer(403, R"({"error":{"code":7202}})")));
  EXPECT_FALSE(TokenInvalid(s, Answer(200, R"({"error":{"code":7202}})")));
  EXPECT_FALSE(TokenInvalid(s, Answer(403, R"({"error":"7202"})")));
  EXPECT_FALSE(TokenInvalid(s, Answer(200, "not json")));
  EXPECT_FALSE(TokenInvalid(s, Answer(200, R"(["code"])")));
}

TEST(ResilienceTest, TheWaitHonoursRetryAfterThenRateLimitsThenBacksOff) {
  const int64_t now = 784111777000;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(RetryDelayMs(Answer(200), 1, 500, now, 0), std::nullopt);
  EXPECT_EQ(RetryDelayMs(Answer(404), 1, 500, now, 0), std::nullopt);
  EXPECT_EQ(RetryDelayMs(Answer(501), 1, 500, now, 0), std::nullopt);
  EXPECT_EQ(RetryDelayMs(Answer(429, "", {{"retry-after", "7"}}), 1, 500, now, 0), 7000);
  EXPECT_EQ(RetryDelayMs(Answer(503, "", {{"retry-after", "Sun, 06 Nov 1994 08:49:40 GMT"}}), 1,
                         500, now, 0),
            3000);
  EXPECT_EQ(RetryDelayMs(Answer(503, "", {{"retry-after", "Sun, 06 Nov 1994 08:40:00 GMT"}}), 1,
                         500, now, 0),
            0);  // in the past
  EXPECT_EQ(RetryDelayMs(Answer(429, "", {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "4"}}),
                         1, 500, now, 0),
            4000);
  EXPECT_EQ(RetryDelayMs(Answer(429, "", {{"x-ratelimit-remaining", "0"},
                                          {"x-ratelimit-reset", "1796000002"}}),
                         1, 500, 1'796'000'000'000, 0),
            2000);  // a Unix time
  EXPECT_EQ(RetryDelayMs(Answer(429, "", {{"ratelimit-remaining", "0"}, {"ratelimit-reset", "9"}}),
                         1, 500, now, 0),
            9000);
  // Not spent: the back-off. Half fixed, half jitter.
  EXPECT_EQ(RetryDelayMs(Answer(429, "", {{"ratelimit-remaining", "3"}, {"ratelimit-reset", "9"}}),
                         1, 500, now, 0),
            250);
  EXPECT_EQ(RetryDelayMs(Answer(503), 1, 500, now, 250), 500);
  EXPECT_EQ(RetryDelayMs(Answer(503), 2, 500, now, 0), 500);
  EXPECT_EQ(RetryDelayMs(Answer(503), 3, 500, now, 0), 1000);
  EXPECT_EQ(RetryDelayMs(Answer(503), 3, 500, now, 1001), 1000 + 1001 % 1001);
  EXPECT_EQ(RetryDelayMs(Answer(429, "", {{"retry-after", "999999"}}), 1, 500, now, 0), 300'000);
  EXPECT_EQ(RetryDelayMs(Answer(429, "", {{"retry-after", "soon"}}), 1, 500, now, 0), 250);
}

TEST(ResilienceTest, OnlyIdempotentMethodsUnlessAlways) {
  Service s;
  EXPECT_EQ(PlanRetries(s, RetryMode::kService, "GET").max_attempts, 1);  // off by default
  EXPECT_EQ(PlanRetries(s, RetryMode::kOn, "GET").max_attempts, 3);
  EXPECT_EQ(PlanRetries(s, RetryMode::kOn, "POST").max_attempts, 1);
  EXPECT_EQ(PlanRetries(s, RetryMode::kAlways, "POST").max_attempts, 3);
  s.retry.enabled = true;
  s.retry.max_attempts = 5;
  EXPECT_EQ(PlanRetries(s, RetryMode::kService, "PUT").max_attempts, 5);
  EXPECT_EQ(PlanRetries(s, RetryMode::kService, "PATCH").max_attempts, 1);
  EXPECT_EQ(PlanRetries(s, RetryMode::kOff, "GET").max_attempts, 1);
  EXPECT_EQ(ParseRetryMode("TRUE").value(), RetryMode::kOn);
  EXPECT_EQ(ParseRetryMode("sometimes").error().message(),
            "retry must be on, off or always (always also repeats POST and PATCH), not 'sometimes'");
}

TEST(ResilienceTest, TheLimiterCapsConcurrencyAndRate) {
  CallLimiter limiter;
  CallLimits two{.concurrency = 2};
  EXPECT_TRUE(limiter.TryAcquire("c1", two));
  EXPECT_TRUE(limiter.TryAcquire("c1", two));
  EXPECT_FALSE(limiter.TryAcquire("c1", two));
  EXPECT_TRUE(limiter.TryAcquire("c2", two));  // another connection
  auto refused = limiter.Acquire("c1", two, "crm");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(CallLimitError(refused.error()));
  EXPECT_EQ(refused.error().message(),
            "call limit: connection 'crm' is at its limit of 2 calls in flight at once (its "
            "service's limits:)");
  limiter.Release("c1", two);
  EXPECT_TRUE(limiter.Acquire("c1", two, "crm").ok());
  CallLimits rate{.per_minute = 1};
  EXPECT_TRUE(limiter.TryAcquire("r", rate));
  limiter.Release("r", rate);
  EXPECT_FALSE(limiter.TryAcquire("r", rate));  // released, but the minute is spent
  EXPECT_EQ(limiter.Acquire("r", rate, "crm").error().message(),
            "call limit: connection 'crm' is at its limit of 1 calls a minute (its service's limits:)");
}

}  // namespace
}  // namespace relish::connections
