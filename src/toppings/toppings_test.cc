#include "toppings/toppings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "identity/identity.h"
#include "outbound/fake_http_client.h"
#include "store/testing.h"
#include "vault/vault.h"

namespace relish::toppings {
namespace {

class FakeUsers : public crm::UserDirectory {
 public:
  Result<crm::Actor> FindMember(std::string_view, std::string_view user_id) override {
    return crm::Actor{std::string(user_id), "Ada", "ada@example.com"};
  }
};

// The example topping, read from examples/ (tests run in the source tree).
Files ExampleFiles() {
  Files files;
  namespace fs = std::filesystem;
  fs::path dir = "examples/bigin-books-sync";
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::stringstream s;
    s << in.rdbuf();
    files[fs::relative(entry.path(), dir).generic_string()] = s.str();
  }
  return files;
}

class ToppingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_);
    std::vector<store::Migration> m = vault::Vault::Migrations();
    // The catalog's second migration reads identity's and connections' tables.
    for (auto list : {identity::Identity::Migrations(), crm::Crm::Migrations(),
                      connections::Connections::Migrations(), connections::Catalog::Migrations(),
                      workflow::Repository::Migrations(), Toppings::Migrations()}) {
      for (auto& x : list) m.push_back(x);
    }
    ASSERT_TRUE(store_->Migrate(m).ok());
    vault_ = std::move(*vault::Vault::Open(*store_, {vault::MakeMasterKey(random_)}, clock_, random_));
    catalog_ = std::make_unique<connections::Catalog>(*store_, clock_);
    ASSERT_TRUE(catalog_->LoadDefaults().ok());
    connections_ = std::make_unique<connections::Connections>(
        *store_, *vault_, *catalog_, http_, http_, clock_, random_,
        connections::ConnectionsOptions{.public_url = "http://relish.test"});
    crm_ = std::make_unique<crm::Crm>(*store_, clock_, random_, users_);
    repo_ = std::make_unique<workflow::Repository>(*store_, *crm_, clock_, random_);
    toppings_ = std::make_unique<Toppings>(*store_, *crm_, *repo_, *catalog_, *connections_, clock_);
  }
  void TearDown() override { connections_.reset(); }

  std::string PushError(const Files& files) {
    auto t = toppings_->Push("org1", files, "usr_ada");
    return t.ok() ? "ok" : t.error().message();
  }

  FakeClock clock_;
  FakeRandom random_;
  FakeUsers users_;
  outbound::FakeHttpClient http_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<connections::Catalog> catalog_;
  std::unique_ptr<connections::Connections> connections_;
  std::unique_ptr<crm::Crm> crm_;
  std::unique_ptr<workflow::Repository> repo_;
  std::unique_ptr<Toppings> toppings_;
  crm::Space sandbox_{"org1", "sandbox"};
  crm::Space production_{"org1", "production"};
};

TEST_F(ToppingsTest, PushingTheExampleInstallsItInTheSandbox) {
  auto t = toppings_->Push("org1", ExampleFiles(), "usr_ada");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->ns, "biginandbooksconnectionnew");
  EXPECT_EQ(t->environment, "sandbox");
  EXPECT_EQ(t->functions, std::vector<std::string>{"sync_contact_to_books"});
  EXPECT_EQ(t->rules, std::vector<std::string>{"Sync contacts to Books"});
  ASSERT_EQ(t->connections.size(), 2u);
  EXPECT_EQ(t->connections[0].link_name, "biginandbooksconnectionnew__biginconnection");
  EXPECT_EQ(t->connections[0].status, "pending");
  EXPECT_TRUE(t->connections[0].created);
  EXPECT_EQ(t->connections[1].link_name, "biginandbooksconnectionnew__booksconnection");

  auto fn = repo_->GetFunction(sandbox_, "biginandbooksconnectionnew", "sync_contact_to_books");
  ASSERT_TRUE(fn.ok()) << fn.error().message();
  EXPECT_EQ(fn->params, std::vector<std::string>{"contact"});
  EXPECT_FALSE(fn->has_header);
  auto rules = repo_->ListRules(sandbox_, {});
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].topping, "biginandbooksconnectionnew");
  auto books = connections_->Get("org1", "sandbox", "biginandbooksconnectionnew__booksconnection");
  ASSERT_TRUE(books.ok());
  EXPECT_EQ(books->service_id, "zoho_books");
  EXPECT_EQ(books->scopes, std::vector<std::string>{"ZohoBooks.fullaccess.ALL"});
  // Nothing in production until it is published.
  EXPECT_TRUE(repo_->ListRules(production_, {})->empty());
  EXPECT_EQ(toppings_->Get("org1", "production", "biginandbooksconnectionnew").error().code(),
            ErrorCode::kNotFound);
}

