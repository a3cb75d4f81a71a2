// Scheduled health probes (issue 18), against the real queue, store, connections and webhooks,
// a scripted upstream and a fake clock. The jobs run as the engine runs them (lease, handler,
// finish with follow-ups), on this thread.
#include "webhooks/probes.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "base/log.h"
#include "connections/test_fixture.h"
#include "outbound/fake_http_client.h"
#include "store/testing.h"

namespace relish::webhooks {
namespace {

using connections::Connections;
using connections::ConnectionEvent;

constexpr const char* kKeyA = "sk_live_PLANTED_A_7f3c91";
constexpr const char* kKeyB = "sk_live_PLANTED_B_2d84e0";
constexpr int64_t kHour = 3'600'000;

const std::vector<EmbeddedFile>& PingService() {
  static const std::string ping = R"(id: ping
name: Ping
docs: https://ping.test/docs
category: Other
auth: api_key
base_url: https://api.ping.test
allowed_hosts: [api.ping.test]
api_key: {in: header, fields: [{name: X-Key, label: Key}]}
test: {url: 'https://api.ping.test/me'}
)";
  static const std::vector<EmbeddedFile> files = {{"/ping.yaml", ping}};
  return files;
}

class ProbeScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_);
    auto m = connections::TestMigrations();
    for (auto& x : workflow::JobQueue::Migrations()) m.push_back(x);
    for (auto& x : Webhooks::Migrations()) m.push_back(x);
    ASSERT_TRUE(store_->Migrate(m).ok());
    vault_ = std::move(*vault::Vault::Open(*store_, {vault::MakeMasterKey(random_)}, clock_, random_));
    catalog_ = std::make_unique<connections::Catalog>(*store_, clock_);
    ASSERT_TRUE(catalog_->LoadDefaults(PingService()).ok());
    http_.SetHandler([this](const outbound::Request& r) -> Result<outbound::Response> {
      if (r.url.starts_with("https://hooks.")) {
        std::lock_guard lock(mu_);
        hook_bodies_.push_back(r.url + " " + r.body);
        return outbound::FakeHttpClient::Json(200, "{}");
      }
      std::string key;
      for (const auto& [k, v] : r.headers) {
        if (k == "X-Key") key = v;
      }
      bool down = (key == kKeyA && down_a_) || (key == kKeyB && down_b_);
      // A failing upstream echoes the key: nothing of it may reach an event, a log or the audit.
      return outbound::FakeHttpClient::Json(down ? 503 : 200,
                                            R"({"key":")" + key + R"(","ok":)" +
                                                (down ? "false" : "true") + "}");
    });
    connections_ = std::make_unique<Connections>(*store_, *vault_, *catalog_, http_, http_, clock_,
                                                 random_, connections::ConnectionsOptions{});
    queue_ = std::make_unique<workflow::JobQueue>(*store_, clock_, random_);
    hooks_ = std::make_unique<Webhooks>(*store_, *vault_, *queue_, http_, clock_, random_);
    connections_->OnEvent([this](store::Transaction& tx, const ConnectionEvent& e) {
      return hooks_->Enqueue(tx, e);
    });
    probes_ = Schedule({.interval_ms = kHour});
    for (auto [org, key] : {std::pair{"orgA", kKeyA}, std::pair{"orgB", kKeyB}}) {
      auto c = connections_->Create({.org_id = org, .display_name = "Ping", .service_id = "ping",
                                     .created_by = "usr_1"});
      ASSERT_TRUE(c.ok()) << c.error().message();
      ASSERT_TRUE(connections_->SetCredentials(org, "sandbox", "ping", "", {{"X-Key", key}}).ok());
      ASSERT_TRUE(hooks_->Create({.org_id = org,
                                  .url = std::string("https://hooks.") + org + ".test/in",
                                  .types = {"probe_failed", "probe_ok"},
                                  .created_by = "usr_1"})
                      .ok());
    }
    // A pending connection (never authorized) is not probed.
    ASSERT_TRUE(connections_->Create({.org_id = "orgA", .display_name = "Idle",
                                      .service_id = "ping", .created_by = "usr_1"})
                    .ok());
  }
  void TearDown() override {
    connections_.reset();
    (void)InitLogging({.level = "warn"});  // the sink refers to log_
  }

  std::unique_ptr<ProbeSchedule> Schedule(ProbeOptions options) {
    return std::make_unique<ProbeSchedule>(
        *store_, *queue_, *connections_, *catalog_,
        []() -> Result<std::vector<std::string>> { return std::vector<std::string>{"orgA", "orgB"}; },
        clock_, options);
  }
  // What the engine does with due jobs; returns how many ran, by kind.
  std::map<std::string, int> RunDue() {
    std::map<std::string, int> ran;
    for (;;) {
      auto jobs = *queue_->Lease("test", 10);
      if (jobs.empty()) return ran;
      for (const auto& job : jobs) {
        ++ran[job.kind];
        workflow::JobOutcome out;
        if (job.kind == kProbeSweepJobKind) {
          out = probes_->Sweep(job);
        } else if (job.kind == kProbeJobKind) {
          probe_orgs_.push_back(job.org_id);
          out = probes_->RunProbe(job);
        } else {
          EXPECT_EQ(job.kind, kJobKind);
          out = hooks_->Deliver(job);
        }
        EXPECT_TRUE(store::Transact(*store_, store::TxMode::kWrite,
                                    [&](store::Transaction& tx) -> Result<void> {
                                      TRY(queue_->Finish(tx, job, "test"));
                                      for (const auto& f : out.followups) TRY(queue_->Enqueue(tx, f));
                                      return Ok();
                                    })
                        .ok());
      }
    }
  }
  // Time passing in 5-minute steps, the due jobs run at each.
  void RunFor(int64_t ms) {
    for (int64_t t = 0; t < ms; t += 5 * 60'000) {
      clock_.Advance(Millis(5 * 60'000));
      RunDue();
    }
  }
  // One interval: the sweep, then the second probe it spread to half an hour later.
  void RunInterval() {
    clock_.Advance(Millis(kHour / 2));
    RunDue();
    clock_.Advance(Millis(kHour / 2));
    RunDue();
  }
  std::vector<ConnectionEvent> ProbeEvents(const std::string& org) {
    std::vector<ConnectionEvent> out;
    auto all = *connections_->Events(org, {});
    for (auto& e : all) {
      if (e.type.starts_with("probe_")) out.push_back(e);
    }
    return out;
  }
  Json HealthOf(const std::string& org) {
    return Health(*connections_, *connections_->Get(org, "sandbox", "ping"));
  }

  std::ostringstream log_;
  FakeClock clock_;
  FakeRandom random_{11};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<connections::Catalog> catalog_;
  outbound::FakeHttpClient http_;
  std::unique_ptr<Connections> connections_;
  std::unique_ptr<workflow::JobQueue> queue_;
  std::unique_ptr<Webhooks> hooks_;
  std::unique_ptr<ProbeSchedule> probes_;
  std::mutex mu_;
  std::vector<std::string> hook_bodies_;
  std::vector<std::string> probe_orgs_;
  bool down_a_ = false;
  bool down_b_ = false;
};

TEST_F(ProbeScheduleTest, ASweepProbesEachOrganizationsConnectionsAndRecordsChangesOnly) {
  ASSERT_TRUE(probes_->EnsureScheduled().ok());
  ASSERT_TRUE(probes_->EnsureScheduled().ok());  // a restart: still one sweep
  EXPECT_EQ(*store::Transact(*store_, store::TxMode::kRead, [&](store::Transaction& tx) {
              return queue_->CountKind(tx, kProbeSweepJobKind);
            }),
            1);
  EXPECT_TRUE(RunDue().empty());  // the first sweep is an interval away
  EXPECT_TRUE(HealthOf("orgA").is_null());

  down_b_ = true;
  clock_.Advance(Millis(kHour - 1));
  EXPECT_TRUE(RunDue().empty());
  clock_.Advance(Millis(1));
  // The sweep, the first probe (spread: the second waits half an interval) and its delivery.
  auto ran = RunDue();
  EXPECT_EQ(ran[std::string(kProbeSweepJobKind)], 1);
  EXPECT_EQ(ran[std::string(kProbeJobKind)], 1);
  clock_.Advance(Millis(kHour / 2 - 1));
  EXPECT_TRUE(RunDue().empty());
  clock_.Advance(Millis(1));
  EXPECT_EQ(RunDue()[std::string(kProbeJobKind)], 1);
  // Each organization's connection under its own organization, the pending one not at all.
  std::sort(probe_orgs_.begin(), probe_orgs_.end());
  EXPECT_EQ(probe_orgs_, (std::vector<std::string>{"orgA", "orgB"}));

  auto a = ProbeEvents("orgA");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].type, "probe_ok");
  EXPECT_EQ(a[0].actor, "");
  auto b = ProbeEvents("orgB");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].type, "probe_failed");
  EXPECT_EQ(b[0].reason, "the test call answered HTTP 503");
  EXPECT_EQ(b[0].link_name, "ping");
  EXPECT_EQ(HealthOf("orgA")["ok"], true);
  EXPECT_EQ(HealthOf("orgB")["ok"], false);
  EXPECT_EQ(HealthOf("orgB")["message"], "the test call answered HTTP 503");

  // Still failing, two intervals on: no second event.
  RunInterval();
  RunInterval();
  EXPECT_EQ(ProbeEvents("orgB").size(), 1u);
  EXPECT_EQ(ProbeEvents("orgA").size(), 1u);
  EXPECT_EQ(probe_orgs_.size(), 6u);

  // Recovery: one probe_ok.
  down_b_ = false;
  RunInterval();
  b = ProbeEvents("orgB");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].type, "probe_ok");
  EXPECT_EQ(HealthOf("orgB")["ok"], true);

  // Org A's reads never show org B's events, nor its deliveries.
  auto seen_by_a = *connections_->Events("orgA", {});
  for (const auto& e : seen_by_a) EXPECT_EQ(e.org_id, "orgA");
  auto da = *hooks_->Deliveries("orgA", {});
  ASSERT_EQ(da.size(), 1u);
  EXPECT_EQ(da[0].event_id, a[0].id);
  auto db = *hooks_->Deliveries("orgB", {});
  ASSERT_EQ(db.size(), 2u);
  for (const auto& d : db) EXPECT_EQ(d.outcome, "delivered");
  // Each endpoint received only its organization's events.
  ASSERT_EQ(hook_bodies_.size(), 3u);
  for (const auto& body : hook_bodies_) {
    bool to_a = body.starts_with("https://hooks.orga.test/");  // the URL as stored: host lowercased
    EXPECT_NE(body.find(to_a ? R"("organization":"orgA")" : R"("organization":"orgB")"),
              std::string::npos)
        << body;
  }

  // The probes are audited as such, under their organization.
  connections_->FlushAudit();
  auto audit_b = *connections_->Audit("orgB", connections::AuditFilter{.origin = "probe"});
  EXPECT_EQ(audit_b.size(), 4u);
  for (const auto& e : audit_b) EXPECT_EQ(e.link_name, "ping");

  // No planted key anywhere: events, deliveries (sent bodies and log), audit, log.
  std::string seen = log_.str();
  for (const auto& org : {"orgA", "orgB"}) {
    auto events = *connections_->Events(org, {});
    for (const auto& e : events) seen += EventJson(e).dump();
    auto deliveries = *hooks_->Deliveries(org, {});
    for (const auto& d : deliveries) seen += d.error;
    auto audit = *connections_->Audit(org, connections::AuditFilter{});
    for (const auto& e : audit) seen += e.url + e.error + e.note;
  }
  for (const auto& body : hook_bodies_) seen += body;
  EXPECT_EQ(seen.find(kKeyA), std::string::npos);
  EXPECT_EQ(seen.find(kKeyB), std::string::npos);
  EXPECT_EQ(seen.find("PLANTED"), std::string::npos);
}

