// Connection events: every state change is stored once, with the provider's reason and no secret.
#include "connections/connections_impl.h"
#include "connections/test_fixture.h"

namespace relish::connections {
namespace {

std::vector<std::string> Types(const std::vector<ConnectionEvent>& events) {
  std::vector<std::string> out;
  for (auto it = events.rbegin(); it != events.rend(); ++it) out.push_back(it->type);
  return out;
}

TEST_F(ConnectionsTest, EveryStateChangeIsAnEventWithTheProvidersReason) {
  std::vector<std::string> observed;
  connections_->OnEvent([&](store::Transaction&, const ConnectionEvent& e) -> Result<void> {
    observed.push_back(e.type);
    return Ok();
  });
  std::string link = Authorized();
  // Authorizing again is a re-authorization.
  auto begin = connections_->BeginAuthorization("org1", "sandbox", link, "usr_1", "");
  ASSERT_TRUE(begin.ok());
  provider_.next_access = "access-2";
  provider_.valid_tokens.push_back("access-2");
  ASSERT_TRUE(connections_->CompleteAuthorization({{"state", begin->state}, {"code", "c2"}}, "usr_1").ok());

  clock_.Advance(Millis(2 * 3600 * 1000));
  provider_.token_status = 400;
  provider_.token_body_override =
      R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})";
  EXPECT_FALSE(Get(link).ok());
  ASSERT_TRUE(connections_->Revoke("org1", "sandbox", link, "usr_1").ok());
  ASSERT_TRUE(connections_->Delete("org1", "sandbox", link).ok());

  auto events = *connections_->Events("org1", {.environment = "sandbox"});
  EXPECT_EQ(Types(events),
            (std::vector<std::string>{"created", "authorized", "reauthorized", "refresh_failed",
                                      "needs_reauth", "revoked", "deleted"}));
  EXPECT_EQ(observed, Types(events));
  const ConnectionEvent& failed = events[3];
  EXPECT_EQ(failed.type, "refresh_failed");
  EXPECT_EQ(failed.link_name, link);
  EXPECT_EQ(failed.service_id, "acme");
  EXPECT_EQ(failed.status, "needs_reauth");
  EXPECT_EQ(failed.error, "invalid_grant");
  EXPECT_EQ(failed.error_description, "Token has been expired or revoked.");
  EXPECT_EQ(failed.reason,
            "the provider refused: invalid_grant (Token has been expired or revoked.)");
  EXPECT_EQ(events[6].actor, "usr_1");  // created
  EXPECT_EQ(events.back().status, "pending");

  // No token, refresh token or client secret in any event.
  for (const auto& e : events) {
    for (const std::string* field : {&e.reason, &e.error, &e.error_description, &e.status}) {
      for (const char* secret : {"access-1", "access-2", "refresh-1", "client-secret-1"}) {
        EXPECT_EQ(field->find(secret), std::string::npos) << e.type << ": " << *field;
      }
    }
  }

  // Filters and pages.
  auto only = *connections_->Events("org1", {.type = "refresh_failed"});
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].id, failed.id);
  auto page = *connections_->Events("org1", {.limit = 2});
  ASSERT_EQ(page.size(), 2u);
  auto next = *connections_->Events("org1", {.before = page.back().id, .limit = 2});
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].id, events[2].id);
  EXPECT_TRUE(connections_->Events("org1", {.link_name = "other"})->empty());
  EXPECT_TRUE(connections_->Events("org1", {.environment = "production"})->empty());
  // Another organization sees none of them.
  EXPECT_TRUE(connections_->Events("org2", {})->empty());
}

TEST_F(ConnectionsTest, ATransientRefreshFailureIsAnEventButNotNeedsReauth) {
  std::string link = Authorized();
  clock_.Advance(Millis(2 * 3600 * 1000));
  provider_.token_status = 503;
  provider_.token_body_override = R"({"error":"temporarily_unavailable"})";
  EXPECT_FALSE(Get(link).ok());
  auto events = *connections_->Events("org1", {});
  EXPECT_EQ(Types(events), (std::vector<std::string>{"created", "authorized", "refresh_failed"}));
  EXPECT_EQ(events[0].status, "connected");
  EXPECT_EQ(events[0].error, "temporarily_unavailable");
}

TEST_F(ConnectionsTest, APolicyChangeIsAnEventPerLiveConnection) {
  std::string link = Authorized();
  (void)link;
  auto custom = catalog_->CreateCustom("org1", R"(id: mine
name: Mine
auth: api_key
base_url: https://api.mine.test
allowed_hosts: [api.mine.test]
api_key: {in: header, fields: [{name: X-Key, label: Key}]}
)", "usr_1");
  ASSERT_TRUE(custom.ok()) << custom.error().message();
  auto c = connections_->Create({.org_id = "org1", .display_name = "Mine", .service_id = "mine",
                                 .created_by = "usr_1"});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(connections_->SetCredentials("org1", "sandbox", "mine", "usr_1",
                                           {{"X-Key", "PLANTED-key-9"}}).ok());
  auto changed = catalog_->UpdateCustom({.user_id = "usr_2", .admin = true}, "org1", "mine",
                                        R"(id: mine
name: Mine
auth: api_key
base_url: https://api2.mine.test
allowed_hosts: [api2.mine.test]
api_key: {in: header, fields: [{name: X-Key, label: Key}]}
)");
  ASSERT_TRUE(changed.ok()) << changed.error().message();
  auto events = *connections_->Events("org1", {.link_name = "mine"});
  EXPECT_EQ(Types(events),
            (std::vector<std::string>{"created", "authorized", "policy_changed"}));
  EXPECT_EQ(events[0].actor, "usr_2");
  EXPECT_EQ(events[0].status, "needs_reauth");
  EXPECT_EQ(events[0].reason.find("PLANTED"), std::string::npos);
}

TEST(ProviderRefusal, TakesTheCodeAndTheDescription) {
  ConnectionEvent e;
  ProviderRefusal(PermissionDenied("exchanging the authorization code: the provider refused: "
                                   "invalid_grant (a (nested) note)"),
                  e);
  EXPECT_EQ(e.error, "invalid_grant");
  EXPECT_EQ(e.error_description, "a (nested) note");
  ConnectionEvent plain;
  ProviderRefusal(Unavailable("token endpoint x is unreachable: refused"), plain);
  EXPECT_EQ(plain.error, "");
  ConnectionEvent bare;
  ProviderRefusal(PermissionDenied("the provider refused: invalid_client"), bare);
  EXPECT_EQ(bare.error, "invalid_client");
  EXPECT_EQ(bare.error_description, "");
}

}  // namespace
}  // namespace relish::connections
