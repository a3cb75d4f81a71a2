// Rule definitions: JSON in and out, offsets, and the record argument's name. The criteria
// operators and Compile are in rule_criteria.cc.
#include "workflow/rule.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/http_wire.h"

namespace relish::workflow {
namespace {

// Reads a definition, keeping the path to the value being read so every error can say where.
class Reader {
 public:
  Error Fail(const std::string& path, const std::string& reason) const {
    return InvalidArgument((path.empty() ? "" : path + ": ") + reason);
  }

  Result<std::string> String(const Json& obj, const char* key, const std::string& path,
                             bool required, std::string fallback = "") const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) return Fail(Join(path, key), "is required");
      return fallback;
    }
    if (!it->is_string()) return Fail(Join(path, key), "must be text");
    return it->get<std::string>();
  }

  Result<bool> Bool(const Json& obj, const char* key, const std::string& path, bool fallback) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) return Fail(Join(path, key), "must be true or false");
    return it->get<bool>();
  }

  Result<std::vector<std::string>> Strings(const Json& obj, const char* key,
                                           const std::string& path) const {
    std::vector<std::string> out;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return out;
    if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
    if (!it->is_array()) return Fail(Join(path, key), "must be a list of field names");
    for (const auto& v : *it) {
      if (!v.is_string()) return Fail(Join(path, key), "must be a list of field names");
      out.push_back(v.get<std::string>());
    }
    return out;
  }

  // Keys the definition may hold at this level; anything else is most likely a typo.
  Result<void> OnlyKeys(const Json& obj, const std::string& path,
                        std::initializer_list<std::string_view> keys) const {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        std::string list;
        for (auto key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
        return Fail(Join(path, k), "unknown key; expected one of " + list);
      }
    }
    return Ok();
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string Index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  Result<Trigger> ReadTrigger(const Json& j, const std::string& path) const {
    Trigger t;
    if (j.is_string()) {
      // Shorthand: "trigger": "create".
      return ReadTrigger(Json{{"type", j}}, path);
    }
    if (!j.is_object()) return Fail(path, "must be an object like {\"type\": \"create\"}");
    TRY(OnlyKeys(j, path, {"type", "fields", "repeat", "field", "offset", "time"}));
    std::string type = TRY(String(j, "type", path, true));
    if (type == "create") {
      t.kind = TriggerKind::kCreate;
    } else if (type == "edit") {
      t.kind = TriggerKind::kEdit;
    } else if (type == "create_or_edit") {
      t.kind = TriggerKind::kCreateOrEdit;
    } else if (type == "delete") {
      t.kind = TriggerKind::kDelete;
    } else if (type == "date") {
      t.kind = TriggerKind::kDate;
    } else {
      return Fail(Join(path, "type"), "unknown trigger '" + type +
                                          "'; use create, edit, create_or_edit, delete or date");
    }
    t.fields = TRY(Strings(j, "fields", path));
    t.repeat = TRY(Bool(j, "repeat", path, false));
    bool edits = t.kind == TriggerKind::kEdit || t.kind == TriggerKind::kCreateOrEdit;
    if (!edits && !t.fields.empty()) {
      return Fail(Join(path, "fields"), "only edit and create_or_edit triggers watch fields");
    }
    if (!edits && j.contains("repeat")) {
      return Fail(Join(path, "repeat"), "only edit and create_or_edit triggers repeat");
    }
    if (t.kind == TriggerKind::kDate) {
      t.date_field = TRY(String(j, "field", path, true));
      if (auto it = j.find("offset"); it != j.end()) {
        std::string text = it->is_number_integer() ? std::to_string(it->get<int64_t>())
                                                   : (it->is_string() ? it->get<std::string>() : "");
        auto offset = ParseOffset(text);
        if (!offset.ok()) return Fail(Join(path, "offset"), offset.error().message());
        t.offset_ms = *offset;
      }
      std::string time = TRY(String(j, "time", path, false, "09:00"));
      int h = 0, m = 0;
      if (time.size() != 5 || time[2] != ':' ||
          std::from_chars(time.data(), time.data() + 2, h).ec != std::errc() ||
          std::from_chars(time.data() + 3, time.data() + 5, m).ec != std::errc() || h > 23 ||
          m > 59) {
        return Fail(Join(path, "time"), "must be HH:MM (UTC), got '" + time + "'");
      }
      t.time_of_day_min = h * 60 + m;
    } else {
      for (const char* key : {"field", "offset", "time"}) {
        if (j.contains(key)) return Fail(Join(path, key), "only date triggers take this key");
      }
    }
    return t;
  }

  static std::string ValueText(const Json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
  }

  Result<CriteriaRow> ReadRow(const Json& j, const std::string& path) const {
    CriteriaRow row;
    if (j.is_string()) {
      // "Email is not empty", "Amount between 100,500": the field, the longest operator that
      // follows it, then the value.
      auto parsed = ParseCriteriaRow(j.get<std::string>());
      if (!parsed.ok()) return Fail(path, parsed.error().message());
      return *parsed;
    }
    if (!j.is_object()) {
      return Fail(path, "must be \"Field operator value\" or {\"field\", \"operator\", \"value\"}");
    }
    TRY(OnlyKeys(j, path, {"field", "operator", "value"}));
    row.field = TRY(String(j, "field", path, true));
    row.op = TRY(String(j, "operator", path, true));
    if (auto it = j.find("value"); it != j.end() && !it->is_null()) {
      if (it->is_array()) {
        for (const auto& v : *it) row.values.push_back(ValueText(v));
      } else {
        row.values.push_back(ValueText(*it));
      }
    }
    return row;
  }

  Result<Action> ReadAction(const Json& j, const std::string& path) const {
    Action a;
    if (!j.is_object()) return Fail(path, "must be an object: {\"function\": ...}, {\"webhook\": ...} or {\"update\": ...}");
    int kinds = static_cast<int>(j.contains("function")) + static_cast<int>(j.contains("webhook")) +
                static_cast<int>(j.contains("update"));
    if (kinds != 1) return Fail(path, "needs exactly one of 'function', 'webhook' or 'update'");
    if (j.contains("function")) {
      TRY(OnlyKeys(j, path, {"function", "args"}));
      a.kind = ActionKind::kFunction;
      a.function = TRY(String(j, "function", path, true));
      if (auto it = j.find("args"); it != j.end() && !it->is_null()) {
        std::string args_path = Join(path, "args");
        if (!it->is_object()) return Fail(args_path, "must map argument names to {\"field\": ...} or constants");
        for (const auto& [name, v] : it->items()) {
          Argument arg;
          arg.name = name;
          if (v.is_object() && v.contains("field")) {
            TRY(OnlyKeys(v, Join(args_path, name), {"field"}));
            arg.field = TRY(String(v, "field", Join(args_path, name), true));
          } else if (v.is_object() && v.contains("value") && v.size() == 1) {
            arg.value = v["value"];
          } else {
            arg.value = v;
          }
          a.args.push_back(std::move(arg));
        }
      }
    } else if (j.contains("webhook")) {
      TRY(OnlyKeys(j, path, {"webhook"}));
      a.kind = ActionKind::kWebhook;
      const Json& w = j["webhook"];
      std::string wpath = Join(path, "webhook");
      if (!w.is_object()) return Fail(wpath, "must be an object with 'url'");
      TRY(OnlyKeys(w, wpath, {"url", "method", "body", "content_type", "headers", "connection"}));
      a.url = TRY(String(w, "url", wpath, true));
      if (!a.url.starts_with("http://") && !a.url.starts_with("https://")) {
        return Fail(Join(wpath, "url"), "must start with http:// or https://");
      }
      // The request head's rules (outbound/request_head.h), checked when the rule is saved rather
      // than at every record change.
      if (auto e = UrlTextError(a.url); !e.empty()) return Fail(Join(wpath, "url"), e);
      a.method = TRY(String(w, "method", wpath, false, "POST"));
      std::transform(a.method.begin(), a.method.end(), a.method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (a.method != "GET" && a.method != "POST" && a.method != "PUT" && a.method != "PATCH" &&
          a.method != "DELETE") {
        return Fail(Join(wpath, "method"), "must be GET, POST, PUT, PATCH or DELETE");
      }
      a.body = TRY(String(w, "body", wpath, false));
      a.content_type = TRY(String(w, "content_type", wpath, false));
      a.connection = TRY(String(w, "connection", wpath, false));
      if (auto it = w.find("headers"); it != w.end() && !it->is_null()) {
        if (!it->is_object()) return Fail(Join(wpath, "headers"), "must map header names to text");
        for (const auto& [k, v] : it->items()) {
          // The name first: the path of the next error quotes it as it is.
          if (auto e = HeaderFieldError(k, ""); !e.empty()) return Fail(Join(wpath, "headers"), e);
          if (!v.is_string()) return Fail(Join(Join(wpath, "headers"), k), "must be text");
          if (auto e = HeaderFieldError(k, v.get_ref<const std::string&>()); !e.empty()) {
            return Fail(Join(wpath, "headers"), e);
          }
          a.headers.emplace_back(k, v.get<std::string>());
        }
      }
    } else {
      TRY(OnlyKeys(j, path, {"update", "trigger_workflows"}));
      a.kind = ActionKind::kFieldUpdate;
      const Json& u = j["update"];
      if (!u.is_object() || u.empty()) {
        return Fail(Join(path, "update"), "must map at least one field to its new value");
      }
      a.fields = u;
      a.trigger_workflows = TRY(Bool(j, "trigger_workflows", path, false));
    }
    return a;
  }

  Result<std::vector<Action>> ReadActions(const Json& obj, const char* key,
                                          const std::string& path) const {
    std::vector<Action> out;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return out;
    std::string apath = Join(path, key);
    if (!it->is_array()) return Fail(apath, "must be a list of actions");
    if (it->size() > kMaxActions) {
      return Fail(apath, "at most " + std::to_string(kMaxActions) + " actions");
    }
    for (size_t i = 0; i < it->size(); ++i) out.push_back(TRY(ReadAction((*it)[i], Index(apath, i))));
    return out;
  }

  Result<Condition> ReadCondition(const Json& j, const std::string& path) const {
    Condition c;
    if (!j.is_object()) return Fail(path, "must be an object with 'criteria' and 'actions'");
    TRY(OnlyKeys(j, path, {"criteria", "pattern", "actions", "scheduled"}));
    auto crit = j.find("criteria");
    std::string cpath = Join(path, "criteria");
    if (crit == j.end() || crit->is_null() || (crit->is_string() && *crit == "all")) {
      c.all_records = true;
    } else if (crit->is_array()) {
      if (crit->empty()) return Fail(cpath, "needs at least one row (or \"all\" for all records)");
      if (crit->size() > kMaxCriteriaRows) {
        return Fail(cpath, "at most " + std::to_string(kMaxCriteriaRows) + " rows");
      }
      c.all_records = false;
      for (size_t i = 0; i < crit->size(); ++i) {
        c.rows.push_back(TRY(ReadRow((*crit)[i], Index(cpath, i))));
      }
    } else {
      return Fail(cpath, "must be a list of rows or \"all\"");
    }
    c.pattern = TRY(String(j, "pattern", path, false));
    if (c.all_records && !c.pattern.empty()) return Fail(Join(path, "pattern"), "needs criteria rows");
    c.actions = TRY(ReadActions(j, "actions", path));
    if (auto it = j.find("scheduled"); it != j.end() && !it->is_null()) {
      std::string spath = Join(path, "scheduled");
      if (!it->is_array()) return Fail(spath, "must be a list of {\"offset\", \"actions\"}");
      for (size_t i = 0; i < it->size(); ++i) {
        const Json& s = (*it)[i];
        std::string ipath = Index(spath, i);
        if (!s.is_object()) return Fail(ipath, "must be an object with 'offset' and 'actions'");
        TRY(OnlyKeys(s, ipath, {"offset", "from", "actions"}));
        Schedule sched;
        auto off = s.find("offset");
        if (off == s.end()) return Fail(Join(ipath, "offset"), "is required (e.g. \"2h\", \"-1d\")");
        std::string text = off->is_number_integer() ? std::to_string(off->get<int64_t>())
                                                    : (off->is_string() ? off->get<std::string>() : "");
        auto offset = ParseOffset(text);
        if (!offset.ok()) return Fail(Join(ipath, "offset"), offset.error().message());
        sched.offset_ms = *offset;
        std::string from = TRY(String(s, "from", ipath, false, "trigger"));
        if (from != "trigger") sched.from_field = from;
        if (sched.from_field.empty() && sched.offset_ms < 0) {
          return Fail(Join(ipath, "offset"), "cannot be before the trigger");
        }
        sched.actions = TRY(ReadActions(s, "actions", ipath));
        if (sched.actions.empty()) return Fail(Join(ipath, "actions"), "needs at least one action");
        c.scheduled.push_back(std::move(sched));
      }
    }
    if (c.actions.empty() && c.scheduled.empty()) {
      return Fail(Join(path, "actions"), "a condition needs at least one action");
    }
    if (c.actions.size() + c.scheduled.size() > kMaxActions) {
      return Fail(path, "at most " + std::to_string(kMaxActions) + " actions per condition");
    }
    return c;
  }
};

}  // namespace

