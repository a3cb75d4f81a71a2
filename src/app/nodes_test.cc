// Issue 16, many nodes on one database: two Runtimes ("nodes") on the same store (the test
// PostgreSQL schema under with_postgres.sh, else one SQLite file in one data directory), each
// with its own caches, sharing a fake clock. What one node changes the other sees within a
// second (docs/architecture.md#many-nodes), the other node's Redactor learns what the first
// sealed, and background work is done once however many nodes run it.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "app/runtime.h"
#include "base/encoding.h"
#include "base/log.h"
#include "store/testing.h"
#include "webhooks/probes.h"

namespace relish::app {
namespace {

namespace fs = std::filesystem;
using Millis = std::chrono::milliseconds;

constexpr std::string_view kWeather = R"(id: weather
name: Weather
auth: api_key
base_url: http://127.0.0.1:1
allowed_hosts: ['http://127.0.0.1:1', 'http://127.0.0.1:2']
api_key: {in: header, fields: [{name: X-Key, label: Key}]}
)";

class NodesTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("relish-nodes-test-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    config_.data_dir = (dir_ / "data").string();
    config_.admin_password = "the first admin's password";
    config_.egress_allow_loopback = true;
    config_.workflow_lease = Millis(60'000);
    if (store::testing::TestingPostgres()) {
      auto url = store::testing::NewPostgresSchemaUrl();
      ASSERT_TRUE(url.ok()) << url.error().ToString();
      config_.database_url = *url;
      config_.database_pool_size = 3;
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A node as `relish serve` opens it (first start: the second finds the first's data).
  std::unique_ptr<Runtime> Node() {
    auto rt = Runtime::Open(config_, {.public_url = "http://127.0.0.1:1", .clock = &clock_});
    EXPECT_TRUE(rt.ok()) << rt.error().ToString();
    return rt.ok() ? std::move(*rt) : nullptr;
  }

  // An organization with the custom service and an API-key connection to it, made on `node`.
  std::string Connected(Runtime& node, std::string_view name, std::string_view key) {
    auto org = node.identity().CreateOrg(name);
    EXPECT_TRUE(org.ok());
    auto service = node.catalog().CreateCustom(org->id, kWeather, "usr_x");
    EXPECT_TRUE(service.ok()) << service.error().ToString();
    auto c = node.connections().Create(
        {.org_id = org->id, .display_name = "Weather", .link_name = "weather", .service_id = "weather"});
    EXPECT_TRUE(c.ok()) << c.error().ToString();
    auto set = node.connections().SetCredentials(org->id, "sandbox", "weather", "",
                                                 {{"X-Key", std::string(key)}});
    EXPECT_TRUE(set.ok()) << set.error().ToString();
    return org->id;
  }

  // The X-Key header `node` sends on the connection, or why it sends none. A call (to a port
  // nothing listens on: it fails at once) loads the credentials through the node's caches, then
  // Prepare shows what it would inject from them.
  static std::string KeyOn(Runtime& node, const std::string& org) {
    (void)node.connections().Call({.org_id = org, .environment = "sandbox", .origin = "test"},
                                  "weather", {.method = "GET", .url = "/now"},
                                  connections::RetryMode::kOff);
    auto prepared = node.connections().Prepare({.org_id = org, .environment = "sandbox"},
                                               "weather", {.method = "GET", .url = "/now"});
    if (!prepared.ok()) return "error: " + prepared.error().message();
    if (!(*prepared)->ready) return "not ready";
    for (const auto& [name, value] : (*prepared)->request.headers) {
      if (name == "X-Key") return value;
    }
    return "no key";
  }

  fs::path dir_;
  Config config_;
  FakeClock clock_;
};

// ---- Caches ----

TEST_F(NodesTest, TokenRevocationRoleAndMembershipReachTheOtherNodeWithinASecond) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  auto dev = n1->identity().CreateUser("dev@example.com", "Dev", "a developer's password",
                                       identity::Role::kDeveloper);
  ASSERT_TRUE(dev.ok());
  auto token = n1->identity().CreateToken(dev->id, "ci", std::nullopt);
  ASSERT_TRUE(token.ok());
  auto org = n1->identity().CreateOrg("Acme");
  ASSERT_TRUE(org.ok());

  auto seen = n2->identity().AuthenticateToken(token->second);
  ASSERT_TRUE(seen.ok());
  EXPECT_FALSE(seen->is_admin());
  EXPECT_TRUE(n2->identity().OrgsOf(dev->id)->empty());

  ASSERT_TRUE(n1->identity().SetRole(dev->id, identity::Role::kAdmin).ok());
  ASSERT_TRUE(n1->identity().AddMember(org->id, dev->id).ok());
  // Node 2 answers from its caches until they expire: the staleness the design allows.
  EXPECT_FALSE(n2->identity().AuthenticateToken(token->second)->is_admin());
  clock_.Advance(Millis(1000));
  seen = n2->identity().AuthenticateToken(token->second);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->is_admin());
  ASSERT_EQ(n2->identity().OrgsOf(dev->id)->size(), 1u);

  ASSERT_TRUE(n1->identity().RevokeToken(dev->id, token->first.id).ok());
  clock_.Advance(Millis(1000));
  EXPECT_EQ(n2->identity().AuthenticateToken(token->second).error().code(),
            ErrorCode::kUnauthenticated);
}

TEST_F(NodesTest, ServiceAndConnectionChangesReachTheOtherNodeWithinASecond) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  std::string org = Connected(*n1, "Acme", "FIRSTxKEYx111");
  EXPECT_EQ(KeyOn(*n2, org), "FIRSTxKEYx111");
  auto base = n2->connections().BaseUrl({.org_id = org, .environment = "sandbox"}, "weather");
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*base, "http://127.0.0.1:1");

