#include "lsp/analysis.h"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "deluge/ast.h"
#include "deluge/deluge.h"
#include "deluge/lexer.h"
#include "deluge/parser.h"
#include "deluge/vocabulary.h"

namespace relish::lsp {
namespace {

using deluge::Tok;
using deluge::Token;
using json = nlohmann::json;

// LSP's kinds (CompletionItemKind, SymbolKind).
constexpr int kItemMethod = 2, kItemFunction = 3, kItemVariable = 6, kItemKeyword = 14,
              kItemSnippet = 15, kItemValue = 12;
constexpr int kSymbolFunction = 12, kSymbolVariable = 13;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

json ToJson(Position p) { return {{"line", p.line}, {"character", p.character}}; }
json ToJson(const Range& r) { return {{"start", ToJson(r.start)}, {"end", ToJson(r.end)}}; }

// A variable's uses in one function.
struct Variable {
  std::string name;
  std::vector<size_t> uses;  // token indexes, the definition first
  size_t definition = 0;
  bool parameter = false;
  bool catch_variable = false;
  bool read = false;  // used other than where it is assigned
};

struct FunctionScope {
  std::string name;      // qualified name, "" for a script without a header
  size_t first = 0;      // token range [first, last]
  size_t last = 0;
  size_t name_token = 0;
  std::vector<Variable> variables;
};

// A document read once for a request: tokens, the (possibly partial) parse, and each function's
// variables found from the tokens, so that a half-typed script still completes.
struct Scan {
  std::string_view text;
  LineIndex lines;
  std::vector<Token> tokens;
  deluge::Program program;
  std::vector<FunctionScope> functions;
  std::set<std::pair<int, int>> fields;  // task keys (url: ...), which are not variables

  explicit Scan(std::string_view t) : text(t), lines(t) {
    std::vector<deluge::Diagnostic> diags;
    tokens = deluge::Lex(text, diags);
    deluge::Parse(text, program, diags);
    program.ForEachNode(
        [&](const deluge::Expr& e) {
          for (const auto& f : e.fields) fields.insert({f.line, f.col});
        },
        [&](const deluge::Stmt& s) {
          for (const auto& f : s.fields) fields.insert({f.line, f.col});
        });
    FindFunctions();
    for (auto& f : functions) FindVariables(f);
  }

  size_t Start(const Token& t) const {
    return t.kind == Tok::kEof ? text.size() : static_cast<size_t>(t.raw.data() - text.data());
  }
  Range RangeOf(const Token& t) const {
    size_t s = Start(t);
    return {lines.PositionAt(s), lines.PositionAt(s + t.raw.size())};
  }
  // The token whose text holds `offset` (or ends just before it), if any.
  std::optional<size_t> TokenAt(size_t offset) const {
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      size_t s = Start(tokens[i]);
      if (offset >= s && offset <= s + tokens[i].raw.size()) {
        // Prefer the identifier when the offset sits between a name and a '(' or '.'.
        if (offset == s + tokens[i].raw.size() && i + 2 < tokens.size() &&
            Start(tokens[i + 1]) == offset && tokens[i + 1].kind == Tok::kIdent) {
          return i + 1;
        }
        return i;
      }
      if (s > offset) break;
    }
    return std::nullopt;
  }
  // Tokens that start before `offset`.
  size_t CountBefore(size_t offset) const {
    size_t n = 0;
    while (n + 1 < tokens.size() && Start(tokens[n]) < offset) ++n;
    return n;
  }
  const FunctionScope* FunctionAt(size_t token) const {
    for (const auto& f : functions) {
      if (token >= f.first && token <= f.last) return &f;
    }
    return functions.empty() ? nullptr : &functions.back();
  }

  bool IsWord(size_t i, std::string_view lower) const {
    return i < tokens.size() && tokens[i].kind == Tok::kIdent && tokens[i].text == lower;
  }

