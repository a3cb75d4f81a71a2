// The language's vocabulary as an editor completes it, listed from the runtime's own tables, so
// that a built-in registered in a table is offered without anyone keeping a second list: the
// built-in functions and methods (the *_functions.cc tables), the integration tasks (tasks.cc),
// the zoho.* system variables (the checker's), the parameter types (the parser's) and the
// statements. Signatures and one-line descriptions come from docs/language/builtins.md (embedded
// into the binary) where it documents the entry; otherwise the arity stands in.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relish::deluge {

struct Builtin;
struct TaskSpec;

struct VocabularyEntry {
  std::string name;  // as written in scripts: "subString", "zoho.crm.getRecordById", "for each"
  std::string signature;  // "subString(start[, end])"; for statements, their form
  int min_args = -1;      // functions, methods and tasks: the argument counts the checker allows
  int max_args = -1;
  std::vector<std::string> receivers;  // methods: "text", "number", "list", "map", "collection",
                                       // "date", "file", or "any"
  std::string description;             // one line; empty when nothing documents it
  std::string snippet;  // statements: the text to insert, with placeholders as ${name}
};

struct Vocabulary {
  std::vector<VocabularyEntry> functions;  // called without a receiver: ifnull(...), getUrl(...),
                                           // zoho.encryption.md5(...)
  std::vector<VocabularyEntry> methods;    // value.name(...), merged by name across types
  std::vector<VocabularyEntry> tasks;      // zoho.crm.*, zoho.bigin.*
  std::vector<VocabularyEntry> keywords;   // statements and literals: if, for each, invokeurl, ...
  std::vector<VocabularyEntry> variables;  // zoho.currenttime, ...
  std::vector<std::string> types;          // of function header parameters
};

// What a vocabulary is made from; the runtime's own tables by default (tests add their own).
struct VocabularySources {
  std::vector<std::span<const Builtin>> functions;
  std::vector<std::pair<std::string, std::span<const Builtin>>> methods;  // receiver, table
  std::span<const TaskSpec> tasks;
  std::string_view builtins_doc;  // docs/language/builtins.md
};
VocabularySources RuntimeSources();
Vocabulary BuildVocabulary(const VocabularySources& sources);

// The runtime's, built once; immutable and shared by every thread.
const Vocabulary& LanguageVocabulary();

}  // namespace relish::deluge
