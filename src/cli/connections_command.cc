// relish login | services ... | connections ... | keys rotate: the CLI over the REST API.
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "base/encoding.h"
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

// "connected", or "needs_reauth (refresh failed)" with each authorization's reason. A per-user
// connection's status is the caller's own authorization's: another member's revoke is theirs,
// shown on their line of `connections show`, not the connection's.
Result<std::string> Status(const Field& c) {
  std::string s = TRY(c.String("status"));
  if (c.Has("per_user") && TRY(c.Bool("per_user"))) {
    std::string reason = TRY(c.OptionalString("reason"));
    if (!reason.empty() && reason != s && s != "connected") s += " (" + reason + ")";
    return s;
  }
  if (!c.Has("authorizations")) return s;
  for (const Field& a : TRY(c.List("authorizations"))) {
    std::string reason = TRY(a.OptionalString("reason"));
    if (!reason.empty() && TRY(a.String("status")) != "connected") s += " (" + reason + ")";
  }
  return s;
}

// "per user: you have not authorized it; 2 members have", for a per-user connection; "" else.
Result<std::string> PerUser(const Field& c) {
  if (!c.Has("per_user") || !TRY(c.Bool("per_user"))) return std::string();
  int64_t members = TRY(c.Int("members_authorized"));
  return std::string("per user: you have ") + (TRY(c.Bool("authorized_by_you")) ? "" : "not ") +
         "authorized it; " + std::to_string(members) + (members == 1 ? " member has" : " members have");
}

// "Ann Lee <ann@example.com>": how an authorization's user is named (their id only when the
// user has since been removed).
Result<std::string> Who(const Field& a) {
  std::string email = TRY(a.OptionalString("user_email"));
  if (email.empty()) return "removed user " + TRY(a.String("user_id"));
  std::string name = TRY(a.OptionalString("user_name"));
  return name.empty() ? email : name + " <" + email + ">";
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Result<void> PrintConnection(const Field& c, std::ostream& out) {
  out << TRY(c.String("link_name")) << "  " << TRY(c.String("service")) << "  "
      << TRY(c.String("environment")) << "  " << TRY(Status(c)) << "\n";
  out << "  name: " << TRY(c.String("name")) << "\n";
  if (std::string per_user = TRY(PerUser(c)); !per_user.empty()) out << "  " << per_user << "\n";
  std::string requested = Joined(TRY(c.Strings("scopes")));
  if (!requested.empty()) out << "  requested scopes: " << requested << "\n";
  for (const Field& a : TRY(c.List("authorizations"))) {
    std::string granted = Joined(TRY(a.Strings("granted_scopes")));
    std::string user = TRY(a.OptionalString("user_id"));
    std::string status = TRY(a.String("status"));
    std::string reason = TRY(a.OptionalString("reason"));
    out << "  authorization" << (user.empty() ? "" : " of " + TRY(Who(a))) << ": " << status;
    if (!user.empty() && status != "connected" && !reason.empty() && reason != status) {
      out << " (" << reason << ")";
    }
    if (!granted.empty()) out << "; granted: " << granted;
    std::vector<std::string> missing = TRY(a.Strings("missing_scopes"));
    if (!missing.empty()) out << "; missing: " << DumpJson(TRY(a.Get("missing_scopes")).json());
    out << "\n";
  }
  return Ok();
}

// The caller's own authorization of a connection (the shared one, or theirs on a per-user
// connection) as text that changes whenever it does: `authorize --wait` watches it.
Result<std::string> MyAuthorization(const Field& c, const std::string& me) {
  bool per_user = c.Has("per_user") && TRY(c.Bool("per_user"));
  for (const Field& a : TRY(c.List("authorizations"))) {
    std::string user = TRY(a.OptionalString("user_id"));
    if (per_user ? user == me : user.empty()) return DumpJson(a.json());
  }
  return std::string();
}

}  // namespace