Json ActionToJson(const Action& a) {
  switch (a.kind) {
    case ActionKind::kFunction: {
      Json j = {{"function", a.function}};
      if (!a.args.empty()) {
        Json args = Json::object();
        for (const auto& arg : a.args) {
          if (!arg.field.empty()) {
            args[arg.name] = {{"field", arg.field}};
          } else if (arg.value.is_object()) {
            args[arg.name] = {{"value", arg.value}};
          } else {
            args[arg.name] = arg.value;
          }
        }
        j["args"] = args;
      }
      return j;
    }
    case ActionKind::kWebhook: {
      Json w = {{"url", a.url}, {"method", a.method}};
      if (!a.body.empty()) w["body"] = a.body;
      if (!a.content_type.empty()) w["content_type"] = a.content_type;
      if (!a.headers.empty()) {
        Json h = Json::object();
        for (const auto& [k, v] : a.headers) h[k] = v;
        w["headers"] = h;
      }
      if (!a.connection.empty()) w["connection"] = a.connection;
      return {{"webhook", w}};
    }
    case ActionKind::kFieldUpdate:
      return {{"update", a.fields}, {"trigger_workflows", a.trigger_workflows}};
  }
  return Json::object();
}

Result<Action> ActionFromJson(const Json& j) { return Reader().ReadAction(j, "action"); }

