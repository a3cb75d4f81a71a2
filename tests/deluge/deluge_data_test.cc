// Runs every case in tests/deluge/**/*.test (format: tests/deluge/README.md) against a FakeHost
// and compares the transcript (info lines, host calls when asked, the error) line by line.
// Each case is its own GoogleTest test, named after its file and position.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "deluge/deluge.h"
#include "deluge/fake_host.h"

namespace relish::deluge {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string file;  // relative to tests/deluge
  int line = 0;      // first line of the case in the file
  std::string name;
  std::vector<std::string> directives;
  std::string script;
  std::vector<std::string> expected;
};

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<Case> ReadCases(const fs::path& path, const std::string& rel) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::vector<std::string> lines = SplitLines(ss.str());
  std::vector<Case> cases;
  Case current;
  enum { kHeader, kScript, kExpected } state = kHeader;
  bool started = false;
  auto flush = [&] {
    if (started) {
      while (!current.expected.empty() && current.expected.back().empty()) {
        current.expected.pop_back();
      }
      cases.push_back(current);
    }
    current = Case();
    current.file = rel;
    started = false;
    state = kHeader;
  };
  current.file = rel;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("====", 0) == 0) {
      flush();
      current.line = static_cast<int>(i + 1);
      current.name = line.substr(4);
      current.name.erase(0, current.name.find_first_not_of(' '));
      started = true;
      continue;
    }
    if (!started) {
      if (line.empty() || line[0] == '#') continue;  // file comments before the first case
      started = true;
      current.line = static_cast<int>(i + 1);
    }
    if (state != kExpected && line == "----") {
      state = kExpected;
      continue;
    }
    if (state == kHeader && line.rfind("@", 0) == 0) {
      current.directives.push_back(line.substr(1));
      continue;
    }
    if (state == kHeader) state = kScript;
    if (state == kScript) {
      current.script += line;
      current.script += '\n';
    } else {
      current.expected.push_back(line);
    }
  }
  flush();
  return cases;
}

std::string Diff(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  std::string out;
  size_t n = std::max(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string* w = i < want.size() ? &want[i] : nullptr;
    const std::string* g = i < got.size() ? &got[i] : nullptr;
    if (w && g && *w == *g) {
      out += "  " + *w + "\n";
      continue;
    }
    if (w) out += "- " + *w + "\n";
    if (g) out += "+ " + *g + "\n";
  }
  return out;
}

std::pair<std::string, std::string> Word(const std::string& s) {
  size_t sp = s.find(' ');
  if (sp == std::string::npos) return {s, ""};
  return {s.substr(0, sp), s.substr(sp + 1)};
}

class DataCase : public testing::Test {
 public:
  explicit DataCase(Case c) : case_(std::move(c)) {}