void AddConnectionsCommands(CLI::App& root, Commands& commands) {
  // --- login
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto email = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto days = std::make_shared<int>(90);
    auto* cmd = root.add_subcommand("login", "Sign in to a Relish server and save an API token for the CLI");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    cmd->add_option("--email", *email, "Your email")->required();
    cmd->add_option("--name", *name, "The token's name (default \"relish login on HOST\", this machine)");
    cmd->add_option("--expires", *days, "Days until the token expires, 1 to 3650 (default 90)")
        ->check(CLI::Range(1, 3650));
    commands.Add(cmd, [flags, email, name, days] {
      auto settings = LoadClientSettings(*flags);
      if (!settings.ok()) return Fail(settings.error());
      auto password = ReadSecret("Password: ");
      if (!password.ok()) return Fail(password.error());
      ApiClient client({settings->url, ""});
      std::string token_name = *name;
      if (token_name.empty()) {
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        token_name = "relish login on " + std::string(host[0] ? host : "this machine");
      }
      Json body = {{"email", *email}, {"password", *password}, {"name", token_name},
                   {"expires_in_days", *days}};
      auto r = client.Call("POST", "/api/v1/auth/token", &body);
      if (!r.ok()) return Fail(r.error());
      auto token = Field(*r).String("token");
      if (!token.ok()) return Fail(client.NotRelish(token.error().message()));
      auto saved = SaveClientSettings({settings->url, *token});
      if (!saved.ok()) return Fail(saved.error());
      std::cout << "Signed in to " << settings->url << "; the token (\"" << Printable(token_name)
                << "\", expires in " << *days << " days) is saved in " << ClientConfigPath() << "\n";
      return kExitOk;
    });
  }

  // --- whoami: who the CLI is signed in as, where
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = root.add_subcommand("whoami", "Show the user, server and organizations the CLI uses");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      std::string url = client->url();
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/me"),
                         [url](const Field& j, std::ostream& out) -> Result<void> {
                           Field user = TRY(j.Get("user"));
                           TRY(user.ExpectObject());
                           out << TRY(user.String("email")) << " (" << user.Show("name") << ", "
                               << TRY(user.String("role")) << ") at " << url << "\n";
                           for (const Field& o : TRY(j.List("orgs"))) {
                             out << "  " << TRY(o.String("id")) << "  " << o.Show("name") << "\n";
                           }
                           return Ok();
                         });
    });
  }

  // --- logout: revoke the CLI's token and forget it
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = root.add_subcommand("logout", "Revoke the CLI's saved API token and forget it");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    commands.Add(cmd, [flags] {
      auto settings = LoadClientSettings(*flags);
      if (!settings.ok()) return Fail(settings.error());
      if (settings->token.empty()) {
        return Fail(FailedPrecondition("not signed in: no API token in --token, RELISH_TOKEN or " +
                                       ClientConfigPath()));
      }
      ApiClient client(*settings);
      // The token's own id: the one of the caller's tokens whose prefix it starts with.
      auto find = [&](const Json& list) -> Result<std::string> {  // the id, or ""
        for (const Field& t : TRY(Field(list).List("tokens"))) {
          std::string prefix = TRY(t.String("prefix"));
          if (!prefix.empty() && settings->token.starts_with(prefix)) return t.String("id");
        }
        return std::string();
      };
      auto revoke = [&]() -> Result<void> {
        Json list = TRY(client.Call("GET", "/api/v1/tokens"));
        auto id = find(list);
        if (!id.ok()) return client.NotRelish(id.error().message());
        if (id->empty()) return NotFound("the server lists no token like the CLI's");
        TRY(client.Call("DELETE", "/api/v1/tokens/" + PercentEncode(*id)));
        return Ok();
      };
      auto revoked = revoke();
      // A token the server refuses is of no use either: forget it all the same. Any other
      // failure (the server unreachable, not Relish) keeps it, so that logout can be tried again.
      bool refused = !revoked.ok() && revoked.error().code() == ErrorCode::kUnauthenticated;
      if (!revoked.ok() && !refused) return Fail(revoked.error());
      auto saved = LoadClientSettings(RemoteFlags{});
      bool forgotten = false;
      if (saved.ok() && saved->token == settings->token && !std::getenv("RELISH_TOKEN")) {
        std::error_code ec;
        forgotten = std::filesystem::remove(ClientConfigPath(), ec);
      }
      std::cout << "Signed out of " << settings->url << ": the token is "
                << (refused ? "no longer accepted there" : "revoked")
                << (forgotten ? " and " + ClientConfigPath() + " removed" : "") << "\n";
      return kExitOk;
    });
  }

  // --- services
  auto* services = root.add_subcommand("services", "Default and custom services (how to authenticate to an API)");
  services->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = services->add_subcommand("list", "List services");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/services"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           for (const Field& s : TRY(j.List("services"))) {
                             out << TRY(s.String("id")) << "  " << TRY(s.String("auth")) << "  "
                                 << TRY(s.String("name"))
                                 << (TRY(s.Bool("builtin")) ? "" : "  (custom)") << "\n";
                           }
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("show", "Show a service and its definition");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("id", *id, "Service id")->required();
    commands.Add(cmd, [flags, id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/services/" + *id),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << TRY(j.String("definition"));
                           return Ok();
                         });
    });
  }
  // The server names a definition's position "service:LINE:COL"; from a file, the file's name
  // in its place is what an editor or a compiler-style error parser can jump to.
  auto name_the_file = [](Result<Json> answer, const std::string& file) -> Result<Json> {
    if (answer.ok() || file == "-") return answer;
    const std::string& m = answer.error().message();
    if (!m.starts_with("service:") || m.size() < 9 || !std::isdigit(static_cast<unsigned char>(m[8]))) {
      return answer;
    }
    return Error(answer.error().code(), file + m.substr(7));
  };
  for (const char* verb : {"create", "validate"}) {
    auto flags = std::make_shared<RemoteFlags>();
    auto file = std::make_shared<std::string>();
    bool create = std::string(verb) == "create";
    auto* cmd = services->add_subcommand(verb, create ? "Create a custom service from a YAML file"
                                                      : "Check a service definition without saving it");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("file", *file, "YAML file (- for standard input)")->required();
    commands.Add(cmd, [flags, file, create, name_the_file] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto yaml = ReadFile(*file);
      if (!yaml.ok()) return Fail(yaml.error());
      auto r = name_the_file(client->CallRaw("POST", create ? "/api/v1/services" : "/api/v1/services/validate",
                                             *yaml, "application/yaml"),
                             *file);
      return PrintAnswer(*flags, *client, r, [create](const Field& j, std::ostream& out) -> Result<void> {
        Field s = create ? j : TRY(j.Get("service"));
        out << (create ? "created " : "valid: ") << TRY(s.String("id")) << " ("
            << TRY(s.String("auth")) << ")\n";
        return Ok();
      });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto file = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("update", "Replace a custom service's definition (its id stays)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("id", *id, "Service id")->required();
    cmd->add_option("file", *file, "YAML file (- for standard input)")->required();
    commands.Add(cmd, [flags, id, file, name_the_file] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto yaml = ReadFile(*file);
      if (!yaml.ok()) return Fail(yaml.error());
      return PrintAnswer(*flags, *client,
                         name_the_file(client->CallRaw("PUT", "/api/v1/services/" + *id, *yaml, "application/yaml"), *file),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << "updated " << TRY(j.String("id")) << "\n";
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("delete", "Delete a custom service");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("id", *id, "Service id")->required();
    commands.Add(cmd, [flags, id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("DELETE", "/api/v1/services/" + *id),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << "deleted " << TRY(j.String("deleted")) << "\n";
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto issuer = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand("discover", "Draft a custom service from an OAuth server's metadata (RFC 8414 / OpenID)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("issuer", *issuer, "The authorization server's issuer URL")->required();
    commands.Add(cmd, [flags, issuer] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"issuer", *issuer}};
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/services/discover", &body),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << TRY(j.String("draft"));
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto client_id = std::make_shared<std::string>();
    auto* cmd = services->add_subcommand(
        "set-client",
        "Set your OAuth app's client id (with --env: for that environment only, else for every "
        "environment without its own); the secret is read from standard input");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("id", *id, "Service id")->required();
    cmd->add_option("--client-id", *client_id, "The OAuth client id")->required();
    commands.Add(cmd, [flags, id, client_id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto secret = ReadSecret("Client secret: ");
      if (!secret.ok()) return Fail(secret.error());
      Json body = {{"client_id", *client_id}, {"client_secret", *secret}};
      return PrintAnswer(*flags, *client, client->Call("PUT", "/api/v1/services/" + *id + "/client", &body),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << "client set for " << TRY(j.String("service"));
                           std::string env = TRY(j.OptionalString("for_environment"));
                           out << (env.empty() ? std::string(" (every environment)")
                                               : " (" + env + " only)")
                               << "\n";
                           return Ok();
                         });
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
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/connections"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           auto list = TRY(j.List("connections"));
                           if (list.empty()) out << "no connections\n";
                           for (const Field& c : list) {
                             std::string per_user = TRY(PerUser(c));
                             out << TRY(c.String("link_name")) << "  " << TRY(c.String("service"))
                                 << "  " << TRY(Status(c))
                                 << (per_user.empty() ? "" : "  (" + per_user + ")") << "\n";
                           }
                           return Ok();
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
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/connections", &body), PrintConnection);
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
      if (verb == "delete") {
        return PrintAnswer(*flags, *client, r, [](const Field& j, std::ostream& out) -> Result<void> {
          out << "deleted " << TRY(j.String("deleted")) << "\n";
          return Ok();
        });
      }
      return PrintAnswer(*flags, *client, r, PrintConnection);
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto link = std::make_shared<std::string>();
    auto wait = std::make_shared<bool>(false);
    auto timeout = std::make_shared<int>(600);
    auto* cmd = conns->add_subcommand("authorize", "Print the URL to open in a browser to authorize a connection");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("link", *link, "Link name")->required();
    cmd->add_flag("--wait", *wait, "Wait until the browser finishes, then print the status (exit 1 unless connected); "
                                   "with --json, one JSON document per line: the URL's, then the connection's");
    cmd->add_option("--timeout", *timeout, "With --wait: give up after this many seconds (default 600, the URL's life)")
        ->check(CLI::Range(1, 3600));
    commands.Add(cmd, [flags, link, wait, timeout] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      std::string path = "/api/v1/connections/" + PercentEncode(*link);
      // Before: the caller's own authorization as it is, to tell the browser's outcome from it.
      std::string me, before;
      if (*wait) {
        auto who = client->Call("GET", "/api/v1/me");
        if (!who.ok()) return Fail(who.error());
        auto id = Field(*who).Get("user");
        auto user_id = id.ok() ? id->String("id") : Result<std::string>(id.error());
        if (!user_id.ok()) return Fail(client->NotRelish(user_id.error().message()));
        me = *user_id;
        auto now = client->Call("GET", path);
        if (!now.ok()) return Fail(now.error());
        auto mine = MyAuthorization(Field(*now), me);
        if (!mine.ok()) return Fail(client->NotRelish(mine.error().message()));
        before = *mine;
      }
      // --json --wait prints two documents; as JSON Lines (one compact document per line) a
      // script can read the URL from the first line while the command still waits.
      auto print = [&](const Result<Json>& answer, const Printer& text) {
        return PrintAnswer(*flags, *client, answer, text, *wait ? -1 : 2);
      };
      int code = print(client->Call("POST", path + "/authorize"),
                       [&](const Field& j, std::ostream& out) -> Result<void> {
                         out << "Open this URL in a browser to authorize (valid for 10 minutes):\n"
                             << TRY(j.String("authorize_url")) << "\n";
                         if (*wait) out << "Waiting for the browser to finish...\n";
                         return Ok();
                       });
      if (code != kExitOk || !*wait) return code;
      std::cout.flush();
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*timeout);
      while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        auto now = client->Call("GET", path);
        if (!now.ok()) return Fail(now.error());
        auto mine = MyAuthorization(Field(*now), me);
        if (!mine.ok()) return Fail(client->NotRelish(mine.error().message()));
        if (*mine == before) continue;
        Field c(*now);
        int printed = print(now, PrintConnection);
        if (printed != kExitOk) return printed;
        auto status = c.String("status");
        if (status.ok() && *status == "connected") return kExitOk;
        std::string reason = c.OptionalString("reason").value_or("");
        return Fail(FailedPrecondition("the authorization did not connect: " +
                                       (status.ok() ? *status : std::string("unknown")) +
                                       (reason.empty() ? "" : " (" + reason + ")") +
                                       "; try again with relish connections authorize " + *link +
                                       " --wait"));
      }
      return Fail(DeadlineExceeded("no authorization arrived in " + std::to_string(*timeout) +
                                   " s; open the URL and finish in the browser, then check with "
                                   "relish connections show " + *link));
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto link = std::make_shared<std::string>();
    auto* cmd = conns->add_subcommand("credentials",
                                      "Set an API key, Basic or bearer connection's credentials, read as name=value lines from standard input (not echoed on a terminal)");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("link", *link, "Link name")->required();
    commands.Add(cmd, [flags, link] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json fields = Json::object();
      // Secrets: never echoed to a terminal.
      for (const std::string& line : ReadSecretLines(
               "Enter name=value lines (not shown as you type), then an empty line:\n")) {
        auto eq = line.find('=');
        if (eq == std::string::npos) return Fail(InvalidArgument("expected name=value lines on standard input"));
        fields[line.substr(0, eq)] = line.substr(eq + 1);
      }
      Json body = {{"fields", fields}};
      return PrintAnswer(*flags, *client, client->Call("PUT", "/api/v1/connections/" + *link + "/credentials", &body),
                         PrintConnection);
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
      bool passed = false;
      int code = PrintAnswer(*flags, *client, r, [&passed](const Field& j, std::ostream& out) -> Result<void> {
        passed = TRY(j.Bool("ok"));
        out << (passed ? "ok: " : "failed: ") << TRY(j.String("message")) << "\n";
        return Ok();
      });
      return code == kExitOk && !passed ? kExitFailure : code;
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    struct Filter {
      std::string run, link, origin, status;
      int64_t since_minutes = 0;
      int limit = 0;
    };
    auto f = std::make_shared<Filter>();
    auto* cmd = conns->add_subcommand("audit", "Show credentialed calls, newest first");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("--run", f->run, "Only the calls of this function run");
    cmd->add_option("--link", f->link, "Only the calls through this connection (link name)");
    cmd->add_option("--origin", f->origin, "Only calls from function, task, proxy, test, probe or service");
    cmd->add_option("--status", f->status, "ok (2xx, 3xx), error (4xx, 5xx, no answer) or a code such as 404");
    cmd->add_option("--since", f->since_minutes, "Only calls of the last N minutes");
    cmd->add_option("--limit", f->limit, "At most this many (default 100, at most 1000)");
    commands.Add(cmd, [flags, f] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      ListQuery query;
      query.Add("run_id", f->run).Add("link", f->link).Add("origin", f->origin).Add("status", f->status);
      if (f->limit > 0) query.Add("limit", std::to_string(f->limit));
      query.SinceMinutes(f->since_minutes);
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/audit" + query.str()),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           auto entries = TRY(j.List("entries"));
                           if (entries.empty()) out << "no audit entries\n";
                           for (const Field& e : entries) {
                             std::string error = TRY(e.OptionalString("error"));
                             out << UtcTime(TRY(e.Int("at"))) << "  " << TRY(e.String("link_name"))
                                 << "  " << TRY(e.String("method")) << " "
                                 << TRY(e.String("url")) << "  " << TRY(e.Int("status")) << "  "
                                 << TRY(e.Int("latency_us")) / 1000 << "ms"
                                 << (error.empty() ? "" : "  " + error) << "\n";
                           }
                           return Ok();
                         });
    });
  }

  // --- keys
  auto* keys = root.add_subcommand("keys", "The vault's encryption keys");
  keys->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = keys->add_subcommand("rotate", "Make new keys and re-seal every secret, while the server runs");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/keys/rotate"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << "re-sealed " << TRY(j.Int("resealed")) << " secrets; master key "
                               << TRY(j.String("old_master_key")) << " -> " << TRY(j.String("new_master_key"))
                               << (TRY(j.Bool("master_key_changed"))
                                       ? ""
                                       : " (unchanged: it comes from RELISH_MASTER_KEY)")
                               << "\n";
                           return Ok();
                         });
    });
  }
}

}  // namespace relish::cli