std::string ActionTarget(const Action& a) {
  switch (a.kind) {
    case ActionKind::kFunction: return a.function;
    case ActionKind::kWebhook: return a.method + " " + a.url;
    case ActionKind::kFieldUpdate: {
      std::string fields;
      for (const auto& [k, v] : a.fields.items()) fields += (fields.empty() ? "" : ", ") + k;
      return fields;
    }
  }
  return "";
}

std::string_view TriggerKindName(TriggerKind kind) {
  switch (kind) {
    case TriggerKind::kCreate: return "create";
    case TriggerKind::kEdit: return "edit";
    case TriggerKind::kCreateOrEdit: return "create_or_edit";
    case TriggerKind::kDelete: return "delete";
    case TriggerKind::kDate: return "date";
  }
  return "create";
}

std::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kFunction: return "function";
    case ActionKind::kWebhook: return "webhook";
    case ActionKind::kFieldUpdate: return "update";
  }
  return "function";
}

Result<Rule> RuleFromJson(const Json& j) {
  Reader r;
  if (!j.is_object()) return r.Fail("", "a rule definition must be an object");
  TRY(r.OnlyKeys(j, "", {"name", "module", "description", "active", "trigger", "conditions"}));
  Rule rule;
  rule.name = TRY(r.String(j, "name", "", true));
  if (rule.name.empty() || rule.name.size() > 100) {
    return r.Fail("name", "must be 1 to 100 characters");
  }
  rule.module = TRY(r.String(j, "module", "", true));
  rule.description = TRY(r.String(j, "description", "", false));
  rule.active = TRY(r.Bool(j, "active", "", true));
  auto trigger = j.find("trigger");
  if (trigger == j.end()) return r.Fail("trigger", "is required");
  rule.trigger = TRY(r.ReadTrigger(*trigger, "trigger"));
  auto conds = j.find("conditions");
  if (conds == j.end() || !conds->is_array() || conds->empty()) {
    return r.Fail("conditions", "must be a list of at least one condition");
  }
  if (conds->size() > kMaxConditions) {
    return r.Fail("conditions", "at most " + std::to_string(kMaxConditions) + " conditions");
  }
  for (size_t i = 0; i < conds->size(); ++i) {
    rule.conditions.push_back(TRY(r.ReadCondition((*conds)[i], Reader::Index("conditions", i))));
  }
  return rule;
}