TEST_F(ToppingsTest, PushingAgainUpdatesAndKeepsConnections) {
  Files files = ExampleFiles();
  ASSERT_TRUE(toppings_->Push("org1", files, "usr_ada").ok());
  auto first = repo_->ListRules(sandbox_, {});
  files["topping.yaml"] += "\n  - name: Second\n    module: Contacts\n    trigger: delete\n"
                           "    conditions:\n      - actions: [{function: sync_contact_to_books}]\n";
  auto t = toppings_->Push("org1", files, "usr_ada");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_FALSE(t->connections[0].created);
  auto rules = repo_->ListRules(sandbox_, {});
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].id, (*first)[0].id);  // the same rule, updated in place
  auto conns = connections_->List("org1", "sandbox");
  ASSERT_TRUE(conns.ok());
  EXPECT_EQ(conns->size(), 2u);
}

TEST_F(ToppingsTest, ABadToppingIsRefusedWithItsLineAndChangesNothing) {
  Files files = ExampleFiles();
  std::string& yaml = files["topping.yaml"];
  yaml.replace(yaml.find("[\"Email is not empty\"]"), 22, "[\"Email before 2024\"]");
  EXPECT_EQ(PushError(files),
            "topping.yaml:32: rules[0].conditions[0].criteria[0]: 'before' does not apply to Email "
            "(text); use is, isn't, contains, doesn't contain, starts with, ends with, is any of, is "
            "none of, is empty, is not empty");
  files = ExampleFiles();
  files["topping.yaml"].replace(files["topping.yaml"].find("service: zoho_books"), 19, "service: zoho_bookz");
  EXPECT_EQ(PushError(files), "topping.yaml:17: no service 'zoho_bookz'");
  files = ExampleFiles();
  files["topping.yaml"].replace(files["topping.yaml"].find("[ZohoBooks.fullaccess.ALL]"), 26, "[Books.ALL]");
  EXPECT_EQ(PushError(files), "topping.yaml:18: service zoho_books has no scope 'Books.ALL'");
  files = ExampleFiles();
  files["topping.yaml"].replace(files["topping.yaml"].find("module: Contacts"), 16, "module: Contcts");
  EXPECT_EQ(PushError(files), "topping.yaml:28: rules[0].module: no module 'Contcts'");
  files = ExampleFiles();
  files["topping.yaml"].replace(files["topping.yaml"].find("- function: sync_contact_to_books"), 33,
                                "- function: sync_contact");
  EXPECT_EQ(PushError(files),
            "topping.yaml:34: rules[0].conditions[0].actions[0].function: no function 'sync_contact' in topping.yaml");
  // None of these left anything behind.
  EXPECT_TRUE(repo_->ListRules(sandbox_, {})->empty());
  EXPECT_TRUE(connections_->List("org1", "sandbox")->empty());
  EXPECT_TRUE(toppings_->List("org1", "sandbox")->empty());
}

