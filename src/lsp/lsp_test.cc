#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "deluge/deluge.h"
#include "lsp/analysis.h"
#include "lsp/format.h"
#include "lsp/position.h"
#include "lsp/server.h"

namespace relish::lsp {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- positions ----

TEST(PositionTest, Utf16CountsSurrogatePairsAsTwo) {
  EXPECT_EQ(Utf16Length("abc"), 3);
  EXPECT_EQ(Utf16Length("é"), 1);       // 2 bytes
  EXPECT_EQ(Utf16Length("€"), 1);       // 3 bytes
  EXPECT_EQ(Utf16Length("😀"), 2);      // 4 bytes
  EXPECT_EQ(Utf16Length("\xff" "a"), 2);  // an invalid byte counts one
}

TEST(PositionTest, RuntimeColumnsAreBytesProtocolColumnsAreUnits) {
  std::string text = "x = \"é😀\";\r\ny = 1;";
  LineIndex lines(text);
  EXPECT_EQ(lines.line_count(), 2);
  EXPECT_EQ(lines.Line(0), "x = \"é😀\";");
  // The closing quote is byte 12 (from 1) of line 1: x,space,=,space,",é(2),😀(4),"
  EXPECT_EQ(lines.FromRuntime(1, 12), (Position{0, 8}));
  EXPECT_EQ(lines.FromRuntime(2, 1), (Position{1, 0}));
  EXPECT_EQ(lines.Offset({0, 8}), 11u);
  EXPECT_EQ(lines.Offset({0, 6}), 7u);   // between the surrogate halves: the character's start
  EXPECT_EQ(lines.Offset({0, 99}), 13u);  // clamped to the line's end, before "\r\n"
  EXPECT_EQ(lines.Offset({9, 0}), text.size());
  EXPECT_EQ(lines.PositionAt(11), (Position{0, 8}));
  EXPECT_EQ(lines.End(), (Position{1, 6}));
}

TEST(PositionTest, DiagnosticRangesAreInUtf16) {
  json d = Diagnostics("s = \"😀\"; info undefinedName;");
  ASSERT_EQ(d.size(), 1u) << d.dump();
  // "undefinedName" starts at byte 17 (0-based) but UTF-16 unit 15.
  EXPECT_EQ(d[0]["range"], json::parse(R"({"start":{"line":0,"character":15},
                                            "end":{"line":0,"character":28}})"));
  EXPECT_EQ(d[0]["severity"], 1);
}

// ---- formatting ----

TEST(FormatTest, LaysOutAsZohosEditor) {
  std::string in =
      "// sync\nm = Map();  m.put( \"a\" , 1 );\nif(m.size()>0 && !m.isEmpty()){ info \"yes\"; }"
      "else if (x==-1) {info m ;}\nelse{ r = invokeurl [ url: \"https://e.example/\" type: GET "
      "connection : \"c\" ]; }\nfor each  k in m.keys() { info k; // the key\n}\n"
      "try { x = 1/0; } catch(e) { info e; }\n\n\n\nreturn {\"a\":1, \"b\":[1,2]};";
  auto out = FormatScript(in);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            "// sync\n"
            "m = Map();\n"
            "m.put(\"a\",1);\n"
            "if(m.size() > 0 && !m.isEmpty())\n"
            "{\n"
            "\tinfo \"yes\";\n"
            "}\n"
            "else if(x == -1)\n"
            "{\n"
            "\tinfo m;\n"
            "}\n"
            "else\n"
            "{\n"
            "\tr = invokeurl\n"
            "\t[\n"
            "\t\turl :\"https://e.example/\"\n"
            "\t\ttype :GET\n"
            "\t\tconnection:\"c\"\n"
            "\t];\n"
            "}\n"
            "for each  k in m.keys()\n"
            "{\n"
            "\tinfo k; // the key\n"
            "}\n"
            "try\n"
            "{\n"
            "\tx = 1 / 0;\n"
            "}\n"
            "catch (e)\n"
            "{\n"
            "\tinfo e;\n"
            "}\n"
            "\n"
            "return {\"a\":1,\"b\":[1,2]};\n");
  auto again = FormatScript(*out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *out);
}

