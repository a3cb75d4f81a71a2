#include "deluge/vocabulary.h"

#include <algorithm>
#include <map>

#include "deluge/builtins.h"
#include "deluge/checker.h"
#include "deluge/language_docs.h"
#include "deluge/parser.h"
#include "deluge/tasks.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

// Statements and literals, with the form an editor inserts. Each snippet, its placeholders
// replaced by their names, is a statement the parser takes (vocabulary_test.cc compiles them).
struct Keyword {
  std::string_view name;
  std::string_view snippet;
  std::string_view description;
};
constexpr Keyword kKeywords[] = {
    {"if", "if (${condition})\n{\n\t${}\n}", "runs a block when a condition holds"},
    {"else", "else\n{\n\t${}\n}", "the block an if runs otherwise"},
    {"else if", "else if (${condition})\n{\n\t${}\n}", "another condition, tested in order"},
    {"for each", "for each ${item} in ${list}\n{\n\t${}\n}",
     "runs a block for each element of a list (or key of a map)"},
    {"for each index", "for each index ${i} in ${list}\n{\n\t${}\n}",
     "runs a block for each position of a list"},
    {"break", "break;", "leaves the innermost for each"},
    {"continue", "continue;", "goes on with the next element of the innermost for each"},
    {"try", "try\n{\n\t${}\n}\ncatch (${e})\n{\n\tinfo ${e};\n}",
     "runs a block; an error in it runs the catch block with the error"},
    {"catch", "catch (${e})\n{\n\t${}\n}", "the block a try runs on an error"},
    {"return", "return ${value};", "ends the function with a value"},
    {"info", "info ${value};", "adds a line to the run's log"},
    {"throw", "throw ${message};", "raises an error that a try can catch"},
    {"invokeurl",
     "response = invokeurl\n[\n\turl: ${url}\n\ttype: GET\n\tconnection: ${connection}\n];",
     "calls an API; with a connection, Relish adds its credentials"},
    {"sendmail",
     "sendmail\n[\n\tfrom: zoho.adminuserid\n\tto: ${to}\n\tsubject: ${subject}\n\tmessage: "
     "${message}\n]",
     "sends an email (recorded, not delivered, by Relish)"},
    // ---- issue 17 ----
    {"invokeapi",
     "response = invokeapi\n[\n\tservice: ${service}\n\tpath: ${path}\n\ttype: GET\n];",
     "Zoho's call to another Zoho service's API (parsed; Relish says to use invokeurl)"},
    {"today", "today", "today's date, as zoho.currentdate"},
    {"now", "now", "the current date-time, as zoho.currenttime"},
    // ----
    {"true", "true", "the boolean true"},
    {"false", "false", "the boolean false"},
    {"null", "null", "no value"},
};

struct DocEntry {
  std::string signature;
  std::string description;
};

// The rows of builtins.md's tables, by "section/lowercase name" and by name alone (first one).
struct DocIndex {
  std::map<std::string, DocEntry> by_section;
  std::map<std::string, DocEntry> by_name;
  void Add(const std::string& section, const std::string& name, DocEntry e) {
    std::string lower = ToLower(name);
    by_section.emplace(section + "/" + lower, e);
    by_name.emplace(lower, std::move(e));
  }
  const DocEntry* Find(std::string_view section, std::string_view name) const {
    std::string lower = ToLower(name);
    if (auto it = by_section.find(std::string(section) + "/" + lower); it != by_section.end()) {
      return &it->second;
    }
    auto it = by_name.find(lower);
    return it == by_name.end() ? nullptr : &it->second;
  }
};

bool IsNameChar(char c) { return IsAsciiAlnum(c) || c == '_' || c == '.'; }

// Markdown to one line of plain text: no backticks, links as their text.
std::string PlainText(std::string_view md) {
  std::string out;
  for (size_t i = 0; i < md.size(); ++i) {
    char c = md[i];
    if (c == '`') continue;
    if (c == ']' && i + 1 < md.size() && md[i + 1] == '(') {
      size_t close = md.find(')', i);
      if (close != std::string_view::npos) i = close;
      continue;
    }
    if (c == '[') continue;
    out += c;
  }
  size_t b = out.find_first_not_of(' ');
  size_t e = out.find_last_not_of(' ');
  return b == std::string::npos ? "" : out.substr(b, e - b + 1);
}

// A table row's cells; a '|' inside backticks belongs to the cell.
std::vector<std::string_view> Cells(std::string_view row) {
  std::vector<std::string_view> cells;
  bool code = false;
  size_t start = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '`') code = !code;
    if (row[i] == '|' && !code) {
      cells.push_back(row.substr(start, i - start));
      start = i + 1;
    }
  }
  cells.push_back(row.substr(start));
  return cells;
}

// The backticked spans of a text.
std::vector<std::string_view> CodeSpans(std::string_view text) {
  std::vector<std::string_view> spans;
  size_t i = 0;
  while ((i = text.find('`', i)) != std::string_view::npos) {
    size_t end = text.find('`', i + 1);
    if (end == std::string_view::npos) break;
    spans.push_back(text.substr(i + 1, end - i - 1));
    i = end + 1;
  }
  return spans;
}

// `name(params)` -> {name, "(params)"}; `name` -> {name, ""}; anything else -> {"", ""}.
std::pair<std::string, std::string> SplitSignature(std::string_view span) {
  size_t n = 0;
  while (n < span.size() && IsNameChar(span[n])) ++n;
  if (n == 0 || !IsAsciiAlpha(span[0])) return {};
  if (n == span.size()) return {std::string(span), ""};
  if (span[n] != '(' || span.back() != ')') return {};
  return {std::string(span.substr(0, n)), std::string(span.substr(n))};
}