  // A changed service definition (another host: a policy change, which asks the connection to
  // be authorized again), then new credentials.
  std::string moved(kWeather);
  moved.replace(moved.find("http://127.0.0.1:1"), 18, "http://127.0.0.1:2");
  ASSERT_TRUE(n1->catalog().UpdateCustom({.user_id = "usr_x", .admin = true}, org, "weather", moved).ok());
  ASSERT_TRUE(n1->connections()
                  .SetCredentials(org, "sandbox", "weather", "", {{"X-Key", "SECONDxKEYx22"}})
                  .ok());
  clock_.Advance(Millis(1000));
  EXPECT_EQ(KeyOn(*n2, org), "SECONDxKEYx22");
  EXPECT_EQ(*n2->connections().BaseUrl({.org_id = org, .environment = "sandbox"}, "weather"),
            "http://127.0.0.1:2");

  // Revoked: node 2 has no credentials to send any more.
  ASSERT_TRUE(n1->connections().Revoke(org, "sandbox", "weather", "").ok());
  clock_.Advance(Millis(1000));
  EXPECT_EQ(KeyOn(*n2, org), "not ready");

  // Deleted: node 2 no longer finds it.
  ASSERT_TRUE(n1->connections().Delete(org, "sandbox", "weather").ok());
  clock_.Advance(Millis(1000));
  auto gone = n2->connections().Get(org, "sandbox", "weather");
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(n2->connections().BaseUrl({.org_id = org, .environment = "sandbox"}, "weather").error().code(),
            ErrorCode::kNotFound);
}

TEST_F(NodesTest, AKeyRotationOnOneNodeIsFollowedByTheOther) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  std::string org = Connected(*n1, "Acme", "ROTATEDxKEYx1");
  EXPECT_EQ(KeyOn(*n2, org), "ROTATEDxKEYx1");

  // What POST /api/v1/keys/rotate does with a key file: a new master key and data key.
  const vault::MasterKeySource& source = n1->master_key();
  vault::MasterKey next = vault::MakeMasterKey(SystemRandom());
  auto report = n1->vault().Rotate(next, [&] { return vault::WriteNewKeyFile(source.key_file, *next.key); });
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  ASSERT_TRUE(vault::CommitKeyFile(source.key_file).ok());

  // Node 2 opens what was re-sealed under the new keys, and seals under them.
  clock_.Advance(Millis(1000));
  EXPECT_EQ(KeyOn(*n2, org), "ROTATEDxKEYx1");
  ASSERT_TRUE(n2->connections()
                  .SetCredentials(org, "sandbox", "weather", "", {{"X-Key", "AFTERxROTATION"}})
                  .ok());
  EXPECT_EQ(n2->vault().master_id(), report->new_master_id);
  clock_.Advance(Millis(1000));
  EXPECT_EQ(KeyOn(*n1, org), "AFTERxROTATION");
}

