// The route isolation test: every route the router has, read from the router itself (a route
// added tomorrow is walked without editing this file), is called by everyone its declared access
// excludes, and must refuse them:
//
//   - no credentials at all;
//   - a session cookie without its CSRF token, on every request that changes state;
//   - a developer, on the administrators' routes;
//   - a developer of organization A naming organization B (?org=, or X-Relish-Org for the proxy);
//   - a developer of A, acting in A, with the ids of B's objects in the path;
//   - for the CRM's own API, no token, a console API token instead of a CRM token, and a CRM
//     token of A with B's record ids;
//   - and everyone, with a body nested past the JSON depth limit.
//
// Then B's objects must be as B left them, and nothing any of these callers was answered may
// hold B's planted secret or the text only B's objects hold. The routes declared public are an
// explicit list here: making a route public is a decision this test makes visible.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "base/config.h"
#include "base/encoding.h"
#include "base/json_depth.h"
#include "server/openapi.h"
#include "testing/relish_client.h"
#include "testing/serve_in_background.h"

namespace relish {
namespace {

using testing::RelishClient;
using Json = RelishClient::Json;
using server::Access;

constexpr const char* kAdminEmail = "admin@localhost";
constexpr const char* kAdminPassword = "admin-password-isolation-7f3a";
constexpr const char* kDevPassword = "developer-password-2b9c";
// What only organization B holds: its connection's secret, and text in its objects.
constexpr const char* kBSecret = "sk_live_B_PLANTED_SECRET_5e1d07a9";
constexpr const char* kBMarker = "B_ONLY_MARKER_c41e";

// The routes anyone may call. Each authenticates by other means (a password, a client's secret,
// an OAuth state) or shows nothing of an organization's.
const std::set<std::pair<std::string, std::string>>& PublicRoutes() {
  static const std::set<std::pair<std::string, std::string>> kPublic = {
      {"GET", "/healthz"},
      {"GET", "/metrics"},
      {"POST", "/api/v1/session"},
      {"POST", "/api/v1/auth/token"},
      {"GET", "/.well-known/oauth-authorization-server"},
      {"POST", "/oauth/token"},
      {"POST", "/oauth/revoke"},
      {"GET", "/login"},
      {"POST", "/login"},
      {"GET", "/oauth/authorize"},
      {"GET", "/oauth/callback"},
      {"POST", "/oauth/callback"},
      {"GET", "/api/v1/openapi.json"},  // the API's shapes, no data (docs/api.md)
  };
  return kPublic;
}

std::string Describe(const server::RouteInfo& r) {
  return std::string(r.method) + " " + std::string(r.pattern) + " (" +
         std::string(server::AccessName(r.access)) + ")";
}

class RouteIsolationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = new World(); }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }

  // One Relish for the whole suite: two organizations, their developers, and B's objects.
  struct World {
    World() { error = Start(); }
    ~World() {
      if (app) app->Stop();
      if (server.joinable()) server.join();
      app.reset();
      std::filesystem::remove_all(data);
    }

    std::string Start() {
      data = std::filesystem::temp_directory_path() /
             ("relish-isolation-" + std::to_string(::getpid()));
      std::filesystem::remove_all(data);
      ConfigSources sources;
      sources.flags = {{"data_dir", data.string()},
                       {"listen", "127.0.0.1:0"},
                       {"admin_email", kAdminEmail},
                       {"admin_password", kAdminPassword}};
      auto config = LoadConfig(sources);
      if (!config.ok()) return config.error().ToString();
      auto opened = app::App::Open(*config);
      if (!opened.ok()) return opened.error().ToString();
      app = std::move(*opened);
      base = "http://127.0.0.1:" + std::to_string(testing::ServeInBackground(*app, server));
      return Populate();
    }

    static std::string Failed(const std::string& what, const RelishClient::Reply& r) {
      return what + ": " + std::to_string(r.status) + " " + r.body + r.error;
    }

    std::string Populate() {
      admin = std::make_unique<RelishClient>(base);
      if (auto e = admin->SignInForToken(kAdminEmail, kAdminPassword); !e.empty()) return e;
      auto me = admin->Api("GET", "/api/v1/me");
      org_a = me.json["orgs"][0]["id"].get<std::string>();
      auto b = admin->Api("POST", "/api/v1/orgs", {{"name", "Beta"}});
      if (b.status != 201) return Failed("org B", b);
      org_b = b.json["id"].get<std::string>();
      for (auto [email, org] : {std::pair{"dev-a@example.com", org_a}, {"dev-b@example.com", org_b}}) {
        auto u = admin->Api("POST", "/api/v1/users",
                            {{"email", email}, {"password", kDevPassword}, {"orgs", {org}}});
        if (u.status != 201) return Failed(std::string("user ") + email, u);
        (org == org_a ? user_a : user_b) = u.json["id"].get<std::string>();
      }
      dev_a = std::make_unique<RelishClient>(base);
      if (auto e = dev_a->SignInForToken("dev-a@example.com", kDevPassword); !e.empty()) return e;
      dev_b = std::make_unique<RelishClient>(base);
      if (auto e = dev_b->SignInForToken("dev-b@example.com", kDevPassword); !e.empty()) return e;
      // A's developer in a browser: a session cookie (and, kept apart, its CSRF token).
      browser_a = std::make_unique<RelishClient>(base);
      auto session = browser_a->Send(
          "POST", "/api/v1/session",
          Json{{"email", "dev-a@example.com"}, {"password", kDevPassword}}.dump(),
          {{"Content-Type", "application/json"}});
      if (session.status != 200) return Failed("A's session", session);
      csrf_a = session.json["csrf"].get<std::string>();
      if (auto e = MakeBsObjects(); !e.empty()) return e;
      return CrmTokenOfA();
    }

    // Everything B has, made by B's developer in B (their only organization).
    std::string MakeBsObjects() {
      RelishClient& b = *dev_b;
      // B's webhook endpoint first: B's connection's events below are delivered to it (and
      // fail: the host does not resolve), so B has events and a delivery log too.
      auto hook = b.Api("POST", "/api/v1/webhooks",
                        {{"url", "https://hooks.bonly.test/in"}, {"description", kBMarker}});
      if (hook.status != 201) return Failed("B's webhook endpoint", hook);
      webhook_b = hook.json["id"].get<std::string>();
      auto service = b.Send("POST", "/api/v1/services",
                            std::string("id: b_only_service\nname: ") + kBMarker +
                                "\nauth: api_key\nbase_url: https://api.bonly.test\n"
                                "allowed_hosts: [api.bonly.test]\n"
                                "api_key: {in: header, fields: [{name: X-Api-Key, label: Key}]}\n",
                            {{"Authorization", "Bearer " + b.token()},
                             {"Content-Type", "application/yaml"}});
      if (service.status != 201) return Failed("B's service", service);
      auto conn = b.Api("POST", "/api/v1/connections", {{"name", kBMarker}, {"link_name", "b_only_link"},
                                                       {"service", "stripe"}});
      if (conn.status != 201) return Failed("B's connection", conn);
      auto creds = b.Api("PUT", "/api/v1/connections/b_only_link/credentials",
                         {{"fields", {{"token", kBSecret}}}});
      if (creds.status != 200) return Failed("B's credentials", creds);
      auto fn = b.Api("PUT", "/api/v1/workflow/functions/b_only_fn",
                      {{"source", std::string("info \"") + kBMarker + "\";"}, {"params", {"contact"}}});
      if (fn.status != 200) return Failed("B's function", fn);
      // A console run of it: recorded in B's run history.
      auto ran = b.Api("POST", "/api/v1/functions/run",
                       {{"function", "b_only_fn"}, {"args", {{"contact", {{"Email", kBMarker}}}}}});
      if (ran.status != 200) return Failed("B's function run", ran);
      fn_run_b = ran.json["run_id"].get<std::string>();
      auto rule = b.Api("POST", "/api/v1/workflow/rules",
                        Json::parse(std::string(R"({"name":")") + kBMarker + R"(","module":"Contacts",
                          "trigger":{"type":"create"},
                          "conditions":[{"criteria":["Email is not empty"],
                                         "actions":[{"function":"b_only_fn"}]}]})"));
      if (rule.status != 201) return Failed("B's rule", rule);
      rule_b = rule.json["id"].get<std::string>();
      auto module = b.Api("POST", "/api/v1/crm/modules",
                          {{"api_name", "BOnly"}, {"singular_label", "B thing"}, {"plural_label", "B things"}});
      if (module.status != 201) return Failed("B's module", module);
      auto field = b.Api("POST", "/api/v1/crm/modules/BOnly/fields",
                         {{"label", "Secret Note"}, {"type", "text"}});
      if (field.status != 201) return Failed("B's field", field);
      field_b = field.json["api_name"].get<std::string>();
      auto record = b.Api("POST", "/api/v1/crm/modules/Contacts/records",
                          {{"data", {{{"Last_Name", kBMarker}, {"Email", "bonly@example.com"}}}}});
      if (record.status != 201) return Failed("B's record", record);
      record_b = record.json["data"][0]["details"]["id"].get<std::string>();
      auto topping = b.Api(
          "POST", "/api/v1/toppings",
          {{"files",
            {{"topping.yaml", std::string("namespace: bonly\nname: ") + kBMarker +
                                  "\nversion: 1\nfunctions:\n  - {name: hello, params: [contact]}\n"},
             {"functions/hello.dg", std::string("info \"") + kBMarker + "\";"}}}});
      if (topping.status != 200) return Failed("B's topping", topping);
      auto tokens = b.Api("GET", "/api/v1/tokens");
      token_b = tokens.json["tokens"][0]["id"].get<std::string>();
      auto client = admin->Api("POST", "/api/v1/oauth/clients",
                               {{"name", "Isolation"}, {"redirect_uris", {"https://app.example/cb"}},
                                {"scopes", {"ZohoBigin.modules.ALL", "ZohoBigin.users.READ",
                                            "ZohoBigin.settings.ALL", "ZohoBigin.org.READ"}}});
      if (client.status != 201) return Failed("OAuth client", client);
      client_id = client.json["client_id"].get<std::string>();
      client_secret = client.json["client_secret"].get<std::string>();
      // The rule runs for the record: wait for B's run to be in the execution log.
      for (int i = 0; i < 200 && run_b.empty(); ++i) {
        auto runs = b.Api("GET", "/api/v1/workflow/runs");
        if (runs.status == 200 && !runs.json["runs"].empty()) {
          run_b = runs.json["runs"][0]["id"].get<std::string>();
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      return run_b.empty() ? "B's rule never ran" : "";
    }

    // A token of Relish's OAuth server for organization A, as a third-party client gets one.
    std::string CrmTokenOfA() {
      const std::string verifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";
      const std::string challenge = "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc";
      std::string form = "csrf_token=" + FormEncode(csrf_a) + "&response_type=code&client_id=" +
                         client_id + "&redirect_uri=" + FormEncode("https://app.example/cb") +
                         "&scope=" + FormEncode("ZohoBigin.modules.ALL,ZohoBigin.users.READ,"
                                                "ZohoBigin.settings.ALL,ZohoBigin.org.READ") +
                         "&state=s&code_challenge=" + challenge +
                         "&code_challenge_method=S256&access_type=offline&org=" + org_a +
                         "&environment=sandbox&decision=allow";
      auto allowed = browser_a->Send("POST", "/oauth/authorize", form,
                                     {{"Content-Type", "application/x-www-form-urlencoded"}});
      std::string location;
      for (const auto& [k, v] : allowed.headers) {
        if (k == "location") location = v;
      }
      auto code_at = location.find("code=");
      if (allowed.status != 303 || code_at == std::string::npos) return Failed("consent", allowed);
      std::string code = location.substr(code_at + 5, location.find('&', code_at) - code_at - 5);
      auto token = admin->Send(
          "POST", "/oauth/token",
          "grant_type=authorization_code&code=" + code + "&redirect_uri=" +
              FormEncode("https://app.example/cb") + "&code_verifier=" + verifier +
              "&client_id=" + client_id + "&client_secret=" + FormEncode(client_secret),
          {{"Content-Type", "application/x-www-form-urlencoded"}});
      if (token.status != 200) return Failed("CRM token", token);
      crm_token_a = token.json["access_token"].get<std::string>();
      return "";
    }

    std::filesystem::path data;
    std::unique_ptr<app::App> app;
    std::thread server;
    std::string base, error;
    std::unique_ptr<RelishClient> admin, dev_a, dev_b, browser_a;
    std::string org_a, org_b, user_a, user_b, csrf_a;
    std::string webhook_b;
    std::string rule_b, run_b, fn_run_b, record_b, field_b, token_b, client_id, client_secret, crm_token_a;
  };

  void SetUp() override {
    ASSERT_NE(world_, nullptr);
    ASSERT_EQ(world_->error, "");
  }

  static World& W() { return *world_; }

  // The path with every parameter filled with one of B's objects. A parameter this table does
  // not know fails the test: give it one of B's objects here.
  static std::string PathOf(const server::RouteInfo& r, std::string* missing) {
    std::string_view pattern = r.pattern;
    auto value = [&](std::string_view name) -> std::string {
      if (name == "link") return "b_only_link";
      if (name == "name") return "b_only_fn";
      if (name == "ns") return "bonly";
      if (name == "org") return W().org_b;
      if (name == "field") return W().field_b;
      if (name == "path") return "v1/balance";
      if (name == "rest") return "x";
      // A record's module is one both have (the record id is B's); anything else names B's own.
      if (name == "module") return pattern.find("{id}") != std::string_view::npos ? "Contacts" : "BOnly";
      if (name == "id") {
        if (pattern.starts_with("/api/v1/services/")) return "b_only_service";
        if (pattern.starts_with("/api/v1/workflow/rules/")) return W().rule_b;
        if (pattern.starts_with("/api/v1/workflow/runs/")) return W().run_b;
        if (pattern.starts_with("/api/v1/functions/runs/")) return W().fn_run_b;
        if (pattern.starts_with("/api/v1/tokens/")) return W().token_b;
        if (pattern.starts_with("/api/v1/webhooks/")) return W().webhook_b;
        if (pattern.starts_with("/api/v1/oauth/clients/")) return W().client_id;
        if (pattern.starts_with("/bigin/v2/users/") || pattern.starts_with("/api/v1/users/")) return W().user_b;
        if (pattern.find("/records/") != std::string_view::npos ||
            pattern.starts_with("/bigin/v2/{module}/")) {
          return W().record_b;
        }
      }
      *missing += std::string(name) + " ";
      return "?";
    };
    std::string out;
    size_t i = 0;
    while (i < pattern.size()) {
      if (pattern[i] != '{') {
        out += pattern[i++];
        continue;
      }
      size_t close = pattern.find('}', i);
      std::string_view name = pattern.substr(i + 1, close - i - 1);
      if (name.ends_with("...")) name.remove_suffix(3);
      out += value(name);
      i = close + 1;
    }
    return out;
  }

  static bool ChangesState(std::string_view method) { return method != "GET" && method != "HEAD"; }

  // What a caller excluded by a route must not see: B's secret and B's objects' text.
  static void ExpectNothingOfB(const RelishClient::Reply& r, const std::string& what) {
    EXPECT_EQ(r.body.find(kBSecret), std::string::npos) << what;
    EXPECT_EQ(r.body.find(kBMarker), std::string::npos) << what << ": " << r.body.substr(0, 300);
    for (const auto& [k, v] : r.headers) {
      EXPECT_EQ(v.find(kBSecret), std::string::npos) << what << " header " << k;
    }
  }

  static RelishClient::Reply Call(RelishClient& c, const server::RouteInfo& r,
                                  const std::string& path, outbound::Headers headers,
                                  std::string body = "{}") {
    if (!ChangesState(r.method)) body.clear();
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return c.Send(std::string(r.method), path, body, std::move(headers));
  }

  static World* world_;
};

RouteIsolationTest::World* RouteIsolationTest::world_ = nullptr;

TEST_F(RouteIsolationTest, PublicRoutesAreExactlyTheDeclaredList) {
  std::set<std::pair<std::string, std::string>> found;
  for (const auto& r : W().app->Routes()) {
    if (r.access == Access::kPublic) found.emplace(std::string(r.method), std::string(r.pattern));
  }
  EXPECT_EQ(found, PublicRoutes());
}

TEST_F(RouteIsolationTest, EveryRouteRefusesACallerWithoutCredentials) {
  RelishClient anonymous(W().base);
  int walked = 0;
  for (const auto& r : W().app->Routes()) {
    if (r.access == Access::kPublic) continue;
    std::string missing;
    std::string path = PathOf(r, &missing);
    ASSERT_EQ(missing, "") << "no object of B for {" << missing << "} of " << Describe(r);
    auto reply = Call(anonymous, r, path, {});
    EXPECT_EQ(reply.status, 401) << Describe(r) << ": " << reply.body.substr(0, 200);
    ExpectNothingOfB(reply, Describe(r));
    ++walked;
  }
  EXPECT_GT(walked, 80);
}

TEST_F(RouteIsolationTest, ACookieWithoutItsCsrfTokenChangesNothing) {
  for (const auto& r : W().app->Routes()) {
    if (r.access == Access::kPublic || r.access == Access::kCrmToken || !ChangesState(r.method)) {
      continue;
    }
    std::string missing;
    auto reply = Call(*W().browser_a, r, PathOf(r, &missing), {});
    // 403 for the missing token; the proxy takes no cookies at all (401).
    EXPECT_TRUE(reply.status == 403 || reply.status == 401)
        << Describe(r) << ": " << reply.status << " " << reply.body.substr(0, 200);
    if (reply.status == 403 && !reply.json.is_null()) {
      EXPECT_EQ(reply.body, R"({"code":"permission_denied","message":"missing or wrong CSRF token"})")
          << Describe(r);
    }
    ExpectNothingOfB(reply, Describe(r));
  }
}

TEST_F(RouteIsolationTest, DevelopersAreRefusedOnAdministratorsRoutes) {
  int walked = 0;
  for (const auto& r : W().app->Routes()) {
    if (r.access != Access::kAdmin) continue;
    std::string missing;
    auto reply = Call(*W().dev_a, r, PathOf(r, &missing),
                      {{"Authorization", "Bearer " + W().dev_a->token()}});
    EXPECT_EQ(reply.status, 403) << Describe(r);
    EXPECT_EQ(reply.body, R"({"code":"permission_denied","message":"only administrators may do this"})")
        << Describe(r);
    ++walked;
  }
  EXPECT_GE(walked, 9);
}

TEST_F(RouteIsolationTest, AMemberOfAnotherOrganizationIsRefusedThatOrganization) {
  const std::string refused = R"({"code":"not_found","message":"no organization )" + W().org_b +
                              R"( among yours"})";
  int walked = 0;
  for (const auto& r : W().app->Routes()) {
    if (r.access != Access::kMember) continue;
    std::string missing;
    std::string path = PathOf(r, &missing);
    path += (path.find('?') == std::string::npos ? "?" : "&") + std::string("org=") + W().org_b;
    auto reply = Call(*W().dev_a, r, path,
                      {{"Authorization", "Bearer " + W().dev_a->token()}, {"X-Relish-Org", W().org_b}});
    EXPECT_EQ(reply.status, 404) << Describe(r) << ": " << reply.body.substr(0, 200);
    EXPECT_EQ(reply.body, refused) << Describe(r);
    ++walked;
  }
  EXPECT_GT(walked, 50);
}