TEST_F(ProbeScheduleTest, BoundsEachOrganizationAndEnvironmentPerSweep) {
  for (int i = 0; i < 3; ++i) {
    std::string link = "extra" + std::to_string(i);
    ASSERT_TRUE(connections_->Create({.org_id = "orgA", .display_name = link,
                                      .link_name = link, .service_id = "ping",
                                      .created_by = "usr_1"})
                    .ok());
    ASSERT_TRUE(connections_->SetCredentials("orgA", "sandbox", link, "", {{"X-Key", kKeyA}}).ok());
  }
  probes_ = Schedule({.interval_ms = kHour, .max_per_space = 2});
  ASSERT_TRUE(probes_->EnsureScheduled().ok());
  // The sweep an hour on spreads its three probes 20 minutes apart; the next sweep is at 2 h.
  RunFor(kHour + kHour - 5 * 60'000);
  // Org A has four probe targets but two a sweep; org B's one is not crowded out.
  std::map<std::string, int> per_org;
  for (const auto& o : probe_orgs_) ++per_org[o];
  EXPECT_EQ(per_org["orgA"], 2);
  EXPECT_EQ(per_org["orgB"], 1);
  EXPECT_NE(log_.str().find("2 connections over the per-sweep bounds are not probed"),
            std::string::npos);
  // The next sweep takes the other two: each of org A's connections is probed once in two.
  RunFor(kHour);
  std::map<std::string, int> per_link;
  auto events = *connections_->Events("orgA", connections::EventFilter{.type = "probe_ok"});
  for (const auto& e : events) ++per_link[e.link_name];
  EXPECT_EQ(per_link, (std::map<std::string, int>{{"extra0", 1}, {"extra1", 1}, {"extra2", 1}, {"ping", 1}}));
}

TEST_F(ProbeScheduleTest, OffMeansNoSweepAndAQueuedOneEnds) {
  ASSERT_TRUE(probes_->EnsureScheduled().ok());
  probes_ = Schedule({.interval_ms = 0});
  ASSERT_TRUE(probes_->EnsureScheduled().ok());
  clock_.Advance(Millis(kHour));
  EXPECT_EQ(RunDue()[std::string(kProbeSweepJobKind)], 1);
  clock_.Advance(Millis(10 * kHour));
  EXPECT_TRUE(RunDue().empty());
  EXPECT_TRUE(probe_orgs_.empty());
}

TEST_F(ProbeScheduleTest, AProbeOfADeletedConnectionDoesNothing) {
  ASSERT_TRUE(probes_->EnsureScheduled().ok());
  clock_.Advance(Millis(kHour));
  RunDue();  // the sweep and the first probe
  ASSERT_TRUE(connections_->Delete("orgB", "sandbox", "ping").ok());
  ASSERT_TRUE(connections_->Delete("orgA", "sandbox", "ping").ok());
  size_t events = connections_->Events("orgA", {})->size() + connections_->Events("orgB", {})->size();
  clock_.Advance(Millis(kHour / 2));
  EXPECT_EQ(RunDue()[std::string(kProbeJobKind)], 1);
  EXPECT_EQ(connections_->Events("orgA", {})->size() + connections_->Events("orgB", {})->size(),
            events);
}

}  // namespace
}  // namespace relish::webhooks