// Every sealed column a module registers is numbered by its table's update trigger, so a value
// changed on one node is read by the other's next Learn scan. A column registered but left out
// of its table's TrackSealedColumns list would be learned when its row is inserted, never when
// it changes; a table rebuilt by a later migration would lose its triggers.
TEST_F(NodesTest, EveryRegisteredSealedColumnIsNumberedWhenItChanges) {
  auto node = Node();
  ASSERT_TRUE(node);
  auto registered = node->vault().RegisteredColumns();
  std::set<std::string> tables;
  for (const auto& [table, column] : registered) tables.insert(table);
  EXPECT_EQ(tables, (std::set<std::string>{"connection_credentials", "oauth_states",
                                           "service_clients", "service_env_clients",
                                           "webhook_endpoints"}));
  for (const auto& [table, column] : registered) {
    const bool pg = node->store().backend() == "postgres";
    auto trigger = store::Transact(node->store(), store::TxMode::kRead, [&](store::Transaction& tx) {
      return tx.QueryOne("no trigger " + table + "_sealed_update",
                         // PostgreSQL: this node's schema's table (the tests share a database).
                         pg ? "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = ? AND"
                              " tgrelid = to_regclass(?)"
                            : "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND"
                              " tbl_name = ?",
                         table + "_sealed_update", table);
    });
    ASSERT_TRUE(trigger.ok()) << trigger.error().ToString();
    // "... UPDATE OF a, b ON t ...": the columns between.
    const std::string def = trigger->Text(0);
    ASSERT_NE(def.find("UPDATE OF "), std::string::npos) << def;
    const size_t from = def.find("UPDATE OF ") + 10, to = def.find(" ON ", from);
    ASSERT_NE(to, std::string::npos) << def;
    std::set<std::string> numbered;
    for (size_t at = from; at < to;) {
      size_t comma = std::min(def.find(", ", at), to);
      numbered.insert(def.substr(at, comma - at));
      at = comma + 2;
    }
    EXPECT_TRUE(numbered.contains(column)) << table << "." << column << " in " << def;
  }
}

// The engine's rule cache checks the space's rule version in each change's transaction: no wait.
TEST_F(NodesTest, ARuleChangedOnOneNodeHoldsAtOnceOnTheOther) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  auto org = n1->identity().CreateOrg("Acme");
  ASSERT_TRUE(org.ok());
  crm::Space space{org->id, "sandbox"};
  crm::Actor ada{"usr_ada", "Ada", "ada@example.com"};
  ASSERT_TRUE(n1->workflow()
                  .PutFunction(space, "", {.name = "sync", .source = "info contact.get(\"Email\");", .params = {"contact"}}, "usr_ada")
                  .ok());
  auto insert = [&](Runtime& node, const std::string& email) {
    auto r = node.crm().InsertRecords(space, "Contacts",
                                      crm::Json::array({{{"Last_Name", "Lee"}, {"Email", email}}}), ada, {});
    ASSERT_TRUE(r.ok() && (*r)[0].ok);
  };
  auto queued = [&] { return n1->jobs().Stats(org->id)->due; };
  insert(*n2, "before@example.com");  // node 2 caches the space's (empty) rules
  EXPECT_EQ(queued(), 0);

  auto rule = n1->workflow().CreateRule(space, "", crm::Json::parse(R"({
    "name": "Sync", "module": "Contacts", "trigger": {"type": "create_or_edit", "repeat": true},
    "conditions": [{"criteria": ["Email is not empty"], "actions": [{"function": "sync"}]}]})"), "usr_ada");
  ASSERT_TRUE(rule.ok()) << rule.error().ToString();
  insert(*n2, "a@example.com");
  EXPECT_EQ(queued(), 1);

  ASSERT_TRUE(n1->workflow().SetActive(space, rule->id, false).ok());
  insert(*n2, "b@example.com");
  EXPECT_EQ(queued(), 1);
}