// Table rows give signatures and descriptions; a bare name in a row (`substring` after
// `subString(start[, end])`) takes the row's first parameters, and the prefix of a qualified
// first name (`sha1` after `zoho.encryption.md5(t)`). Prose gives signatures only.
DocIndex IndexDoc(std::string_view doc) {
  DocIndex index;
  std::string section;
  size_t pos = 0;
  while (pos <= doc.size()) {
    size_t nl = doc.find('\n', pos);
    std::string_view line = doc.substr(pos, nl == std::string_view::npos ? doc.npos : nl - pos);
    pos = nl == std::string_view::npos ? doc.size() + 1 : nl + 1;
    if (line.starts_with("## ")) {
      section = ToLower(line.substr(3));
      continue;
    }
    bool row = line.starts_with("| ") && !line.starts_with("| function |");
    auto cells = row ? Cells(line) : std::vector<std::string_view>{};
    std::string_view names = row && cells.size() >= 3 ? cells[1] : line;
    std::string description = row && cells.size() >= 3 ? PlainText(cells[2]) : "";
    std::string params, prefix;
    for (std::string_view span : CodeSpans(names)) {
      auto [name, sig_params] = SplitSignature(span);
      if (name.empty() || (!row && sig_params.empty())) continue;
      if (!sig_params.empty() && params.empty()) {
        params = sig_params;
        size_t dot = name.rfind('.');
        if (dot != std::string::npos) prefix = name.substr(0, dot + 1);
      }
      if (sig_params.empty()) {
        if (params.empty()) continue;
        if (name.find('.') == std::string::npos) name = prefix + name;
        sig_params = params;
      }
      index.Add(section, name, {name + sig_params, description});
    }
  }
  return index;
}

// Without documentation: the arity, as argument placeholders.
std::string ArityOnly(std::string_view name, int min_args, int max_args) {
  std::string s = std::string(name) + "(";
  for (int i = 1; i <= max_args; ++i) {
    if (i > min_args) s += "[";
    if (i > 1) s += ", ";
    s += "arg" + std::to_string(i);
  }
  for (int i = std::max(min_args, 0) + 1; i <= max_args; ++i) s += "]";
  return s + ")";
}

VocabularyEntry BuiltinEntry(const Builtin& b, const DocIndex& docs) {
  VocabularyEntry e{.name = std::string(b.name), .min_args = b.min_args, .max_args = b.max_args};
  if (const DocEntry* d = docs.Find(b.section, b.name)) {
    // The documented spelling may differ in case (`substring`): the table's is the canonical.
    size_t open = d->signature.find('(');
    e.signature = e.name + (open == std::string::npos ? "()" : d->signature.substr(open));
    e.description = d->description;
  } else {
    e.signature = ArityOnly(b.name, b.min_args, b.max_args);
  }
  return e;
}

}  // namespace

VocabularySources RuntimeSources() {
  VocabularySources s;
  s.functions = {GlobalFunctions(), WebFunctions(), DateFunctions(), EncodingFunctions(),
                 QualifiedFunctions()};
  s.methods = {{"text", TextMethods()},
               {"number", NumberMethods()},
               {"list", ListMethods()},
               {"map", MapMethods()},
               {"collection", CollectionMethods()},
               {"date", DateMethods()},
               {"file", FileMethods()},
               {"any", CommonMethods()},
               {"any", EncodingMethods()}};
  s.tasks = AllTasks();
  for (const auto& f : LanguageDocs()) {
    if (f.path == "/builtins.md") s.builtins_doc = f.data;
  }
  return s;
}

Vocabulary BuildVocabulary(const VocabularySources& sources) {
  DocIndex docs = IndexDoc(sources.builtins_doc);
  Vocabulary v;
  std::map<std::string, size_t> seen;  // lowercase name -> index, per list
  for (auto table : sources.functions) {
    for (const Builtin& b : table) {
      if (seen.emplace(ToLower(b.name), v.functions.size()).second) {
        v.functions.push_back(BuiltinEntry(b, docs));
      }
    }
  }
  seen.clear();
  for (const auto& [receiver, table] : sources.methods) {
    for (const Builtin& b : table) {
      auto [it, fresh] = seen.emplace(ToLower(b.name), v.methods.size());
      if (fresh) v.methods.push_back(BuiltinEntry(b, docs));
      VocabularyEntry& e = v.methods[it->second];
      e.min_args = std::min<int>(e.min_args, b.min_args);
      e.max_args = std::max<int>(e.max_args, b.max_args);
      if (std::find(e.receivers.begin(), e.receivers.end(), receiver) == e.receivers.end()) {
        e.receivers.push_back(receiver);
      }
    }
  }
  for (const TaskSpec& t : sources.tasks) {
    v.tasks.push_back({.name = std::string(t.name),
                       .signature = std::string(t.name) + "(" + std::string(t.params) + ")",
                       .min_args = t.min_args,
                       .max_args = t.max_args,
                       .description = std::string(t.summary)});
  }
  for (const Keyword& k : kKeywords) {
    v.keywords.push_back({.name = std::string(k.name),
                          .signature = std::string(k.name),
                          .description = std::string(k.description),
                          .snippet = std::string(k.snippet)});
  }
  for (const SystemVariable& s : SystemVariables()) {
    v.variables.push_back({.name = std::string(s.path),
                           .signature = std::string(s.path),
                           .description = std::string(s.summary)});
  }
  for (std::string_view t : TypeWords()) v.types.emplace_back(t);
  return v;
}

const Vocabulary& LanguageVocabulary() {
  static const Vocabulary* vocabulary = new Vocabulary(BuildVocabulary(RuntimeSources()));
  return *vocabulary;
}

}  // namespace relish::deluge