// What a route answers when it has nothing to show: an error, or, on the CRM's own API
// (/bigin/v2, a CRM token), Zoho's "204 No Content" for a record or user the caller's
// organization does not have. Relish's API (/api/v1, the console's CRM routes included) answers
// an object that is not there 404.
bool ShowsNothing(const RelishClient::Reply& r, bool zoho) {
  return r.status >= 400 || (zoho && r.status == 204 && r.body.empty());
}

// Acting in their own organization, A's developer names B's objects: nothing of B's comes back,
// and (checked below) nothing of B's changes.
TEST_F(RouteIsolationTest, BsObjectsAreNotReachableFromA) {
  for (const auto& r : W().app->Routes()) {
    if (r.access != Access::kMember && r.access != Access::kUser) continue;
    if (r.pattern.find('{') == std::string_view::npos) continue;
    std::string missing;
    auto reply = Call(*W().dev_a, r, PathOf(r, &missing),
                      {{"Authorization", "Bearer " + W().dev_a->token()}});
    EXPECT_TRUE(ShowsNothing(reply, /*zoho=*/false))
        << Describe(r) << ": " << reply.status << " " << reply.body.substr(0, 300);
    ExpectNothingOfB(reply, Describe(r));
  }
  for (const auto& r : W().app->Routes()) {
    if (r.access != Access::kCrmToken || r.pattern.find('{') == std::string_view::npos) continue;
    std::string missing;
    auto reply = Call(*W().dev_a, r, PathOf(r, &missing),
                      {{"Authorization", "Zoho-oauthtoken " + W().crm_token_a}});
    EXPECT_TRUE(ShowsNothing(reply, /*zoho=*/true))
        << Describe(r) << ": " << reply.status << " " << reply.body.substr(0, 300);
    ExpectNothingOfB(reply, Describe(r));
    EXPECT_EQ(reply.body.find("dev-b@example.com"), std::string::npos) << Describe(r);
  }
}

