#include "identity/scopes.h"

#include <algorithm>
#include <cctype>

namespace relish::identity {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    parts.emplace_back(s.substr(start, dot == std::string_view::npos ? s.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// "ALL" -> kScopeAll, ...; 0 for an unknown operation.
unsigned Op(std::string_view text) {
  std::string op = Lower(text);
  if (op == "all") return kScopeAll;
  if (op == "read") return kScopeRead;
  if (op == "create") return kScopeCreate;
  if (op == "update") return kScopeUpdate;
  if (op == "delete") return kScopeDelete;
  if (op == "write") return kScopeCreate | kScopeUpdate;
  return 0;
}

bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= 50 && std::isalpha(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

std::string ModuleAlias(std::string module) {
  if (module == "companies") return "accounts";
  if (module == "deals") return "pipelines";
  return module;
}

std::string OpsInWords(unsigned ops) {
  std::vector<std::string> words;
  if (ops & kScopeRead) words.push_back("read");
  if (ops & kScopeCreate) words.push_back("create");
  if (ops & kScopeUpdate) words.push_back("update");
  if (ops & kScopeDelete) words.push_back("delete");
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " and " : ", ";
    out += words[i];
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

}  // namespace

Result<ParsedScope> ParseScope(std::string_view text) {
  auto unknown = [&] { return InvalidArgument("unknown scope '" + std::string(text) + "'"); };
  auto parts = SplitDots(text);
  ParsedScope s;
  s.text = std::string(text);
  std::string service = parts.empty() ? "" : Lower(parts[0]);
  if (service == "zohosearch") {
    if (parts.size() != 3 || Lower(parts[1]) != "securesearch" || !Op(parts[2])) return unknown();
    s.area = ScopeArea::kSearch;
    s.ops = Op(parts[2]);
    return s;
  }
  if (service != "zohobigin" || parts.size() < 3 || parts.size() > 4) return unknown();
  std::string area = Lower(parts[1]);
  unsigned ops = Op(parts.back());
  if (!ops) return unknown();
  s.ops = ops;
  if (area == "modules") {
    s.area = ScopeArea::kModules;
    if (parts.size() == 4) {
      if (!IsName(parts[2])) return unknown();
      s.resource = ModuleAlias(Lower(parts[2]));
    }
    return s;
  }
  if (area == "settings") {
    s.area = ScopeArea::kSettings;
    if (parts.size() == 4) {
      if (!IsName(parts[2])) return unknown();
      s.resource = Lower(parts[2]);
    }
    return s;
  }
  if ((area == "users" || area == "org") && parts.size() == 3) {
    s.area = area == "users" ? ScopeArea::kUsers : ScopeArea::kOrg;
    return s;
  }
  return unknown();
}

Result<std::vector<std::string>> ParseScopeList(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&]() -> Result<void> {
    if (current.empty()) return Ok();
    TRY(ParseScope(current));
    if (std::find(out.begin(), out.end(), current) == out.end()) out.push_back(current);
    current.clear();
    return Ok();
  };
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '+') {
      TRY(flush());
    } else {
      current += c;
    }
  }
  TRY(flush());
  return out;
}

bool Covers(const ParsedScope& granted, const ParsedScope& wanted) {
  if (granted.area != wanted.area) return false;
  if (!granted.resource.empty() && granted.resource != wanted.resource) return false;
  return (granted.ops & wanted.ops) == wanted.ops;
}

bool CoversAll(const std::vector<std::string>& granted, const std::vector<std::string>& wanted) {
  std::vector<ParsedScope> have;
  for (const auto& g : granted) {
    if (auto s = ParseScope(g); s.ok()) have.push_back(*s);
  }
  for (const auto& w : wanted) {
    auto want = ParseScope(w);
    if (!want.ok()) return false;
    if (std::none_of(have.begin(), have.end(),
                     [&](const ParsedScope& h) { return Covers(h, *want); })) {
      return false;
    }
  }
  return true;
}

bool AllowsModule(const std::vector<std::string>& granted, std::string_view module, ScopeOp op) {
  return AllowsArea(granted, ScopeArea::kModules, module, op);
}

bool AllowsArea(const std::vector<std::string>& granted, ScopeArea area, std::string_view resource,
                ScopeOp op) {
  std::string wanted = area == ScopeArea::kModules ? ModuleAlias(Lower(resource)) : Lower(resource);
  for (const auto& g : granted) {
    auto s = ParseScope(g);
    if (!s.ok() || s->area != area || !(s->ops & op)) continue;
    if (s->resource.empty() || s->resource == wanted) return true;
  }
  return false;
}

std::string DescribeScope(const ParsedScope& s) {
  std::string ops = OpsInWords(s.ops);
  switch (s.area) {
    case ScopeArea::kModules:
      return ops + " records in " +
             (s.resource.empty() ? std::string("every module") : "the " + s.resource + " module");
    case ScopeArea::kSettings:
      return ops + " the CRM's settings (" +
             (s.resource.empty() ? std::string("modules and fields") : s.resource) + ")";
    case ScopeArea::kUsers:
      return ops + " the organization's users";
    case ScopeArea::kOrg:
      return ops + " the organization's details";
    case ScopeArea::kSearch:
      return "Search records you can read";
  }
  return s.text;
}

std::vector<std::string> SupportedScopes() {
  std::vector<std::string> out = {"ZohoBigin.modules.ALL",    "ZohoBigin.modules.READ",
                                  "ZohoBigin.modules.CREATE", "ZohoBigin.modules.UPDATE",
                                  "ZohoBigin.modules.DELETE", "ZohoBigin.modules.WRITE"};
  for (const char* m : {"contacts", "accounts", "pipelines", "products", "tasks", "notes"}) {
    for (const char* op : {"ALL", "READ", "CREATE", "UPDATE", "DELETE", "WRITE"}) {
      out.push_back(std::string("ZohoBigin.modules.") + m + "." + op);
    }
  }
  for (const char* s :
       {"ZohoBigin.settings.ALL", "ZohoBigin.settings.READ", "ZohoBigin.settings.modules.READ",
        "ZohoBigin.settings.fields.READ", "ZohoBigin.users.ALL", "ZohoBigin.users.READ",
        "ZohoBigin.org.ALL", "ZohoBigin.org.READ", "ZohoSearch.securesearch.READ"}) {
    out.push_back(s);
  }
  return out;
}

}  // namespace relish::identity