 private:
  void FindFunctions() {
    const auto& fns = program.functions;
    bool headers = !fns.empty() && fns.front().has_header;
    if (!headers) {
      functions.push_back({"", 0, tokens.size() - 1, 0, {}});
      return;
    }
    for (size_t k = 0; k < fns.size(); ++k) {
      FunctionScope f;
      f.name = fns[k].qualified_name;
      while (f.first + 1 < tokens.size() && tokens[f.first].line < fns[k].line) ++f.first;
      if (!functions.empty()) {
        f.first = std::min(std::max(f.first, functions.back().first + 1), tokens.size() - 1);
        functions.back().last = f.first - 1;
      }
      f.last = tokens.size() - 1;
      f.name_token = f.first;
      for (size_t i = f.first; i + 1 < tokens.size() && i < f.first + 8; ++i) {
        if (tokens[i + 1].kind == Tok::kLParen) {
          f.name_token = i;
          break;
        }
      }
      // Parameters: `Type name` pairs inside the header's parentheses.
      for (const auto& p : fns[k].params) {
        for (size_t i = f.first; i < tokens.size() && tokens[i].kind != Tok::kLBrace; ++i) {
          if (tokens[i].line == p.line && tokens[i].col == p.col) {
            f.variables.push_back({p.name, {i}, i, true, false, true});
          }
        }
      }
      functions.push_back(std::move(f));
    }
  }

  // Where a name is given a value: `x = `, `x += `, `for each [index] x`, `catch (x`.
  bool IsDefinition(size_t i) const {
    Tok next = i + 1 < tokens.size() ? tokens[i + 1].kind : Tok::kEof;
    if (next == Tok::kAssign || (next >= Tok::kPlusAssign && next <= Tok::kPercentAssign)) {
      return i == 0 || tokens[i - 1].kind == Tok::kSemicolon || tokens[i - 1].kind == Tok::kLBrace ||
             tokens[i - 1].kind == Tok::kRBrace || tokens[i - 1].kind == Tok::kRParen ||
             IsWord(i - 1, "else");
    }
    if (i >= 1 && (IsWord(i - 1, "each") || (IsWord(i - 1, "index") && IsWord(i - 2, "each")))) {
      return !IsWord(i, "index") || !(i + 1 < tokens.size() && tokens[i + 1].kind == Tok::kIdent);
    }
    return i >= 2 && tokens[i - 1].kind == Tok::kLParen && IsWord(i - 2, "catch");
  }

  // A name token that could be a variable: not a property, method, call, task key or keyword.
  bool IsNameUse(size_t i) const {
    const Token& t = tokens[i];
    if (t.kind != Tok::kIdent) return false;
    if (i > 0 && tokens[i - 1].kind == Tok::kDot) return false;
    if (i + 1 < tokens.size() && tokens[i + 1].kind == Tok::kLParen && !IsWord(i - 1, "catch")) {
      return false;
    }
    if (fields.count({t.line, t.col})) return false;
    return true;
  }