TEST_F(RouteIsolationTest, TheCrmApiTakesOnlyItsOwnTokens) {
  for (const auto& r : W().app->Routes()) {
    if (r.access != Access::kCrmToken) continue;
    std::string missing;
    std::string path = PathOf(r, &missing);
    // A console API token, and a session cookie, are not CRM tokens.
    auto console = Call(*W().dev_a, r, path, {{"Authorization", "Bearer " + W().dev_a->token()}});
    EXPECT_EQ(console.status, 401) << Describe(r);
    auto cookie = Call(*W().browser_a, r, path, {{"X-CSRF-Token", W().csrf_a}});
    EXPECT_EQ(cookie.status, 401) << Describe(r);
    ExpectNothingOfB(console, Describe(r));
    ExpectNothingOfB(cookie, Describe(r));
  }
  // ...while A's own CRM token reads A's CRM.
  auto mine = W().dev_a->Send("GET", "/bigin/v2/Contacts",
                              "", {{"Authorization", "Zoho-oauthtoken " + W().crm_token_a}});
  EXPECT_TRUE(mine.status == 200 || mine.status == 204) << mine.body;
}

// --- The API contract (docs/api.md): GET /api/v1/openapi.json, public.
RelishClient::Json ApiDocument(const std::string& base) {
  RelishClient anonymous(base);
  auto reply = anonymous.Send("GET", "/api/v1/openapi.json");
  EXPECT_EQ(reply.status, 200) << reply.body.substr(0, 300);
  return reply.json;
}

