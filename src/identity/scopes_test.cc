#include "identity/scopes.h"

#include <gtest/gtest.h>

namespace relish::identity {
namespace {

std::string Describe(std::string_view s) {
  auto p = ParseScope(s);
  return p.ok() ? DescribeScope(*p) : p.error().message();
}

TEST(Scopes, ParseKnownAndUnknown) {
  EXPECT_TRUE(ParseScope("ZohoBigin.modules.ALL").ok());
  EXPECT_TRUE(ParseScope("zohobigin.modules.contacts.read").ok());
  EXPECT_TRUE(ParseScope("ZohoBigin.settings.fields.READ").ok());
  EXPECT_TRUE(ParseScope("ZohoBigin.org.READ").ok());
  EXPECT_TRUE(ParseScope("ZohoSearch.securesearch.READ").ok());
  for (std::string_view bad :
       {"ZohoBigin.modules", "ZohoBigin.modules.contacts.FLY", "ZohoCRM.modules.ALL",
        "ZohoBigin.users.x.READ", "ZohoBigin.modules.1x.READ", "openid"}) {
    EXPECT_EQ(ParseScope(bad).error(), InvalidArgument("unknown scope '" + std::string(bad) + "'"));
  }
}

TEST(Scopes, ListsSplitOnCommasAndSpaces) {
  auto l = ParseScopeList("ZohoBigin.modules.ALL,ZohoBigin.users.ALL ZohoBigin.modules.ALL");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(*l, (std::vector<std::string>{"ZohoBigin.modules.ALL", "ZohoBigin.users.ALL"}));
  EXPECT_TRUE(ParseScopeList("")->empty());
  EXPECT_FALSE(ParseScopeList("ZohoBigin.modules.ALL,nope").ok());
}

TEST(Scopes, CoverageAndChecks) {
  std::vector<std::string> all = {"ZohoBigin.modules.ALL"};
  EXPECT_TRUE(CoversAll(all, {"ZohoBigin.modules.contacts.READ", "ZohoBigin.modules.DELETE"}));
  EXPECT_FALSE(CoversAll(all, {"ZohoBigin.users.READ"}));
  EXPECT_FALSE(CoversAll({"ZohoBigin.modules.contacts.ALL"}, {"ZohoBigin.modules.READ"}));
  EXPECT_TRUE(CoversAll({"ZohoBigin.modules.companies.ALL"}, {"ZohoBigin.modules.accounts.READ"}));

  std::vector<std::string> read_contacts = {"ZohoBigin.modules.contacts.READ"};
  EXPECT_TRUE(AllowsModule(read_contacts, "Contacts", kScopeRead));
  EXPECT_FALSE(AllowsModule(read_contacts, "Contacts", kScopeCreate));
  EXPECT_FALSE(AllowsModule(read_contacts, "Accounts", kScopeRead));
  std::vector<std::string> write = {"ZohoBigin.modules.WRITE"};
  EXPECT_TRUE(AllowsModule(write, "Pipelines", kScopeCreate));
  EXPECT_TRUE(AllowsModule(write, "Pipelines", kScopeUpdate));
  EXPECT_FALSE(AllowsModule(write, "Pipelines", kScopeDelete));
  EXPECT_TRUE(AllowsModule({"ZohoBigin.modules.deals.DELETE"}, "Pipelines", kScopeDelete));
  EXPECT_TRUE(AllowsArea({"ZohoBigin.settings.READ"}, ScopeArea::kSettings, "fields", kScopeRead));
  EXPECT_TRUE(
      AllowsArea({"ZohoBigin.settings.fields.READ"}, ScopeArea::kSettings, "fields", kScopeRead));
  EXPECT_FALSE(
      AllowsArea({"ZohoBigin.settings.fields.READ"}, ScopeArea::kSettings, "modules", kScopeRead));
  EXPECT_TRUE(AllowsArea({"ZohoBigin.users.ALL"}, ScopeArea::kUsers, "", kScopeRead));
  EXPECT_FALSE(AllowsArea(all, ScopeArea::kUsers, "", kScopeRead));
}

TEST(Scopes, DescribedInWords) {
  EXPECT_EQ(Describe("ZohoBigin.modules.ALL"),
            "Read, create, update and delete records in every module");
  EXPECT_EQ(Describe("ZohoBigin.modules.contacts.READ"), "Read records in the contacts module");
  EXPECT_EQ(Describe("ZohoBigin.modules.WRITE"), "Create and update records in every module");
  EXPECT_EQ(Describe("ZohoBigin.settings.READ"), "Read the CRM's settings (modules and fields)");
  EXPECT_EQ(Describe("ZohoBigin.users.ALL"),
            "Read, create, update and delete the organization's users");
  EXPECT_EQ(Describe("ZohoSearch.securesearch.READ"), "Search records you can read");
}

}  // namespace
}  // namespace relish::identity
