// relish topping push|publish|list|show | rules list|show|activate|deactivate | runs list|show:
// toppings, workflow rules and the execution log, over the REST API.
#include <chrono>
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

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// "2024-01-31 10:20:30" (UTC) from epoch milliseconds.
std::string Time(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// topping.yaml and everything under functions/, by path relative to `dir`. Other files (a
// README, editor backups) stay at home.
Result<Json> ReadTopping(const std::string& dir) {
  fs::path root(dir);
  std::error_code ec;
  if (!fs::is_regular_file(root / "topping.yaml", ec)) {
    return NotFound("no topping.yaml in " + dir);
  }
  Json files = Json::object();
  auto add = [&](const fs::path& p) -> Result<void> {
    std::ifstream in(p, std::ios::binary);
    if (!in.good()) return Unavailable("cannot read " + p.string());
    std::stringstream s;
    s << in.rdbuf();
    files[fs::relative(p, root).generic_string()] = s.str();
    return Ok();
  };
  TRY(add(root / "topping.yaml"));
  if (fs::is_directory(root / "functions", ec)) {
    for (const auto& entry : fs::recursive_directory_iterator(root / "functions")) {
      if (entry.is_regular_file() && entry.path().extension() == ".dg") TRY(add(entry.path()));
    }
  }
  return files;
}

void PrintTopping(const Json& t, const std::string& verb) {
  std::cout << verb << " " << Str(t, "namespace") << " " << Str(t, "version") << " ("
            << Str(t, "name") << ") in " << Str(t, "environment") << "\n";
  for (const auto& f : t["functions"]) std::cout << "  function   " << f.get<std::string>() << "\n";
  for (const auto& r : t["rules"]) std::cout << "  rule       " << r.get<std::string>() << "\n";
  for (const auto& f : t["fields_added"]) std::cout << "  new field  " << f.get<std::string>() << "\n";
  bool pending = false;
  for (const auto& c : t["connections"]) {
    std::string status = Str(c, "status");
    std::cout << "  connection " << Str(c, "link_name") << " (" << Str(c, "service") << "): " << status
              << "\n";
    pending = pending || status != "connected";
  }
  if (pending) {
    std::cout << "Authorize pending connections with: relish connections authorize LINK_NAME --env "
              << Str(t, "environment") << "\n";
  }
}

void PrintRuns(const Json& j) {
  for (const auto& r : j["runs"]) {
    std::cout << Str(r, "id") << "  " << Time(r["started_at"].get<int64_t>()) << "  "
              << Str(r, "status") << "  " << Str(r, "environment") << "  " << Str(r, "rule") << "  "
              << Str(r, "module") << "/" << Str(r, "record_id") << "  " << Str(r, "action") << " "
              << Str(r, "target");
    if (!Str(r, "error").empty()) std::cout << "  (" << Str(r, "error") << ")";
    std::cout << "\n";
  }
  if (!j["next"].is_null()) std::cout << "more: --before " << Str(j, "next") << "\n";
}

void PrintRun(const Json& r) {
  std::cout << "run " << Str(r, "id") << " (attempt " << Str(r, "attempt") << "): " << Str(r, "status")
            << "\n";
  std::cout << "  rule:        " << Str(r, "rule") << " (" << Str(r, "rule_id") << ")"
            << (Str(r, "topping").empty() ? "" : " in topping " + Str(r, "topping")) << "\n";
  std::cout << "  record:      " << Str(r, "module") << " " << Str(r, "record_id") << ", "
            << Str(r, "trigger") << " in " << Str(r, "environment") << "\n";
  std::cout << "  action:      " << Str(r, "action") << " " << Str(r, "target") << "\n";
  int64_t started = r["started_at"].get<int64_t>();
  std::cout << "  started:     " << Time(started) << " UTC, "
            << (started - r["event_at"].get<int64_t>()) << " ms after the change; took "
            << (r["ended_at"].get<int64_t>() - started) << " ms, " << Str(r, "statements")
            << " statements\n";
  if (!r["info"].empty()) {
    std::cout << "  info:\n";
    for (const auto& line : r["info"]) std::cout << "    " << line.get<std::string>() << "\n";
  }
  if (!r["calls"].empty()) {
    std::cout << "  calls:\n";
    for (const auto& c : r["calls"]) {
      std::cout << "    [" << Str(c, "source") << "] " << Str(c, "method") << " " << Str(c, "url")
                << " -> " << Str(c, "status") << " in " << (c["latency_us"].get<int64_t>() / 1000.0)
                << " ms";
      if (!Str(c, "connection").empty()) std::cout << " via " << Str(c, "connection");
      if (!Str(c, "task").empty()) std::cout << " (" << Str(c, "task") << ")";
      if (!Str(c, "error").empty()) std::cout << " error: " << Str(c, "error");
      std::cout << "\n";
    }
  }
  if (!Str(r, "error").empty()) {
    std::cout << "  error:       " << (r["error_line"].get<int>() > 0 ? "line " + Str(r, "error_line") + ": " : "")
              << Str(r, "error") << "\n";
  }
  if (!Str(r, "result").empty() && Str(r, "result") != "null") {
    std::cout << "  result:      " << Str(r, "result") << "\n";
  }
}

std::string RuleLine(const Json& r) {
  std::string trigger = Str(r["trigger"], "type");
  return Str(r, "id") + "  " + (r["active"].get<bool>() ? "active  " : "inactive") + "  " +
         Str(r, "module") + "  " + trigger + "  " + Str(r, "name") +
         (Str(r, "topping").empty() ? "" : "  [" + Str(r, "topping") + "]");
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
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("dir", *dir, "The topping's folder (topping.yaml and functions/*.dg)")->required();
    commands.Add(cmd, [flags, dir] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto files = ReadTopping(*dir);
      if (!files.ok()) return Fail(files.error());
      Json body = {{"files", *files}};
      return PrintAnswer(*flags, client->Call("POST", "/api/v1/toppings", &body),
                   [](const Json& t) { PrintTopping(t, "pushed"); });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto ns = std::make_shared<std::string>();
    auto* cmd = topping->add_subcommand("publish", "Copy the topping from the sandbox to production");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("namespace", *ns, "The topping's namespace")->required();
    commands.Add(cmd, [flags, ns] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("POST", "/api/v1/toppings/" + PercentEncode(*ns) + "/publish"),
                   [](const Json& t) { PrintTopping(t, "published"); });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = topping->add_subcommand("list", "List the toppings installed in an environment");
    AddRemoteFlags(*cmd, *flags);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/toppings"), [](const Json& j) {
        for (const auto& t : j["toppings"]) {
          std::cout << Str(t, "namespace") << "  " << Str(t, "version") << "  " << Str(t, "name")
                    << "  installed " << Time(t["installed_at"].get<int64_t>()) << " UTC\n";
        }
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
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/toppings/" + PercentEncode(*ns)),
                   [](const Json& t) { PrintTopping(t, "installed"); });
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
      return PrintAnswer(*flags, client->Call("GET", path), [](const Json& j) {
        for (const auto& r : j["rules"]) std::cout << RuleLine(r) << "\n";
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
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/workflow/rules/" + PercentEncode(*id)), nullptr);
    });
  }
  for (const char* verb : {"activate", "deactivate"}) {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    std::string v = verb;
    auto* cmd = rules->add_subcommand(verb, v == "activate" ? "Turn a rule on" : "Turn a rule off");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("id", *id, "Rule id")->required();
    commands.Add(cmd, [flags, id, v] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("POST", "/api/v1/workflow/rules/" + PercentEncode(*id) + "/" + v),
                   [](const Json& r) { std::cout << RuleLine(r) << "\n"; });
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
      std::string query;
      auto add = [&](const char* key, const std::string& value) {
        if (!value.empty()) query += (query.empty() ? "?" : "&") + std::string(key) + "=" + PercentEncode(value);
      };
      add("rule", f->rule);
      add("record", f->record);
      add("function", f->function);
      add("topping", f->topping);
      add("status", f->status);
      add("before", f->before);
      add("limit", std::to_string(f->limit));
      if (f->since_minutes > 0) {
        int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        add("since", std::to_string(now - f->since_minutes * 60'000));
      }
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/workflow/runs" + query), PrintRuns);
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
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/workflow/runs/" + PercentEncode(*id)), PrintRun);
    });
  }
}

}  // namespace relish::cli
