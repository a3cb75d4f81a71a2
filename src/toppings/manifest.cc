#include "toppings/manifest.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "workflow/repository.h"

namespace relish::toppings {
namespace {

// A plain YAML scalar as JSON: booleans, numbers and null are typed; quoted scalars stay text.
Json Scalar(const YAML::Node& n) {
  std::string text = n.Scalar();
  if (n.Tag() == "!") return text;  // quoted
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  int64_t i = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && end == text.data() + text.size()) return i;
  double d = 0;
  auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (dec == std::errc() && dend == text.data() + text.size()) return d;
  return text;
}

// Converts YAML to JSON, recording the line of every value by its path.
Json ToJson(const YAML::Node& n, const std::string& path, std::map<std::string, int>& lines) {
  lines[path] = n.Mark().line + 1;
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      size_t i = 0;
      for (const auto& item : n) {
        out.push_back(ToJson(item, path + "[" + std::to_string(i) + "]", lines));
        ++i;
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : n) {
        std::string key = kv.first.Scalar();
        std::string child = path.empty() ? key : path + "." + key;
        lines[child] = kv.first.Mark().line + 1;
        Json value = ToJson(kv.second, child, lines);
        lines[child] = kv.first.Mark().line + 1;  // the key's line, where a reader looks
        out[key] = std::move(value);
      }
      return out;
    }
    case YAML::NodeType::Scalar:
      return Scalar(n);
    default:
      return nullptr;
  }
}

class Reader {
 public:
  explicit Reader(const Manifest& m) : m_(m) {}

  Error Fail(const std::string& path, const std::string& message) const {
    return InvalidArgument(std::string(kManifestFile) + ":" + std::to_string(m_.LineOf(path)) +
                           ": " + message);
  }

  Result<std::string> Text(const Json& obj, const std::string& path, const char* key,
                           bool required) const {
    std::string p = path.empty() ? key : path + "." + key;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) return Fail(path, "'" + p + "' is required");
      return std::string();
    }
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();  // version: 1.0
    return Fail(p, "'" + p + "' must be a text value");
  }

  Result<bool> Bool(const Json& obj, const std::string& path, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return false;
    if (!it->is_boolean()) return Fail(path + "." + key, "'" + path + "." + key + "' must be true or false");
    return it->get<bool>();
  }

  Result<std::vector<std::string>> List(const Json& obj, const std::string& path,
                                        const char* key) const {
    std::vector<std::string> out;
    std::string p = path + "." + key;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return out;
    if (!it->is_array()) return Fail(p, "'" + p + "' must be a list");
    for (const auto& v : *it) {
      if (!v.is_string() && !v.is_number()) return Fail(p, "'" + p + "' items must be text values");
      out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    return out;
  }

  Result<void> OnlyKeys(const Json& obj, const std::string& path,
                        std::initializer_list<std::string_view> keys) const {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        std::string list;
        for (auto key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
        std::string p = path.empty() ? k : path + "." + k;
        return Fail(p, "unknown key '" + p + "'; expected one of " + list);
      }
    }
    return Ok();
  }

  Result<std::vector<Json>> Items(const Json& doc, const char* key) const {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return std::vector<Json>{};
    if (!it->is_array()) return Fail(key, "'" + std::string(key) + "' must be a list");
    std::vector<Json> out;
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_object()) {
        std::string p = std::string(key) + "[" + std::to_string(i) + "]";
        return Fail(p, "'" + p + "' must be a map");
      }
      out.push_back((*it)[i]);
    }
    return out;
  }

 private:
  const Manifest& m_;
};

bool IsLower(std::string_view s, bool underscore) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (underscore && c == '_');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

int Manifest::LineOf(std::string_view path) const {
  std::string p(path);
  while (true) {
    auto it = lines.find(p);
    if (it != lines.end()) return it->second;
    size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) break;
    p = p.substr(0, cut);
  }
  return 1;
}

Error Manifest::Locate(const Error& error, std::string_view path_prefix) const {
  const std::string& message = error.message();
  size_t colon = message.find(": ");
  std::string path = std::string(path_prefix) + (colon == std::string::npos ? "" : message.substr(0, colon));
  return Error(error.code(), std::string(kManifestFile) + ":" + std::to_string(LineOf(path)) + ": " +
                                 std::string(path_prefix) + message);
}

std::string FullLinkName(std::string_view ns, std::string_view link_name) {
  return std::string(ns) + "__" + std::string(link_name);
}

