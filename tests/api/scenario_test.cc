// Runs the REST scenarios in tests/api/**/*.test against a real Relish on loopback.
// The file format is described in tests/api/README.md.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "app/app.h"
#include "base/log.h"
#include "server/json.h"
#include "testing/serve_in_background.h"
#include "testing/test_http.h"

namespace relish {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Vars = std::map<std::string, std::string>;

constexpr std::string_view kAdminEmail = "admin@localhost";
constexpr std::string_view kAdminPassword = "admin-password-for-tests";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Split(const std::string& text, const std::string& sep_line) {
  std::vector<std::string> parts;
  std::string current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line == sep_line) {
      parts.push_back(current);
      current.clear();
    } else {
      current += line + "\n";
    }
  }
  parts.push_back(current);
  return parts;
}

std::string Substitute(const std::string& text, const Vars& vars, std::string* error) {
  static const std::regex kVar(R"(\{\{([A-Za-z0-9_]+)\}\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), kVar);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += text.substr(last, static_cast<size_t>(it->position()) - last);
    auto v = vars.find((*it)[1]);
    if (v == vars.end()) {
      *error = "unbound variable {{" + std::string((*it)[1]) + "}}";
    } else {
      out += v->second;
    }
    last = static_cast<size_t>(it->position() + it->length());
  }
  return out + text.substr(last);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == '\n' || s[i] == ' ')) ++i;
  return s.substr(i);
}

// Matches `text` against `pattern`, a literal with "$name" placeholders: an unbound name captures
// a run of characters that cannot end a URL parameter or an HTML attribute and binds it; a bound
// one must appear as its value. With `contains`, the pattern may match anywhere in `text`.
bool MatchPattern(const std::string& pattern, const std::string& text, bool contains, Vars& vars) {
  static const std::regex kPlaceholder(R"(\$([A-Za-z0-9_]+))");
  static const std::regex kSpecial(R"([.^$|()\[\]{}*+?\\])");
  std::string re;
  std::vector<std::string> names;
  size_t last = 0;
  for (auto it = std::sregex_iterator(pattern.begin(), pattern.end(), kPlaceholder);
       it != std::sregex_iterator(); ++it) {
    re += std::regex_replace(pattern.substr(last, static_cast<size_t>(it->position()) - last),
                             kSpecial, "\\$&");
    std::string name = (*it)[1];
    if (auto v = vars.find(name); v != vars.end()) {
      re += std::regex_replace(v->second, kSpecial, "\\$&");
    } else {
      re += R"(([^&"'<>\s]*))";
      names.push_back(name);
    }
    last = static_cast<size_t>(it->position() + it->length());
  }
  re += std::regex_replace(pattern.substr(last), kSpecial, "\\$&");
  std::smatch m;
  std::regex compiled(re);
  bool ok = contains ? std::regex_search(text, m, compiled) : std::regex_match(text, m, compiled);
  if (!ok) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != "any") vars[names[i]] = m[i + 1];
  }
  return true;
}

bool HasPlaceholder(const std::string& s) {
  static const std::regex kPlaceholder(R"(\$[A-Za-z0-9_]+)");
  return std::regex_search(s, kPlaceholder);
}

// Matches `actual` against `expected`, binding "$name" strings. Returns "" or a description.
std::string Match(const Json& expected, const Json& actual, Vars& vars, const std::string& path) {
  if (expected.is_string()) {
    const std::string& e = expected.get_ref<const std::string&>();
    if (e.size() > 1 && e[0] == '$' && e[1] != '$') {
      std::string name = e.substr(1);
      if (name == "any") return "";
      std::string value = actual.is_string() ? actual.get<std::string>() : actual.dump();
      auto it = vars.find(name);
      if (it == vars.end()) {
        vars[name] = value;
        return "";
      }
      return it->second == value ? "" : path + ": expected $" + name + " = " + it->second +
                                             ", got " + actual.dump();
    }
    std::string literal = e.starts_with("$$") ? e.substr(1) : e;
    if (actual.is_string() && actual.get<std::string>() == literal) return "";
    return path + ": expected \"" + literal + "\", got " + actual.dump();
  }
  if (expected.is_object()) {
    if (!actual.is_object()) return path + ": expected an object, got " + actual.dump();
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k)) return path + ": missing key \"" + k + "\" in " + actual.dump();
      std::string m = Match(v, actual[k], vars, path + "." + k);
      if (!m.empty()) return m;
    }
    for (const auto& [k, v] : actual.items()) {
      if (!expected.contains(k)) return path + ": unexpected key \"" + k + "\": " + v.dump();
    }
    return "";
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return path + ": expected an array, got " + actual.dump();
    if (expected.size() != actual.size()) {
      return path + ": expected " + std::to_string(expected.size()) + " elements, got " +
             std::to_string(actual.size()) + ": " + actual.dump();
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      std::string m = Match(expected[i], actual[i], vars, path + "[" + std::to_string(i) + "]");
      if (!m.empty()) return m;
    }
    return "";
  }
  if (expected == actual) return "";
  return path + ": expected " + expected.dump() + ", got " + actual.dump();
}