TEST(FormatTest, HeadersCommentsAndContinuations) {
  std::string in =
      "string standalone.greet(String name, int n)\n{\n/* a\n   block */\nx = name +   // first\n"
      "\"!\";\n  return x;\n}";
  auto out = FormatScript(in);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            "string standalone.greet(String name,int n)\n{\n\t/* a\n   block */\n\tx = name + // "
            "first\n\t\t\"!\";\n\treturn x;\n}\n");
  EXPECT_EQ(*FormatScript(*out), *out);
}

TEST(FormatTest, BlocksAfterLiteralsAndStatementsAfterSendmail) {
  auto out = FormatScript(
      "for each index i in {1,2} { if(i == 1) { continue; } }\n"
      "sendmail [ from: zoho.adminuserid to: \"a@b.c\" subject: \"x\" message: \"y\" ] "
      "info {\"a\":-1};");
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            "for each index i in {1,2}\n{\n\tif(i == 1)\n\t{\n\t\tcontinue;\n\t}\n}\n"
            "sendmail\n[\n\tfrom:zoho.adminuserid\n\tto:\"a@b.c\"\n\tsubject:\"x\"\n"
            "\tmessage:\"y\"\n]\ninfo {\"a\":-1};\n");
  EXPECT_EQ(*FormatScript(*out), *out);
}

TEST(FormatTest, RefusesWhatDoesNotParse) {
  auto out = FormatScript("if(x {");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message().find("cannot format: line 1:"), std::string::npos);
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Formats `source` (when it parses) and checks: idempotent, and the same program: the same
// diagnostics (without positions) and, for a script that compiles, the same parameters.
void CheckFormatting(const std::string& what, const std::string& source, int& formatted) {
  auto once = FormatScript(source);
  if (!once.ok()) {
    // Only scripts that do not parse are refused; never one the runtime compiles.
    EXPECT_EQ(once.error().code(), ErrorCode::kInvalidArgument) << what << once.error().message();
    return;
  }
  ++formatted;
  auto twice = FormatScript(*once);
  ASSERT_TRUE(twice.ok()) << what;
  EXPECT_EQ(*twice, *once) << what;
  auto a = deluge::Compile(source);
  auto b = deluge::Compile(*once);
  ASSERT_EQ(a.diagnostics.size(), b.diagnostics.size()) << what;
  for (size_t k = 0; k < a.diagnostics.size(); ++k) {
    EXPECT_EQ(a.diagnostics[k].message, b.diagnostics[k].message) << what;
  }
  EXPECT_EQ(a.ok(), b.ok()) << what;
  if (a.ok() && b.ok()) {
    EXPECT_EQ(deluge::ParameterNames(*a.program), deluge::ParameterNames(*b.program)) << what;
  }
}

// The scripts of tests/deluge/**/*.test: each case's lines between its directives and `----`.
std::vector<std::pair<std::string, std::string>> DataScripts() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : fs::recursive_directory_iterator(RELISH_SOURCE_DIR "/tests/deluge")) {
    if (entry.path().extension() != ".test") continue;
    std::istringstream in(ReadAll(entry.path()));
    std::string line, script;
    bool in_script = false, seen_case = false;
    int n = 0, start = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.rfind("====", 0) == 0) {
        in_script = true;
        seen_case = true;
        script.clear();
        start = n;
        continue;
      }
      if (!in_script && !seen_case && (line.empty() || line[0] == '#')) continue;
      if (!seen_case) {
        seen_case = true;
        in_script = true;
        start = n;
      }
      if (!in_script) continue;
      if (line == "----") {
        out.emplace_back(entry.path().string() + ":" + std::to_string(start), script);
        in_script = false;
        continue;
      }
      if (script.empty() && line.rfind("@", 0) == 0) continue;
      script += line + "\n";
    }
  }
  return out;
}

TEST(FormatCorpusTest, EveryLanguageTestScript) {
  int formatted = 0;
  auto scripts = DataScripts();
  ASSERT_GT(scripts.size(), 400u);
  for (const auto& [what, source] : scripts) CheckFormatting(what, source, formatted);
  EXPECT_GT(formatted, 300);
}

TEST(FormatCorpusTest, ExamplesAndFuzzCorpus) {
  int formatted = 0, files = 0;
  for (const char* dir : {RELISH_SOURCE_DIR "/examples", RELISH_SOURCE_DIR "/fuzz/corpus/deluge"}) {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::string name = entry.path().string();
      if (std::string(dir).find("examples") != std::string::npos &&
          entry.path().extension() != ".dg") {
        continue;
      }
      ++files;
      CheckFormatting(name, ReadAll(entry.path()), formatted);
    }
  }
  EXPECT_GT(files, 60);
  EXPECT_GT(formatted, 20);
}

