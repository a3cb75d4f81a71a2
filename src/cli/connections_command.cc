// relish login | services ... | connections ... | keys rotate: the CLI over the REST API.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/client.h"
#include "cli/command.h"

namespace relish::cli {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  if (path == "-") {
    std::stringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream in(path);
  if (!in.good()) return NotFound("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Status(const Json& c) {
  std::string s = c.value("status", "");
  for (const auto& a : c["authorizations"]) {
    if (!a.value("reason", "").empty() && a["status"] != "connected") s += " (" + a["reason"].get<std::string>() + ")";
  }
  return s;
}

void PrintConnection(const Json& c) {
  std::cout << c["link_name"].get<std::string>() << "  " << c["service"].get<std::string>() << "  "
            << c["environment"].get<std::string>() << "  " << Status(c) << "\n";
  std::cout << "  name: " << c["name"].get<std::string>() << "\n";
  std::string requested;
  for (const auto& s : c["scopes"]) requested += (requested.empty() ? "" : ", ") + s.get<std::string>();
  if (!requested.empty()) std::cout << "  requested scopes: " << requested << "\n";
  for (const auto& a : c["authorizations"]) {
    std::string granted;
    for (const auto& s : a["granted_scopes"]) granted += (granted.empty() ? "" : ", ") + s.get<std::string>();
    std::cout << "  authorization" << (a["user_id"].is_null() ? "" : " of " + a["user_id"].get<std::string>())
              << ": " << a["status"].get<std::string>();
    if (!granted.empty()) std::cout << "; granted: " << granted;
    if (!a["missing_scopes"].empty()) std::cout << "; missing: " << a["missing_scopes"].dump();
    std::cout << "\n";
  }
}

}  // namespace

void AddConnectionsCommands(CLI::App& root, Commands& commands) {
  // --- login
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto email = std::make_shared<std::string>();
    auto* cmd = root.add_subcommand("login", "Sign in to a Relish server and save an API token for the CLI");
    AddRemoteFlags(*cmd, *flags, false);
    cmd->add_option("--email", *email, "Your email")->required();
    commands.Add(cmd, [flags, email] {
      auto settings = LoadClientSettings(*flags);
      if (!settings.ok()) return Fail(settings.error());
      auto password = ReadSecret("Password: ");
      if (!password.ok()) return Fail(password.error());
      ApiClient client({settings->url, ""});
      Json body = {{"email", *email}, {"password", *password}, {"name", "relish cli"}};
      auto r = client.Call("POST", "/api/v1/auth/token", &body);
      if (!r.ok()) return Fail(r.error());
      auto saved = SaveClientSettings({settings->url, (*r)["token"].get<std::string>()});
      if (!saved.ok()) return Fail(saved.error());
      std::cout << "Signed in to " << settings->url << "; the token is saved in " << ClientConfigPath() << "\n";
      return kExitOk;
    });
  }