// Issue 19: a push reported one problem at a time; docs/toppings.md shows them all at once, in
// reading order, and a script's error is not followed by its consequences for the rules.
TEST_F(ToppingsTest, EveryProblemIsReportedAtOnce) {
  Files files = ExampleFiles();
  std::string& yaml = files["topping.yaml"];
  yaml.replace(yaml.find("service: zoho_books"), 19, "service: zoho_bookz");
  yaml.replace(yaml.find("[ZohoBigin.modules.ALL]"), 23, "[Bigin.ALL]");
  yaml.replace(yaml.find("[\"Email is not empty\"]"), 22, "[\"Email before 2024\"]");
  yaml += "  - name: Second\n    module: Contcts\n    trigger: create\n    conditions:\n"
          "      - actions:\n          - function: sync_contact\n";
  files["functions/stray.dg"] = "info 1;";
  EXPECT_EQ(PushError(files),
            "topping.yaml:13: service bigin has no scope 'Bigin.ALL'\n"
            "topping.yaml:17: no service 'zoho_bookz'\n"
            "topping.yaml:32: rules[0].conditions[0].criteria[0]: 'before' does not apply to Email "
            "(text); use is, isn't, contains, doesn't contain, starts with, ends with, is any of, is "
            "none of, is empty, is not empty\n"
            "topping.yaml:36: rules[1].module: no module 'Contcts'\n"
            "functions/stray.dg:1: no function in topping.yaml uses this file; add it under "
            "'functions'");
  files = ExampleFiles();
  files["functions/sync_contact_to_books.dg"] = "x = ;\n";
  files["topping.yaml"].replace(files["topping.yaml"].find("service: zoho_books"), 19,
                                "service: zoho_bookz");
  EXPECT_EQ(PushError(files),
            "topping.yaml:17: no service 'zoho_bookz'\n"
            "functions/sync_contact_to_books.dg:1: Expected a value but found ';'");
  EXPECT_TRUE(repo_->ListRules(sandbox_, {})->empty());
  EXPECT_TRUE(connections_->List("org1", "sandbox")->empty());
}

// A topping's connections use the pushing organization's custom services, never another's.
TEST_F(ToppingsTest, AnotherOrganizationsCustomServiceIsUnknown) {
  const std::string my_books = R"(id: my_books
name: My Books
auth: oauth2
base_url: https://books.example.test/api/v3
allowed_hosts: [books.example.test]
token_hosts: [accounts.example.test]
oauth2:
  authorize_url: https://accounts.example.test/oauth/v2/auth
  token_url: https://accounts.example.test/oauth/v2/token
  scopes: [ZohoBooks.fullaccess.ALL]
)";
  ASSERT_TRUE(catalog_->CreateCustom("org2", my_books, "usr_bob").ok());
  Files files = ExampleFiles();
  files["topping.yaml"].replace(files["topping.yaml"].find("service: zoho_books"), 19,
                                "service: my_books");
  EXPECT_EQ(PushError(files), "topping.yaml:17: no service 'my_books'");
  EXPECT_TRUE(connections_->List("org1", "sandbox")->empty());
  ASSERT_TRUE(catalog_->CreateCustom("org1", my_books, "usr_ada").ok());
  EXPECT_EQ(PushError(files), "ok");
  auto books = connections_->Get("org1", "sandbox", "biginandbooksconnectionnew__booksconnection");
  ASSERT_TRUE(books.ok());
  EXPECT_EQ(books->service_id, "my_books");
}

TEST_F(ToppingsTest, CustomFieldsAreAddedAndRulesMayUseThem) {
  Files files = {{"topping.yaml", R"(namespace: tagger
name: Tagger
version: 2
fields:
  - {module: Contacts, label: Books Id, type: text}
functions:
  - {name: tag, params: [contact]}
rules:
  - name: Tag
    module: Contacts
    trigger: create
    conditions:
      - criteria: ["Books_Id is empty"]
        actions: [{function: tag}]
)"},
                 {"functions/tag.dg", "info contact.get(\"Books_Id\");"}};
  auto t = toppings_->Push("org1", files, "usr_ada");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->fields_added, std::vector<std::string>{"Contacts.Books_Id"});
  auto module = crm_->GetModule(sandbox_, "Contacts");
  ASSERT_TRUE(module.ok());
  ASSERT_NE(module->FindField("Books_Id"), nullptr);
  // Again: the field is there now, nothing to add.
  t = toppings_->Push("org1", files, "usr_ada");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_TRUE(t->fields_added.empty());
  // A field of the same name but another type is refused.
  files["topping.yaml"].replace(files["topping.yaml"].find("type: text"), 10, "type: number");
  EXPECT_EQ(PushError(files), "topping.yaml:5: Contacts.Books_Id already exists as text, not integer");
}