class Scenario : public ::testing::TestWithParam<fs::path> {
 protected:
  void SetUp() override {
    data_ = fs::temp_directory_path() /
            ("relish-scenario-" + std::to_string(::getpid()) + "-" + GetParam().stem().string());
    fs::remove_all(data_);
    ConfigSources sources;
    sources.flags = {{"data_dir", data_.string()},
                     {"listen", "127.0.0.1:0"},
                     {"admin_email", std::string(kAdminEmail)},
                     {"admin_password", std::string(kAdminPassword)},
                     {"log_level", "warn"}};
    // "# config: key=value" lines in the scenario set configuration keys.
    std::istringstream file(ReadFile(GetParam()));
    for (std::string line; std::getline(file, line);) {
      if (!line.starts_with("# config: ")) continue;
      auto eq = line.find('=');
      ASSERT_NE(eq, std::string::npos) << line;
      sources.flags.emplace_back(line.substr(10, eq - 10), line.substr(eq + 1));
    }
    auto config = LoadConfig(sources);
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    auto app = app::App::Open(*config);
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    app_ = std::move(*app);
    port_ = testing::ServeInBackground(*app_, runner_, [](const std::string& e) { ADD_FAILURE() << e; });
    vars_["base_url"] = "http://127.0.0.1:" + std::to_string(port_);
    vars_["admin_email"] = std::string(kAdminEmail);
    vars_["admin_password"] = std::string(kAdminPassword);
    testing::TestConnection c(port_);
    auto login = c.Request("POST", "/api/v1/auth/token",
                           R"({"email":"admin@localhost","password":"admin-password-for-tests"})",
                           "Content-Type: application/json\r\n");
    ASSERT_EQ(login.status, 201) << login.body;
    vars_["admin_token"] = Json::parse(login.body)["token"].get<std::string>();
    auto me = c.Request("GET", "/api/v1/me", "",
                        "Authorization: Bearer " + vars_["admin_token"] + "\r\n");
    vars_["org"] = Json::parse(me.body)["orgs"][0]["id"].get<std::string>();
  }
  void TearDown() override {
    if (app_) app_->Stop();
    if (runner_.joinable()) runner_.join();
    app_.reset();
    fs::remove_all(data_);
  }

