#include "deluge/vocabulary.h"

#include <gtest/gtest.h>

#include <regex>

#include "deluge/builtins.h"
#include "deluge/deluge.h"
#include "deluge/tasks.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

const VocabularyEntry* Find(const std::vector<VocabularyEntry>& list, std::string_view name) {
  for (const auto& e : list) {
    if (EqualsIgnoreCase(e.name, name)) return &e;
  }
  return nullptr;
}

// Every built-in a table registers, and every task, is offered: the vocabulary is the tables.
TEST(VocabularyTest, EveryRegisteredBuiltinAndTaskIsOffered) {
  const Vocabulary& v = LanguageVocabulary();
  VocabularySources runtime = RuntimeSources();
  for (auto table : runtime.functions) {
    for (const Builtin& b : table) EXPECT_TRUE(Find(v.functions, b.name)) << b.name;
  }
  for (const auto& [receiver, table] : runtime.methods) {
    for (const Builtin& b : table) {
      const VocabularyEntry* e = Find(v.methods, b.name);
      ASSERT_TRUE(e) << b.name;
      EXPECT_NE(std::find(e->receivers.begin(), e->receivers.end(), receiver), e->receivers.end())
          << b.name << " of " << receiver;
    }
  }
  for (const TaskSpec& t : AllTasks()) EXPECT_TRUE(Find(v.tasks, t.name)) << t.name;
}

Value Shout(Interp&, const Value& self, const Value*, int) { return self; }
constexpr Builtin kNewTextMethods[] = {{"shout", 0, 1, Shout, "text"}};
constexpr Builtin kNewFunctions[] = {{"answer", 0, 0, Shout, "common"}};

TEST(VocabularyTest, ANewlyRegisteredBuiltinAppears) {
  VocabularySources sources = RuntimeSources();
  sources.methods.emplace_back("text", kNewTextMethods);
  sources.functions.push_back(kNewFunctions);
  Vocabulary v = BuildVocabulary(sources);
  const VocabularyEntry* shout = Find(v.methods, "shout");
  ASSERT_TRUE(shout);
  EXPECT_EQ(shout->signature, "shout([arg1])");  // not documented: its arity stands in
  EXPECT_EQ(shout->receivers, std::vector<std::string>{"text"});
  EXPECT_EQ(shout->description, "");
  ASSERT_TRUE(Find(v.functions, "answer"));
  EXPECT_EQ(Find(v.functions, "answer")->signature, "answer()");
  EXPECT_FALSE(Find(LanguageVocabulary().methods, "shout"));
}

TEST(VocabularyTest, SignaturesAndDescriptionsComeFromTheLanguageDocs) {
  const Vocabulary& v = LanguageVocabulary();
  const VocabularyEntry* sub = Find(v.methods, "subString");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->name, "subString");
  EXPECT_EQ(sub->signature, "subString(start[, end])");
  EXPECT_EQ(sub->description, "characters start .. end-1; out of range is an error");
  EXPECT_EQ(sub->min_args, 1);
  EXPECT_EQ(sub->max_args, 2);
  // A bare name in a row takes the row's parameters (`substring` after `subString(start[, end])`).
  ASSERT_TRUE(Find(v.methods, "mid"));
  EXPECT_EQ(Find(v.methods, "mid")->signature, "mid(start[, end])");
  // A method of several types lists them all.
  const VocabularyEntry* size = Find(v.methods, "size");
  ASSERT_TRUE(size);
  for (const char* r : {"list", "map", "collection"}) {
    EXPECT_NE(std::find(size->receivers.begin(), size->receivers.end(), r), size->receivers.end())
        << r;
  }
  ASSERT_TRUE(Find(v.functions, "zoho.encryption.sha256"));
  EXPECT_EQ(Find(v.functions, "zoho.encryption.sha256")->signature, "zoho.encryption.sha256(t)");
  EXPECT_EQ(Find(v.functions, "zoho.encryption.sha256")->description, "lowercase hex");
  ASSERT_TRUE(Find(v.functions, "getUrl"));  // from the prose of its section
  EXPECT_EQ(Find(v.functions, "getUrl")->signature, "getUrl(url[, headers][, simple])");
  const VocabularyEntry* get = Find(v.tasks, "zoho.crm.getRecordById");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->signature, "zoho.crm.getRecordById(module, id[, queryMap][, connection])");
  EXPECT_EQ(get->description, "a record by its id");
  ASSERT_TRUE(Find(v.variables, "zoho.currenttime"));
  EXPECT_NE(std::find(v.types.begin(), v.types.end(), "map"), v.types.end());
}

// Each statement's snippet, its placeholders filled with their names, is what the parser takes
// (else and catch after the statement they continue, break and continue inside a loop).
TEST(VocabularyTest, EveryStatementSnippetParses) {
  static const std::regex kPlaceholder(R"(\$\{([a-z]*)\})");
  for (const auto& k : LanguageVocabulary().keywords) {
    std::string body = std::regex_replace(k.snippet, kPlaceholder, "$1");
    if (k.name == "else" || k.name == "else if") body = "if (condition) { }\n" + body;
    if (k.name == "catch") body = "try { }\n" + body;
    if (k.name == "break" || k.name == "continue") body = "for each item in list { " + body + " }";
    if (k.snippet == k.name) body = "value = " + body + ";";
    Compiled c = Compile(body, {.arg_names = {"condition", "list", "value", "message", "url",
                                              "connection", "to", "subject", "service", "path"}});
    EXPECT_TRUE(c.ok()) << k.name << ": " << (c.ok() ? "" : c.diagnostics[0].message) << "\n"
                        << body;
  }
}

}  // namespace
}  // namespace relish::deluge
