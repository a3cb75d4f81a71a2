// Webhook endpoints and deliveries, against the real queue and store, a scripted receiver and a
// fake clock. The receiver-side check of the signature over real HTTP is
// tests/js/connections_events.mjs.
#include "webhooks/webhooks.h"

#include <gtest/gtest.h>

#include "outbound/fake_http_client.h"
#include "store/testing.h"

namespace relish::webhooks {
namespace {

using connections::ConnectionEvent;

TEST(SignatureHeader, IsHmacSha256OfTimestampDotBody) {
  // python3: hmac.new(b'whsec_test', b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
  EXPECT_EQ(SignatureHeader("whsec_test", 1700000000, R"({"a":1})"),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
}

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_);
    std::vector<store::Migration> m = vault::Vault::Migrations();
    for (auto& x : workflow::JobQueue::Migrations()) m.push_back(x);
    for (auto& x : Webhooks::Migrations()) m.push_back(x);
    ASSERT_TRUE(store_->Migrate(m).ok());
    vault_ = std::move(*vault::Vault::Open(*store_, {vault::MakeMasterKey(random_)}, clock_, random_));
    queue_ = std::make_unique<workflow::JobQueue>(*store_, clock_, random_);
    hooks_ = std::make_unique<Webhooks>(*store_, *vault_, *queue_, http_, clock_, random_,
                                        WebhookOptions{.first_backoff_ms = 30'000});
  }

  ConnectionEvent Event(const std::string& org = "org1", const std::string& type = "refresh_failed") {
    ConnectionEvent e;
    e.id = "evt_" + std::to_string(++events_);
    e.at = clock_.NowMillis();
    e.org_id = org;
    e.environment = "sandbox";
    e.link_name = "idp";
    e.service_id = "testidp";
    e.type = type;
    e.status = "needs_reauth";
    e.reason = "the provider refused: invalid_grant (revoked)";
    e.error = "invalid_grant";
    e.error_description = "revoked";
    return e;
  }
  void Publish(const ConnectionEvent& e) {
    ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                  return hooks_->Enqueue(tx, e);
                }).ok());
  }
  // What the engine does: leases due jobs, runs them, finishes them and enqueues follow-ups.
  int RunDue() {
    auto jobs = *queue_->Lease("test", 10);
    for (const auto& job : jobs) {
      EXPECT_EQ(job.kind, kJobKind);
      auto out = hooks_->Deliver(job);
      EXPECT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
                    TRY(queue_->Finish(tx, job, "test"));
                    for (const auto& f : out.followups) TRY(queue_->Enqueue(tx, f));
                    return Ok();
                  }).ok());
    }
    return static_cast<int>(jobs.size());
  }

  FakeClock clock_;
  FakeRandom random_{7};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<workflow::JobQueue> queue_;
  outbound::FakeHttpClient http_;
  std::unique_ptr<Webhooks> hooks_;
  int events_ = 0;
};