// The cached rules were compiled against the space's modules, so a field change bumps the rule
// version in its own transaction: a rule that names a field removed on one node stops at once on
// both (it no longer fits its module), where both nodes' caches kept running it until the next
// rule change.
TEST_F(NodesTest, AFieldRemovedOnOneNodeHoldsAtOnceOnBoth) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  auto org = n1->identity().CreateOrg("Acme");
  ASSERT_TRUE(org.ok());
  crm::Space space{org->id, "sandbox"};
  crm::Actor ada{"usr_ada", "Ada", "ada@example.com"};
  ASSERT_TRUE(
      n1->crm()
          .AddField(space, "Contacts",
                    {.label = "Tier", .type = crm::FieldType::kPicklist, .options = {"Gold"}})
          .ok());
  ASSERT_TRUE(n1->workflow()
                  .PutFunction(space, "",
                               {.name = "sync", .source = "info 1;", .params = {"contact"}},
                               "usr_ada")
                  .ok());
  auto rule = n1->workflow().CreateRule(space, "", crm::Json::parse(R"({
    "name": "Untiered", "module": "Contacts", "trigger": "create",
    "conditions": [{"criteria": ["Tier is empty"], "actions": [{"function": "sync"}]}]})"),
                                        "usr_ada");
  ASSERT_TRUE(rule.ok()) << rule.error().ToString();
  auto insert = [&](Runtime& node) {
    auto r = node.crm().InsertRecords(space, "Contacts", crm::Json::array({{{"Last_Name", "Lee"}}}),
                                      ada, {});
    ASSERT_TRUE(r.ok() && (*r)[0].ok);
  };
  auto queued = [&] { return n1->jobs().Stats(org->id)->due; };
  insert(*n1);  // each node caches the rule, compiled against Contacts with its Tier
  insert(*n2);
  EXPECT_EQ(queued(), 2);

  ASSERT_TRUE(n1->crm().DeleteField(space, "Contacts", "Tier").ok());
  insert(*n1);
  insert(*n2);
  EXPECT_EQ(queued(), 2);
}

// ---- The Redactor ----

