// Sign-in against the real server on loopback (issue 13, item 10), at the real Argon2id cost
// (~0.1 s a hash here): passwords are hashed off the I/O threads, on a bounded pool, and failed
// sign-ins are throttled per client address and per account. Other loopback addresses
// (127.0.0.2, ...) stand for other clients.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <memory>
#include <regex>
#include <thread>

#include "app/app.h"
#include "server/json.h"
#include "testing/serve_in_background.h"
#include "testing/test_http.h"

namespace relish {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::RawResponse;
using testing::TestConnection;

constexpr std::string_view kAdminPassword = "admin-password-for-tests";
constexpr std::string_view kBobPassword = "bob's planted password";

std::string JsonRequest(const std::string& method, const std::string& target, const Json& body) {
  std::string text = body.dump();
  return method + " " + target + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
}

std::string TokenRequest(std::string_view email, std::string_view password) {
  return JsonRequest("POST", "/api/v1/auth/token", {{"email", email}, {"password", password}});
}

class SignInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = fs::temp_directory_path() /
            ("relish-signin-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(data_);
    ConfigSources sources;
    // One I/O thread: a hash on it would hold up every other request.
    sources.flags = {{"data_dir", data_.string()},
                     {"listen", "127.0.0.1:0"},
                     {"admin_email", "admin@localhost"},
                     {"admin_password", std::string(kAdminPassword)},
                     {"log_level", "warn"},
                     {"threads", "1"}};
    auto config = LoadConfig(sources);
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    auto app = app::App::Open(*config);
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    app_ = std::move(*app);
    port_ = testing::ServeInBackground(*app_, runner_, [](const std::string& e) { ADD_FAILURE() << e; });
    // The administrator signs in from 127.0.0.1, as they always do.
    auto admin = Send(TokenRequest("admin@localhost", kAdminPassword));
    ASSERT_EQ(admin.status, 201) << admin.body;
    admin_token_ = Json::parse(admin.body)["token"].get<std::string>();
    // A second organization and its developer, Bob.
    auto org = Send(JsonRequest("POST", "/api/v1/orgs", {{"name", "Beta"}}), "127.0.0.1",
                    "Authorization: Bearer " + admin_token_ + "\r\n");
    ASSERT_EQ(org.status, 201) << org.body;
    auto bob = Send(JsonRequest("POST", "/api/v1/users",
                                {{"email", "bob@b.example"},
                                 {"password", kBobPassword},
                                 {"orgs", {Json::parse(org.body)["id"]}}}),
                    "127.0.0.1", "Authorization: Bearer " + admin_token_ + "\r\n");
    ASSERT_EQ(bob.status, 201) << bob.body;
  }
  void TearDown() override {
    if (app_) app_->Stop();
    if (runner_.joinable()) runner_.join();
    app_.reset();
    fs::remove_all(data_);
    for (const auto& body : bodies_) {
      EXPECT_EQ(body.find(kAdminPassword), std::string::npos) << body;
      EXPECT_EQ(body.find(kBobPassword), std::string::npos) << body;
    }
  }

  // One request on its own connection from `from`; `headers` go after Host.
  RawResponse Send(std::string request, const std::string& from = "127.0.0.1",
                   const std::string& headers = "") {
    if (!headers.empty()) request.insert(request.find("\r\n") + 2, headers);
    TestConnection c(port_, from);
    c.Send(request);
    RawResponse r = c.Read();
    bodies_.push_back(r.body);
    return r;
  }

  // The sign-in form, fetched and posted from `from`.
  RawResponse PostLoginForm(const std::string& from, std::string_view email,
                            std::string_view password) {
    TestConnection c(port_, from);
    auto page = c.Request("GET", "/login");
    std::smatch csrf;
    std::regex_search(page.body, csrf, std::regex(R"re(name="csrf_token" value="([^"]+)")re"));
    std::string cookie = page.Header("Set-Cookie");
    cookie = cookie.substr(0, cookie.find(';'));
    std::string form = "csrf_token=" + csrf[1].str() + "&email=" + std::string(email) +
                       "&password=" + std::string(password) + "&next=%2F";
    auto r =
        c.Request("POST", "/login", form,
                  "Cookie: " + cookie + "\r\nContent-Type: application/x-www-form-urlencoded\r\n");
    bodies_.push_back(r.body);
    return r;
  }

  // Retry-After as a number of seconds; 0 when absent or not a number.
  static int RetryAfter(const RawResponse& r) {
    std::string v = r.Header("Retry-After");
    return !v.empty() && v.find_first_not_of("0123456789") == std::string::npos ? std::stoi(v) : 0;
  }

  fs::path data_;
  std::unique_ptr<app::App> app_;
  std::thread runner_;
  uint16_t port_ = 0;
  std::string admin_token_;
  std::vector<std::string> bodies_;
};

// Twenty wrong sign-ins stalled /healthz for over a second: each hash ran on an I/O thread. Now
// /healthz is answered while most of sixteen sign-ins (within the pool's two threads and its
// queue of sixteen) are still waiting for their hash, and every one of them completes.
TEST_F(SignInTest, HealthzIsAnsweredWhileSignInsAreHashed) {
  constexpr int kSignIns = 16;
  std::vector<std::unique_ptr<TestConnection>> signins;
  for (int i = 0; i < kSignIns; ++i) {
    signins.push_back(std::make_unique<TestConnection>(port_));
    // Unknown emails: each verified against the dummy hash, at the same cost.
    signins.back()->Send(
        TokenRequest("nobody" + std::to_string(i) + "@example.com", "guess 123456"));
  }
  // The first answer: every sign-in has been read, and hashing is under way.
  std::vector<RawResponse> answers(kSignIns);
  answers[0] = signins[0]->Read();
  TestConnection health(port_);
  auto h = health.Request("GET", "/healthz");
  EXPECT_EQ(h.status, 200) << h.body;
  int answered = 1;
  for (int i = 1; i < kSignIns; ++i) {
    if (signins[i]->socket().available() > 0) ++answered;
  }
  EXPECT_LT(answered, kSignIns) << "/healthz waited for every sign-in";
  for (int i = 1; i < kSignIns; ++i) answers[i] = signins[i]->Read();
  for (int i = 0; i < kSignIns; ++i) {
    EXPECT_EQ(answers[i].status, 401) << i;
    EXPECT_EQ(answers[i].body, R"({"code":"unauthenticated","message":"wrong email or password"})")
        << i;
  }
}

// Ten failures for one account, from any addresses, hold it back everywhere but where its owner
// signed in before; every sign-in route answers 429 with Retry-After, without hashing.
TEST_F(SignInTest, AnAccountsFailuresAreThrottledAcrossAddresses) {
  for (int i = 0; i < 10; ++i) {
    auto r =
        Send(TokenRequest("Admin@localhost", "wrong password " + std::to_string(i)), "127.0.0.2");
    ASSERT_EQ(r.status, 401) << i << ": " << r.body;
  }
  auto refused = Send(TokenRequest("admin@localhost", "wrong password 10"), "127.0.0.2");
  EXPECT_EQ(refused.status, 429);
  int wait = RetryAfter(refused);
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 900);
  EXPECT_EQ(refused.body, R"({"code":"resource_exhausted","message":"too many failed sign-ins )"
                          R"(for this account; try again in )" +
                              std::to_string(wait) + R"( seconds"})");

