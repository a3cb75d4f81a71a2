// The catalog test: every file in services/ read from disk (not the embedded copy) and held to
// the rules a careful review of a provider's documentation would apply. Each failure names the
// file and the rule, so whoever adds a service knows what to fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "connections/catalog_doc.h"
#include "connections/pattern.h"
#include "connections/service.h"
#include "outbound/url.h"

namespace relish::connections {
namespace {

namespace fs = std::filesystem;

// Services whose URLs may be plain http, and why (the provider or the design says so).
const std::map<std::string, std::string> kPlainHttpAllowed = {
    {"bigin", "Relish's own CRM, at this installation's {public_url} (http on loopback)"},
};

// Services whose host is the user's own (a merchant's store), and why: their user_chosen_host
// parameter admits any DNS name, so 'evil.com' is not hostile there. The parser still refuses
// ports, paths, user info and IP literals, and every other rule holds. A service that declares
// a user_chosen_host must be listed here, so each one is a reviewed decision (docs/services.md).
const std::map<std::string, std::string> kUserChosenHosts = {
    {"woocommerce", "each store is the merchant's own WordPress site; the user types it with the "
                    "store's own consumer key and secret, and confirms it"},
};

// The values a hostile connection would give a host parameter.
const std::vector<std::string> kHostile = {"evil.com", "a/b", "a@b", "a:80", "a?b", "a#b",
                                           "a b",      "",    "a\\b", "..",   "evil.com#",
                                           "x.evil.com/"};

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct File {
  std::string name;  // "services/heroku.yaml"
  std::string stem;  // "heroku"
  std::string text;
};

std::vector<File> ServiceFiles() {
  std::vector<File> out;
  for (const auto& entry : fs::directory_iterator("services")) {
    if (entry.path().extension() != ".yaml") continue;
    out.push_back({"services/" + entry.path().filename().string(), entry.path().stem().string(),
                   Read(entry.path())});
  }
  std::sort(out.begin(), out.end(), [](const File& a, const File& b) { return a.name < b.name; });
  return out;
}

Values Samples(const Service& s) {
  // As a connection would have them: defaults (templated ones after the derived values they
  // name), and an example for the rest.
  Values given;
  for (const auto& p : s.parameters) {
    if (!p.default_value) given[p.name] = p.example ? *p.example : "sample";
  }
  if (auto resolved = ResolveParameters(s, given, "https://relish.example.com"); resolved.ok()) {
    return *resolved;
  }
  Values v = {{"public_url", "https://relish.example.com"},
              {"public_host", "relish.example.com"},
              {"public_origin", "https://relish.example.com"}};
  for (const auto& p : s.parameters) {
    v[p.name] = p.default_value ? *p.default_value : p.example ? *p.example : "sample";
  }
  return v;
}

// The host part of a URL or a host entry, templates unexpanded.
std::string HostPart(std::string_view url) {
  if (auto p = url.find("://"); p != std::string_view::npos) url.remove_prefix(p + 3);
  return std::string(url.substr(0, url.find('/')));
}

struct NamedUrl {
  std::string field;
  std::string url;
  bool token = false;  // must be among the token hosts
  bool api = false;    // must be among allowed_hosts
};

std::vector<NamedUrl> Urls(const Service& s) {
  std::vector<NamedUrl> out = {{"docs", s.docs},
                               {"base_url", s.base_url, false, true},
                               {"sandbox_base_url", s.sandbox_base_url, false, true}};
  if (s.test) out.push_back({"test.url", s.test->url, false, true});
  if (s.oauth2) {
    out.push_back({"oauth2.authorize_url", s.oauth2->authorize_url});
    out.push_back({"oauth2.token_url", s.oauth2->token_url, true});
    out.push_back({"oauth2.refresh_url", s.oauth2->refresh_url, true});
    out.push_back({"oauth2.revoke_url", s.oauth2->revoke_url, true});
  }
  if (s.oauth1) {
    out.push_back({"oauth1.request_token_url", s.oauth1->request_token_url, true});
    out.push_back({"oauth1.authorize_url", s.oauth1->authorize_url});
    out.push_back({"oauth1.access_token_url", s.oauth1->access_token_url, true});
  }
  std::erase_if(out, [](const NamedUrl& u) { return u.url.empty(); });
  return out;
}

// Every problem with one file, each as "services/x.yaml: <rule>: <detail>".
std::vector<std::string> Check(const File& f, std::set<std::string>& ids) {
  std::vector<std::string> problems;
  auto fail = [&](const std::string& rule, const std::string& detail) {
    problems.push_back(f.name + ": " + rule + ": " + detail);
  };
  auto parsed = ParseService(f.text, f.name);
  if (!parsed.ok()) {
    fail("parses and validates", parsed.error().message());
    return problems;
  }
  const Service& s = *parsed;
  if (s.id != f.stem) fail("id matches the file name", "id '" + s.id + "' in " + f.name);
  if (!ids.insert(s.id).second) fail("ids are unique", "id '" + s.id + "' is used twice");
  if (s.docs.empty()) fail("docs link", "'docs:' names no documentation page");
  if (s.category.empty()) fail("category", "'category:' is missing");
  if (s.description.empty()) fail("description", "'description:' is missing");

  Values samples = Samples(s);
  bool http_ok = kPlainHttpAllowed.contains(s.id);
  for (const auto& u : Urls(s)) {
    auto expanded = Expand(u.url, samples);
    if (!expanded.ok()) {
      fail("templates expand", u.field + ": " + expanded.error().message());
      continue;
    }
    auto url = outbound::ParseUrl(*expanded);
    if (!url.ok()) {
      fail("URLs parse", u.field + " " + *expanded + ": " + url.error().message());
      continue;
    }
    if (url->scheme != "https" && !http_ok) {
      fail("https", u.field + " " + *expanded + " is not https (add an allow-list entry naming "
                    "the provider's reason if it really is http)");
    }
    if (u.token) {
      auto in = OriginAllowed(s.TokenHosts(), samples, *url);
      if (!in.ok() || !*in) {
        fail("token endpoints are within the token hosts", u.field + " " + url->Origin());
      }
    }
    if (u.api) {
      auto in = OriginAllowed(s.allowed_hosts, samples, *url);
      if (!in.ok() || !*in) fail("API URLs are within allowed_hosts", u.field + " " + url->Origin());
    }
  }

  // A parameter in any host (of a URL or a host entry) must refuse values that move the host.
  std::vector<std::pair<std::string, std::string>> hosts;
  for (const auto& u : Urls(s)) hosts.emplace_back(u.field, HostPart(u.url));
  for (const auto& h : s.allowed_hosts) hosts.emplace_back("allowed_hosts", h);
  for (const auto& h : s.token_hosts) hosts.emplace_back("token_hosts", h);
  for (const auto& [field, host] : hosts) {
    for (const auto& p : s.parameters) {
      if (host.find("{" + p.name + "}") == std::string::npos) continue;
      if (p.user_chosen_host) {
        if (!kUserChosenHosts.contains(s.id)) {
          fail("user-chosen hosts are reviewed",
               field + " uses user_chosen_host {" + p.name + "}: add an allow-list entry saying why");
        }
        continue;  // the parser held its pattern to HostileUserHosts
      }
      for (const auto& bad : kHostile) {
        auto m = FullMatch(p.pattern, bad);
        if (!m.ok() || *m) {
          fail("templated hosts are constrained",
               field + " uses {" + p.name + "}, whose pattern admits '" + bad + "'");
          break;
        }
      }
    }
  }
  return problems;
}

TEST(CatalogFilesTest, EveryServiceFileIsHonest) {
  auto files = ServiceFiles();
  ASSERT_GE(files.size(), 150u);
  std::set<std::string> ids;
  std::vector<std::string> problems;
  for (const auto& f : files) {
    for (auto& p : Check(f, ids)) problems.push_back(std::move(p));
  }
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_TRUE(problems.empty()) << all;
}

// The rules catch what they are for: each broken file fails with its name and the rule.
TEST(CatalogFilesTest, EachRuleNamesTheFileAndTheRule) {
  const std::string good = R"(id: acme
name: Acme
description: Acme API.
docs: https://acme.test/docs
category: Other
auth: oauth2
parameters:
  region: {label: Region, pattern: '^(us|eu)$', default: us}
base_url: https://api.{region}.acme.test
allowed_hosts: ['api.{region}.acme.test']
token_hosts: [login.acme.test]
oauth2:
  authorize_url: https://login.acme.test/authorize
  token_url: https://login.acme.test/token
)";
  auto check = [](const std::string& stem, const std::string& text) {
    std::set<std::string> ids;
    auto problems = Check({"services/" + stem + ".yaml", stem, text}, ids);
    return problems.empty() ? std::string("(none)") : problems.front();
  };
  auto replace = [](std::string text, const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  EXPECT_EQ(check("acme", good), "(none)");
  EXPECT_EQ(check("acme2", good), "services/acme2.yaml: id matches the file name: id 'acme' in "
                                  "services/acme2.yaml");
  EXPECT_EQ(check("acme", replace(good, "docs: https://acme.test/docs\n", "")),
            "services/acme.yaml: docs link: 'docs:' names no documentation page");
  EXPECT_EQ(check("acme", replace(good, "docs: https://", "docs: http://")),
            "services/acme.yaml: https: docs http://acme.test/docs is not https (add an "
            "allow-list entry naming the provider's reason if it really is http)");
  // A host parameter whose pattern admits another host: the parser refuses it at its line.
  EXPECT_EQ(check("acme", replace(good, "'^(us|eu)$'", "'^.*$'")),
            "services/acme.yaml: parses and validates: services/acme.yaml:10:16: parameter "
            "'region' is used in a host, so its pattern must refuse values like 'evil.com'");
  std::set<std::string> ids = {"acme"};
  EXPECT_EQ(Check({"services/acme.yaml", "acme", good}, ids).front(),
            "services/acme.yaml: ids are unique: id 'acme' is used twice");
}

// docs/services.md's catalog section is what the files generate (scripts/services-doc.sh).
TEST(CatalogFilesTest, DocsListTheCatalog) {
  std::vector<Service> services;
  for (const auto& f : ServiceFiles()) {
    auto s = ParseService(f.text, f.name);
    ASSERT_TRUE(s.ok()) << s.error().message();
    services.push_back(std::move(*s));
  }
  std::string doc = Read("docs/services.md");
  auto want = WithCatalog(doc, services);
  ASSERT_TRUE(want.ok()) << "docs/services.md: " << want.error().message();
  if (const char* out = std::getenv("RELISH_WRITE_SERVICES_DOC"); out != nullptr && *out) {
    std::ofstream(out, std::ios::binary) << *want;
  }
  EXPECT_TRUE(*want == doc) << "docs/services.md's catalog is stale: run scripts/services-doc.sh";
}

TEST(CatalogFilesTest, PatternAlternatives) {
  EXPECT_EQ(PatternAlternatives("^(com|eu|com\\.au)$"),
            (std::vector<std::string>{"com", "eu", "com.au"}));
  EXPECT_EQ(PatternAlternatives("^[a-z]+$"), std::vector<std::string>{});
  EXPECT_EQ(PatternAlternatives("^(a|b+)$"), std::vector<std::string>{});
}

}  // namespace
}  // namespace relish::connections