std::string LowerMethod(std::string_view method) {
  std::string out;
  for (char c : method) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Every route the router has is in the document with a record of its own, and the document has
// no operation that is not a route.
TEST_F(RouteIsolationTest, EveryRouteIsInTheApiDocument) {
  Json doc = ApiDocument(W().base);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::string missing;
  size_t routes = 0;
  for (const auto& r : W().app->Routes()) {
    ++routes;
    std::string path = server::OpenApiPath(r.pattern);
    std::string method = LowerMethod(r.method);
    if (!doc["paths"].contains(path) || !doc["paths"][path].contains(method)) {
      missing += std::string(r.method) + " " + std::string(r.pattern) + " (not listed)\n";
    } else if (doc["paths"][path][method].contains("x-undocumented")) {
      missing += std::string(r.method) + " " + std::string(r.pattern) + "\n";
    }
  }
  EXPECT_EQ(missing, "") << "routes without a record (server/route_doc.h, docs/api.md):\n" << missing;
  size_t operations = 0;
  for (const auto& [path, ops] : doc["paths"].items()) operations += ops.size();
  EXPECT_EQ(operations, routes);
  EXPECT_GT(routes, 100u);
  // The error codes the API answers with, in the order of base/error.h.
  EXPECT_EQ(doc["components"]["schemas"]["ErrorCode"]["enum"],
            Json::parse(R"(["invalid_argument","not_found","already_exists","permission_denied",
                "unauthenticated","failed_precondition","resource_exhausted","unavailable",
                "deadline_exceeded","internal"])"));
}

// Every documented operation answers when called as it is documented: with its security (an API
// token of the administrator, who is a member of A; or A's CRM token) and ids that name
// nothing. Whatever it answers (often the handler's 404 for the missing object), it is not the
// router's: no "no route for" 404, no 405 and no static file's 404.
TEST_F(RouteIsolationTest, EveryDocumentedRouteAnswers) {
  Json doc = ApiDocument(W().base);
  ASSERT_TRUE(doc.is_object());
  int walked = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    std::string target;
    for (size_t i = 0; i < path.size();) {
      if (path[i] != '{') {
        target += path[i++];
        continue;
      }
      size_t close = path.find('}', i);
      target += path.substr(i + 1, close - i - 1) == "path" ? "zz/none" : "zz_none";
      i = close + 1;
    }
    for (const auto& [method, op] : ops.items()) {
      std::string what = method + " " + path;
      outbound::Headers headers;
      const Json& security = op["security"];
      std::string scheme = security.empty() || security[0].empty() ? "" : security[0].begin().key();
      if (scheme == "apiToken") headers.emplace_back("Authorization", "Bearer " + W().admin->token());
      if (scheme == "crmToken") headers.emplace_back("Authorization", "Zoho-oauthtoken " + W().crm_token_a);
      ASSERT_TRUE(scheme == "" || scheme == "apiToken" || scheme == "crmToken") << what << ": " << scheme;
      std::string body;
      if (method != "get") {
        bool form = op.contains("requestBody") &&
                    op["requestBody"]["content"].contains("application/x-www-form-urlencoded");
        headers.emplace_back("Content-Type", form ? "application/x-www-form-urlencoded" : "application/json");
        body = form ? "" : "{}";
      }
      std::string upper;
      for (char c : method) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      RelishClient caller(W().base);
      auto reply = caller.Send(upper, target, body, headers);
      EXPECT_NE(reply.status, 405) << what;
      EXPECT_EQ(reply.body.find("\"no route for "), std::string::npos) << what << ": " << reply.body;
      EXPECT_EQ(reply.body.find("\"no file "), std::string::npos) << what << ": " << reply.body;
      EXPECT_NE(reply.status, 0) << what << ": " << reply.error;
      // What it answered is a status the document lists (not just its "default").
      if (reply.status < 500) {
        EXPECT_TRUE(op["responses"].contains(std::to_string(reply.status)))
            << what << " answered " << reply.status << ": " << reply.body.substr(0, 200);
      }
      ++walked;
    }
  }
  EXPECT_EQ(walked, static_cast<int>(W().app->Routes().size()));
}