  void FindVariables(FunctionScope& f) {
    std::map<std::string, size_t> index;
    for (size_t k = 0; k < f.variables.size(); ++k) index[f.variables[k].name] = k;
    size_t body = f.first;
    if (!f.name.empty()) {
      while (body <= f.last && tokens[body].kind != Tok::kLBrace) ++body;
    }
    for (size_t i = body; i <= f.last && i + 1 < tokens.size(); ++i) {
      if (tokens[i].kind == Tok::kIdent && IsDefinition(i) && !index.count(std::string(tokens[i].raw))) {
        index[std::string(tokens[i].raw)] = f.variables.size();
        bool is_catch = i > 0 && tokens[i - 1].kind == Tok::kLParen;
        f.variables.push_back({std::string(tokens[i].raw), {}, i, false, is_catch, false});
      }
    }
    for (size_t i = body; i <= f.last && i + 1 < tokens.size(); ++i) {
      if (!IsNameUse(i)) continue;
      auto it = index.find(std::string(tokens[i].raw));
      if (it == index.end()) continue;
      Variable& v = f.variables[it->second];
      if (i == v.definition) {
        if (v.uses.empty() || v.uses.front() != i) v.uses.insert(v.uses.begin(), i);
        continue;
      }
      v.uses.push_back(i);
      bool assigned = i + 1 < tokens.size() && tokens[i + 1].kind == Tok::kAssign && IsDefinition(i);
      if (!assigned) v.read = true;
    }
  }
};

const deluge::Vocabulary& Vocab() { return deluge::LanguageVocabulary(); }

// The receiver's type as the vocabulary names them, when the script says it plainly.
std::string TypeOfTokens(const Scan& scan, size_t i) {
  const auto& t = scan.tokens;
  if (i >= t.size()) return "";
  switch (t[i].kind) {
    case Tok::kText:
      return "text";
    case Tok::kInt:
    case Tok::kDecimal:
      return "number";
    case Tok::kDate:
      return "date";
    case Tok::kLBracket:
      return "list";
    case Tok::kLBrace: {
      int depth = 0;
      for (size_t k = i; k < t.size(); ++k) {
        if (t[k].kind == Tok::kLBrace || t[k].kind == Tok::kLParen) ++depth;
        if (t[k].kind == Tok::kRBrace || t[k].kind == Tok::kRParen) {
          if (--depth == 0) break;
        }
        if (depth == 1 && t[k].kind == Tok::kColon) return "map";
      }
      return "list";
    }
    case Tok::kIdent: {
      const std::string& w = t[i].text;
      if (w == "map") return "map";
      if (w == "list") return "list";
      if (w == "collection") return "collection";
      if (w == "today" || w == "now") return "date";
      if (w == "zoho" && i + 2 < t.size()) {
        std::string path;
        for (size_t k = i; k < t.size() && (t[k].kind == Tok::kIdent || t[k].kind == Tok::kDot);
             ++k) {
          path += t[k].text.empty() ? "." : t[k].text;
        }
        if (path == "zoho.currentdate" || path == "zoho.currenttime") return "date";
        if (path.find("getrecordbyid") != std::string::npos) return "map";
        if (path.find("getrecords") != std::string::npos ||
            path.find("searchrecords") != std::string::npos) {
          return "list";
        }
      }
      if (w == "invokeurl") return "map";
      return "";
    }
    default:
      return "";
  }
}

std::string ParamType(std::string_view lower) {
  if (lower == "string") return "text";
  if (lower == "int" || lower == "decimal" || lower == "bigint" || lower == "float" ||
      lower == "long") {
    return "number";
  }
  if (lower == "date" || lower == "datetime") return "date";
  if (lower == "map" || lower == "list" || lower == "collection" || lower == "file") {
    return std::string(lower);
  }
  return "";
}

std::string TypeOf(const Scan& scan, const Variable& v) {
  if (v.parameter) {
    size_t i = v.definition;
    return i > 0 ? ParamType(scan.tokens[i - 1].text) : "";
  }
  // The last plain assignment decides; a loop variable stays unknown.
  std::string type;
  for (size_t u : v.uses) {
    if (u + 1 < scan.tokens.size() && scan.tokens[u + 1].kind == Tok::kAssign) {
      std::string t = TypeOfTokens(scan, u + 2);
      if (!t.empty()) type = t;
    }
  }
  return type;
}

std::string VariableType(const Scan& scan, const FunctionScope& f, std::string_view name) {
  for (const auto& v : f.variables) {
    if (v.name == name) return TypeOf(scan, v);
  }
  return "";
}

// The dotted name that ends at the token before `end` ("zoho.crm.get"), and where it starts.
std::pair<std::string, size_t> DottedBefore(const Scan& scan, size_t end) {
  std::string path;
  size_t k = end;
  while (k > 0) {
    const Token& t = scan.tokens[k - 1];
    bool dot = t.kind == Tok::kDot;
    bool word = t.kind == Tok::kIdent;
    if (!dot && !word) break;
    if (word && k < end && scan.tokens[k].kind == Tok::kIdent) break;
    if (k < end && t.line != scan.tokens[k].line) break;  // a half-typed line above
    path.insert(0, std::string(t.raw));
    --k;
  }
  return {path, k};
}

std::string SnippetOf(std::string_view vocab_snippet) {
  // The vocabulary writes ${name} and ${}; LSP snippets number them: ${1:name}, $0.
  std::string out;
  std::map<std::string, int> numbers;
  for (size_t i = 0; i < vocab_snippet.size(); ++i) {
    if (vocab_snippet.compare(i, 2, "${") == 0) {
      size_t close = vocab_snippet.find('}', i);
      if (close == std::string_view::npos) break;
      std::string name(vocab_snippet.substr(i + 2, close - i - 2));
      if (name.empty()) {
        out += "$0";
      } else {
        auto [it, inserted] = numbers.emplace(name, static_cast<int>(numbers.size()) + 1);
        out += "${" + std::to_string(it->second) + ":" + name + "}";
      }
      i = close;
    } else {
      out += vocab_snippet[i];
    }
  }
  return out;
}

json Item(const std::string& label, int kind, const std::string& detail,
          const std::string& doc) {
  json item = {{"label", label}, {"kind", kind}};
  if (!detail.empty()) item["detail"] = detail;
  if (!doc.empty()) item["documentation"] = doc;
  return item;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Lower(s.substr(0, prefix.size())) == Lower(prefix);
}

// In a `connection:` task key, or typing a text argument after the first of a zoho.* call
// (where the connection goes), judged from the line's text: the link name being typed is often
// an unterminated text the lexer cannot tokenize yet. Only the line's last 200 bytes are looked
// at, so a huge line costs nothing.
bool InConnectionPlace(std::string_view line_before) {
  if (line_before.size() > 200) line_before.remove_prefix(line_before.size() - 200);
  static const std::regex kKey(R"((^|[^A-Za-z0-9_])connection\s*:\s*"?[A-Za-z0-9_]*$)",
                               std::regex::icase);
  static const std::regex kTaskArg(R"(zoho\.[A-Za-z0-9_.]+\(.*,\s*"[A-Za-z0-9_]*$)",
                                   std::regex::icase);
  std::string line(line_before);
  return std::regex_search(line, kKey) || std::regex_search(line, kTaskArg);
}

