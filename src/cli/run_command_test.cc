// relish run / relish check, end to end in-process: exit codes and what goes to stdout/stderr.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/runtime.h"
#include "cli/cli.h"
#include "store/testing.h"

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
    if (args[1] == "check") {
      args.resize(args.size() - 2);  // check takes no --data
    } else if (!database_url_.empty()) {
      args.push_back("--set");
      args.push_back("database_url=" + database_url_);
    }
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
  std::string database_url_;  // empty: the data directory's SQLite file
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

// Issue 19: `relish check DIR` and `relish run DIR` exited 0 having checked nothing.
// Issue 17: `=` in a condition runs as `==`; check and run warn with line and column, and the
// check still succeeds.
TEST_F(RunCommandTest, AssignmentInAConditionIsAWarning) {
  std::string file = Write("eq.dg", "a = \"x\";\nif(a = \"x\")\n{\n\tinfo \"yes\";\n}\n");
  std::string warning =
      file + ":2:6: warning: '=' in a condition compares, as '==' does: write '=='\n";
  Result check = Cli({"check", file});
  EXPECT_EQ(check.code, 0);
  EXPECT_EQ(check.err, warning);
  Result json = Cli({"check", "--json", file});
  EXPECT_EQ(json.code, 0);
  EXPECT_NE(json.out.find("\"severity\": \"warning\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"column\": 6"), std::string::npos) << json.out;
  Result run = Cli({"run", file});
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.out, "yes\n");
  EXPECT_EQ(run.err, warning);
}

TEST_F(RunCommandTest, CheckTakesFilesAndFoldersOfScripts) {
  std::filesystem::create_directories(dir_ / "scripts" / "more");
  std::string a = Write("scripts/a.dg", "info 1;\n");
  std::string b = Write("scripts/more/b.dg", "x = ;\n");
  Write("scripts/notes.txt", "not a script");
  std::string c = Write("c.dg", "info y;\n");
  Result r = Cli({"check", (dir_ / "scripts").string(), c});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, b + ":1: Expected a value but found ';'\n" + c +
                       ":1: Variable 'y' is not defined\n");
  EXPECT_EQ(Cli({"check", (dir_ / "scripts").string(), a}).code, 1);
  std::filesystem::remove(b);
  EXPECT_EQ(Cli({"check", (dir_ / "scripts").string(), a}).code, 0);
  std::filesystem::create_directories(dir_ / "empty");
  Result empty = Cli({"check", (dir_ / "empty").string()});
  EXPECT_EQ(empty.code, 1);
  EXPECT_EQ(empty.err, "relish: nothing to check in " + (dir_ / "empty").string() +
                           ": no topping.yaml and no .dg files\n");
}

TEST_F(RunCommandTest, CheckReadsAToppingFolderAsAPushWould) {
  Result good = Cli({"check", "examples/bigin-books-sync"});
  EXPECT_EQ(good.code, 0) << good.err;
  EXPECT_EQ(good.err, "");
  std::filesystem::create_directories(dir_ / "t" / "functions");
  Write("t/topping.yaml",
        "namespace: acme\nname: Acme\nversion: 1\nfunctions:\n  - {name: hello, params: "
        "[contact]}\n  - {name: gone}\n");
  Write("t/functions/hello.dg", "info contact.get(\"Email\");\ninfo missing;\n");
  Write("t/functions/stray.dg", "info 1;\n");
  std::string t = (dir_ / "t").string();
  Result bad = Cli({"check", t});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, t + "/topping.yaml:6: function 'gone': there is no file functions/gone.dg\n" +
                         t + "/functions/hello.dg:2: Variable 'missing' is not defined\n" + t +
                         "/functions/stray.dg:1: no function in topping.yaml uses this file; add "
                         "it under 'functions'\n");
}