Json RuleToJson(const Rule& rule) {
  Json trigger = {{"type", TriggerKindName(rule.trigger.kind)}};
  const Trigger& t = rule.trigger;
  if (t.kind == TriggerKind::kEdit || t.kind == TriggerKind::kCreateOrEdit) {
    if (!t.fields.empty()) trigger["fields"] = t.fields;
    trigger["repeat"] = t.repeat;
  }
  if (t.kind == TriggerKind::kDate) {
    trigger["field"] = t.date_field;
    trigger["offset"] = FormatOffset(t.offset_ms);
    char time[16];
    std::snprintf(time, sizeof time, "%02d:%02d", t.time_of_day_min / 60, t.time_of_day_min % 60);
    trigger["time"] = time;
  }
  Json conditions = Json::array();
  for (const auto& c : rule.conditions) {
    Json cj = Json::object();
    if (c.all_records) {
      cj["criteria"] = "all";
    } else {
      Json rows = Json::array();
      for (const auto& row : c.rows) {
        Json rj = {{"field", row.field}, {"operator", row.op}};
        if (row.values.size() == 1) rj["value"] = row.values[0];
        if (row.values.size() > 1) rj["value"] = row.values;
        rows.push_back(rj);
      }
      cj["criteria"] = rows;
      if (!c.pattern.empty()) cj["pattern"] = c.pattern;
    }
    Json actions = Json::array();
    for (const auto& a : c.actions) actions.push_back(ActionToJson(a));
    cj["actions"] = actions;
    if (!c.scheduled.empty()) {
      Json sched = Json::array();
      for (const auto& s : c.scheduled) {
        Json sa = Json::array();
        for (const auto& a : s.actions) sa.push_back(ActionToJson(a));
        sched.push_back({{"offset", FormatOffset(s.offset_ms)},
                         {"from", s.from_field.empty() ? "trigger" : s.from_field},
                         {"actions", sa}});
      }
      cj["scheduled"] = sched;
    }
    conditions.push_back(cj);
  }
  return {{"name", rule.name},         {"module", rule.module},   {"description", rule.description},
          {"active", rule.active},     {"trigger", trigger},      {"conditions", conditions}};
}