const deluge::VocabularyEntry* FindEntry(const std::vector<deluge::VocabularyEntry>& list,
                                         std::string_view name) {
  std::string lower = Lower(name);
  for (const auto& e : list) {
    if (Lower(e.name) == lower) return &e;
  }
  return nullptr;
}

std::string HoverText(const deluge::VocabularyEntry& e) {
  std::string s = "```deluge\n" + e.signature + "\n```";
  if (!e.description.empty()) s += "\n" + e.description;
  return s;
}

}  // namespace

json Diagnostics(std::string_view text) {
  LineIndex lines(text);
  json out = json::array();
  auto compiled = deluge::Compile(text);
  for (const auto& d : compiled.diagnostics) {
    Position start = lines.FromRuntime(d.line, d.column);
    Position end = d.end_line > 0 ? lines.FromRuntime(d.end_line, d.end_column) : start;
    out.push_back({{"range", ToJson(Range{start, end})},
                   {"severity", 1},
                   {"source", "relish"},
                   {"message", d.message}});
  }
  if (!compiled.diagnostics.empty()) return out;
  // The checker's warnings (`if(a = "x")` compares): the script runs, so severity 2.
  for (const auto& d : compiled.warnings) {
    Position start = lines.FromRuntime(d.line, d.column);
    Position end = d.end_line > 0 ? lines.FromRuntime(d.end_line, d.end_column) : start;
    out.push_back({{"range", ToJson(Range{start, end})},
                   {"severity", 2},
                   {"source", "relish"},
                   {"message", d.message}});
  }
  Scan scan(text);
  for (const auto& f : scan.functions) {
    for (const auto& v : f.variables) {
      if (v.read || v.parameter || v.catch_variable) continue;
      out.push_back({{"range", ToJson(scan.RangeOf(scan.tokens[v.definition]))},
                     {"severity", 2},
                     {"source", "relish"},
                     {"message", "'" + v.name + "' is given a value that is never used"}});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    auto key = [](const json& d) {
      return std::make_pair(d["range"]["start"]["line"].get<int>(),
                            d["range"]["start"]["character"].get<int>());
    };
    return key(a) < key(b);
  });
  return out;
}

