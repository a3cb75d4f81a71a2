// relish run / relish check, end to end in-process: exit codes and what goes to stdout/stderr.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.h"

namespace relish::cli {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

class RunCommandTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("relish-run-test-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  Result Cli(std::vector<std::string> args) {
    args.insert(args.begin(), "relish");
    args.push_back("--data");
    args.push_back((dir_ / "data").string());
    if (args[1] == "check") args.resize(args.size() - 2);  // check takes no --data
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream out;
    std::ostringstream err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    int code = Main(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    return {code, out.str(), err.str()};
  }

  std::filesystem::path dir_;
};

TEST_F(RunCommandTest, InfoLinesGoToStdout) {
  std::string file = Write("ok.dg", "info \"a\";\ninfo {\"k\": [1, 2]};\n");
  Result r = Cli({"run", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "a\n{\"k\":[1,2]}\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(RunCommandTest, ArgumentsAreJsonAndFillTheHeader) {
  std::string file = Write("h.dg",
                           "void automation.f(Int leadId, Map contact)\n{\n"
                           "\tinfo leadId + 1;\n\tinfo contact.get(\"Contacts.ID\");\n}\n");
  Result r = Cli({"run", file, "--arg", "leadId=41", "--arg", "contact={\"Contacts.ID\":\"7\"}"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "42\n7\n");
}

TEST_F(RunCommandTest, RuntimeErrorIsFileLineMessageAndExit1) {
  std::string file = Write("bad.dg", "info \"before\";\nl = {1};\ninfo l.get(3);\n");
  Result r = Cli({"run", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "before\n");
  EXPECT_EQ(r.err, file + ":3: Given index 3 is greater than the list size\n");
}

TEST_F(RunCommandTest, SyntaxErrorsAreAllReportedAndNothingRuns) {
  std::string file = Write("syntax.dg", "info \"x\";\na = ;\ninfo undefinedThing\n");
  Result r = Cli({"run", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, file + ":2: Expected a value but found ';'\n" + file +
                       ":3: Expected ';' at the end of the statement but found end of script\n");
}

TEST_F(RunCommandTest, CheckReportsWithoutRunning) {
  std::string good = Write("good.dg", "info contact;\n");
  Result ok = Cli({"check", good, "--arg", "contact={}"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "");
  Result missing = Cli({"check", good});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, good + ":1: Variable 'contact' is not defined\n");
}

TEST_F(RunCommandTest, UsageErrorsExit2) {
  std::string file = Write("h.dg", "void automation.f(Int leadId) { info leadId; }\n");
  EXPECT_EQ(Cli({"run", file}).code, 2);                                       // missing argument
  EXPECT_EQ(Cli({"run", file, "--arg", "leadId"}).code, 2);                    // no '='
  EXPECT_EQ(Cli({"run", file, "--arg", "leadId={oops"}).code, 2);              // not JSON
  EXPECT_EQ(Cli({"run", file, "--arg", "leadId=1", "--arg", "x=2"}).code, 2);  // unknown
  EXPECT_EQ(Cli({"run"}).code, 2);                                             // no file
}

TEST_F(RunCommandTest, TheStatementLimitCanBeRaised) {
  std::string file =
      Write("loop.dg",
            "n = 0;\nfor each i in \"\".leftPad(999).replaceAll(\" \", \",\").toList()\n"
            "{\n\tn = n + 1;\n}\ninfo n;\n");
  Result low = Cli({"run", file, "--max-statements", "100"});
  EXPECT_EQ(low.code, 1);
  EXPECT_NE(low.err.find("(limit: statements per run)"), std::string::npos) << low.err;
  Result high = Cli({"run", file, "--max-statements", "5000"});
  EXPECT_EQ(high.code, 0) << high.err;
  EXPECT_EQ(high.out, "1000\n");
}

TEST_F(RunCommandTest, AMissingFileFails) {
  Result r = Cli({"run", (dir_ / "nope.dg").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace relish::cli