// ---- the server ----

std::string Frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<json> Replies(const std::string& input, int* exit_code = nullptr,
                          ServerOptions options = {}) {
  std::istringstream in(input);
  std::ostringstream out;
  int code = Serve(in, out, std::move(options));
  if (exit_code) *exit_code = code;
  std::vector<json> replies;
  std::string s = out.str();
  size_t pos = 0;
  while (pos < s.size()) {
    size_t colon = s.find(": ", pos);
    size_t end = s.find("\r\n\r\n", pos);
    size_t n = std::stoul(s.substr(colon + 2, end - colon - 2));
    replies.push_back(json::parse(s.substr(end + 4, n)));
    pos = end + 4 + n;
  }
  return replies;
}

const std::string kInit = Frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");

TEST(ServerTest, HostileInputGetsErrorsNotACrash) {
  std::string input = kInit;
  input += Frame("{not json");
  input += Frame("[1,2]");
  input += "Content-Length: 99999999999999999999\r\n\r\n";  // not a number that fits
  input += "X-Nothing: 1\r\n\r\n";                          // no length
  input += Frame(R"({"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///none.dg"},"position":{"line":0,"character":0}}})");
  input += Frame(R"({"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{"textDocument":7}})");
  input += Frame(R"({"jsonrpc":"2.0","id":4,"method":"no/such"})");
  input += Frame(R"({"jsonrpc":"2.0","id":{"x":1},"method":"shutdown"})");
  input += "Content-Length: 400\r\n\r\n" + std::string(400, 'x');  // over the bound below
  input += Frame(R"({"jsonrpc":"2.0","id":5,"method":"shutdown"})");
  input += Frame(R"({"jsonrpc":"2.0","method":"exit"})");
  int code = -1;
  auto replies = Replies(input, &code, {.max_message_bytes = 300});
  ASSERT_EQ(replies.size(), 11u);
  EXPECT_TRUE(replies[0]["result"].contains("capabilities"));
  EXPECT_EQ(replies[1]["error"]["code"], -32700);
  EXPECT_EQ(replies[2]["error"]["code"], -32600);
  EXPECT_EQ(replies[3]["error"]["code"], -32700);
  EXPECT_EQ(replies[4]["error"]["code"], -32700);
  EXPECT_EQ(replies[5]["error"], json::parse(R"({"code":-32602,"message":"unknown document: file:///none.dg"})"));
  EXPECT_EQ(replies[6]["error"]["code"], -32602);
  EXPECT_EQ(replies[7]["error"]["code"], -32601);
  EXPECT_EQ(replies[8]["error"], json::parse(R"({"code":-32600,"message":"a request id is a number or a text"})"));
  EXPECT_EQ(replies[9]["error"], json::parse(R"({"code":-32600,"message":"the message is larger than 300 bytes"})"));
  EXPECT_EQ(replies[10]["id"], 5);  // the server read on past all of it
  EXPECT_EQ(replies[10]["result"], nullptr);
  EXPECT_EQ(code, 0);
}

TEST(ServerTest, ShutdownThenExitIsClean) {
  int code = -1;
  auto replies = Replies(kInit + Frame(R"({"jsonrpc":"2.0","id":2,"method":"shutdown"})") +
                             Frame(R"({"jsonrpc":"2.0","method":"exit"})"),
                         &code);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1]["result"], nullptr);
  EXPECT_EQ(code, 0);
}

TEST(ServerTest, RequestsBeforeInitializeAreRefused) {
  auto replies = Replies(Frame(R"({"jsonrpc":"2.0","id":1,"method":"shutdown"})"));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["error"]["code"], -32002);
}

// ---- analysis ----

TEST(AnalysisTest, CompletionOffersTypedMethodsTasksAndLinks) {
  std::string text = "m = Map();\ns = \"x\";\nm.\nzoho.crm.\nr = zoho.crm.getRecordById(\"Leads\", 1, \"\");\n";
  auto labels = [](const json& items) {
    std::set<std::string> out;
    for (const auto& i : items) out.insert(i["label"].get<std::string>());
    return out;
  };
  auto methods = labels(Completion(text, {2, 2}, {}));
  EXPECT_TRUE(methods.count("put"));
  EXPECT_TRUE(methods.count("keys"));
  EXPECT_FALSE(methods.count("subString"));
  auto tasks = labels(Completion(text, {3, 9}, {}));
  EXPECT_TRUE(tasks.count("zoho.crm.getRecordById"));
  EXPECT_FALSE(tasks.count("zoho.bigin.getRecordById"));
  auto links = labels(Completion(text, {4, 40}, {"crm_link"}));  // inside the last ""
  EXPECT_EQ(links, std::set<std::string>{"crm_link"});
  auto plain = labels(Completion(text, {5, 0}, {}));
  EXPECT_TRUE(plain.count("m"));
  EXPECT_TRUE(plain.count("s"));
  EXPECT_TRUE(plain.count("ifnull"));
}

