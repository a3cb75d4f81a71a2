// Issue 13 item 19: every secret a connection holds stays masked wherever it could surface, even
// when the upstream echoes it back. A real Relish (in-process, on loopback, its workflow workers
// running) calls a local upstream that plays every provider (OAuth 2.0 and 1.0a endpoints
// included) and answers each API call with every credential it received, and the secrets it
// issued for that client, in its body, in a header and in a Location. Two organizations hold
// distinct planted secrets for each placement (API key in a header, the query and a form; bearer;
// Basic; OAuth 2.0; OAuth 1.0a). A developer of the first organization runs functions through
// each connection (POST /api/v1/functions/run), a workflow rule runs one on a record change
// (GET /api/v1/workflow/runs/{id}), the audit is read and the credentialed proxy is called; each
// answer must show "[REDACTED]" where the upstream echoed a secret, and no planted value of
// either organization may appear in anything Relish answered or logged.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "base/config.h"
#include "base/encoding.h"
#include "base/log.h"
#include "server/http_server.h"
#include "server/json.h"
#include "server/metrics.h"
#include "server/router.h"
#include "testing/relish_client.h"
#include "testing/serve_in_background.h"

namespace relish {
namespace {

using Json = nlohmann::ordered_json;
using testing::RelishClient;

// The secrets one organization plants, distinct per organization. The query key holds
// characters a URL encodes, so the upstream echoes it percent-encoded.
struct Planted {
  std::string header_key, query_key, form_key, bearer, basic_user, basic_password;
  std::string o2_client_id, o2_client_secret, o2_access, o2_refresh;
  std::string o1_consumer_key, o1_consumer_secret, o1_token, o1_token_secret;