json Completion(std::string_view text, Position at, const std::vector<std::string>& link_names) {
  Scan scan(text);
  size_t offset = scan.lines.Offset(at);
  size_t before = scan.CountBefore(offset);
  // A name being typed right at the cursor is the prefix, not context.
  size_t context = before;
  if (context > 0 && scan.tokens[context - 1].kind == Tok::kIdent &&
      scan.Start(scan.tokens[context - 1]) + scan.tokens[context - 1].raw.size() == offset) {
    --context;
  }
  json items = json::array();
  const auto& vocab = Vocab();

  std::string_view line = scan.lines.Line(at.line);
  size_t line_start = scan.lines.Offset({at.line, 0});
  if (InConnectionPlace(line.substr(0, std::min(line.size(), offset - line_start)))) {
    for (const auto& name : link_names) {
      items.push_back(Item(name, kItemValue, "connection", ""));
    }
    return items;
  }

  if (context > 0 && scan.tokens[context - 1].kind == Tok::kDot) {
    // Named, not a structured binding: clang before 16 cannot capture those in a lambda.
    std::pair<std::string, size_t> dotted = DottedBefore(scan, context);
    const std::string& path = dotted.first;
    size_t start = dotted.second;
    if (StartsWithNoCase(path, "zoho.")) {
      Range range{scan.lines.PositionAt(scan.Start(scan.tokens[start])), at};
      auto add = [&](const deluge::VocabularyEntry& e, int kind) {
        if (!StartsWithNoCase(e.name, path)) return;
        json item = Item(e.name, kind, e.signature, e.description);
        item["filterText"] = e.name;
        item["textEdit"] = {{"range", ToJson(range)}, {"newText", e.name}};
        items.push_back(std::move(item));
      };
      for (const auto& e : vocab.tasks) add(e, kItemFunction);
      for (const auto& e : vocab.variables) add(e, kItemVariable);
      for (const auto& e : vocab.functions) add(e, kItemFunction);
      return items;
    }
    // A method of the receiver's type (every method when the type is not plain).
    std::string type;
    size_t receiver = context - 2 < scan.tokens.size() ? context - 2 : scan.tokens.size();
    if (context >= 2) {
      const Token& r = scan.tokens[receiver];
      if (r.kind == Tok::kIdent && !(receiver > 0 && scan.tokens[receiver - 1].kind == Tok::kDot)) {
        if (const FunctionScope* f = scan.FunctionAt(receiver)) {
          type = VariableType(scan, *f, r.raw);
        }
      } else if (r.kind != Tok::kIdent && r.kind != Tok::kRParen) {
        type = TypeOfTokens(scan, receiver);
      }
    }
    for (const auto& e : vocab.methods) {
      bool fits = type.empty() ||
                  std::any_of(e.receivers.begin(), e.receivers.end(),
                              [&](const std::string& r) { return r == type || r == "any"; });
      if (fits) items.push_back(Item(e.name, kItemMethod, e.signature, e.description));
    }
    return items;
  }

  if (const FunctionScope* f = scan.FunctionAt(before > 0 ? before - 1 : 0)) {
    for (const auto& v : f->variables) {
      items.push_back(Item(v.name, kItemVariable, TypeOf(scan, v), ""));
    }
  }
  for (const auto& e : vocab.functions) {
    if (e.name.find('.') != std::string::npos) continue;  // offered after `zoho.`
    items.push_back(Item(e.name, kItemFunction, e.signature, e.description));
  }
  for (const auto& e : vocab.keywords) {
    json item = Item(e.name, e.snippet.find('\n') != std::string::npos ? kItemSnippet : kItemKeyword,
                     "", e.description);
    if (!e.snippet.empty() && e.snippet != e.name) {
      item["insertText"] = SnippetOf(e.snippet);
      item["insertTextFormat"] = 2;
    }
    items.push_back(std::move(item));
  }
  items.push_back(Item("zoho", kItemVariable, "integration tasks and system variables", ""));
  return items;
}

json HoverAt(std::string_view text, Position at) {
  Scan scan(text);
  auto found = scan.TokenAt(scan.lines.Offset(at));
  if (!found || scan.tokens[*found].kind != Tok::kIdent) return nullptr;
  size_t i = *found;
  const Token& t = scan.tokens[i];
  const auto& vocab = Vocab();
  auto answer = [&](const std::string& value) {
    return json{{"contents", {{"kind", "markdown"}, {"value", value}}},
                {"range", ToJson(scan.RangeOf(t))}};
  };
  bool call = i + 1 < scan.tokens.size() && scan.tokens[i + 1].kind == Tok::kLParen;
  auto [path, start] = DottedBefore(scan, i + 1);
  if (StartsWithNoCase(path, "zoho.")) {
    for (const auto* list : {&vocab.tasks, &vocab.variables, &vocab.functions}) {
      if (const auto* e = FindEntry(*list, path)) return answer(HoverText(*e));
    }
    return nullptr;
  }
  if (i > 0 && scan.tokens[i - 1].kind == Tok::kDot) {
    if (const auto* e = FindEntry(vocab.methods, t.raw)) return answer(HoverText(*e));
    return nullptr;
  }
  if (call) {
    if (const auto* e = FindEntry(vocab.functions, t.raw)) return answer(HoverText(*e));
  }
  if (const FunctionScope* f = scan.FunctionAt(i)) {
    for (const auto& v : f->variables) {
      if (v.name != t.raw) continue;
      std::string type = TypeOf(scan, v);
      Position def = scan.RangeOf(scan.tokens[v.definition]).start;
      std::string s = "```deluge\n" + v.name + (type.empty() ? "" : ": " + type) + "\n```\n" +
                      (v.parameter ? "parameter" : "variable") + ", defined on line " +
                      std::to_string(def.line + 1);
      return answer(s);
    }
  }
  std::string word = t.text;
  if (word == "each" || word == "index") word = "for " + word;
  if (const auto* e = FindEntry(vocab.keywords, word)) {
    return answer("```deluge\n" + e->name + "\n```\n" + e->description);
  }
  return nullptr;
}