TEST(AnalysisTest, DefinitionReferencesAndUnusedWarnings) {
  std::string text = "total = 0;\nfor each  n in {1,2}\n{\n\ttotal = total + n;\n}\nunused = 1;\ninfo total;\n";
  auto ranges = VariableRanges(text, {6, 6});
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges[0], (Range{{0, 0}, {0, 5}}));
  EXPECT_EQ(ranges[3], (Range{{6, 5}, {6, 10}}));
  json d = Diagnostics(text);
  ASSERT_EQ(d.size(), 1u) << d.dump();
  EXPECT_EQ(d[0]["severity"], 2);
  EXPECT_EQ(d[0]["message"], "'unused' is given a value that is never used");
}

// The checker's warnings reach the editor as warnings (severity 2), at the `=`.
TEST(AnalysisTest, AnAssignmentInAConditionIsAWarning) {
  json d = Diagnostics("a = \"x\";\nif(a = \"x\")\n{\n\tinfo a;\n}\n");
  ASSERT_EQ(d.size(), 1u) << d.dump();
  EXPECT_EQ(d[0]["severity"], 2);
  EXPECT_EQ(d[0]["range"]["start"], (json{{"line", 1}, {"character", 5}}));
  EXPECT_EQ(d[0]["message"], "'=' in a condition compares, as '==' does: write '=='");
}

TEST(AnalysisTest, FunctionsHaveTheirOwnVariables) {
  std::string text =
      "string a.one(String name)\n{\n\tx = name;\n\treturn x;\n}\n"
      "int a.two()\n{\n\tx = 2;\n\treturn x;\n}\n";
  auto ranges = VariableRanges(text, {8, 8});  // the x returned by two
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], (Range{{7, 1}, {7, 2}}));
  json symbols = Symbols(text);
  ASSERT_EQ(symbols.size(), 2u) << symbols.dump();
  EXPECT_EQ(symbols[0]["name"], "a.one");
  EXPECT_EQ(symbols[0]["children"].size(), 2u);  // name, x
  EXPECT_EQ(symbols[1]["name"], "a.two");
  EXPECT_EQ(symbols[1]["children"].size(), 1u);
  json hover = HoverAt(text, {2, 6});  // `name`, the parameter
  EXPECT_EQ(hover["contents"]["value"], "```deluge\nname: text\n```\nparameter, defined on line 1");
  json sig = SignatureHelpAt("x = \"abc\".subString(1, ", {0, 24});
  EXPECT_EQ(sig["activeParameter"], 1);
  EXPECT_EQ(sig["signatures"][0]["label"], "subString(start[, end])");
}

// Every request at many positions of every test script, example and fuzz corpus file (half
// typed, broken, deeply nested, non-ASCII): answers, never a crash.
TEST(AnalysisTest, AnswersEverywhereInEveryScript) {
  std::vector<std::string> sources;
  for (const auto& [what, source] : DataScripts()) sources.push_back(source);
  for (const auto& entry : fs::recursive_directory_iterator(RELISH_SOURCE_DIR "/fuzz/corpus/deluge")) {
    if (entry.is_regular_file()) sources.push_back(ReadAll(entry.path()));
  }
  size_t requests = 0;
  for (const std::string& source : sources) {
    LineIndex lines(source);
    Diagnostics(source);
    Symbols(source);
    size_t step = std::max<size_t>(1, source.size() / 12);
    for (size_t offset = 0; offset <= source.size(); offset += step) {
      Position at = lines.PositionAt(offset);
      Completion(source, at, {"link"});
      HoverAt(source, at);
      SignatureHelpAt(source, at);
      VariableRanges(source, at);
      ++requests;
    }
  }
  EXPECT_GT(requests, 1000u);
}

}  // namespace
}  // namespace relish::lsp