// Once, at the server, for every route: a body nested past the limit is refused before any
// handler parses it (some used to dump it back, recursing once per level, off the stack).
TEST_F(RouteIsolationTest, EveryRouteRefusesJsonNestedPastTheLimit) {
  std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string refused = R"({"code":"invalid_argument","message":"the request body's JSON )"
                              R"(nests deeper than )" + std::to_string(kMaxJsonDepth) + R"( levels"})";
  for (const auto& r : W().app->Routes()) {
    std::string missing;
    auto reply = W().admin->Send(std::string(r.method), PathOf(r, &missing), deep,
                                 {{"Authorization", "Bearer " + W().admin->token()},
                                  {"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 400) << Describe(r);
    EXPECT_EQ(reply.body, refused) << Describe(r);
  }
  EXPECT_EQ(W().admin->Send("GET", "/healthz").status, 200);
}

// Runs last (gtest runs a suite's tests in order): after every walk above, B's objects are as B
// left them.
TEST_F(RouteIsolationTest, ZZBsObjectsAreAsBLeftThem) {
  RelishClient& b = *W().dev_b;
  auto conn = b.Api("GET", "/api/v1/connections/b_only_link");
  EXPECT_EQ(conn.status, 200);
  EXPECT_EQ(conn.json["status"], "connected");
  auto test = b.Api("GET", "/api/v1/services/b_only_service");
  EXPECT_EQ(test.status, 200);
  EXPECT_EQ(test.json["name"], kBMarker);
  auto fn = b.Api("GET", "/api/v1/workflow/functions/b_only_fn");
  EXPECT_EQ(fn.json["source"], std::string("info \"") + kBMarker + "\";");
  auto rule = b.Api("GET", "/api/v1/workflow/rules/" + W().rule_b);
  EXPECT_EQ(rule.status, 200);
  EXPECT_EQ(rule.json["active"], true);
  auto record = b.Api("GET", "/api/v1/crm/modules/Contacts/records/" + W().record_b);
  EXPECT_EQ(record.status, 200);
  EXPECT_EQ(record.json["data"][0]["Last_Name"], kBMarker);
  auto module = b.Api("GET", "/api/v1/crm/modules/BOnly");
  EXPECT_EQ(module.status, 200);
  auto topping = b.Api("GET", "/api/v1/toppings/bonly");
  EXPECT_EQ(topping.status, 200);
  // Nobody published it for B: its preview still finds production without it.
  auto preview = b.Api("GET", "/api/v1/toppings/bonly/publish-preview");
  EXPECT_EQ(preview.status, 200);
  EXPECT_EQ(preview.json["production_version"], nullptr);
  EXPECT_EQ(preview.json["functions"]["added"], Json::array({"hello"}));
  auto run = b.Api("GET", "/api/v1/workflow/runs/" + W().run_b);
  EXPECT_EQ(run.status, 200);
  EXPECT_EQ(b.Api("GET", "/api/v1/tokens").json["tokens"].size(), 1u);  // B's token still there
  // B's webhook endpoint, still enabled, and B's connection events, which only B lists.
  auto hook = b.Api("GET", "/api/v1/webhooks/" + W().webhook_b);
  EXPECT_EQ(hook.status, 200);
  EXPECT_EQ(hook.json["enabled"], true);
  EXPECT_EQ(hook.json["description"], kBMarker);
  auto events = b.Api("GET", "/api/v1/connections/events?link=b_only_link");
  ASSERT_EQ(events.status, 200);
  ASSERT_EQ(events.json["events"].size(), 2u);
  EXPECT_EQ(events.json["events"][0]["type"], "authorized");
  EXPECT_EQ(events.json["events"][1]["type"], "created");
  auto a_events = W().dev_a->Api("GET", "/api/v1/connections/events");
  EXPECT_EQ(a_events.status, 200);
  EXPECT_EQ(a_events.body.find("b_only_link"), std::string::npos);
  // And the planted secret never reached anyone: not A's developer, A's browser or the admin.
  for (RelishClient* c : {W().dev_a.get(), W().browser_a.get(), W().admin.get(), W().dev_b.get()}) {
    EXPECT_EQ(c->transcript().find(kBSecret), std::string::npos);
  }
  EXPECT_EQ(W().dev_a->transcript().find(kBMarker), std::string::npos);
  EXPECT_EQ(W().browser_a->transcript().find(kBMarker), std::string::npos);
}

}  // namespace
}  // namespace relish