Result<Manifest> ParseManifest(std::string_view yaml) {
  Manifest m;
  Json doc;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) {
      return InvalidArgument(std::string(kManifestFile) + ":1: expected a map of keys (namespace, name, ...)");
    }
    doc = ToJson(root, "", m.lines);
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports syntax errors by exception; they stop here.
    return InvalidArgument(std::string(kManifestFile) + ":" + std::to_string(e.mark.line + 1) +
                           ": " + e.msg);
  }
  Reader r(m);
  TRY(r.OnlyKeys(doc, "", {"namespace", "name", "version", "description", "connections", "fields",
                           "functions", "rules"}));
  m.ns = TRY(r.Text(doc, "", "namespace", true));
  if (!IsLower(m.ns, false) || m.ns.size() > 30) {
    return r.Fail("namespace", "namespace '" + m.ns +
                                   "' must be a lowercase letter, then lowercase letters or digits "
                                   "(at most 30)");
  }
  m.name = TRY(r.Text(doc, "", "name", true));
  m.version = TRY(r.Text(doc, "", "version", true));
  m.description = TRY(r.Text(doc, "", "description", false));

  std::set<std::string> links;
  auto connections = TRY(r.Items(doc, "connections"));
  for (size_t i = 0; i < connections.size(); ++i) {
    const Json& c = connections[i];
    std::string path = "connections[" + std::to_string(i) + "]";
    TRY(r.OnlyKeys(c, path, {"link_name", "name", "service", "scopes", "params", "per_user"}));
    ManifestConnection mc;
    mc.path = path;
    mc.line = m.LineOf(path);
    mc.link_name = TRY(r.Text(c, path, "link_name", true));
    std::string full = FullLinkName(m.ns, mc.link_name);
    if (!IsLower(mc.link_name, true) || full.size() > 50) {
      return r.Fail(path + ".link_name",
                    "link name '" + mc.link_name +
                        "' must be a lowercase letter, then lowercase letters, digits or '_', and "
                        "'" + full + "' at most 50 characters");
    }
    if (!links.insert(mc.link_name).second) {
      return r.Fail(path + ".link_name", "another connection is named '" + mc.link_name + "'");
    }
    mc.name = TRY(r.Text(c, path, "name", false));
    if (mc.name.empty()) mc.name = mc.link_name;
    mc.service = TRY(r.Text(c, path, "service", true));
    mc.scopes = TRY(r.List(c, path, "scopes"));
    mc.per_user = TRY(r.Bool(c, path, "per_user"));
    if (auto p = c.find("params"); p != c.end() && !p->is_null()) {
      if (!p->is_object()) return r.Fail(path + ".params", "'" + path + ".params' must be a map");
      for (const auto& [k, v] : p->items()) {
        if (!v.is_string()) return r.Fail(path + ".params." + k, "'" + path + ".params." + k + "' must be text");
        mc.params[k] = v.get<std::string>();
      }
    }
    m.connections.push_back(std::move(mc));
  }

  auto fields = TRY(r.Items(doc, "fields"));
  for (size_t i = 0; i < fields.size(); ++i) {
    const Json& f = fields[i];
    std::string path = "fields[" + std::to_string(i) + "]";
    TRY(r.OnlyKeys(f, path, {"module", "label", "api_name", "type", "required", "unique", "options",
                             "lookup_module", "max_length"}));
    ManifestField mf;
    mf.path = path;
    mf.line = m.LineOf(path);
    mf.module = TRY(r.Text(f, path, "module", true));
    mf.label = TRY(r.Text(f, path, "label", true));
    mf.api_name = TRY(r.Text(f, path, "api_name", false));
    mf.type = TRY(r.Text(f, path, "type", true));
    auto type = crm::ParseFieldType(mf.type);
    if (!type.ok()) return r.Fail(path + ".type", type.error().message());
    mf.required = TRY(r.Bool(f, path, "required"));
    mf.unique = TRY(r.Bool(f, path, "unique"));
    mf.options = TRY(r.List(f, path, "options"));
    mf.lookup_module = TRY(r.Text(f, path, "lookup_module", false));
    if (auto ml = f.find("max_length"); ml != f.end() && !ml->is_null()) {
      if (!ml->is_number_integer()) return r.Fail(path + ".max_length", "'" + path + ".max_length' must be a whole number");
      mf.max_length = ml->get<int>();
    }
    m.fields.push_back(std::move(mf));
  }

  std::set<std::string> names;
  auto functions = TRY(r.Items(doc, "functions"));
  for (size_t i = 0; i < functions.size(); ++i) {
    const Json& f = functions[i];
    std::string path = "functions[" + std::to_string(i) + "]";
    TRY(r.OnlyKeys(f, path, {"name", "file", "params", "description"}));
    ManifestFunction mf;
    mf.line = m.LineOf(path);
    mf.name = TRY(r.Text(f, path, "name", true));
    if (!names.insert(mf.name).second) {
      return r.Fail(path + ".name", "another function is named '" + mf.name + "'");
    }
    mf.file = TRY(r.Text(f, path, "file", false));
    if (mf.file.empty()) mf.file = "functions/" + mf.name + ".dg";
    if (!mf.file.starts_with("functions/") || !mf.file.ends_with(".dg") ||
        mf.file.find("..") != std::string::npos) {
      return r.Fail(path + ".file", "'" + mf.file + "' must be a .dg file under functions/");
    }
    mf.params = TRY(r.List(f, path, "params"));
    mf.description = TRY(r.Text(f, path, "description", false));
    m.functions.push_back(std::move(mf));
  }

  auto rules = doc.find("rules");
  if (rules != doc.end() && !rules->is_null()) {
    if (!rules->is_array()) return r.Fail("rules", "'rules' must be a list");
    for (size_t i = 0; i < rules->size(); ++i) {
      // Read now so a bad definition is reported against this file; checked against the CRM's
      // modules and the functions when the topping is installed.
      auto rule = workflow::RuleFromJson((*rules)[i]);
      if (!rule.ok()) return m.Locate(rule.error(), "rules[" + std::to_string(i) + "].");
      m.rules.push_back((*rules)[i]);
    }
  }
  return m;
}

