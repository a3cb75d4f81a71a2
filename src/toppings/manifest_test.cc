#include "toppings/manifest.h"

#include <gtest/gtest.h>

namespace relish::toppings {
namespace {

constexpr const char* kMinimal = R"(namespace: acme
name: Acme
version: 1.0.0
functions:
  - name: hello
    params: [contact]
rules:
  - name: Hello
    module: Contacts
    trigger: create
    conditions:
      - actions:
          - function: hello
)";

std::string ErrorOf(const std::string& yaml) {
  auto m = ParseManifest(yaml);
  return m.ok() ? "ok" : m.error().message();
}

std::string BundleError(Files files) {
  auto b = LoadBundle(files);
  return b.ok() ? "ok" : b.error().message();
}

TEST(ManifestTest, ReadsEveryPart) {
  auto m = ParseManifest(R"(namespace: acme2
name: Acme sync
version: 1.0
description: Syncs.
connections:
  - link_name: books
    service: zoho_books
    scopes: [ZohoBooks.fullaccess.ALL]
    params: {dc: eu}
  - {link_name: crm, name: CRM, service: bigin, per_user: true}
fields:
  - {module: Contacts, label: Books Id, type: text, max_length: 40}
functions:
  - {name: hello, file: functions/hi.dg, params: [contact], description: Says hello}
rules: []
)");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->ns, "acme2");
  EXPECT_EQ(m->version, "1.0");
  ASSERT_EQ(m->connections.size(), 2u);
  EXPECT_EQ(m->connections[0].name, "books");
  EXPECT_EQ(m->connections[0].params.at("dc"), "eu");
  EXPECT_EQ(m->connections[0].line, 6);
  EXPECT_TRUE(m->connections[1].per_user);
  EXPECT_EQ(FullLinkName(m->ns, m->connections[1].link_name), "acme2__crm");
  ASSERT_EQ(m->fields.size(), 1u);
  EXPECT_EQ(m->fields[0].max_length, 40);
  ASSERT_EQ(m->functions.size(), 1u);
  EXPECT_EQ(m->functions[0].file, "functions/hi.dg");
  EXPECT_EQ(m->functions[0].params, std::vector<std::string>{"contact"});
}

TEST(ManifestTest, ErrorsCarryTheLine) {
  EXPECT_EQ(ErrorOf("namespace: Acme\nname: x\nversion: 1\n"),
            "topping.yaml:1: namespace 'Acme' must be a lowercase letter, then lowercase letters or "
            "digits (at most 30)");
  EXPECT_EQ(ErrorOf("namespace: acme\nname: x\n"), "topping.yaml:1: 'version' is required");
  EXPECT_EQ(ErrorOf("namespace: acme\nname: x\nversion: 1\ncolour: red\n"),
            "topping.yaml:4: unknown key 'colour'; expected one of namespace, name, version, "
            "description, connections, fields, functions, rules");
  EXPECT_EQ(ErrorOf("namespace: acme\nname: x\nversion: 1\nconnections:\n  - service: bigin\n"),
            "topping.yaml:5: 'connections[0].link_name' is required");
  EXPECT_EQ(ErrorOf("namespace: acme\nname: x\nversion: 1\nfields:\n  - module: Contacts\n"
                    "    label: X\n    type: colour\n"),
            "topping.yaml:7: unknown field type 'colour'; use text, long_text, email, phone, number, "
            "decimal, currency, date, datetime, boolean, picklist, multi_select, lookup, owner or tag");
  EXPECT_EQ(ErrorOf("namespace: acme\nname: [x\n"),
            "topping.yaml:3: end of sequence flow not found");
  std::string bad_rule = kMinimal;
  bad_rule.replace(bad_rule.find("trigger: create"), 15, "trigger: {type: craete}");
  EXPECT_EQ(ErrorOf(bad_rule),
            "topping.yaml:10: rules[0].trigger.type: unknown trigger 'craete'; use create, edit, "
            "create_or_edit, delete or date");
  std::string bad_action = kMinimal;
  bad_action.replace(bad_action.find("- function: hello"), 17, "- functoin: hello");
  EXPECT_EQ(ErrorOf(bad_action),
            "topping.yaml:13: rules[0].conditions[0].actions[0]: needs exactly one of 'function', "
            "'webhook' or 'update'");
  EXPECT_EQ(ErrorOf("namespace: averyveryverylongnamespacename\nname: x\nversion: 1\nconnections:\n"
                    "  - {link_name: connection_to_somewhere_far, service: bigin}\n"),
            "topping.yaml:5: link name 'connection_to_somewhere_far' must be a lowercase letter, "
            "then lowercase letters, digits or '_', and "
            "'averyveryverylongnamespacename__connection_to_somewhere_far' at most 50 characters");
}

TEST(ManifestTest, BundlesNeedTheirFilesAndOnlyThose) {
  EXPECT_EQ(BundleError({{"topping.yaml", kMinimal}, {"functions/hello.dg", "info contact;"}}), "ok");
  EXPECT_EQ(BundleError({{"functions/hello.dg", "info 1;"}}), "a topping needs a topping.yaml");
  EXPECT_EQ(BundleError({{"topping.yaml", kMinimal}}),
            "topping.yaml:5: function 'hello': there is no file functions/hello.dg");
  EXPECT_EQ(BundleError({{"topping.yaml", kMinimal},
                         {"functions/hello.dg", "info contact;"},
                         {"functions/stray.dg", "info 1;"}}),
            "functions/stray.dg:1: no function in topping.yaml uses this file; add it under 'functions'");
  EXPECT_EQ(BundleError({{"topping.yaml", kMinimal},
                         {"functions/hello.dg", "info contact;"},
                         {"secrets.txt", "x"}}),
            "secrets.txt:1: a topping holds only topping.yaml and functions/*.dg");
  EXPECT_EQ(BundleError({{"topping.yaml", kMinimal}, {"functions/hello.dg", "info contact;\nx = ;\n"}}),
            "functions/hello.dg:2: Expected a value but found ';'");
  // Every problem, in reading order (issue 19).
  EXPECT_EQ(BundleError({{"topping.yaml", kMinimal},
                         {"functions/stray.dg", "info 1;"},
                         {"secrets.txt", "x"}}),
            "topping.yaml:5: function 'hello': there is no file functions/hello.dg\n"
            "functions/stray.dg:1: no function in topping.yaml uses this file; add it under "
            "'functions'\n"
            "secrets.txt:1: a topping holds only topping.yaml and functions/*.dg");
  // Without the declared parameter, the script's `contact` is unknown.
  std::string undeclared = kMinimal;
  undeclared.replace(undeclared.find("    params: [contact]\n"), 22, "");
  EXPECT_EQ(BundleError({{"topping.yaml", undeclared}, {"functions/hello.dg", "info contact;"}}),
            "functions/hello.dg:1: Variable 'contact' is not defined");
}

}  // namespace
}  // namespace relish::toppings