  static Planted For(const std::string& o) {  // o: "A" or "B"
    return {.header_key = "hdr-key-" + o + "-41f7c2",
            .query_key = "qry+key/" + o + "=9d20e1",
            .form_key = "frm-key-" + o + "-c3a4b5",
            .bearer = "bearer-tok-" + o + "-8e61d0",
            .basic_user = "ada-" + o,
            .basic_password = "basic-pw-" + o + "-5f0b3c",
            .o2_client_id = "o2-client-" + o,
            .o2_client_secret = "o2-csecret-" + o + "-77aa01",
            .o2_access = "o2-access-" + o + "-2b9e4f",
            .o2_refresh = "o2-refresh-" + o + "-6c1d8a",
            .o1_consumer_key = "o1-consumer-" + o,
            .o1_consumer_secret = "o1-csecret-" + o + "-93e2b7",
            .o1_token = "o1-token-" + o + "-0d5f6e",
            .o1_token_secret = "o1-tsecret-" + o + "-4a8c19"};
  }
  // Every secret value, and the forms they take on the wire.
  std::vector<std::string> Secrets() const {
    return {header_key,       query_key,        FormEncode(query_key), form_key,
            bearer,           basic_password,   Base64Encode(basic_user + ":" + basic_password),
            o2_client_secret, o2_access,        o2_refresh,            o1_consumer_secret,
            o1_token,         o1_token_secret};
  }
};

// The upstream: every provider's endpoints and an API that echoes what it was given.
class Upstream {
 public:
  Upstream(std::vector<Planted> orgs) : orgs_(std::move(orgs)) {
    for (const char* method : {"GET", "POST"}) {
      router_.Add(method, "/echo", server::Access::kPublic,
                  [this](server::Request& r) { return Echo(r); });
    }
    // A redirect whose Location the client cannot follow: the query it came with, credentials
    // included, ends up in the client's error message.
    router_.Add("GET", "/bounce", server::Access::kPublic, [](server::Request& r) {
      server::Response out = server::Response::Text(302, "");
      out.SetHeader("Location", "http://[bad/?" + r.query);
      return out;
    });
    router_.Add("GET", "/oauth2/authorize", server::Access::kPublic, [](server::Request& r) {
      server::Response out = server::Response::Text(302, "");
      out.SetHeader("Location", r.QueryParam("redirect_uri").value_or("") +
                                    "?code=code-" + FormEncode(r.QueryParam("client_id").value_or("")) +
                                    "&state=" + FormEncode(r.QueryParam("state").value_or("")));
      return out;
    });
    router_.Add("POST", "/oauth2/token", server::Access::kPublic, [this](server::Request& r) {
      std::map<std::string, std::string> form;
      for (auto& [k, v] : server::ParseForm(r.body)) form[k] = v;
      for (const auto& p : orgs_) {
        if (form["client_id"] == p.o2_client_id && form["client_secret"] == p.o2_client_secret &&
            form["code"] == "code-" + p.o2_client_id) {
          return server::JsonResponse(200, {{"access_token", p.o2_access},
                                            {"refresh_token", p.o2_refresh},
                                            {"expires_in", 3600},
                                            {"token_type", "Bearer"}});
        }
      }
      return server::JsonResponse(400, {{"error", "invalid_grant"}});
    });
    router_.Add("POST", "/oauth1/request_token", server::Access::kPublic, [this](server::Request& r) {
      auto auth = OAuthParams(r);
      return server::Response::Text(
          200, "oauth_token=req-" + auth["oauth_consumer_key"] +
                   "&oauth_token_secret=req-secret-1234&oauth_callback_confirmed=true",
          "application/x-www-form-urlencoded");
    });
    router_.Add("GET", "/oauth1/authorize", server::Access::kPublic, [this](server::Request& r) {
      server::Response out = server::Response::Text(302, "");
      out.SetHeader("Location", relish_url_ + "/oauth/callback?oauth_token=" +
                                    FormEncode(r.QueryParam("oauth_token").value_or("")) +
                                    "&oauth_verifier=verifier-1");
      return out;
    });
    router_.Add("POST", "/oauth1/access_token", server::Access::kPublic, [this](server::Request& r) {
      auto auth = OAuthParams(r);
      for (const auto& p : orgs_) {
        if (auth["oauth_consumer_key"] == p.o1_consumer_key) {
          return server::Response::Text(
              200, "oauth_token=" + FormEncode(p.o1_token) +
                       "&oauth_token_secret=" + FormEncode(p.o1_token_secret),
              "application/x-www-form-urlencoded");
        }
      }
      return server::Response::Text(401, "unknown consumer");
    });
    server::ServerOptions options;
    options.port = 0;
    options.threads = 1;
    server_ = std::make_unique<server::HttpServer>(options, router_, metrics_);
    ok_ = server_->Listen().ok();
    if (ok_) thread_ = std::thread([this] { server_->Run(false); });
  }
  ~Upstream() {
    if (ok_) {
      server_->Stop();
      thread_.join();
    }
  }
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void set_relish_url(std::string url) { relish_url_ = std::move(url); }

 private:
  // OAuth 1.0a's Authorization header parameters, decoded.
  static std::map<std::string, std::string> OAuthParams(const server::Request& r) {
    std::map<std::string, std::string> out;
    std::string_view h = r.Header("Authorization").value_or("");
    if (!h.starts_with("OAuth ")) return out;
    h.remove_prefix(6);
    while (!h.empty()) {
      size_t comma = h.find(',');
      std::string_view part = h.substr(0, comma);
      while (part.starts_with(' ')) part.remove_prefix(1);
      size_t eq = part.find('=');
      if (eq != std::string_view::npos) {
        std::string_view v = part.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
        out[std::string(part.substr(0, eq))] = PercentDecode(v, false);
      }
      if (comma == std::string_view::npos) break;
      h.remove_prefix(comma + 1);
    }
    return out;
  }

