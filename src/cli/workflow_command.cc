// relish topping push|publish|list|show | rules list|show|activate|deactivate | runs list|show:
// toppings, workflow rules and the execution log, over the REST API.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/encoding.h"
#include "cli/client.h"
#include "cli/command.h"

namespace relish::cli {
namespace {

namespace fs = std::filesystem;

Result<void> PrintTopping(const Field& t, const std::string& verb, std::ostream& out) {
  std::string environment = TRY(t.String("environment"));
  out << verb << " " << TRY(t.String("namespace")) << " " << t.Show("version") << " ("
      << t.Show("name") << ") in " << environment << "\n";
  for (const auto& f : TRY(t.Strings("functions"))) out << "  function   " << f << "\n";
  for (const auto& r : TRY(t.Strings("rules"))) out << "  rule       " << r << "\n";
  if (t.Has("fields_added")) {
    for (const auto& f : TRY(t.Strings("fields_added"))) out << "  new field  " << f << "\n";
  }
  bool pending = false;
  for (const Field& c : TRY(t.List("connections"))) {
    std::string status = TRY(c.String("status"));
    out << "  connection " << TRY(c.String("link_name")) << " (" << c.Show("service")
        << "): " << status << "\n";
    pending = pending || status != "connected";
  }
  if (pending) {
    out << "Authorize pending connections with: relish connections authorize LINK_NAME --env "
        << environment << "\n";
  }
  return Ok();
}

// What `topping publish --preview` prints: GET /api/v1/toppings/{ns}/publish-preview.
Result<void> PrintPreview(const Field& p, std::ostream& out) {
  out << "publishing " << TRY(p.String("namespace")) << " " << p.Show("version") << " ("
      << p.Show("name") << ") to production ("
      << (p.Has("production_version") ? "now " + p.Show("production_version") : "not there yet")
      << ") would:\n";
  bool any = false;
  auto line = [&](const std::string& what, const std::string& name) {
    out << "  " << what << std::string(what.size() < 18 ? 18 - what.size() : 1, ' ') << name
        << "\n";
    any = true;
  };
  for (const char* kind : {"function", "rule"}) {
    const Field changes = TRY(p.Get(std::string(kind) + "s"));
    for (const char* verb : {"added", "changed", "removed"}) {
      std::string v(verb);
      std::string action = v == "added" ? "add" : v == "changed" ? "change" : "remove";
      for (const auto& name : TRY(changes.Strings(verb))) line(action + " " + kind, name);
    }
  }
  for (const auto& f : TRY(p.Strings("fields_to_add"))) line("add field", f);
  for (const Field& c : TRY(p.List("connections_to_create"))) {
    line("create connection", TRY(c.String("link_name")) + " (" + c.Show("service") + ")");
  }
  if (!any) out << "  change no function, rule, field or connection\n";
  for (const Field& c : TRY(p.List("connections_to_authorize"))) {
    out << "then authorize in production: " << TRY(c.String("link_name")) << " ("
        << c.Show("service") << ")\n";
  }
  return Ok();
}

Result<void> PrintRuns(const Field& j, std::ostream& out) {
  for (const Field& r : TRY(j.List("runs"))) {
    out << TRY(r.String("id")) << "  " << UtcTime(TRY(r.Int("started_at"))) << "  "
        << TRY(r.String("status")) << "  " << r.Show("environment") << "  " << r.Show("rule")
        << "  " << r.Show("module") << "/" << r.Show("record_id") << "  " << r.Show("action")
        << " " << r.Show("target");
    if (!r.Show("error").empty()) out << "  (" << r.Show("error") << ")";
    out << "\n";
  }
  if (j.Has("next")) out << "more: --before " << j.Show("next") << "\n";
  return Ok();
}

Result<void> PrintRun(const Field& r, std::ostream& out) {
  out << "run " << TRY(r.String("id")) << " (attempt " << r.Show("attempt")
      << "): " << TRY(r.String("status")) << "\n";
  out << "  rule:        " << r.Show("rule") << " (" << r.Show("rule_id") << ")"
      << (r.Show("topping").empty() ? "" : " in topping " + r.Show("topping")) << "\n";
  out << "  record:      " << r.Show("module") << " " << r.Show("record_id") << ", "
      << r.Show("trigger") << " in " << r.Show("environment") << "\n";
  if (r.Has("user")) {
    Field user = TRY(r.Get("user"));
    std::string name = TRY(user.OptionalString("name"));
    std::string email = TRY(user.OptionalString("email"));
    out << "  acting user: " << (name.empty() ? email : name + " <" + email + ">") << "\n";
  }
  out << "  action:      " << r.Show("action") << " " << r.Show("target") << "\n";
  int64_t started = TRY(r.Int("started_at"));
  int64_t event_at = TRY(r.Int("event_at"));
  int64_t ended = TRY(r.Int("ended_at"));
  // Differences of numbers the server sent, in 128 bits: no overflow whatever they are.
  auto minus = [](int64_t a, int64_t b) {
    return std::to_string(static_cast<__int128>(a) - b > INT64_MAX   ? INT64_MAX
                          : static_cast<__int128>(a) - b < INT64_MIN ? INT64_MIN
                                                                     : a - b);
  };
  out << "  started:     " << UtcTime(started) << " UTC, " << minus(started, event_at)
      << " ms after the change; took " << minus(ended, started) << " ms, "
      << r.Show("statements") << (r.Show("statements") == "1" ? " statement\n" : " statements\n");
  std::vector<std::string> info = TRY(r.Strings("info"));
  if (!info.empty()) {
    out << "  info:\n";
    for (const auto& line : info) out << "    " << line << "\n";
  }
  std::vector<Field> calls = TRY(r.List("calls"));
  if (!calls.empty()) {
    out << "  calls:\n";
    for (const Field& c : calls) {
      out << "    [" << c.Show("source") << "] " << c.Show("method") << " " << c.Show("url")
          << " -> " << c.Show("status") << " in " << (TRY(c.Int("latency_us")) / 1000.0)
          << " ms";
      if (!c.Show("connection").empty()) out << " via " << c.Show("connection");
      if (!c.Show("task").empty()) out << " (" << c.Show("task") << ")";
      if (!c.Show("error").empty()) out << " error: " << c.Show("error");
      out << "\n";
    }
  }
  if (!r.Show("error").empty()) {
    int64_t line = r.Has("error_line") ? TRY(r.Int("error_line")) : 0;
    out << "  error:       " << (line > 0 ? "line " + std::to_string(line) + ": " : "")
        << r.Show("error") << "\n";
  }
  if (!r.Show("result").empty() && r.Show("result") != "null") {
    out << "  result:      " << r.Show("result") << "\n";
  }
  return Ok();
}

// "notify(lead)  [acme]  Tell the owner": a stored function's line.
Result<std::string> FunctionLine(const Field& f) {
  std::string topping = TRY(f.OptionalString("topping"));
  std::string description = TRY(f.OptionalString("description"));
  std::string params;
  for (const auto& p : TRY(f.Strings("params"))) params += (params.empty() ? "" : ", ") + p;
  return TRY(f.String("name")) + "(" + params + ")" + (topping.empty() ? "" : "  [" + topping + "]") +
         (description.empty() ? "" : "  " + description);
}

Result<std::string> RuleLine(const Field& r) {
  std::string trigger = TRY(TRY(r.Get("trigger")).String("type"));
  std::string topping = TRY(r.OptionalString("topping"));
  return TRY(r.String("id")) + "  " + (TRY(r.Bool("active")) ? "active  " : "inactive") + "  " +
         r.Show("module") + "  " + trigger + "  " + r.Show("name") +
         (topping.empty() ? "" : "  [" + topping + "]");
}

}  // namespace

void AddWorkflowCommands(CLI::App& root, Commands& commands) {
  // --- topping
  auto* topping = root.add_subcommand("topping", "Toppings: push a folder to the sandbox, publish it to production");
  topping->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto dir = std::make_shared<std::string>();
    auto* cmd = topping->add_subcommand("push", "Install or update the topping in DIR in your organization's sandbox");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);  // always the sandbox
    cmd->add_option("dir", *dir, "The topping's folder (topping.yaml and functions/*.dg)")->required();
    commands.Add(cmd, [flags, dir] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto files = ReadToppingFolder(*dir);
      if (!files.ok()) return Fail(files.error());
      Json body = {{"files", *files}};
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/toppings", &body),
                         [](const Field& t, std::ostream& out) { return PrintTopping(t, "pushed", out); });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto ns = std::make_shared<std::string>();
    auto preview = std::make_shared<bool>(false);
    auto* cmd = topping->add_subcommand("publish", "Copy the topping from the sandbox to production");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("namespace", *ns, "The topping's namespace")->required();
    cmd->add_flag("--preview", *preview, "Only say what publishing would change in production");
    commands.Add(cmd, [flags, ns, preview] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      if (*preview) {
        return PrintAnswer(
            *flags, *client,
            client->Call("GET", "/api/v1/toppings/" + PercentEncode(*ns) + "/publish-preview"),
            PrintPreview);
      }
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/toppings/" + PercentEncode(*ns) + "/publish"),
                         [](const Field& t, std::ostream& out) { return PrintTopping(t, "published", out); });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = topping->add_subcommand("list", "List the toppings installed in an environment");
    AddRemoteFlags(*cmd, *flags);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/toppings"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           for (const Field& t : TRY(j.List("toppings"))) {
                             out << TRY(t.String("namespace")) << "  " << t.Show("version") << "  "
                                 << t.Show("name") << "  installed "
                                 << UtcTime(TRY(t.Int("installed_at"))) << " UTC\n";
                           }
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto ns = std::make_shared<std::string>();
    auto* cmd = topping->add_subcommand("show", "Show an installed topping and its connections' status");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("namespace", *ns, "The topping's namespace")->required();
    commands.Add(cmd, [flags, ns] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/toppings/" + PercentEncode(*ns)),
                         [](const Field& t, std::ostream& out) { return PrintTopping(t, "installed", out); });
    });
  }

  // --- rules
  auto* rules = root.add_subcommand("rules", "Workflow rules");
  rules->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto module = std::make_shared<std::string>();
    auto* cmd = rules->add_subcommand("list", "List workflow rules");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("--module", *module, "Only this module's rules");
    commands.Add(cmd, [flags, module] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      std::string path = "/api/v1/workflow/rules";
      if (!module->empty()) path += "?module=" + PercentEncode(*module);
      return PrintAnswer(*flags, *client, client->Call("GET", path),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           for (const Field& r : TRY(j.List("rules"))) out << TRY(RuleLine(r)) << "\n";
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = rules->add_subcommand("show", "Show a rule's definition");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("id", *id, "Rule id")->required();
    commands.Add(cmd, [flags, id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      // The definition is shown as JSON, once its line's fields show it is a rule.
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/workflow/rules/" + PercentEncode(*id)),
                         [](const Field& r, std::ostream& out) -> Result<void> {
                           TRY(RuleLine(r));
                           out << DumpJson(r.json(), 2) << "\n";
                           return Ok();
                         });
    });
  }
  for (const char* verb : {"activate", "deactivate"}) {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    std::string v = verb;
    auto* cmd = rules->add_subcommand(verb, v == "activate" ? "Turn a rule on" : "Turn a rule off");
    cmd->alias(v == "activate" ? "enable" : "disable");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("id", *id, "Rule id")->required();
    commands.Add(cmd, [flags, id, v] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/workflow/rules/" + PercentEncode(*id) + "/" + v),
                         [](const Field& r, std::ostream& out) -> Result<void> {
                           out << TRY(RuleLine(r)) << "\n";
                           return Ok();
                         });
    });
  }

  // --- functions: the stored functions rules call (GET /api/v1/workflow/functions)
  auto* functions = root.add_subcommand("functions", "Stored functions: the ones rules call, and toppings'");
  functions->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto ns = std::make_shared<std::string>();
    auto* cmd = functions->add_subcommand("list", "List stored functions (every topping's unless --topping)");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("--topping", *ns, "Only this topping's functions (\"\" for those of no topping)");
    commands.Add(cmd, [flags, ns, cmd] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      std::string path = "/api/v1/workflow/functions";
      if (cmd->count("--topping") > 0) path += "?topping=" + PercentEncode(*ns);
      return PrintAnswer(*flags, *client, client->Call("GET", path),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           auto list = TRY(j.List("functions"));
                           if (list.empty()) out << "no functions\n";
                           for (const Field& f : list) out << TRY(FunctionLine(f)) << "\n";
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto name = std::make_shared<std::string>();
    auto ns = std::make_shared<std::string>();
    auto* cmd = functions->add_subcommand("show", "Show a stored function: its parameters and source");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("name", *name, "The function's name")->required();
    cmd->add_option("--topping", *ns, "The topping (namespace) it belongs to");
    commands.Add(cmd, [flags, name, ns] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      std::string path = "/api/v1/workflow/functions/" + PercentEncode(*name);
      if (!ns->empty()) path += "?topping=" + PercentEncode(*ns);
      return PrintAnswer(*flags, *client, client->Call("GET", path),
                         [](const Field& f, std::ostream& out) -> Result<void> {
                           out << TRY(FunctionLine(f)) << "\n"
                               << "  updated " << UtcTime(TRY(f.Int("updated_at"))) << " UTC\n"
                               << TRY(f.String("source"));
                           std::string source = TRY(f.String("source"));
                           if (!source.empty() && source.back() != '\n') out << "\n";
                           return Ok();
                         });
    });
  }

  // --- runs
  auto* runs = root.add_subcommand("runs", "The execution log of workflow runs");
  runs->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    struct Filter {
      std::string rule, record, function, topping, status, before;
      int64_t since_minutes = 0;
      int limit = 50;
    };
    auto f = std::make_shared<Filter>();
    auto* cmd = runs->add_subcommand("list", "List runs, newest first (every environment unless --env)");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("--rule", f->rule, "Only this rule's runs (rule id)");
    cmd->add_option("--record", f->record, "Only runs for this record id");
    cmd->add_option("--function", f->function, "Only runs of this function");
    cmd->add_option("--topping", f->topping, "Only this topping's runs");
    cmd->add_option("--status", f->status, "success, failed, retrying or skipped");
    cmd->add_option("--since", f->since_minutes, "Only runs of the last N minutes");
    cmd->add_option("--before", f->before, "Only runs older than this run id (paging)");
    cmd->add_option("--limit", f->limit, "At most this many (default 50)");
    commands.Add(cmd, [flags, f] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      ListQuery query;
      query.Add("rule", f->rule).Add("record", f->record).Add("function", f->function);
      query.Add("topping", f->topping).Add("status", f->status).Add("before", f->before);
      query.Add("limit", std::to_string(f->limit)).SinceMinutes(f->since_minutes);
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/workflow/runs" + query.str()), PrintRuns);
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = runs->add_subcommand("show", "Show one run: its info lines, outbound calls and error");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("id", *id, "Run id")->required();
    commands.Add(cmd, [flags, id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/workflow/runs/" + PercentEncode(*id)), PrintRun);
    });
  }
}

}  // namespace relish::cli