TEST_F(ToppingsTest, PublishCopiesTheSandboxToProduction) {
  EXPECT_EQ(toppings_->Publish("org1", "biginandbooksconnectionnew", "usr_ada").error().message(),
            "no topping 'biginandbooksconnectionnew' in the sandbox; push it first");
  ASSERT_TRUE(toppings_->Push("org1", ExampleFiles(), "usr_ada").ok());
  auto t = toppings_->Publish("org1", "biginandbooksconnectionnew", "usr_ada");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->environment, "production");
  EXPECT_EQ(t->connections[1].status, "pending");  // authorized separately in production
  EXPECT_EQ(repo_->ListRules(production_, {})->size(), 1u);
  EXPECT_TRUE(repo_->GetFunction(production_, "biginandbooksconnectionnew", "sync_contact_to_books").ok());
  EXPECT_EQ(connections_->List("org1", "production")->size(), 2u);
  auto list = toppings_->List("org1", "production");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].version, "1.0.0");

  ASSERT_TRUE(toppings_->Uninstall("org1", "production", "biginandbooksconnectionnew").ok());
  EXPECT_TRUE(repo_->ListRules(production_, {})->empty());
  EXPECT_EQ(connections_->List("org1", "production")->size(), 2u);  // kept: they hold authorizations
}

// The preview says what Publish would change and changes nothing itself; it refuses what
// Publish would refuse (here production's own field of another type), with the same words.
TEST_F(ToppingsTest, PreviewOfPublishChangesNothing) {
  const std::string ns = "biginandbooksconnectionnew";
  EXPECT_EQ(toppings_->PreviewPublish("org1", ns).error().message(),
            "no topping 'biginandbooksconnectionnew' in the sandbox; push it first");
  ASSERT_TRUE(toppings_->Push("org1", ExampleFiles(), "usr_ada").ok());
  auto p = toppings_->PreviewPublish("org1", ns);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->version, "1.0.0");
  EXPECT_EQ(p->production_version, "");
  EXPECT_EQ(p->functions.added, std::vector<std::string>{"sync_contact_to_books"});
  EXPECT_EQ(p->rules.added, std::vector<std::string>{"Sync contacts to Books"});
  ASSERT_EQ(p->connections_to_create.size(), 2u);
  EXPECT_EQ(p->connections_to_create[0].link_name, ns + "__biginconnection");
  EXPECT_EQ(p->connections_to_authorize.size(), 2u);
  EXPECT_TRUE(connections_->List("org1", "production")->empty());
  EXPECT_TRUE(repo_->ListRules(production_, {})->empty());
  EXPECT_FALSE(toppings_->Get("org1", "production", ns).ok());
  // The sandbox's topping in another organization is not there.
  EXPECT_EQ(toppings_->PreviewPublish("org2", ns).error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(toppings_->Publish("org1", ns, "usr_ada").ok());
  p = toppings_->PreviewPublish("org1", ns);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->production_version, "1.0.0");
  EXPECT_TRUE(p->functions.added.empty() && p->functions.changed.empty() &&
              p->functions.removed.empty());
  EXPECT_TRUE(p->rules.added.empty() && p->rules.changed.empty() && p->rules.removed.empty());
  EXPECT_TRUE(p->connections_to_create.empty());
  EXPECT_EQ(p->connections_to_authorize.size(), 2u);  // still pending in production

  Files files = ExampleFiles();
  files["functions/sync_contact_to_books.dg"] += "\ninfo \"changed\";\n";
  files["topping.yaml"].replace(files["topping.yaml"].find("repeat: true"), 12, "repeat: false");
  ASSERT_TRUE(toppings_->Push("org1", files, "usr_ada").ok());
  p = toppings_->PreviewPublish("org1", ns);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->functions.changed, std::vector<std::string>{"sync_contact_to_books"});
  EXPECT_EQ(p->rules.changed, std::vector<std::string>{"Sync contacts to Books"});

  files["topping.yaml"] += "fields:\n  - {module: Contacts, label: Books Id, type: text}\n";
  ASSERT_TRUE(toppings_->Push("org1", files, "usr_ada").ok());
  crm::NewField number;
  number.api_name = "Books_Id";
  number.label = "Books Id";
  number.type = crm::FieldType::kNumber;
  ASSERT_TRUE(crm_->AddField(production_, "Contacts", number).ok());
  EXPECT_EQ(toppings_->PreviewPublish("org1", ns).error().message(),
            "topping.yaml:36: Contacts.Books_Id already exists as integer, not text");
}

}  // namespace
}  // namespace relish::toppings