  void TestBody() override {
    FakeHost host;
    host.set_record_calls(false);
    RunOptions options;
    CompileOptions compile;
    bool check_only = false;
    std::vector<std::pair<HttpResponse, std::optional<Error>>> answers;
    for (const std::string& d : case_.directives) {
      auto [key, rest] = Word(d);
      if (key == "arg") {
        size_t eq = rest.find('=');
        ASSERT_NE(eq, std::string::npos) << "@arg NAME=JSON";
        std::string name = rest.substr(0, eq);
        name.erase(name.find_last_not_of(' ') + 1);
        std::string json = rest.substr(eq + 1);
        json.erase(0, json.find_first_not_of(' '));
        options.args.push_back({name, json});
        compile.arg_names.push_back(name);
      } else if (key == "response") {
        auto [status, body] = Word(rest);
        HttpResponse r;
        r.status = std::stoi(status);
        r.body = body;
        if (!body.empty() && (body[0] == '{' || body[0] == '[')) {
          r.headers.emplace_back("Content-Type", "application/json;charset=UTF-8");
        }
        answers.emplace_back(r, std::nullopt);
      } else if (key == "response-header") {
        ASSERT_FALSE(answers.empty()) << "@response-header must follow its @response";
        size_t colon = rest.find(':');
        ASSERT_NE(colon, std::string::npos) << "@response-header Name: value";
        std::string value = rest.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        auto& headers = answers.back().first.headers;
        std::string name = rest.substr(0, colon);
        std::erase_if(headers, [&](const auto& h) {
          return std::equal(h.first.begin(), h.first.end(), name.begin(), name.end(),
                            [](char a, char b) { return std::tolower(a) == std::tolower(b); });
        });
        headers.emplace_back(name, value);
      } else if (key == "fetch-error") {
        auto [kind, message] = Word(rest);
        answers.emplace_back(HttpResponse{}, kind == "timeout"     ? DeadlineExceeded(message)
                                             : kind == "too-large" ? ResourceExhausted(message)
                                                                   : Unavailable(message));
      } else if (key == "task") {
        auto [name, json] = Word(rest);
        host.AddTaskResult(name, json);
      } else if (key == "task-error") {
        auto [name, message] = Word(rest);
        host.AddTaskError(name, FailedPrecondition(message));
      } else if (key == "mail-error") {
        host.SetMailError(Unavailable(rest));
      } else if (key == "limit") {
        auto [what, value] = Word(rest);
        int64_t v = std::stoll(value);
        if (what == "statements") options.limits.max_statements = v;
        if (what == "wall-ms") options.limits.max_wall_time = std::chrono::milliseconds(v);
        if (what == "depth") options.limits.max_call_depth = static_cast<int>(v);
        if (what == "timeout-ms") options.limits.invokeurl_timeout = std::chrono::milliseconds(v);
        if (what == "response-bytes") options.limits.max_response_bytes = static_cast<size_t>(v);
        if (what == "text-bytes") options.limits.max_text_bytes = static_cast<size_t>(v);
        if (what == "collection-size") options.limits.max_collection_size = static_cast<size_t>(v);
        if (what == "memory-bytes") options.limits.max_memory_bytes = static_cast<size_t>(v);
      } else if (key == "latency-ms") {
        host.SetFetchLatency(Millis(std::stoll(rest)));
      } else if (key == "clock-step-ms") {
        host.SetClockStep(Millis(std::stoll(rest)));
      } else if (key == "timezone") {
        host.SetTimeZone(rest);
      } else if (key == "now") {
        host.fake_clock().Set(std::stoll(rest));
      } else if (key == "calls") {
        host.set_record_calls(true);
      } else if (key == "check") {
        check_only = true;
      } else if (key == "script") {
        // The script is a fixture file (the seed's script, kept byte for byte).
        std::ifstream f(fs::path(RELISH_DELUGE_TESTS_DIR) / rest, std::ios::binary);
        ASSERT_TRUE(f.good()) << "cannot read " << rest;
        std::stringstream ss;
        ss << f.rdbuf();
        case_.script = ss.str();
      } else if (key == "function") {
        // A function of the organization, for standalone.NAME(...): @function NAME PATH.
        auto [name, path] = Word(rest);
        std::ifstream f(fs::path(RELISH_DELUGE_TESTS_DIR) / path, std::ios::binary);
        ASSERT_TRUE(f.good()) << "cannot read " << path;
        std::stringstream ss;
        ss << f.rdbuf();
        host.AddFunction(name, ss.str());
      } else if (key == "connection") {
        // A connection invokeapi can use: @connection LINK SERVICE_ID ORIGIN.
        auto [link, more] = Word(rest);
        auto [service, origin] = Word(more);
        host.AddConnection(link, service, origin);
      } else {
        ADD_FAILURE() << "unknown directive @" << key;
      }
    }
    for (auto& [response, error] : answers) {
      if (error) {
        host.AddFetchError(*error);
      } else {
        host.AddResponse(response);
      }
    }
    std::vector<std::string> got;
    Compiled compiled = Compile(case_.script, compile);
    for (const auto& w : compiled.warnings) {
      got.push_back("warning: line " + std::to_string(w.line) + ":" + std::to_string(w.column) +
                    ": " + w.message);
    }
    if (!compiled.ok()) {
      for (const auto& d : compiled.diagnostics) {
        got.push_back("error: line " + std::to_string(d.line) + ":" + std::to_string(d.column) +
                      ": " + d.message);
      }
    } else if (!check_only) {
      auto outcome = deluge::Run(*compiled.program, host, options);
      for (const std::string& entry : host.transcript()) {
        for (std::string& line : SplitLines(entry.empty() ? "\n" : entry)) got.push_back(line);
        if (!entry.empty() && entry.back() == '\n') got.emplace_back();
      }
      if (!outcome.ok()) {
        got.push_back("error: " + outcome.error().message());
      } else if (!outcome->ok) {
        got.push_back("error: line " + std::to_string(outcome->error_line) + ": " +
                      outcome->error_message);
      } else if (!outcome->return_text.empty() || outcome->return_json != "null") {
        got.push_back("return: " + outcome->return_text);
      }
    }
    while (!got.empty() && got.back().empty()) got.pop_back();  // as the expected lines
    if (got != case_.expected) {
      ADD_FAILURE_AT(("tests/deluge/" + case_.file).c_str(), case_.line)
          << "case " << (case_.name.empty() ? "" : "'" + case_.name + "' ")
          << "output differs (- expected, + actual):\n"
          << Diff(case_.expected, got);
    }
  }

 private:
  Case case_;
};

std::string TestName(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

int RegisterAll() {
  fs::path root = RELISH_DELUGE_TESTS_DIR;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".test") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  int count = 0;
  for (const auto& path : files) {
    std::string rel = fs::relative(path, root).string();
    for (Case& c : ReadCases(path, rel)) {
      std::string suite = TestName(rel.substr(0, rel.size() - 5));
      std::string name =
          "line" + std::to_string(c.line) + (c.name.empty() ? "" : "_" + TestName(c.name));
      testing::RegisterTest(suite.c_str(), name.c_str(), nullptr, nullptr, path.c_str(), c.line,
                            [c]() -> testing::Test* { return new DataCase(c); });
      ++count;
    }
  }
  return count;
}

}  // namespace
}  // namespace relish::deluge

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  int n = relish::deluge::RegisterAll();
  if (n == 0) {
    std::fprintf(stderr, "no cases found under %s\n", RELISH_DELUGE_TESTS_DIR);
    return 1;
  }
  return RUN_ALL_TESTS();
}
