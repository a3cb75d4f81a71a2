// OAuth clients per organization and environment (issue 20): sandbox and production each have
// their own app, falling back to the organization's for every environment, never crossing
// organizations.
#include <gtest/gtest.h>

#include "connections/test_fixture.h"

namespace relish::connections {
namespace {

class ClientsTest : public ConnectionsTest {
 protected:
  // The client id an authorization of `org`'s connection in `env` sends the browser with.
  std::string AuthorizingClient(const std::string& org, const std::string& env) {
    auto begin = connections_->BeginAuthorization(org, env, "acme", "usr_1", "");
    EXPECT_TRUE(begin.ok()) << begin.error().message();
    if (!begin.ok()) return "";
    auto at = begin->authorize_url.find("client_id=");
    auto end = begin->authorize_url.find('&', at);
    return begin->authorize_url.substr(at + 10, end - at - 10);
  }
  void Make(const std::string& org, const std::string& env) {
    auto c = connections_->Create({.org_id = org, .environment = env, .display_name = "Acme",
                                   .service_id = "acme", .created_by = "usr_1"});
    ASSERT_TRUE(c.ok()) << c.error().message();
  }
};

TEST_F(ClientsTest, EachEnvironmentUsesItsOwnClientElseTheOrganizations) {
  // org1: the fixture's client for every environment, and one for production only.
  ASSERT_TRUE(connections_->SetClient("org1", "acme", "client-prod", "secret-prod", "production").ok());
  ASSERT_TRUE(connections_->SetClient("org2", "acme", "client-org2", "secret-org2").ok());
  for (const char* org : {"org1", "org2"}) {
    for (const char* env : {"sandbox", "production"}) Make(org, env);
  }
  EXPECT_EQ(AuthorizingClient("org1", "sandbox"), "client-1");
  EXPECT_EQ(AuthorizingClient("org1", "production"), "client-prod");
  EXPECT_EQ(AuthorizingClient("org2", "sandbox"), "client-org2");
  EXPECT_EQ(AuthorizingClient("org2", "production"), "client-org2");

  auto info = connections_->GetClient("org1", "acme", "production");
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->client_id, "client-prod");
  EXPECT_EQ((*info)->environment, "production");
  EXPECT_TRUE((*info)->client_secret_set);
  info = connections_->GetClient("org1", "acme", "sandbox");
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->client_id, "client-1");
  EXPECT_EQ((*info)->environment, "");
  info = connections_->GetClient("org2", "acme", "production");
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->client_id, "client-org2");

  // The code exchange of org1's production connection sends the production app's secret.
  auto begin = connections_->BeginAuthorization("org1", "production", "acme", "usr_1", "");
  ASSERT_TRUE(begin.ok());
  auto done = connections_->CompleteAuthorization({{"state", begin->state}, {"code", "c"}}, "usr_1");
  ASSERT_TRUE(done.ok()) << done.error().message();
  EXPECT_EQ(provider_.token_forms.back()["client_id"], "client-prod");
  EXPECT_EQ(provider_.token_forms.back()["client_secret"], "secret-prod");

  // A sandbox client for org1 leaves production's as it was.
  ASSERT_TRUE(connections_->SetClient("org1", "acme", "client-sbx", "secret-sbx", "sandbox").ok());
  EXPECT_EQ(AuthorizingClient("org1", "sandbox"), "client-sbx");
  EXPECT_EQ(AuthorizingClient("org1", "production"), "client-prod");
  EXPECT_EQ(AuthorizingClient("org2", "sandbox"), "client-org2");
}

TEST_F(ClientsTest, AnUnknownEnvironmentIsRefused) {
  auto bad = connections_->SetClient("org1", "acme", "x", "y", "staging");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "environment must be sandbox or production, got 'staging'");
  auto wide = connections_->SetClient(std::string(kAnyOrg), "acme", "x", "y", "production");
  ASSERT_FALSE(wide.ok());
}

}  // namespace
}  // namespace relish::connections