// Node 1 is another process: nothing it seals reaches this process's Redactor but through the
// store. This process (node 2) starts after it and must mask every one of those secrets.
TEST_F(NodesTest, ANodeStartingLearnsTheSecretsAnotherProcessSealed) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto n1 = Node();
    std::string out;
    if (n1) {
      std::string org = Connected(*n1, "Acme", "PLANTEDxAPIxKEYx1");
      bool ok = n1->connections().SetClient(org, "airtable", "client-id", "PLANTEDxCLIENTxSECRET").ok();
      auto hook = n1->webhooks().Create({.org_id = org, .url = "http://127.0.0.1:1/hook", .created_by = "usr_x"});
      if (ok && hook.ok()) out = org + "\n" + hook->secret + "\n";
      n1.reset();
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(out.empty() ? 1 : 0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << got;
  std::istringstream lines(got);
  std::string org, hook_secret;
  std::getline(lines, org);
  std::getline(lines, hook_secret);
  ASSERT_FALSE(hook_secret.empty());

  const std::vector<std::string> planted = {"PLANTEDxAPIxKEYx1", "PLANTEDxCLIENTxSECRET", hook_secret};
  for (const auto& s : planted) ASSERT_FALSE(GlobalRedactor().Contains(s)) << s;

  std::ostringstream log;
  InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  auto n2 = Node();
  ASSERT_TRUE(n2);
  for (const auto& s : planted) {
    // An upstream echoing it, an error carrying it: whatever brings it, the line is masked.
    spdlog::warn("upstream answered: {}", s);
    EXPECT_TRUE(GlobalRedactor().ContainsFor(org, s)) << s;   // the organization's
    EXPECT_FALSE(GlobalRedactor().ContainsFor("org_other", s)) << s;  // and only its
  }
  spdlog::default_logger()->flush();
  for (const auto& s : planted) EXPECT_EQ(log.str().find(s), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("upstream answered: [REDACTED]"), std::string::npos) << log.str();
  InitLoggingForTest(std::make_shared<spdlog::sinks::null_sink_mt>());  // `log` goes now
}

// A running node learns what another sealed after it started (StartNodeTasks runs Learn every
// second; here the test runs it). In one process the first node's sealing told the shared
// Redactor, so the test takes the values out of it first.
TEST_F(NodesTest, ARunningNodeLearnsNewSecretsOfOtherNodes) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  std::string org = Connected(*n1, "Acme", "LATERxAPIxKEYx22");
  auto hook = n1->webhooks().Create({.org_id = org, .url = "http://127.0.0.1:1/hook", .created_by = "usr_x"});
  ASSERT_TRUE(hook.ok());
  const std::vector<std::string> planted = {"LATERxAPIxKEYx22", hook->secret};
  for (const auto& s : planted) GlobalRedactor().Remove(s);
  ASSERT_FALSE(GlobalRedactor().Contains("LATERxAPIxKEYx22"));

  auto learned = n2->vault().Learn();
  ASSERT_TRUE(learned.ok()) << learned.error().ToString();
  EXPECT_GE(*learned, 2);
  for (const auto& s : planted) EXPECT_TRUE(GlobalRedactor().ContainsFor(org, s)) << s;
  // Each value is opened once: the next scan has nothing new.
  EXPECT_EQ(*n2->vault().Learn(), 0);

  // A Basic connection's password and its Authorization header value (what an upstream echoing
  // the header would show), not its user name, as SecretValuesOf registers them where it is used.
  ASSERT_TRUE(n1->catalog().CreateCustom(org, R"(id: staff
name: Staff
auth: basic
base_url: http://127.0.0.1:1
allowed_hosts: ['http://127.0.0.1:1']
)", "usr_x").ok());
  ASSERT_TRUE(n1->connections().Create({.org_id = org, .display_name = "Staff", .link_name = "staff",
                                        .service_id = "staff"}).ok());
  ASSERT_TRUE(n1->connections().SetCredentials(org, "sandbox", "staff", "",
                                               {{"username", "ann.account"},
                                                {"password", "BASICxPASSWORDx9"}}).ok());
  const std::string header = Base64Encode("ann.account:BASICxPASSWORDx9");
  for (const auto& s : {std::string("BASICxPASSWORDx9"), header}) GlobalRedactor().Remove(s);
  ASSERT_TRUE(n2->vault().Learn().ok());
  EXPECT_TRUE(GlobalRedactor().ContainsFor(org, "BASICxPASSWORDx9"));
  EXPECT_TRUE(GlobalRedactor().ContainsFor(org, header));
  EXPECT_FALSE(GlobalRedactor().ContainsFor(org, "ann.account"));
}

// ---- Background work ----

// Audit rows of one organization written by two nodes at once: every call gets its own seq.
TEST_F(NodesTest, TwoNodesAuditingOneOrganizationNumberEveryCallOnce) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  std::string org = Connected(*n1, "Acme", "AUDITxKEYx1234");
  constexpr int kCalls = 12;
  auto calls = [&](Runtime& node) {
    for (int i = 0; i < kCalls; ++i) {
      // Nothing listens on port 1: each call fails at once, and is audited.
      (void)node.connections().Call({.org_id = org, .environment = "sandbox", .origin = "test"},
                                    "weather", {.method = "GET", .url = "/now"},
                                    connections::RetryMode::kOff);
      if (i % 4 == 3) node.Flush();  // several batches from each node, interleaved
    }
    node.Flush();
  };
  std::thread a([&] { calls(*n1); });
  std::thread b([&] { calls(*n2); });
  a.join();
  b.join();
  auto audit = n1->connections().Audit(org, connections::AuditFilter{.limit = 100});
  ASSERT_TRUE(audit.ok()) << audit.error().ToString();
  ASSERT_EQ(audit->size(), 2u * kCalls);
  std::set<std::string> ids;
  for (const auto& e : *audit) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 2u * kCalls);
}