  server::Response Echo(const server::Request& r) {
    std::vector<std::string> got;
    if (auto key = r.Header("X-Api-Key")) got.push_back("x-api-key=" + std::string(*key));
    if (!r.query.empty()) got.push_back("query=" + r.query);
    if (!r.body.empty()) got.push_back("body=" + r.body);
    std::string auth(r.Header("Authorization").value_or(""));
    if (auth.starts_with("OAuth ")) {
      auto params = OAuthParams(r);
      got.push_back("oauth_token=" + params["oauth_token"]);
      for (const auto& p : orgs_) {
        if (params["oauth_consumer_key"] == p.o1_consumer_key) {
          got.push_back("token_secret=" + p.o1_token_secret);
          got.push_back("consumer_secret=" + p.o1_consumer_secret);
        }
      }
    } else if (!auth.empty()) {
      got.push_back("authorization=" + auth);
      if (auth.starts_with("Basic ")) {
        std::string pair = Base64Decode(auth.substr(6)).value_or("");
        got.push_back("password=" + pair.substr(pair.find(':') + 1));
      }
      for (const auto& p : orgs_) {
        if (auth == "Bearer " + p.o2_access) {
          got.push_back("refresh=" + p.o2_refresh);
          got.push_back("client_secret=" + p.o2_client_secret);
        }
      }
    }
    std::string joined;
    for (const auto& g : got) joined += (joined.empty() ? "" : "; ") + g;
    server::Response out = server::JsonResponse(200, {{"got", got}});
    out.SetHeader("X-Echo", joined);
    out.SetHeader("Location", url() + "/next?seen=" + joined);
    return out;
  }