TEST_F(WebhooksTest, FailedAttemptsAreRetriedWithBackoffAndEachIsLogged) {
  auto created = hooks_->Create({.org_id = "org1", .url = "https://hooks.test/in", .created_by = "usr_1"});
  ASSERT_TRUE(created.ok()) << created.error().message();
  const std::string secret = created->secret;
  EXPECT_TRUE(secret.starts_with("whsec_"));
  int calls = 0;
  http_.SetHandler([&](const outbound::Request&) -> Result<outbound::Response> {
    return outbound::FakeHttpClient::Json(++calls < 3 ? 500 : 200, R"({"ok":false})");
  });
  ConnectionEvent e = Event();
  Publish(e);
  EXPECT_EQ(RunDue(), 1);
  EXPECT_EQ(RunDue(), 0);  // the next attempt waits for its back-off
  clock_.Advance(Millis(30'000));
  EXPECT_EQ(RunDue(), 1);
  clock_.Advance(Millis(59'999));
  EXPECT_EQ(RunDue(), 0);
  clock_.Advance(Millis(1));
  EXPECT_EQ(RunDue(), 1);
  clock_.Advance(Millis(3'600'000));
  EXPECT_EQ(RunDue(), 0);  // delivered: nothing more

  auto log = *hooks_->Deliveries("org1", {});
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].outcome, "delivered");
  EXPECT_EQ(log[0].attempt, 3);
  EXPECT_EQ(log[0].response_status, 200);
  EXPECT_EQ(log[1].outcome, "retrying");
  EXPECT_EQ(log[1].attempt, 2);
  EXPECT_EQ(log[1].error, R"(the endpoint answered HTTP 500: {"ok":false})");
  EXPECT_EQ(log[1].next_attempt_at, log[1].at + 60'000);
  EXPECT_EQ(log[2].attempt, 1);
  EXPECT_EQ(log[2].next_attempt_at, log[2].at + 30'000);
  for (const auto& d : log) {
    EXPECT_EQ(d.event_id, e.id);
    EXPECT_EQ(d.endpoint_id, created->endpoint.id);
    EXPECT_EQ(d.error.find(secret), std::string::npos);
  }

  // Each attempt is signed over its own timestamp and the same body.
  auto sent = http_.requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].body, EventJson(e).dump());
  for (size_t i = 0; i < sent.size(); ++i) {
    std::map<std::string, std::string> h(sent[i].headers.begin(), sent[i].headers.end());
    EXPECT_EQ(sent[i].method, "POST");
    EXPECT_EQ(sent[i].url, "https://hooks.test/in");
    EXPECT_EQ(sent[i].body, sent[0].body);
    EXPECT_EQ(h["Relish-Signature"], SignatureHeader(secret, log[2 - i].at / 1000, sent[i].body));
    EXPECT_EQ(h["Relish-Event-Id"], e.id);
    EXPECT_EQ(h["Relish-Delivery-Attempt"], std::to_string(i + 1));
    EXPECT_EQ(sent[i].body.find(secret), std::string::npos);
  }
}

TEST_F(WebhooksTest, GivesUpWhenTheEventIsADayOld) {
  ASSERT_TRUE(hooks_->Create({.org_id = "org1", .url = "https://hooks.test/in"}).ok());
  http_.SetHandler([](const outbound::Request&) -> Result<outbound::Response> {
    return Unavailable("connection refused");
  });
  Publish(Event());
  int attempts = 0;
  for (int i = 0; i < 100; ++i) {
    attempts += RunDue();
    clock_.Advance(Millis(3'600'000));
  }
  auto log = *hooks_->Deliveries("org1", {.limit = 1000});
  ASSERT_EQ(static_cast<int>(log.size()), attempts);
  // 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: 7 waits under ~64 min, then 23 hourly ones
  // fit in the day, whatever the hourly ticks of this loop.
  EXPECT_GE(attempts, 20);
  EXPECT_LE(attempts, 32);
  EXPECT_EQ(log[0].outcome, "failed");
  EXPECT_EQ(log[0].error, "connection refused");
  EXPECT_LE(log[0].at, log.back().at + 24LL * 3600 * 1000);
  EXPECT_EQ(log[1].outcome, "retrying");
}

TEST_F(WebhooksTest, EndpointsTakeTheTypesTheyAskForAndDisabledOnesNone) {
  auto all = *hooks_->Create({.org_id = "org1", .url = "https://hooks.test/all"});
  auto some = *hooks_->Create({.org_id = "org1", .url = "https://hooks.test/some",
                               .types = {"needs_reauth"}});
  auto off = *hooks_->Create({.org_id = "org1", .url = "https://hooks.test/off"});
  ASSERT_TRUE(hooks_->SetEnabled("org1", off.endpoint.id, false).ok());
  http_.SetHandler([](const outbound::Request&) -> Result<outbound::Response> {
    return outbound::FakeHttpClient::Json(204, "");
  });
  Publish(Event("org1", "refresh_failed"));
  Publish(Event("org1", "needs_reauth"));
  EXPECT_EQ(RunDue(), 3);
  EXPECT_EQ(hooks_->Deliveries("org1", {.endpoint_id = all.endpoint.id})->size(), 2u);
  EXPECT_EQ(hooks_->Deliveries("org1", {.endpoint_id = some.endpoint.id})->size(), 1u);
  EXPECT_EQ(hooks_->Deliveries("org1", {.endpoint_id = off.endpoint.id})->size(), 0u);
  EXPECT_EQ(hooks_->Create({.org_id = "org1", .url = "https://x.test", .types = {"nope"}})
                .error()
                .message(),
            "unknown event type 'nope'");
  EXPECT_EQ(hooks_->Create({.org_id = "org1", .url = "ftp://x.test"}).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(WebhooksTest, AnotherOrganizationReachesNothing) {
  auto mine = *hooks_->Create({.org_id = "org1", .url = "https://hooks.test/in"});
  http_.SetHandler([](const outbound::Request&) -> Result<outbound::Response> {
    return outbound::FakeHttpClient::Json(200, "");
  });
  Publish(Event("org1"));
  Publish(Event("org2"));  // org2 has no endpoint: nothing to deliver
  EXPECT_EQ(RunDue(), 1);
  EXPECT_TRUE(hooks_->List("org2")->empty());
  EXPECT_EQ(hooks_->Get("org2", mine.endpoint.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(hooks_->SetEnabled("org2", mine.endpoint.id, false).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(hooks_->Delete("org2", mine.endpoint.id).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(hooks_->Deliveries("org2", {})->empty());
  EXPECT_EQ(hooks_->Deliveries("org1", {})->size(), 1u);
  // Deleting takes the log with it; a queued attempt for a deleted endpoint does nothing.
  Publish(Event("org1"));
  ASSERT_TRUE(hooks_->Delete("org1", mine.endpoint.id).ok());
  EXPECT_EQ(RunDue(), 1);
  EXPECT_TRUE(hooks_->Deliveries("org1", {})->empty());
  EXPECT_EQ(http_.requests().size(), 1u);
}

}  // namespace
}  // namespace relish::webhooks