  // --- services
  auto* services = root.add_subcommand("services", "Default and custom services (how to authenticate to an API)");
  services->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = services->add_subcommand("list", "List services");
    AddRemoteFlags(*cmd, *flags, false);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/services"), [](const Json& j) {
        for (const auto& s : j["services"]) {
          std::cout << s["id"].get<std::string>() << "  " << s["auth"].get<std::string>() << "  "
                    << s["name"].get<std::string>() << (s["builtin"].get<bool>() ? "" : "  (custom)") << "\n";
        }
      });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("show", "Show a service and its definition");
    AddRemoteFlags(*cmd, *flags, false);
    cmd->add_option("id", *id, "Service id")->required();
    commands.Add(cmd, [flags, id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/services/" + *id),
                   [](const Json& j) { std::cout << j["definition"].get<std::string>(); });
    });
  }
  for (const char* verb : {"create", "validate"}) {
    auto flags = std::make_shared<RemoteFlags>();
    auto file = std::make_shared<std::string>();
    bool create = std::string(verb) == "create";
    auto* cmd = services->add_subcommand(verb, create ? "Create a custom service from a YAML file"
                                                      : "Check a service definition without saving it");
    AddRemoteFlags(*cmd, *flags, false);
    cmd->add_option("file", *file, "YAML file (- for standard input)")->required();
    commands.Add(cmd, [flags, file, create] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto yaml = ReadFile(*file);
      if (!yaml.ok()) return Fail(yaml.error());
      auto r = client->CallRaw("POST", create ? "/api/v1/services" : "/api/v1/services/validate", *yaml,
                               "application/yaml");
      return PrintAnswer(*flags, r, [create](const Json& j) {
        const Json& s = create ? j : j["service"];
        std::cout << (create ? "created " : "valid: ") << s["id"].get<std::string>() << " ("
                  << s["auth"].get<std::string>() << ")\n";
      });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto file = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("update", "Replace a custom service's definition (its id stays)");
    AddRemoteFlags(*cmd, *flags, false);
    cmd->add_option("id", *id, "Service id")->required();
    cmd->add_option("file", *file, "YAML file (- for standard input)")->required();
    commands.Add(cmd, [flags, id, file] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto yaml = ReadFile(*file);
      if (!yaml.ok()) return Fail(yaml.error());
      return PrintAnswer(*flags, client->CallRaw("PUT", "/api/v1/services/" + *id, *yaml, "application/yaml"),
                   [id](const Json&) { std::cout << "updated " << *id << "\n"; });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("delete", "Delete a custom service");
    AddRemoteFlags(*cmd, *flags, false);
    cmd->add_option("id", *id, "Service id")->required();
    commands.Add(cmd, [flags, id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("DELETE", "/api/v1/services/" + *id),
                   [id](const Json&) { std::cout << "deleted " << *id << "\n"; });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto issuer = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("discover", "Draft a custom service from an OAuth server's metadata (RFC 8414 / OpenID)");
    AddRemoteFlags(*cmd, *flags, false);
    cmd->add_option("issuer", *issuer, "The authorization server's issuer URL")->required();
    commands.Add(cmd, [flags, issuer] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"issuer", *issuer}};
      return PrintAnswer(*flags, client->Call("POST", "/api/v1/services/discover", &body),
                   [](const Json& j) { std::cout << j["draft"].get<std::string>(); });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto client_id = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("set-client", "Set your OAuth app's client id; the secret is read from standard input");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("id", *id, "Service id")->required();
    cmd->add_option("--client-id", *client_id, "The OAuth client id")->required();
    commands.Add(cmd, [flags, id, client_id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto secret = ReadSecret("Client secret: ");
      if (!secret.ok()) return Fail(secret.error());
      Json body = {{"client_id", *client_id}, {"client_secret", *secret}};
      return PrintAnswer(*flags, client->Call("PUT", "/api/v1/services/" + *id + "/client", &body),
                   [id](const Json&) { std::cout << "client set for " << *id << "\n"; });
    });
  }

  // --- connections
  auto* conns = root.add_subcommand("connections", "Connections: authorized instances of services, by link name");
  conns->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = conns->add_subcommand("list", "List connections");
    AddRemoteFlags(*cmd, *flags);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/connections"), [](const Json& j) {
        if (j["connections"].empty()) std::cout << "no connections\n";
        for (const auto& c : j["connections"]) {
          std::cout << c["link_name"].get<std::string>() << "  " << c["service"].get<std::string>()
                    << "  " << Status(c) << "\n";
        }
      });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto name = std::make_shared<std::string>();
    auto service = std::make_shared<std::string>();
    auto link = std::make_shared<std::string>();
    auto scopes = std::make_shared<std::vector<std::string>>();
    auto params = std::make_shared<std::vector<std::string>>();
    auto per_user = std::make_shared<bool>(false);
    auto* cmd = conns->add_subcommand("create", "Create a connection");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("--service", *service, "Service id")->required();
    cmd->add_option("--name", *name, "Display name")->required();
    cmd->add_option("--link", *link, "Link name (default: made from the name)");
    cmd->add_option("--scope", *scopes, "A scope to request (repeatable; default: the service's)");
    cmd->add_option("--param", *params, "A connection parameter, name=value (repeatable)");
    cmd->add_flag("--per-user", *per_user, "Each user authorizes with their own account");
    commands.Add(cmd, [=] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"name", *name}, {"service", *service}, {"scopes", *scopes}, {"per_user", *per_user}};
      if (!link->empty()) body["link_name"] = *link;
      Json p = Json::object();
      for (const auto& kv : *params) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) return Fail(InvalidArgument("--param expects name=value, got '" + kv + "'"));
        p[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      body["params"] = p;
      return PrintAnswer(*flags, client->Call("POST", "/api/v1/connections", &body), PrintConnection);
    });
  }
  struct Simple {
    const char* verb;
    const char* help;
    const char* method;
    const char* suffix;
  };
  for (const Simple& s : {Simple{"show", "Show a connection, its status and scopes", "GET", ""},
                          Simple{"delete", "Revoke (where the provider allows) and delete a connection", "DELETE", ""},
                          Simple{"revoke", "Revoke a connection's authorization at the provider", "POST", "/revoke"},
                          Simple{"connect", "Fetch a client-credentials token now", "POST", "/connect"}}) {
    auto flags = std::make_shared<RemoteFlags>();
    auto link = std::make_shared<std::string>();
    auto* cmd = conns->add_subcommand(s.verb, s.help);
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("link", *link, "Link name")->required();
    std::string method = s.method, suffix = s.suffix, verb = s.verb;
    commands.Add(cmd, [flags, link, method, suffix, verb] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto r = client->Call(method, "/api/v1/connections/" + *link + suffix);
      if (verb == "delete") return PrintAnswer(*flags, r, [link](const Json&) { std::cout << "deleted " << *link << "\n"; });
      return PrintAnswer(*flags, r, PrintConnection);
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto link = std::make_shared<std::string>();
    auto* cmd = conns->add_subcommand("authorize", "Print the URL to open in a browser to authorize a connection");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("link", *link, "Link name")->required();
    commands.Add(cmd, [flags, link] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("POST", "/api/v1/connections/" + *link + "/authorize"), [](const Json& j) {
        std::cout << "Open this URL in a browser to authorize (valid for 10 minutes):\n"
                  << j["authorize_url"].get<std::string>() << "\n";
      });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto link = std::make_shared<std::string>();
    auto* cmd = conns->add_subcommand("credentials",
                                      "Set an API key, Basic or bearer connection's credentials, read as name=value lines from standard input");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("link", *link, "Link name")->required();
    commands.Add(cmd, [flags, link] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json fields = Json::object();
      std::string line;
      if (::isatty(0)) std::cerr << "Enter name=value lines, then Ctrl-D:\n";
      while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) return Fail(InvalidArgument("expected name=value lines on standard input"));
        fields[line.substr(0, eq)] = line.substr(eq + 1);
      }
      Json body = {{"fields", fields}};
      return PrintAnswer(*flags, client->Call("PUT", "/api/v1/connections/" + *link + "/credentials", &body), PrintConnection);
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto link = std::make_shared<std::string>();
    auto url = std::make_shared<std::string>();
    auto* cmd = conns->add_subcommand("test", "Make the service's test call (or --call URL) through the connection");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("link", *link, "Link name")->required();
    cmd->add_option("--call", *url, "A URL to call instead of the service's test call");
    commands.Add(cmd, [flags, link, url] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = Json::object();
      if (!url->empty()) body["url"] = *url;
      auto r = client->Call("POST", "/api/v1/connections/" + *link + "/test", &body);
      int code = PrintAnswer(*flags, r, [](const Json& j) {
        std::cout << (j["ok"].get<bool>() ? "ok: " : "failed: ") << j["message"].get<std::string>() << "\n";
      });
      return code == kExitOk && !(*r)["ok"].get<bool>() ? kExitFailure : code;
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto run = std::make_shared<std::string>();
    auto* cmd = conns->add_subcommand("audit", "Show credentialed calls, newest first");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("--run", *run, "Only the calls of this function run");
    commands.Add(cmd, [flags, run] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("GET", "/api/v1/audit" + (run->empty() ? "" : "?run_id=" + *run)),
                   [](const Json& j) {
                     for (const auto& e : j["entries"]) {
                       std::cout << e["link_name"].get<std::string>() << "  " << e["method"].get<std::string>() << " "
                                 << e["url"].get<std::string>() << "  " << e["status"].get<int>() << "  "
                                 << e["latency_us"].get<int64_t>() / 1000 << "ms"
                                 << (e["error"].get<std::string>().empty() ? "" : "  " + e["error"].get<std::string>())
                                 << "\n";
                     }
                   });
    });
  }

  // --- keys
  auto* keys = root.add_subcommand("keys", "The vault's encryption keys");
  keys->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = keys->add_subcommand("rotate", "Make new keys and re-seal every secret, while the server runs");
    AddRemoteFlags(*cmd, *flags, false);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, client->Call("POST", "/api/v1/keys/rotate"), [](const Json& j) {
        std::cout << "re-sealed " << j["resealed"].get<int64_t>() << " secrets; master key "
                  << j["old_master_key"].get<std::string>() << " -> " << j["new_master_key"].get<std::string>()
                  << (j["master_key_changed"].get<bool>() ? "" : " (unchanged: it comes from RELISH_MASTER_KEY)")
                  << "\n";
      });
    });
  }
}

}  // namespace relish::cli