Result<void> ProblemsError(const std::vector<std::string>& problems) {
  if (problems.empty()) return Ok();
  // In reading order: topping.yaml first, then the other files by name, each by line.
  auto key = [](const std::string& p) {
    size_t colon = p.find(':');
    std::string file = p.substr(0, colon);
    int line = 0;
    if (colon != std::string::npos) {
      std::from_chars(p.data() + colon + 1, p.data() + p.size(), line);
    }
    return std::tuple(file != kManifestFile, file, line);
  };
  std::vector<std::string> sorted = problems;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
  std::string message;
  for (const auto& p : sorted) message += (message.empty() ? "" : "\n") + p;
  return InvalidArgument(std::move(message));
}

Result<Bundle> ReadBundle(const Files& files) {
  size_t total = 0;
  for (const auto& [path, content] : files) total += path.size() + content.size();
  if (total > kMaxBundleBytes) {
    return InvalidArgument("the topping is larger than " + std::to_string(kMaxBundleBytes) + " bytes");
  }
  auto manifest_file = files.find(std::string(kManifestFile));
  if (manifest_file == files.end()) return InvalidArgument("a topping needs a topping.yaml");
  Bundle b;
  b.manifest = TRY(ParseManifest(manifest_file->second));
  b.files = files;
  std::set<std::string> used = {std::string(kManifestFile)};
  for (const auto& f : b.manifest.functions) {
    auto it = files.find(f.file);
    std::string at = std::string(kManifestFile) + ":" + std::to_string(f.line) + ": function '" +
                     f.name + "': ";
    if (it == files.end()) {
      b.problems.push_back(at + "there is no file " + f.file);
      continue;
    }
    if (!used.insert(f.file).second) {
      b.problems.push_back(at + f.file + " belongs to another function");
      continue;
    }
    auto checked = workflow::CheckFunction({.name = f.name, .source = it->second, .params = f.params});
    if (!checked.ok()) {
      const std::string& msg = checked.error().message();
      if (msg.starts_with("line ")) {
        // "line 3: message" -> "functions/x.dg:3: message"
        size_t colon = msg.find(':');
        b.problems.push_back(f.file + ":" + msg.substr(5, colon - 5) + msg.substr(colon));
      } else {
        b.problems.push_back(at + msg);
      }
      continue;
    }
    b.sources[f.name] = it->second;
  }
  for (const auto& [path, content] : files) {
    if (used.count(path)) continue;
    if (path.starts_with("functions/") && path.ends_with(".dg")) {
      b.problems.push_back(path + ":1: no function in topping.yaml uses this file; add it under 'functions'");
    } else {
      b.problems.push_back(path + ":1: a topping holds only topping.yaml and functions/*.dg");
    }
  }
  return b;
}

Result<Bundle> LoadBundle(const Files& files) {
  Bundle b = TRY(ReadBundle(files));
  TRY(ProblemsError(b.problems));
  return b;
}

}  // namespace relish::toppings
