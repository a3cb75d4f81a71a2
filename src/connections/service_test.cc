#include "connections/service.h"

#include <gtest/gtest.h>

#include "connections/catalog.h"
#include "store/sqlite/sqlite_store.h"

namespace relish::connections {
namespace {

// Every default service in services/ loads and passes validation.
TEST(CatalogTest, EveryDefaultServiceLoads) {
  auto store = std::move(*store::OpenSqlite({.path = ":memory:"}));
  ASSERT_TRUE(store->Migrate(Catalog::Migrations()).ok());
  FakeClock clock;
  Catalog catalog(*store, clock);
  auto r = catalog.LoadDefaults();
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto all = catalog.List();
  ASSERT_TRUE(all.ok());
  EXPECT_GE(all->size(), 60u);
  for (const char* id : {"zoho_books", "zoho_crm", "bigin", "google", "microsoft_graph", "slack",
                         "github", "salesforce", "hubspot", "stripe", "shopify", "mailchimp",
                         "dropbox", "quickbooks", "xero", "twilio", "sendgrid", "zendesk", "jira",
                         "notion", "asana", "trello", "zoom", "docusign", "intercom", "airtable",
                         "calendly", "paypal"}) {
    EXPECT_TRUE(catalog.Get(id).ok()) << id;
  }
  auto books = *catalog.Get("zoho_books");
  EXPECT_EQ(books->auth, AuthScheme::kOAuth2);
  EXPECT_EQ(books->inject.prefix, "Zoho-oauthtoken");
  EXPECT_EQ(books->oauth2->scope_delimiter, ",");
  auto values = *ResolveParameters(*books, {}, "http://127.0.0.1:8080");
  EXPECT_EQ(*Expand(books->oauth2->token_url, values), "https://accounts.zoho.com/oauth/v2/token");
  EXPECT_TRUE(*HostAllowed(*books, values, "books.zoho.com"));
  EXPECT_FALSE(*HostAllowed(*books, values, "books.zoho.com.evil.com"));
}

constexpr std::string_view kGood = R"(id: acme
name: Acme
auth: oauth2
parameters:
  shop:
    label: Shop
    pattern: '^[a-z0-9][a-z0-9-]{0,30}$'
base_url: https://{shop}.acme.test/api
allowed_hosts: ['{shop}.acme.test']
oauth2:
  authorize_url: https://login.acme.test/authorize
  token_url: https://login.acme.test/token
  scopes: [read, write]
  default_scopes: [read]
)";

std::string Error(std::string_view yaml) {
  auto r = ParseService(yaml, "acme.yaml");
  return r.ok() ? "ok" : r.error().message();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(ServiceTest, ParsesAGoodDefinition) {
  auto s = ParseService(kGood, "acme.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->inject.header, "Authorization");
  EXPECT_EQ(s->inject.prefix, "Bearer");
  EXPECT_TRUE(s->oauth2->pkce);
  EXPECT_EQ(s->oauth2->client_auth, ClientAuth::kBasic);
  EXPECT_EQ(s->oauth2->refresh_url, "https://login.acme.test/token");
  auto values = ResolveParameters(*s, {{"shop", "my-shop"}}, "http://x");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*Expand(s->base_url, *values), "https://my-shop.acme.test/api");
}

TEST(ServiceTest, ErrorsNameTheLineAndTheField) {
  std::string g(kGood);
  EXPECT_EQ(Error(Replace(g, "auth: oauth2", "auth: magic")),
            "acme.yaml:3: 'auth' must be one of oauth2, oauth2_client_credentials, oauth1, "
            "api_key, basic, bearer, none; got 'magic'");
  EXPECT_EQ(Error(Replace(g, "  scopes: [read, write]", "  scopes: [read, write]\n  scope: x")),
            "acme.yaml:14: unknown key 'oauth2.scope'");
  EXPECT_EQ(Error(Replace(g, "'^[a-z0-9][a-z0-9-]{0,30}$'", "'[a-z.]+'")),
            "acme.yaml:7: parameter 'shop': pattern must be anchored (^...$)");
  EXPECT_EQ(Error(Replace(g, "'^[a-z0-9][a-z0-9-]{0,30}$'", "'^[a-z.]+$'")),
            "acme.yaml:9: parameter 'shop' is used in a host, so its pattern must refuse values "
            "like 'evil.com'");
  EXPECT_EQ(Error(Replace(g, "https://{shop}.acme.test/api", "https://{store}.acme.test/api")),
            "acme.yaml:8: 'base_url': '{store}' in 'https://{store}.acme.test/api' is not a "
            "declared parameter");
  EXPECT_EQ(Error(Replace(g, "https://{shop}.acme.test/api", "https://api.other.test/")),
            "acme.yaml:8: 'base_url' host api.other.test is not in allowed_hosts");
  EXPECT_EQ(Error(Replace(g, "https://login.acme.test/token", "http://login.acme.test/token")),
            "acme.yaml:12: 'oauth2.token_url' must be an https URL");
  EXPECT_EQ(Error(Replace(g, "default_scopes: [read]", "default_scopes: [admin]")),
            "acme.yaml:14: default scope 'admin' is not in 'oauth2.scopes'");
  EXPECT_EQ(Error(Replace(g, "id: acme", "id: Acme")),
            "acme.yaml:1: 'id' must start with a lowercase letter and hold only a-z, 0-9 and _, "
            "at most 50 characters");
  EXPECT_EQ(Error("id: [unclosed"), "acme.yaml:1: end of sequence flow not found");
}

TEST(ServiceTest, ParameterValuesAreCheckedAgainstPatterns) {
  auto s = *ParseService(kGood, "acme.yaml");
  EXPECT_EQ(ResolveParameters(s, {{"shop", "evil.com/x"}}, "").error().message(),
            "parameter 'shop' value 'evil.com/x' does not match ^[a-z0-9][a-z0-9-]{0,30}$");
  EXPECT_EQ(ResolveParameters(s, {}, "").error().message(),
            "service acme needs the parameter 'shop' (Shop)");
  EXPECT_EQ(ResolveParameters(s, {{"shop", "a"}, {"region", "eu"}}, "").error().message(),
            "service acme has no parameter 'region'");
}

TEST(ServiceTest, ApiKeyAndWildcards) {
  auto s = ParseService(R"(id: keyed
name: Keyed
auth: api_key
base_url: https://api.keyed.test/v1
allowed_hosts: ['*.keyed.test']
api_key:
  in: header
  fields:
    - name: X-API-Key
      label: API key
headers:
  Keyed-Version: '2024-01-01'
test:
  url: https://api.keyed.test/v1/me
  expect_status: 200
)",
                        "keyed.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->api_key->fields[0].name, "X-API-Key");
  EXPECT_EQ(s->headers[0].second, "2024-01-01");
  Values v;
  EXPECT_TRUE(*HostAllowed(*s, v, "api.keyed.test"));
  EXPECT_TRUE(*HostAllowed(*s, v, "EU.Keyed.Test"));
  EXPECT_FALSE(*HostAllowed(*s, v, "keyed.test"));
  EXPECT_FALSE(*HostAllowed(*s, v, "api.keyed.test.evil.com"));
  EXPECT_EQ(Error("id: x\nname: X\nauth: api_key\nbase_url: https://a.test\nallowed_hosts: [a.test]\n"),
            "acme.yaml:1: 'api_key' is required for auth api_key");
}

TEST(ServiceTest, CustomServicesCannotShadowDefaults) {
  auto store = std::move(*store::OpenSqlite({.path = ":memory:"}));
  ASSERT_TRUE(store->Migrate(Catalog::Migrations()).ok());
  ASSERT_TRUE(store::Transact(*store, store::TxMode::kWrite, [](store::Transaction& tx) -> Result<void> {
                TRY(tx.ExecScript("CREATE TABLE connections (service_id TEXT)"));
                return Ok();
              }).ok());
  FakeClock clock;
  Catalog catalog(*store, clock);
  std::string with_docs = std::string(kGood) + "docs: https://acme.test/docs\n";
  auto loaded = catalog.LoadDefaults({{"/acme.yaml", with_docs}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  std::string custom = Replace(std::string(kGood), "id: acme", "id: acme2");
  EXPECT_EQ(catalog.CreateCustom(kGood, "usr_1").error().message(),
            "'acme' is a default service; choose another id");
  ASSERT_TRUE(catalog.CreateCustom(custom, "usr_1").ok());
  EXPECT_EQ(catalog.CreateCustom(custom, "usr_1").error().message(),
            "a custom service 'acme2' already exists");
  EXPECT_EQ((*catalog.Get("acme2"))->name, "Acme");
  EXPECT_EQ(catalog.List()->size(), 2u);
  EXPECT_EQ(catalog.UpdateCustom("acme2", kGood).error().message(),
            "the definition's id 'acme' differs from 'acme2'; a service's id cannot change");
  ASSERT_TRUE(catalog.DeleteCustom("acme2").ok());
  EXPECT_EQ(catalog.Get("acme2").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(catalog.DeleteCustom("acme").error().message(),
            "'acme' is a default service and cannot be deleted");
}

}  // namespace
}  // namespace relish::connections