json SignatureHelpAt(std::string_view text, Position at) {
  Scan scan(text);
  size_t before = scan.CountBefore(scan.lines.Offset(at));
  int depth = 0;
  int commas = 0;
  for (size_t j = before; j-- > 0;) {
    Tok kind = scan.tokens[j].kind;
    if (kind == Tok::kRParen || kind == Tok::kRBrace || kind == Tok::kRBracket) ++depth;
    if (kind == Tok::kLBrace || kind == Tok::kLBracket) {
      if (depth == 0) return nullptr;
      --depth;
    }
    if (kind == Tok::kSemicolon && depth == 0) return nullptr;
    if (kind == Tok::kComma && depth == 0) ++commas;
    if (kind != Tok::kLParen) continue;
    if (depth > 0) {
      --depth;
      continue;
    }
    if (j == 0 || scan.tokens[j - 1].kind != Tok::kIdent) return nullptr;
    const auto& vocab = Vocab();
    auto [path, start] = DottedBefore(scan, j);
    const deluge::VocabularyEntry* e = nullptr;
    if (StartsWithNoCase(path, "zoho.")) {
      e = FindEntry(vocab.tasks, path);
      if (!e) e = FindEntry(vocab.functions, path);
    } else if (j >= 2 && scan.tokens[j - 2].kind == Tok::kDot) {
      e = FindEntry(vocab.methods, scan.tokens[j - 1].raw);
    } else {
      e = FindEntry(vocab.functions, scan.tokens[j - 1].raw);
    }
    if (!e) return nullptr;
    // Parameters as [start, end) offsets of their names in the label (UTF-16, ASCII here).
    json params = json::array();
    size_t open = e->signature.find('(');
    if (open != std::string::npos) {
      size_t k = open + 1;
      while (k < e->signature.size()) {
        while (k < e->signature.size() && !(std::isalnum(static_cast<unsigned char>(e->signature[k])) ||
                                            e->signature[k] == '_')) {
          ++k;
        }
        size_t s = k;
        while (k < e->signature.size() && (std::isalnum(static_cast<unsigned char>(e->signature[k])) ||
                                           e->signature[k] == '_')) {
          ++k;
        }
        if (k > s) params.push_back({{"label", {s, k}}});
      }
    }
    json sig = {{"label", e->signature}, {"parameters", params}};
    if (!e->description.empty()) sig["documentation"] = e->description;
    return {{"signatures", json::array({sig})},
            {"activeSignature", 0},
            {"activeParameter", commas}};
  }
  return nullptr;
}

std::vector<Range> VariableRanges(std::string_view text, Position at) {
  Scan scan(text);
  auto found = scan.TokenAt(scan.lines.Offset(at));
  if (!found) return {};
  for (const auto& f : scan.functions) {
    for (const auto& v : f.variables) {
      if (std::find(v.uses.begin(), v.uses.end(), *found) == v.uses.end()) continue;
      std::vector<Range> out;
      for (size_t u : v.uses) out.push_back(scan.RangeOf(scan.tokens[u]));
      return out;
    }
  }
  return {};
}

json Symbols(std::string_view text) {
  Scan scan(text);
  json out = json::array();
  for (const auto& f : scan.functions) {
    if (scan.tokens.size() <= 1) break;
    size_t last = std::min(f.last, scan.tokens.size() - 2);
    Range whole{scan.RangeOf(scan.tokens[f.first]).start, scan.RangeOf(scan.tokens[last]).end};
    json children = json::array();
    for (const auto& v : f.variables) {
      Range r = scan.RangeOf(scan.tokens[v.definition]);
      children.push_back({{"name", v.name},
                          {"kind", kSymbolVariable},
                          {"range", ToJson(r)},
                          {"selectionRange", ToJson(r)}});
    }
    Range name = f.name.empty() ? Range{whole.start, whole.start}
                                : scan.RangeOf(scan.tokens[f.name_token]);
    out.push_back({{"name", f.name.empty() ? "script" : f.name},
                   {"kind", kSymbolFunction},
                   {"range", ToJson(whole)},
                   {"selectionRange", ToJson(name)},
                   {"children", children}});
  }
  return out;
}

}  // namespace relish::lsp