TEST_F(RunCommandTest, RunRefusesAFolder) {
  Result r = Cli({"run", dir_.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "relish: " + dir_.string() +
                       " is a folder; run takes one script (.dg); relish check takes folders\n");
  EXPECT_EQ(r.out, "");
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

// A data directory as `relish serve` leaves it, with a contact in the sandbox CRM.
class RunWithDataTest : public RunCommandTest {
 protected:
  void SetUp() override {
    RunCommandTest::SetUp();
    // cli_test_postgres: the installation's database is a fresh PostgreSQL schema, which relish
    // run finds through database_url (its data directory has no relish.db then).
    if (store::testing::TestingPostgres()) {
      auto url = store::testing::NewPostgresSchemaUrl();
      ASSERT_TRUE(url.ok()) << url.error().ToString();
      database_url_ = *url;
    }
    Config config;
    config.data_dir = (dir_ / "data").string();
    config.database_url = database_url_;
    config.admin_password = "admin-password-for-tests";
    auto rt = app::Runtime::Open(config, {.public_url = "http://127.0.0.1:1"});
    ASSERT_TRUE(rt.ok()) << rt.error().message();
    auto admin = (*rt)->identity().FindUserByEmail("admin@localhost");
    ASSERT_TRUE(admin.ok());
    org_ = (*rt)->identity().OrgsOf(admin->id)->front().id;
    auto made = (*rt)->crm().InsertRecords(
        {org_, "sandbox"}, "Contacts",
        crm::Json::array({{{"Last_Name", "Doe"}, {"Email", "jane@example.com"}}}),
        {admin->id, admin->name, admin->email}, {});
    ASSERT_TRUE(made.ok() && made->at(0).ok);
  }
  std::string org_;
};

TEST_F(RunWithDataTest, TasksUseTheDataDirectorysCrmAsItsFirstAdministrator) {
  std::string file = Write("crm.dg",
                           "r = zoho.bigin.searchRecords(\"Contacts\", \"(Last_Name:equals:Doe)\");\n"
                           "info r.size() + \" \" + r.get(0).get(\"Email\");\n"
                           "info zoho.loginuser;\n");
  Result r = Cli({"run", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1 jane@example.com\nadmin@localhost\n");
  EXPECT_EQ(r.err, "");
  // Production has its own records; --org names the organization.
  std::string count = Write("count.dg", "info zoho.bigin.getRecords(\"Contacts\").size();\n");
  Result prod = Cli({"run", count, "--env", "production", "--org", org_});
  EXPECT_EQ(prod.code, 0) << prod.err;
  EXPECT_EQ(prod.out, "0\n");
}

TEST_F(RunWithDataTest, UnknownUsersOrganizationsAndEnvironmentsAreRefused) {
  std::string file = Write("one.dg", "info 1;\n");
  Result user = Cli({"run", file, "--user", "nobody@example.com"});
  EXPECT_EQ(user.code, 1);
  EXPECT_EQ(user.err, "relish: no user nobody@example.com in " + (dir_ / "data").string() + "\n");
  Result org = Cli({"run", file, "--org", "org_nope"});
  EXPECT_EQ(org.code, 1);
  EXPECT_EQ(org.err, "relish: no organization org_nope among admin@localhost's\n");
  Result env = Cli({"run", file, "--env", "staging"});
  EXPECT_EQ(env.code, 2);
  EXPECT_EQ(env.err, "relish: --env must be sandbox or production\n");
}

// Issue 17: standalone.name(...) runs a function of the data directory's organization; two that
// call each other forever stop at the call-depth limit with its error.
TEST_F(RunWithDataTest, StandaloneCallsRunTheOrganizationsFunctions) {
  {
    Config config;
    config.data_dir = (dir_ / "data").string();
    config.database_url = database_url_;
    auto rt = app::Runtime::Open(config, {.public_url = "http://127.0.0.1:1", .first_start = false});
    ASSERT_TRUE(rt.ok()) << rt.error().message();
    auto admin = (*rt)->identity().FindUserByEmail("admin@localhost");
    ASSERT_TRUE(admin.ok());
    crm::Space space{org_, "sandbox"};
    auto put = [&](const std::string& name, const std::string& source) {
      auto r = (*rt)->workflow().PutFunction(space, "tools",
                                             {.name = name, .source = source, .params = {}},
                                             admin->id);
      ASSERT_TRUE(r.ok()) << r.error().message();
    };
    put("double_it", "int standalone.double_it(Int n)\n{\n\tinfo \"doubling\";\n\treturn n * 2;\n}\n");
    put("ping", "int standalone.ping(Int n)\n{\n\treturn standalone.pong(n + 1);\n}\n");
    put("pong", "int standalone.pong(Int n)\n{\n\treturn standalone.ping(n + 1);\n}\n");
  }
  std::string file = Write("call.dg", "info standalone.double_it(21);\n");
  Result r = Cli({"run", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "doubling\n42\n");
  std::string loop = Write("loop.dg", "info \"start\";\nx = standalone.ping(0);\n");
  Result l = Cli({"run", loop, "--max-depth", "20"});
  EXPECT_EQ(l.code, 1);
  EXPECT_EQ(l.out, "start\n");
  EXPECT_EQ(l.err, loop + ":2: Execution stopped: more than 20 nested function calls (limit: "
                          "function call depth)\n");
  std::string missing = Write("missing.dg", "standalone.nothere();\n");
  Result m = Cli({"run", missing});
  EXPECT_EQ(m.code, 1);
  EXPECT_EQ(m.err, missing + ":1: Function 'standalone.nothere' is not defined\n");
}

TEST_F(RunWithDataTest, AMissingConnectionIsARuntimeError) {
  std::string file = Write("conn.dg",
                           "r = invokeurl [ url: \"https://books.zoho.com/api/v3/x\" "
                           "connection: \"books\" ];\n");
  Result r = Cli({"run", file, "--calls"});
  EXPECT_EQ(r.code, 1);
  // The call's time is measured, not known: looking the connection up takes under a millisecond
  // in SQLite, a round trip or two to PostgreSQL.
  size_t ms = r.err.find(" ms, connection books");
  size_t open = r.err.rfind('(', ms);
  ASSERT_TRUE(ms != std::string::npos && open != std::string::npos && ms > open + 1) << r.err;
  ASSERT_EQ(r.err.substr(open + 1, ms - open - 1).find_first_not_of("0123456789"), std::string::npos)
      << r.err;
  r.err.replace(open + 1, ms - open - 1, "T");
  EXPECT_EQ(r.err,
            "relish: GET https://books.zoho.com/api/v3/x -> no response (T ms, connection books, "
            "no connection 'books' in the sandbox environment)\n" +
                file +
                ":1: invokeurl to https://books.zoho.com/api/v3/x failed: no connection 'books' "
                "in the sandbox environment\n");
}

TEST_F(RunCommandTest, WithoutADataDirectoryConnectionsAndTasksSayWhy) {
  std::string file = Write("task.dg", "r = zoho.crm.getRecordById(\"Leads\", 1);\n");
  Result r = Cli({"run", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, file +
                       ":1: zoho.crm.getRecordById without a connection reads this installation's "
                       "CRM, which is not available: there is no Relish data in " +
                       (dir_ / "data").string() +
                       " (relish serve creates it; --data names another directory)\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data"));  // nothing was created to run a script
}

TEST_F(RunCommandTest, MailIsReportedNotSent) {
  std::string file = Write("mail.dg",
                           "sendmail [ from: zoho.adminuserid to: \"a@example.com\" subject: \"Hi\" "
                           "message: \"m\" ];\ninfo \"sent\";\n");
  Result r = Cli({"run", file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "sent\n");
  EXPECT_EQ(r.err,
            "relish: sendmail not delivered (relish records mail, it does not send it): to "
            "a@example.com: Hi\n");
}

}  // namespace
}  // namespace relish::cli