  std::vector<Planted> orgs_;
  std::string relish_url_;
  server::Router router_;
  server::Metrics metrics_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  bool ok_ = false;
};

// One connection per placement: link name, service definition (after its id line), and how the
// credentials are given.
struct Placement {
  std::string link;
  std::string yaml;  // with {up} for the upstream's URL
};

std::vector<Placement> Placements() {
  const std::string hosts = "base_url: {up}\nallowed_hosts: ['{up}']\n";
  return {
      {"hdr", "name: Header key\nauth: api_key\n" + hosts +
                  "api_key: {in: header, fields: [{name: X-Api-Key, label: Key}]}\n"},
      {"qry", "name: Query key\nauth: api_key\n" + hosts +
                  "api_key: {in: query, fields: [{name: api_key, label: Key}]}\n"},
      {"frm", "name: Form key\nauth: api_key\n" + hosts +
                  "api_key: {in: form, fields: [{name: api_key, label: Key}]}\n"},
      {"bearer", "name: Bearer\nauth: bearer\n" + hosts},
      {"basic", "name: Basic\nauth: basic\n" + hosts},
      {"oauth2", "name: OAuth2\nauth: oauth2\n" + hosts +
                     "oauth2:\n  authorize_url: {up}/oauth2/authorize\n"
                     "  token_url: {up}/oauth2/token\n  scopes: [read]\n  client_auth: form\n"},
      {"oauth1", "name: OAuth1\nauth: oauth1\n" + hosts +
                     "oauth1:\n  request_token_url: {up}/oauth1/request_token\n"
                     "  authorize_url: {up}/oauth1/authorize\n"
                     "  access_token_url: {up}/oauth1/access_token\n"}};
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// A script that calls `link` at `path` and shows what came back every way a script can.
std::string EchoScript(const std::string& up, const std::string& link, const std::string& extra) {
  return "r = invokeurl\n[\n  url: \"" + up + "/echo\"\n  type: " +
         (extra.empty() ? "GET" : "POST") + "\n" + extra + "  connection: \"" + link +
         "\"\n  detailed: true\n];\n"
         "info r.get(\"responseText\");\n"
         "info r.get(\"responseHeader\").get(\"x-echo\");\n"
         "info r.get(\"responseHeader\").get(\"location\");\n"
         "return {\"text\": r.get(\"responseText\"), \"echo\": r.get(\"responseHeader\").get(\"x-echo\")};\n";
}

class SecretsTest : public ::testing::Test {
 protected:
  static constexpr const char* kAdminEmail = "admin@localhost";
  static constexpr const char* kAdminPassword = "admin-password-for-secrets-3e1a";

  void SetUp() override {
    a_ = Planted::For("A");
    b_ = Planted::For("B");
    upstream_ = std::make_unique<Upstream>(std::vector<Planted>{a_, b_});
    ASSERT_TRUE(upstream_->ok());
    up_ = upstream_->url();
    // Everything Relish logs, after its redactor.
    InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    data_ = std::filesystem::temp_directory_path() /
            ("relish-secrets-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_);
    ConfigSources sources;
    sources.flags = {{"data_dir", data_.string()},
                     {"listen", "127.0.0.1:0"},
                     {"admin_email", kAdminEmail},
                     {"admin_password", kAdminPassword},
                     {"egress_allow_loopback", "true"}};
    auto config = LoadConfig(sources);
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    auto app = app::App::Open(*config);
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    app_ = std::move(*app);
    std::string base =
        "http://127.0.0.1:" + std::to_string(testing::ServeInBackground(*app_, server_));
    upstream_->set_relish_url(base);
    admin_ = std::make_unique<RelishClient>(base);
    dev_ = std::make_unique<RelishClient>(base);
    ASSERT_EQ(admin_->SignInForToken(kAdminEmail, kAdminPassword), "");
    // The developer joins the administrator's organizations, A only so far.
    auto user = admin_->Api("POST", "/api/v1/users",
                            {{"email", "dev-a@example.com"}, {"name", "Dev A"},
                             {"password", "developer password"}});
    ASSERT_EQ(user.status, 201) << user.body;
    ASSERT_EQ(dev_->SignInForToken("dev-a@example.com", "developer password"), "");
    auto me = admin_->Api("GET", "/api/v1/me");
    org_a_ = me.json["orgs"][0]["id"].get<std::string>();
    auto org = admin_->Api("POST", "/api/v1/orgs", {{"name", "Organization B"}});
    ASSERT_EQ(org.status, 201) << org.body;
    org_b_ = org.json["id"].get<std::string>();
    Provision(org_a_, a_);
    Provision(org_b_, b_);
  }

  void TearDown() override {
    if (app_) app_->Stop();
    if (server_.joinable()) server_.join();
    app_.reset();
    std::filesystem::remove_all(data_);
    (void)InitLogging({.level = "warn"});  // the sink refers to log_
  }

  // The administrator sets up one organization's services and connections with its secrets.
  void Provision(const std::string& org, const Planted& p) {
    std::string q = "?org=" + org;
    for (const auto& placement : Placements()) {
      std::string yaml = "id: echo_" + placement.link + "\n" + Replace(placement.yaml, "{up}", up_);
      auto s = admin_->Send("POST", "/api/v1/services" + q, yaml,
                            {{"Authorization", "Bearer " + admin_->token()},
                             {"Content-Type", "application/yaml"}});
      ASSERT_EQ(s.status, 201) << placement.link << ": " << s.body;
      auto c = admin_->Api("POST", "/api/v1/connections" + q,
                           {{"name", placement.link},
                            {"link_name", placement.link},
                            {"service", "echo_" + placement.link}});
      ASSERT_EQ(c.status, 201) << c.body;
    }
    auto set = [&](const std::string& link, const Json& fields) {
      auto r = admin_->Api("PUT", "/api/v1/connections/" + link + "/credentials" + q,
                           {{"fields", fields}});
      ASSERT_EQ(r.status, 200) << link << ": " << r.body;
    };
    set("hdr", {{"X-Api-Key", p.header_key}});
    set("qry", {{"api_key", p.query_key}});
    set("frm", {{"api_key", p.form_key}});
    set("bearer", {{"token", p.bearer}});
    set("basic", {{"username", p.basic_user}, {"password", p.basic_password}});
    auto client = [&](const std::string& service, const std::string& id, const std::string& secret) {
      auto r = admin_->Api("PUT", "/api/v1/services/" + service + "/client" + q,
                           {{"client_id", id}, {"client_secret", secret}});
      ASSERT_EQ(r.status, 200) << r.body;
    };
    client("echo_oauth2", p.o2_client_id, p.o2_client_secret);
    client("echo_oauth1", p.o1_consumer_key, p.o1_consumer_secret);
    ASSERT_EQ(admin_->Authorize("oauth2", kAdminEmail, kAdminPassword, "sandbox", org), "");
    ASSERT_EQ(admin_->Authorize("oauth1", kAdminEmail, kAdminPassword, "sandbox", org), "");
  }

  // POST /api/v1/functions/run as `client`.
  RelishClient::Reply Run(RelishClient& client, const std::string& source, const std::string& org) {
    return client.Api("POST", "/api/v1/functions/run?org=" + org, {{"source", source}});
  }

  // Planted values of either organization found in `text`.
  std::vector<std::string> Leaks(const std::string& text) const {
    std::vector<std::string> found;
    for (const Planted* p : {&a_, &b_}) {
      for (const auto& s : p->Secrets()) {
        if (text.find(s) != std::string::npos) found.push_back(s);
      }
    }
    return found;
  }

  // What the echo shows for each placement after masking, in the order the upstream lists it.
  std::map<std::string, std::vector<std::string>> Expected() const {
    const std::string m = "[REDACTED]";
    return {{"hdr", {"x-api-key=" + m}},
            {"qry", {"query=api_key=" + m}},
            {"frm", {"query=api_key=" + m}},
            {"frm_post", {"body=note=hi&api_key=" + m}},
            {"bearer", {"authorization=Bearer " + m}},
            {"basic", {"authorization=Basic " + m, "password=" + m}},
            {"oauth2", {"authorization=Bearer " + m, "refresh=" + m, "client_secret=" + m}},
            {"oauth1", {"oauth_token=" + m, "token_secret=" + m, "consumer_secret=" + m}}};
  }

  static std::string Joined(const std::vector<std::string>& got, const std::string& sep) {
    std::string out;
    for (const auto& g : got) out += (out.empty() ? "" : sep) + g;
    return out;
  }

  Planted a_, b_;
  std::unique_ptr<Upstream> upstream_;
  std::string up_;
  std::ostringstream log_;
  std::filesystem::path data_;
  std::unique_ptr<app::App> app_;
  std::thread server_;
  std::unique_ptr<RelishClient> admin_, dev_;
  std::string org_a_, org_b_;
};

// Each placement through POST /api/v1/functions/run: the info lines and the return value show
// the mask where the upstream echoed a secret, in its body, a header and a Location.
TEST_F(SecretsTest, AFunctionNeverSeesASecretTheUpstreamEchoes) {
  // Organization B uses its connections too, so its secrets are open in this process.
  for (const auto& placement : Placements()) {
    auto r = Run(*admin_, EchoScript(up_, placement.link, ""), org_b_);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  for (auto [name, link, extra] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"hdr", "hdr", ""},       {"qry", "qry", ""},         {"frm", "frm", ""},
           {"frm_post", "frm", "  parameters: {\"note\": \"hi\"}\n"},
           {"bearer", "bearer", ""}, {"basic", "basic", ""},     {"oauth2", "oauth2", ""},
           {"oauth1", "oauth1", ""}}) {
    SCOPED_TRACE(name);
    auto r = Run(*dev_, EchoScript(up_, link, extra), org_a_);
    ASSERT_EQ(r.status, 200) << r.body;
    const std::vector<std::string> got = Expected()[name];
    Json text = {{"got", got}};
    EXPECT_EQ(r.json["info"], Json::array({text.dump(), Joined(got, "; "),
                                           up_ + "/next?seen=" + Joined(got, "; ")}));
    EXPECT_EQ(r.json["return"], (Json{{"text", text}, {"echo", Joined(got, "; ")}}));
    EXPECT_EQ(Leaks(r.body), std::vector<std::string>{});
  }
}

// A credential in the URL that the client puts into an error (a redirect it cannot follow): the
// script's error, the run's calls and the audit show it masked.
TEST_F(SecretsTest, ErrorsThatQuoteTheUrlAreMasked) {
  for (const char* link : {"qry", "frm"}) {
    SCOPED_TRACE(link);
    auto r = Run(*dev_,
                 std::string("try {\n  r = invokeurl [ url: \"") + up_ +
                     "/bounce\" type: GET connection: \"" + link +
                     "\" ];\n} catch (e) {\n  info e;\n}\nreturn \"done\";\n",
                 org_a_);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json["info"].size(), 1u) << r.body;
    EXPECT_EQ(r.json["info"][0],
              Json({{"lineNo", 2},
                    {"message", "invokeurl to " + up_ +
                                    "/bounce failed: invalid redirect location "
                                    "'http://[bad/?api_key=[REDACTED]': Bad IPv6 address"}})
                  .dump());
    EXPECT_EQ(Leaks(r.body), std::vector<std::string>{});
  }
  auto audit = dev_->Api("GET", "/api/v1/audit?limit=2");
  ASSERT_EQ(audit.status, 200);
  for (const auto& e : audit.json["entries"]) {
    EXPECT_EQ(e["error"], "invalid redirect location 'http://[bad/?api_key=[REDACTED]': "
                          "Bad IPv6 address");
  }
  EXPECT_EQ(Leaks(audit.body), std::vector<std::string>{});
}

// The credentialed proxy hands back the upstream's answer with the connection's secrets masked:
// body, headers and Location, on its first call (credentials loaded through Call) and its second
// (cached credentials, the asynchronous path).
TEST_F(SecretsTest, TheProxysAnswerIsMasked) {
  for (const auto& placement : Placements()) {
    std::string name = placement.link;
    SCOPED_TRACE(name);
    const std::vector<std::string> got = Expected()[name];
    for (int round = 0; round < 2; ++round) {
      auto r = dev_->Api("GET", "/api/v1/proxy/" + name + "/echo");
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.body, Json({{"got", got}}).dump());
      std::string echo, location;
      for (const auto& [k, v] : r.headers) {
        if (k == "x-echo") echo = v;
        if (k == "location") location = v;
      }
      EXPECT_EQ(echo, Joined(got, "; "));
      EXPECT_EQ(location, up_ + "/next?seen=" + Joined(got, "; "));
    }
  }
  // A redirect is handed back as it is, its Location masked.
  for (int round = 0; round < 2; ++round) {
    auto r = dev_->Api("GET", "/api/v1/proxy/qry/bounce?x=1");
    EXPECT_EQ(r.status, 302);
    std::string location;
    for (const auto& [k, v] : r.headers) {
      if (k == "location") location = v;
    }
    EXPECT_EQ(location, "http://[bad/?x=1&api_key=[REDACTED]");
  }
  EXPECT_EQ(Leaks(dev_->transcript()), std::vector<std::string>{});
}

// A rule's run through every connection: the execution log's entry (info lines, calls, return
// value) and the audit of the run.
TEST_F(SecretsTest, TheExecutionLogAndTheAuditHoldNoSecret) {
  std::string source;
  std::vector<std::string> expected_info;
  for (const auto& placement : Placements()) {
    source += "r = invokeurl [ url: \"" + up_ + "/echo\" type: GET connection: \"" +
              placement.link + "\" detailed: true ];\n"
              "info r.get(\"responseText\");\ninfo r.get(\"responseHeader\").get(\"location\");\n";
    const std::vector<std::string> got = Expected()[placement.link];
    expected_info.push_back(Json({{"got", got}}).dump());
    expected_info.push_back(up_ + "/next?seen=" + Joined(got, "; "));
  }
  source += "return r.get(\"responseHeader\").get(\"x-echo\");\n";
  auto f = dev_->Api("PUT", "/api/v1/workflow/functions/leak_all",
                     {{"source", source}, {"params", Json::array({"contact"})}});
  ASSERT_EQ(f.status, 200) << f.body;
  auto rule = dev_->Api("POST", "/api/v1/workflow/rules",
                        {{"name", "Leak"}, {"module", "Contacts"}, {"trigger", "create"},
                         {"conditions", Json::array({{{"actions", Json::array({{{"function", "leak_all"}}})}}})}});
  ASSERT_EQ(rule.status, 201) << rule.body;
  auto record = dev_->Api("POST", "/api/v1/crm/modules/Contacts/records",
                          {{"data", Json::array({{{"Last_Name", "Leak"}, {"Email", "leak@example.com"}}})}});
  ASSERT_EQ(record.status, 201) << record.body;
  std::string run_id;
  for (int i = 0; i < 200 && run_id.empty(); ++i) {
    auto runs = dev_->Api("GET", "/api/v1/workflow/runs");
    if (runs.status == 200 && !runs.json["runs"].empty() &&
        runs.json["runs"][0]["status"] != "retrying") {
      run_id = runs.json["runs"][0]["id"].get<std::string>();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_NE(run_id, "");
  auto run = dev_->Api("GET", "/api/v1/workflow/runs/" + run_id);
  ASSERT_EQ(run.status, 200);
  EXPECT_EQ(run.json["status"], "success") << run.body;
  EXPECT_EQ(run.json["info"], Json(expected_info));
  EXPECT_EQ(run.json["result"],
            Json(Joined(Expected()["oauth1"], "; ")).dump());
  auto audit = dev_->Api("GET", "/api/v1/audit?run_id=" + run_id);
  ASSERT_EQ(audit.status, 200);
  EXPECT_EQ(audit.json["entries"].size(), Placements().size());
  EXPECT_EQ(Leaks(dev_->transcript()), std::vector<std::string>{});
  // `relish runs show`, as the developer sees it.
  std::string out = (data_.string() + "-cli-out");
  std::string command = "XDG_CONFIG_HOME=" + data_.string() + "-cli RELISH_URL=" + dev_->base_url() +
                        " RELISH_TOKEN=" + dev_->token() + " " + RELISH_BINARY + " runs show " +
                        run_id + " > " + out + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string shown = ReadAll(out);
  std::filesystem::remove(out);
  std::filesystem::remove_all(data_.string() + "-cli");
  EXPECT_NE(shown.find("{\"got\":[\"authorization=Bearer [REDACTED]\"]}"), std::string::npos)
      << shown;
  EXPECT_EQ(Leaks(shown), std::vector<std::string>{});
}

// Everything both users were shown, and the server's log, after all of the above.
TEST_F(SecretsTest, NothingRelishAnsweredOrLoggedHoldsAPlantedSecret) {
  for (auto* client : {admin_.get(), dev_.get()}) {
    for (const auto& placement : Placements()) {
      auto r = Run(*client, EchoScript(up_, placement.link, ""),
                   client == admin_.get() ? org_b_ : org_a_);
      ASSERT_EQ(r.status, 200);
      auto p = client->Send("GET", "/api/v1/proxy/" + placement.link + "/echo", "",
                            {{"Authorization", "Bearer " + client->token()},
                             {"X-Relish-Org", client == admin_.get() ? org_b_ : org_a_}});
      ASSERT_EQ(p.status, 200);
    }
    (void)client->Api("GET", "/api/v1/connections");
    (void)client->Api("GET", "/api/v1/audit");
  }
  app_->Stop();
  server_.join();
  EXPECT_EQ(Leaks(admin_->transcript()), std::vector<std::string>{});
  EXPECT_EQ(Leaks(dev_->transcript()), std::vector<std::string>{});
  EXPECT_EQ(Leaks(log_.str()), std::vector<std::string>{});
}

}  // namespace
}  // namespace relish