// Nodes started together on an empty database (a deployment brought up at once): every one
// starts; the migrations, the vault's first key and the first administrator are made once.
TEST_F(NodesTest, NodesOpeningAnEmptyDatabaseAtOnceAllStart) {
  // The key every node is given, as docs/deployment.md says (no key file to race on).
  ::setenv("RELISH_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
  std::promise<void> go;
  std::shared_future<void> started(go.get_future());
  Result<std::unique_ptr<Runtime>> nodes[3] = {Internal("not run"), Internal("not run"),
                                                Internal("not run")};
  std::vector<std::thread> threads;
  for (auto& n : nodes) {
    threads.emplace_back([&] {
      started.wait();
      n = Runtime::Open(config_, {.public_url = "http://127.0.0.1:1", .clock = &clock_});
    });
  }
  go.set_value();
  for (auto& t : threads) t.join();
  ::unsetenv("RELISH_MASTER_KEY");
  for (auto& n : nodes) ASSERT_TRUE(n.ok()) << n.error().ToString();
  auto users = (*nodes[0])->identity().ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(users->front().role, identity::Role::kAdmin);
  auto orgs = (*nodes[2])->identity().ListOrgs();
  ASSERT_TRUE(orgs.ok());
  EXPECT_EQ(orgs->size(), 1u);
}

TEST_F(NodesTest, TwoNodesStartingAtOnceQueueOneProbeSweep) {
  config_.probe_interval = Millis(60'000);
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  std::promise<void> go;
  std::shared_future<void> started(go.get_future());
  Result<void> r1 = Ok(), r2 = Ok();
  std::thread a([&] { started.wait(); r1 = n1->probes().EnsureScheduled(); });
  std::thread b([&] { started.wait(); r2 = n2->probes().EnsureScheduled(); });
  go.set_value();
  a.join();
  b.join();
  ASSERT_TRUE(r1.ok() && r2.ok());
  ASSERT_TRUE(n1->probes().EnsureScheduled().ok());  // a restart later: still one
  auto count = store::Transact(n1->store(), store::TxMode::kRead, [&](store::Transaction& tx) {
    return n1->jobs().CountKind(tx, webhooks::kProbeSweepJobKind);
  });
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
}

// A chain of jobs (each run enqueues the next: the probes' sweep, a webhook's next attempt) run
// twice because a slow node's lease ran out must not become two chains.
TEST_F(NodesTest, AJobRunTwiceAfterItsLeaseRanOutEnqueuesItsFollowUpsOnce) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  constexpr std::string_view kKind = "test_chain";
  std::promise<void> entered, release;
  std::shared_future<void> released(release.get_future());
  auto next = [&](const workflow::Job&) {
    workflow::JobOutcome out;
    out.followups.push_back({.kind = std::string(kKind), .run_at = clock_.NowMillis() + 3'600'000});
    return out;
  };
  n1->engine().AddJobKind(std::string(kKind), [&](const workflow::Job& job) {
    entered.set_value();
    released.wait();  // node 1 stalls (a long GC pause, a stopped VM) while its lease runs out
    return next(job);
  });
  n2->engine().AddJobKind(std::string(kKind), next);
  ASSERT_TRUE(store::Transact(n1->store(), store::TxMode::kWrite, [&](store::Transaction& tx) {
                return n1->jobs().Enqueue(tx, {.kind = std::string(kKind)});
              }).ok());

  std::future<Result<int>> slow = std::async(std::launch::async, [&] { return n1->engine().RunDue(); });
  entered.get_future().wait();
  clock_.Advance(config_.workflow_lease + Millis(1));
  auto fast = n2->engine().RunDue();  // takes the expired lease and runs the job
  ASSERT_TRUE(fast.ok()) << fast.error().ToString();
  EXPECT_EQ(*fast, 1);
  release.set_value();
  ASSERT_TRUE(slow.get().ok());

  auto count = store::Transact(n1->store(), store::TxMode::kRead, [&](store::Transaction& tx) {
    return n1->jobs().CountKind(tx, kKind);
  });
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);  // node 2's follow-up only
}

TEST_F(NodesTest, TwoNodesPurgingTheRunLogDeleteEachOldRunOnce) {
  auto n1 = Node(), n2 = Node();
  ASSERT_TRUE(n1 && n2);
  ASSERT_TRUE(store::Transact(n1->store(), store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
                // Run ids begin with their start time, which Purge goes by.
                auto id = [](int64_t at, int i) {
                  char text[40];
                  std::snprintf(text, sizeof text, "run_%012llx%04d", static_cast<unsigned long long>(at), i);
                  return std::string(text);
                };
                int64_t old = clock_.NowMillis() - 10'000;
                for (int i = 0; i < 3; ++i) {
                  workflow::Run run{.id = id(old, i), .job_id = "job_x", .org_id = "org_a",
                                    .environment = "sandbox", .action = "function",
                                    .started_at = old, .ended_at = old};
                  TRY(n1->runs().Insert(tx, run));
                }
                workflow::Run fresh{.id = id(clock_.NowMillis(), 9), .job_id = "job_y", .org_id = "org_a",
                                    .environment = "sandbox", .action = "function",
                                    .started_at = clock_.NowMillis(), .ended_at = clock_.NowMillis()};
                return n1->runs().Insert(tx, fresh);
              }).ok());
  Result<int64_t> p1 = 0, p2 = 0;
  std::thread a([&] { p1 = n1->runs().Purge(clock_.NowMillis() - 1'000); });
  std::thread b([&] { p2 = n2->runs().Purge(clock_.NowMillis() - 1'000); });
  a.join();
  b.join();
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_EQ(*p1 + *p2, 3);
}

}  // namespace
}  // namespace relish::app