Result<int64_t> ParseOffset(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("expected an offset like 30m, 2h, 1d or -1d, got '" +
                           std::string(text) + "'");
  };
  if (text.empty()) return bad();
  bool negative = text.front() == '-';
  if (negative || text.front() == '+') text.remove_prefix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data()) return bad();
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  int64_t scale = 0;
  if (unit.empty() || unit == "m") {
    scale = 60'000;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit == "d") {
    scale = 86'400'000;
  } else {
    return bad();
  }
  // A year is far beyond what a rule waits for and keeps the arithmetic away from overflow.
  if (n > 366LL * 86'400'000 / scale) return InvalidArgument("offsets are limited to 366 days");
  return (negative ? -n : n) * scale;
}

std::string FormatOffset(int64_t ms) {
  std::string sign = ms < 0 ? "-" : "";
  int64_t a = ms < 0 ? -ms : ms;
  if (a % 86'400'000 == 0 && a != 0) return sign + std::to_string(a / 86'400'000) + "d";
  if (a % 3'600'000 == 0 && a != 0) return sign + std::to_string(a / 3'600'000) + "h";
  if (a % 60'000 == 0) return sign + std::to_string(a / 60'000) + "m";
  return sign + std::to_string(a / 1000) + "s";
}

std::string RecordArgumentName(std::string_view module_api_name) {
  std::string name(module_api_name);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.ends_with("ies")) {
    name = name.substr(0, name.size() - 3) + "y";
  } else if (name.ends_with("s") && name.size() > 1) {
    name.pop_back();
  }
  return name;
}

}  // namespace relish::workflow
