// relish orgs ... | users ... | tokens ... | password: organizations, users and roles, API tokens
// and one's own password, over the REST API (docs/identity.md has the routes).
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "base/encoding.h"
#include "base/http_wire.h"
#include "cli/client.h"
#include "cli/command.h"

namespace relish::cli {
namespace {

// Rows printed in columns as wide as their widest cell, the header first.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const {
    std::vector<size_t> width(rows_.front().size(), 0);
    for (const auto& r : rows_) {
      for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    for (const auto& r : rows_) {
      std::string line;
      for (size_t i = 0; i < r.size(); ++i) {
        line += r[i];
        if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
      }
      out << line << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// A time member in epoch milliseconds as "2024-01-31 10:20:30 UTC"; `none` when null.
Result<std::string> TimeOf(const Field& f, std::string_view key, const std::string& none) {
  if (!f.Has(key)) return none;
  return UtcTime(TRY(f.Int(key))) + " UTC";
}

Result<void> PrintUser(const Field& u, std::ostream& out) {
  out << TRY(u.String("email")) << " (" << u.Show("name") << "): " << TRY(u.String("role"))
      << ", since " << TRY(TimeOf(u, "created_at", "-")) << "\n";
  return Ok();
}

Result<void> PrintOrg(const Field& o, std::ostream& out) {
  out << TRY(o.String("id")) << "  " << o.Show("name") << "  created "
      << TRY(TimeOf(o, "created_at", "-")) << "\n";
  return Ok();
}

// The id of the user with this email (case-insensitive), from the users list: commands take
// people by email, the API by id.
Result<std::string> UserIdByEmail(ApiClient& client, const std::string& email) {
  Json list = TRY(client.Call("GET", "/api/v1/users"));
  auto users = Field(list).List("users");
  if (!users.ok()) return client.NotRelish(users.error().message());
  for (const Field& u : *users) {
    auto e = u.String("email");
    if (!e.ok()) return client.NotRelish(e.error().message());
    if (SameHeaderName(*e, email)) return u.String("id");  // emails are ASCII-case-blind
  }
  return NotFound("no user with email " + email + " (see `relish users list`)");
}

// The token whose id or name is `which`; a name two tokens share is refused.
Result<std::string> TokenId(ApiClient& client, const std::string& which) {
  Json list = TRY(client.Call("GET", "/api/v1/tokens"));
  auto tokens = Field(list).List("tokens");
  if (!tokens.ok()) return client.NotRelish(tokens.error().message());
  std::vector<std::string> named;
  for (const Field& t : *tokens) {
    std::string id = TRY(t.String("id"));
    if (id == which) return id;
    if (t.Show("name") == which) named.push_back(id);
  }
  if (named.size() == 1) return named.front();
  if (named.size() > 1) {
    return InvalidArgument(std::to_string(named.size()) + " tokens are named '" + which +
                           "'; revoke one by its id (see `relish tokens list`)");
  }
  return NotFound("no token '" + which + "' (see `relish tokens list`)");
}

}  // namespace

void AddIdentityCommands(CLI::App& root, Commands& commands) {
  // --- orgs
  auto* orgs = root.add_subcommand("orgs", "Organizations (tenants): list yours, create one, add members");
  orgs->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = orgs->add_subcommand("list", "List the organizations you belong to");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/orgs"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           Table t({"ID", "NAME", "CREATED"});
                           for (const Field& o : TRY(j.List("orgs"))) {
                             t.Add({TRY(o.String("id")), o.Show("name"), TRY(TimeOf(o, "created_at", "-"))});
                           }
                           t.Print(out);
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto name = std::make_shared<std::string>();
    auto* cmd = orgs->add_subcommand("create", "Create an organization, with you its first member (administrators)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    cmd->add_option("name", *name, "The organization's name")->required();
    commands.Add(cmd, [flags, name] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"name", *name}};
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/orgs", &body), PrintOrg);
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto org = std::make_shared<std::string>();
    auto email = std::make_shared<std::string>();
    auto* cmd = orgs->add_subcommand("add-member", "Add a user to an organization (administrators)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    cmd->add_option("org", *org, "Organization id")->required();
    cmd->add_option("email", *email, "The user's email")->required();
    commands.Add(cmd, [flags, org, email] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"email", *email}};
      return PrintAnswer(*flags, *client,
                         client->Call("POST", "/api/v1/orgs/" + PercentEncode(*org) + "/members", &body),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           Field user = TRY(j.Get("user"));
                           out << "added " << TRY(user.String("email")) << " to " << TRY(j.String("org")) << "\n";
                           return Ok();
                         });
    });
  }

  // --- users
  auto* users = root.add_subcommand("users", "Users and their roles (administrators)");
  users->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = users->add_subcommand("list", "List every user");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/users"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           Table t({"EMAIL", "NAME", "ROLE", "CREATED"});
                           for (const Field& u : TRY(j.List("users"))) {
                             t.Add({TRY(u.String("email")), u.Show("name"), TRY(u.String("role")),
                                    TRY(TimeOf(u, "created_at", "-"))});
                           }
                           t.Print(out);
                           return Ok();
                         });
    });
  }
  {
    struct New {
      std::string email, name, role = "developer";
      std::vector<std::string> orgs;
    };
    auto flags = std::make_shared<RemoteFlags>();
    auto n = std::make_shared<New>();
    auto* cmd = users->add_subcommand("create", "Create a user; the password is read from standard input (without echo on a terminal)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    cmd->add_option("email", n->email, "The user's email (how they sign in)")->required();
    cmd->add_option("--name", n->name, "Their name");
    cmd->add_option("--role", n->role, "developer (default) or admin")->check(CLI::IsMember({"developer", "admin"}));
    cmd->add_option("--org", n->orgs, "An organization to join (repeatable; default: your own)");
    commands.Add(cmd, [flags, n] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto password = ReadSecret("Password for " + n->email + ": ");
      if (!password.ok()) return Fail(password.error());
      Json body = {{"email", n->email}, {"name", n->name}, {"role", n->role}, {"password", *password}};
      if (!n->orgs.empty()) body["orgs"] = n->orgs;
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/users", &body),
                         [](const Field& u, std::ostream& out) -> Result<void> {
                           out << "created ";
                           return PrintUser(u, out);
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto email = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    auto* cmd = users->add_subcommand("set-role", "Make a user an administrator or a developer");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    cmd->add_option("email", *email, "The user's email")->required();
    cmd->add_option("role", *role, "admin or developer")->required()->check(CLI::IsMember({"developer", "admin"}));
    commands.Add(cmd, [flags, email, role] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto id = UserIdByEmail(*client, *email);
      if (!id.ok()) return Fail(id.error());
      Json body = {{"role", *role}};
      return PrintAnswer(*flags, *client, client->Call("PATCH", "/api/v1/users/" + PercentEncode(*id), &body),
                         PrintUser);
    });
  }

  // --- tokens
  auto* tokens = root.add_subcommand("tokens", "Your personal API tokens (what `relish login` and scripts use)");
  tokens->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = tokens->add_subcommand("list", "List your API tokens (never the tokens themselves)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/tokens"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           Table t({"ID", "NAME", "PREFIX", "CREATED", "EXPIRES", "LAST USED"});
                           for (const Field& k : TRY(j.List("tokens"))) {
                             t.Add({TRY(k.String("id")), k.Show("name"), k.Show("prefix"),
                                    TRY(TimeOf(k, "created_at", "-")), TRY(TimeOf(k, "expires_at", "never")),
                                    TRY(TimeOf(k, "last_used_at", "never"))});
                           }
                           t.Print(out);
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto name = std::make_shared<std::string>();
    auto days = std::make_shared<int>(90);
    auto* cmd = tokens->add_subcommand("create", "Make an API token; it is printed once, on standard output");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    cmd->add_option("name", *name, "What the token is for (\"CI deploys\")")->required();
    cmd->add_option("--expires", *days, "Days until it expires, 1 to 3650 (default 90)")->check(CLI::Range(1, 3650));
    commands.Add(cmd, [flags, name, days] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"name", *name}, {"expires_in_days", *days}};
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/tokens", &body),
                         [](const Field& k, std::ostream& out) -> Result<void> {
                           std::string token = TRY(k.String("token"));
                           out << token << "\n";
                           std::cerr << "token " << TRY(k.String("id")) << " (" << k.Show("name")
                                     << "), expires " << TRY(TimeOf(k, "expires_at", "never"))
                                     << "; it is not shown again\n";
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto which = std::make_shared<std::string>();
    auto* cmd = tokens->add_subcommand("revoke", "Revoke one of your API tokens, by id or name");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    cmd->add_option("token", *which, "The token's id or name")->required();
    commands.Add(cmd, [flags, which] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto id = TokenId(*client, *which);
      if (!id.ok()) return Fail(id.error());
      return PrintAnswer(*flags, *client, client->Call("DELETE", "/api/v1/tokens/" + PercentEncode(*id)),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << "revoked " << TRY(j.String("revoked")) << "\n";
                           return Ok();
                         });
    });
  }

  // --- password
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = root.add_subcommand(
        "password", "Change your password: the current one, then the new one, read without echo "
                    "(or as two lines of standard input)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kNone);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      auto current = ReadSecret("Current password: ");
      if (!current.ok()) return Fail(current.error());
      auto next = ReadSecret("New password: ");
      if (!next.ok()) return Fail(next.error());
      if (::isatty(STDIN_FILENO)) {
        auto again = ReadSecret("New password again: ");
        if (!again.ok()) return Fail(again.error());
        if (*again != *next) return Fail(InvalidArgument("the new passwords differ; nothing changed"));
      }
      Json body = {{"current_password", *current}, {"new_password", *next}};
      return PrintAnswer(*flags, *client, client->Call("PUT", "/api/v1/me/password", &body),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           TRY(j.Bool("password_changed"));
                           out << "Password changed; your browser sessions are signed out (API "
                                  "tokens stay: see `relish tokens list`)\n";
                           return Ok();
                         });
    });
  }
}

}  // namespace relish::cli