  void RunStep(const std::string& step, int number) {
    SCOPED_TRACE("step " + std::to_string(number));
    auto halves = Split(step, "----");
    ASSERT_EQ(halves.size(), 2u) << "a step needs exactly one '----' line:\n" << step;
    std::string error;
    // Request.
    std::istringstream req(Substitute(halves[0], vars_, &error));
    ASSERT_EQ(error, "");
    std::string line;
    std::string request_line;
    while (std::getline(req, line)) {
      if (line.empty() || line[0] == '#') continue;
      request_line = line;
      break;
    }
    auto space = request_line.find(' ');
    ASSERT_NE(space, std::string::npos) << "bad request line: " << request_line;
    std::string method = request_line.substr(0, space);
    std::string target = request_line.substr(space + 1);
    // An absolute URL on this server (a link Relish handed out) is requested by its path.
    const std::string& base = vars_["base_url"];
    if (target.starts_with(base + "/")) target = target.substr(base.size());
    if (method == "SLEEP") {  // "SLEEP 300": wait 300 ms (for expiry tests)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(target)));
      return;
    }
    std::string headers;
    while (std::getline(req, line) && !line.empty()) headers += line + "\r\n";
    std::string body((std::istreambuf_iterator<char>(req)), std::istreambuf_iterator<char>());
    body = Trim(body);
    if (!body.empty() && headers.find("Content-Type") == std::string::npos) {
      headers += "Content-Type: application/json\r\n";
    }
    testing::TestConnection c(port_);
    auto response = c.Request(method, target, body, headers);
    // Expectation.
    std::istringstream exp(halves[1]);
    std::string status_line;
    while (std::getline(exp, status_line) && (status_line.empty() || status_line[0] == '#')) {
    }
    EXPECT_EQ(std::to_string(response.status), Trim(status_line))
        << method << " " << target << "\n" << response.body;
    // Header expectations run until a blank line or the first line that is not "Name: value".
    static const std::regex kHeaderLine(R"(^[A-Za-z0-9-]+: .*)");
    std::string first_body_line;
    while (std::getline(exp, line)) {
      if (line.empty()) break;
      if (!std::regex_match(line, kHeaderLine)) {
        first_body_line = line + "\n";
        break;
      }
      auto colon = line.find(": ");
      std::string name = line.substr(0, colon);
      std::string want = Substitute(line.substr(colon + 2), vars_, &error);
      ASSERT_EQ(error, "");
      std::string got = response.Header(name);
      if (HasPlaceholder(want) && !(want.starts_with("$") && !HasPlaceholder(want.substr(1)))) {
        bool contains = want.starts_with("~");
        EXPECT_TRUE(MatchPattern(contains ? want.substr(1) : want, got, contains, vars_))
            << name << ": " << got << "\ndoes not match: " << want;
      } else if (want.starts_with("~")) {
        EXPECT_NE(got.find(want.substr(1)), std::string::npos) << name << ": " << got;
      } else if (want.starts_with("$") && !want.starts_with("$$")) {
        if (want != "$any") vars_[want.substr(1)] = got;
      } else {
        EXPECT_EQ(got, want) << name;
      }
    }
    std::string expected_body =
        first_body_line +
        std::string((std::istreambuf_iterator<char>(exp)), std::istreambuf_iterator<char>());
    expected_body = Trim(Substitute(expected_body, vars_, &error));
    ASSERT_EQ(error, "");
    if (expected_body.starts_with("{") || expected_body.starts_with("[")) {
      Json expected = Json::parse(expected_body, nullptr, false);
      ASSERT_FALSE(expected.is_discarded()) << "expected body is not JSON: " << expected_body;
      Json actual = Json::parse(response.body, nullptr, false);
      ASSERT_FALSE(actual.is_discarded()) << "response body is not JSON: " << response.body;
      std::string m = Match(expected, actual, vars_, "$");
      EXPECT_EQ(m, "") << method << " " << target << "\n" << response.body;
    } else if (expected_body.starts_with("~") || expected_body.starts_with("!")) {
      std::istringstream lines(expected_body);
      while (std::getline(lines, line)) {
        if (line.starts_with("!")) {
          EXPECT_EQ(response.body.find(line.substr(1)), std::string::npos)
              << "must not appear: " << line.substr(1) << "\nin: " << response.body;
        } else if (line.starts_with("~") && HasPlaceholder(line.substr(1))) {
          EXPECT_TRUE(MatchPattern(line.substr(1), response.body, true, vars_))
              << "no match for: " << line.substr(1) << "\nin: " << response.body;
        } else if (line.starts_with("~")) {
          EXPECT_NE(response.body.find(line.substr(1)), std::string::npos)
              << "missing: " << line.substr(1) << "\nin: " << response.body;
        }
      }
    } else {
      EXPECT_EQ(response.body, expected_body) << method << " " << target;
    }
  }

  fs::path data_;
  std::unique_ptr<app::App> app_;
  std::thread runner_;
  uint16_t port_ = 0;
  Vars vars_;
};

TEST_P(Scenario, Runs) {
  auto steps = Split(ReadFile(GetParam()), "====");
  for (size_t i = 0; i < steps.size(); ++i) {
    RunStep(steps[i], static_cast<int>(i + 1));
    if (HasFatalFailure()) return;
  }
}

std::vector<fs::path> Files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator("tests/api")) {
    if (e.path().extension() == ".test") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Api, Scenario, ::testing::ValuesIn(Files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string name = info.param.parent_path().filename().string() + "_" +
                                              info.param.stem().string();
                           for (auto& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace relish
