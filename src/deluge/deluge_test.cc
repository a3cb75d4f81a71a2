// The public API, and what data files cannot express: sharing a compiled program between runs
// and threads, very long scripts, the run outcome's fields.
#include "deluge/deluge.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "deluge/fake_host.h"

namespace relish::deluge {
namespace {

TEST(DelugeTest, ALongElseIfChainNeitherParsesNorRunsRecursively) {
  std::string src = "x = 9000;\nif (x == 0) { info 0; }\n";
  for (int i = 1; i < 10000; ++i) {
    src += "else if (x == " + std::to_string(i) + ") { info \"hit " + std::to_string(i) + "\"; }\n";
  }
  src += "else { info \"none\"; }\n";
  Compiled compiled = Compile(src);
  ASSERT_TRUE(compiled.ok()) << compiled.diagnostics[0].message;
  FakeHost host;
  RunOptions options;
  auto outcome = deluge::Run(*compiled.program, host, options);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->ok) << outcome->error_message;
  ASSERT_EQ(host.info().size(), 1u);
  EXPECT_EQ(host.info()[0], "hit 9000");
  EXPECT_EQ(outcome->statements, 9003);  // the assignment, 9001 ifs tested, the info
}

TEST(DelugeTest, OneProgramRunsOnManyThreadsAtOnce) {
  Compiled compiled = Compile(R"(
    m = Map();
    for each k in {"alpha", "beta", "gamma"} { m.put(k, k.toUpperCase() + "!"); }
    s = "";
    for each v in m.values() { s = s + v; }
    return s;
  )");
  ASSERT_TRUE(compiled.ok());
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        FakeHost host;
        auto outcome = deluge::Run(*compiled.program, host);
        if (outcome.ok() && outcome->return_text == "ALPHA!BETA!GAMMA!") ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 800);
}

TEST(DelugeTest, DiagnosticsComeInSourceOrder) {
  Compiled compiled = Compile("a = ;\nb = 1\nc = 2;\n");
  ASSERT_FALSE(compiled.ok());
  ASSERT_EQ(compiled.diagnostics.size(), 2u);
  EXPECT_EQ(compiled.diagnostics[0].line, 1);
  EXPECT_EQ(compiled.diagnostics[1].line, 2);
}

// An editor underlines the text a problem is about: the token the parser stopped at, the name
// the checker could not resolve, or what the lexer could not read, up to where it stopped.
std::string Ranges(std::string_view source) {
  std::string out;
  for (const auto& d : Compile(source).diagnostics) {
    out += std::to_string(d.line) + ":" + std::to_string(d.column) + "-" +
           std::to_string(d.end_line) + ":" + std::to_string(d.end_column) + " " + d.message + "\n";
  }
  return out;
}

TEST(DelugeTest, DiagnosticsSpanWhatTheyAreAbout) {
  // A missing ';' is a point: where it belongs, after the statement's last token.
  EXPECT_EQ(Ranges("a = ;\nb = 1\nc = 2;\n"),
            "1:5-1:6 Expected a value but found ';'\n"
            "2:6-2:6 Expected ';' at the end of the statement but found 'c'\n");
  EXPECT_EQ(Ranges("x = 1;\ninfo y.toUpperCase();\ninfo x.frobnicate(1);\n"),
            "2:6-2:7 Variable 'y' is not defined\n"
            "3:8-3:18 'frobnicate' is not a function of any Deluge type\n");
  EXPECT_EQ(Ranges("x = \"two\nlines\" 3;"),
            "2:7-2:7 Expected ';' at the end of the statement but found '3'\n");
  EXPECT_EQ(Ranges("x = 1 +;"), "1:8-1:9 Expected a value but found ';'\n");
  EXPECT_EQ(Ranges("x = \"never closed;\n"), "1:5-2:1 Text is not closed: add a closing \"\n");
  EXPECT_EQ(Ranges("x = 1"),
            "1:6-1:6 Expected ';' at the end of the statement but found end of script\n");
}

TEST(DelugeTest, TheHeaderComesBackEvenWithErrors) {
  Compiled compiled = Compile("map standalone.sync(Int id, list tags) {\n  x = ;\n}\n");
  ASSERT_FALSE(compiled.ok());
  ASSERT_TRUE(compiled.header);
  EXPECT_EQ(compiled.header->name, "standalone.sync");
  EXPECT_EQ(compiled.header->return_type, "map");
  ASSERT_EQ(compiled.header->params.size(), 2u);
  EXPECT_EQ(compiled.header->params[1].name, "tags");
  EXPECT_EQ(compiled.header->params[1].type, "list");
  EXPECT_FALSE(Compile("info 1;").header);
}

TEST(DelugeTest, ARuntimeErrorNamesTheStatementsLineAndColumn) {
  Compiled compiled = Compile("l = {1};\nif (true) {\n    info l.get(3);\n}\n");
  ASSERT_TRUE(compiled.ok());
  FakeHost host;
  auto outcome = deluge::Run(*compiled.program, host);
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->ok);
  EXPECT_EQ(outcome->error_line, 3);
  EXPECT_EQ(outcome->error_column, 5);
}

TEST(DelugeTest, ReturnValueAsTextAndJson) {
  Compiled compiled = Compile(R"(return {"a": [1, "x"], "d": '01-Jan-2020'};)");
  ASSERT_TRUE(compiled.ok());
  FakeHost host;
  auto outcome = deluge::Run(*compiled.program, host);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->return_json, R"({"a":[1,"x"],"d":"01-Jan-2020"})");
  EXPECT_EQ(outcome->return_text, outcome->return_json);
}

TEST(DelugeTest, ParameterNames) {
  Compiled compiled = Compile("void automation.f(Int leadId, String requestId) { }");
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(ParameterNames(*compiled.program), (std::vector<std::string>{"leadId", "requestId"}));
}

TEST(DelugeTest, HostRecordsRequestsExactly) {
  Compiled compiled = Compile(R"(
    r = invokeurl [ url: "https://x.example.com/a" type: POST parameters: {"k": "v w"}
                    headers: {"X-A": "1"} connection: "conn" ];
  )");
  ASSERT_TRUE(compiled.ok());
  FakeHost host;
  host.AddResponse(HttpResponse{200, {}, "ok"});
  RunOptions options;
  options.limits.invokeurl_timeout = std::chrono::milliseconds(1234);
  options.limits.max_response_bytes = 999;
  auto outcome = deluge::Run(*compiled.program, host, options);
  ASSERT_TRUE(outcome.ok() && outcome->ok);
  ASSERT_EQ(host.requests().size(), 1u);
  const HttpRequest& r = host.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://x.example.com/a");
  EXPECT_EQ(r.body, "k=v+w");
  EXPECT_EQ(r.connection, "conn");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(1234));
  EXPECT_EQ(r.max_response_bytes, 999u);
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[1], (std::pair<std::string, std::string>{
                              "Content-Type", "application/x-www-form-urlencoded"}));
}

TEST(DelugeTest, Latin1ResponseDecoding) {
  Compiled compiled = Compile(
      R"(info invokeurl [ url: "https://x.example.com/" response-decoding: "ISO-8859-1" ];)");
  ASSERT_TRUE(compiled.ok());
  FakeHost host;
  host.AddResponse(HttpResponse{200, {}, "caf\xe9"});
  auto outcome = deluge::Run(*compiled.program, host);
  ASSERT_TRUE(outcome.ok() && outcome->ok);
  EXPECT_EQ(host.info().at(0), "caf\xc3\xa9");
}

}  // namespace
}  // namespace relish::deluge