  // Another address, the right password: still held back (nothing is hashed to find out).
  auto session = Send(JsonRequest("POST", "/api/v1/session",
                                  {{"email", "admin@localhost"}, {"password", kAdminPassword}}),
                      "127.0.0.3");
  EXPECT_EQ(session.status, 429) << session.body;
  EXPECT_GE(RetryAfter(session), 1);
  auto form = PostLoginForm("127.0.0.3", "admin%40localhost", "admin-password-for-tests");
  EXPECT_EQ(form.status, 429) << form.body;
  EXPECT_GE(RetryAfter(form), 1);
  EXPECT_NE(form.body.find("Too many failed sign-ins for this account; try again in "),
            std::string::npos)
      << form.body;

  // Where the administrator signed in before, they still can, on every route.
  auto own = Send(JsonRequest("POST", "/api/v1/session",
                              {{"email", "admin@localhost"}, {"password", kAdminPassword}}),
                  "127.0.0.1");
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(PostLoginForm("127.0.0.1", "admin%40localhost", "admin-password-for-tests").status,
            303);
  // Other accounts are not held back, from the same address either.
  auto bob = Send(TokenRequest("bob@b.example", kBobPassword), "127.0.0.2");
  EXPECT_EQ(bob.status, 201) << bob.body;
}

// Thirty failures from one address, over any accounts, hold the address back.
TEST_F(SignInTest, AnAddressesFailuresAreThrottled) {
  for (int batch = 0; batch < 2; ++batch) {
    std::vector<std::unique_ptr<TestConnection>> signins;
    for (int i = 0; i < 15; ++i) {
      signins.push_back(std::make_unique<TestConnection>(port_, "127.0.0.4"));
      signins.back()->Send(
          TokenRequest("nobody" + std::to_string(batch * 15 + i) + "@example.com", "guess 123456"));
    }
    for (auto& c : signins) ASSERT_EQ(c->Read().status, 401);
  }
  auto refused = Send(TokenRequest("bob@b.example", kBobPassword), "127.0.0.4");
  EXPECT_EQ(refused.status, 429);
  int wait = RetryAfter(refused);
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 900);
  EXPECT_EQ(refused.body, R"({"code":"resource_exhausted","message":"too many failed sign-ins )"
                          R"(from this address; try again in )" +
                              std::to_string(wait) + R"( seconds"})");
  EXPECT_EQ(Send(TokenRequest("bob@b.example", kBobPassword), "127.0.0.5").status, 201);
}

// More sign-ins at once than the pool's threads and queue hold: the rest are turned away at
// once with 503 and Retry-After instead of waiting without bound.
TEST_F(SignInTest, AFullPasswordPoolAnswers503) {
  constexpr int kSignIns = 30;  // the pool holds 2 + 16
  std::vector<std::unique_ptr<TestConnection>> signins;
  for (int i = 0; i < kSignIns; ++i) {
    signins.push_back(std::make_unique<TestConnection>(port_, "127.0.0.6"));
    signins.back()->Send(
        TokenRequest("nobody" + std::to_string(i) + "@example.com", "guess 123456"));
  }
  int busy = 0;
  for (auto& c : signins) {
    auto r = c->Read();
    if (r.status == 503) {
      ++busy;
      EXPECT_EQ(r.Header("Retry-After"), "1");
      EXPECT_EQ(r.body, R"({"code":"unavailable","message":"too many sign-ins are being checked )"
                        R"(at once; try again in 1 second"})");
    } else {
      EXPECT_EQ(r.status, 401) << r.body;
    }
  }
  EXPECT_GE(busy, 1);
  // A sign-in turned away was never checked: it is no failure of the address's. (Thirty
  // attempts, fewer than thirty failures: the address may still try.)
  EXPECT_EQ(Send(TokenRequest("bob@b.example", kBobPassword), "127.0.0.6").status, 201);
}

}  // namespace
}  // namespace relish
