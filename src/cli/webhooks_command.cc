// relish connections events | webhooks list|create|enable|disable|delete|deliveries: connection
// events and their webhook endpoints over the REST API (issue 18).
#include <iostream>
#include <memory>

#include "cli/client.h"
#include "cli/command.h"

namespace relish::cli {
namespace {

Result<void> PrintEndpoint(const Field& e, std::ostream& out) {
  auto types = TRY(e.Strings("types"));
  std::string shown;
  for (const auto& t : types) shown += (shown.empty() ? "" : ",") + t;
  out << TRY(e.String("id")) << "  " << TRY(e.String("url")) << "  "
      << (TRY(e.Bool("enabled")) ? "enabled" : "disabled") << "  "
      << (shown.empty() ? "all events" : shown);
  std::string description = TRY(e.OptionalString("description"));
  if (!description.empty()) out << "  " << description;
  out << "\n";
  return Ok();
}

}  // namespace

void AddWebhooksCommands(CLI::App& root, Commands& commands) {
  // --- relish connections events
  CLI::App* conns = root.get_subcommand("connections");
  {
    auto flags = std::make_shared<RemoteFlags>();
    struct Filter {
      std::string link, type, before;
      int64_t since_minutes = 0;
      int limit = 0;
    };
    auto f = std::make_shared<Filter>();
    auto* cmd = conns->add_subcommand("events", "Show connections' state changes, newest first");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("--link", f->link, "Only the events of this connection (link name)");
    cmd->add_option("--type", f->type,
                    "Only events of this type (created, authorized, reauthorized, refresh_failed, "
                    "needs_reauth, revoked, deleted, policy_changed, probe_failed, probe_ok)");
    cmd->add_option("--since", f->since_minutes, "Only events of the last N minutes");
    cmd->add_option("--before", f->before, "Only events older than this event id (the next page)");
    cmd->add_option("--limit", f->limit, "At most this many (default 100, at most 1000)");
    commands.Add(cmd, [flags, f] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      ListQuery query;
      query.Add("link", f->link).Add("type", f->type).Add("before", f->before);
      if (f->limit > 0) query.Add("limit", std::to_string(f->limit));
      query.SinceMinutes(f->since_minutes);
      return PrintAnswer(
          *flags, *client, client->Call("GET", "/api/v1/connections/events" + query.str()),
          [](const Field& j, std::ostream& out) -> Result<void> {
            auto events = TRY(j.List("events"));
            if (events.empty()) out << "no events\n";
            for (const Field& e : events) {
              Field conn = TRY(e.Get("connection"));
              std::string status = TRY(e.OptionalString("status"));
              std::string reason = TRY(e.OptionalString("reason"));
              out << UtcTime(TRY(e.Int("at"))) << "  " << TRY(conn.String("link_name")) << "  "
                  << TRY(e.String("type")) << (status.empty() ? "" : "  -> " + status)
                  << (reason.empty() ? "" : "  " + reason) << "\n";
            }
            if (j.Has("next")) out << "more: --before " << TRY(j.String("next")) << "\n";
            return Ok();
          });
    });
  }

  // --- relish connections probe LINK
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto link = std::make_shared<std::string>();
    auto* cmd = conns->add_subcommand(
        "probe", "Run the connection's health probe (its service's test call); a failure is an event");
    AddRemoteFlags(*cmd, *flags);
    cmd->add_option("link", *link, "The connection's link name")->required();
    commands.Add(cmd, [flags, link] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      bool passed = false;
      int code = PrintAnswer(
          *flags, *client, client->Call("POST", "/api/v1/connections/" + *link + "/probe"),
          [&passed](const Field& j, std::ostream& out) -> Result<void> {
            passed = TRY(j.Bool("ok"));
            out << (passed ? "ok: " : "failed: ") << TRY(j.String("message")) << "\n";
            return Ok();
          });
      return code == kExitOk && !passed ? kExitFailure : code;
    });
  }

  // --- relish webhooks ...
  auto* hooks = root.add_subcommand("webhooks", "Endpoints that receive connection events");
  hooks->require_subcommand(1);
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto* cmd = hooks->add_subcommand("list", "List the organization's webhook endpoints");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    commands.Add(cmd, [flags] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("GET", "/api/v1/webhooks"),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           auto list = TRY(j.List("endpoints"));
                           if (list.empty()) out << "no webhook endpoints\n";
                           for (const Field& e : list) TRY(PrintEndpoint(e, out));
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    struct Spec {
      std::string url, description;
      std::vector<std::string> types;
    };
    auto s = std::make_shared<Spec>();
    auto* cmd = hooks->add_subcommand(
        "create", "Add an endpoint; prints its signing secret, which is shown this once");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("url", s->url, "Where to POST the events (http or https)")->required();
    cmd->add_option("--description", s->description, "What it is for");
    cmd->add_option("--type", s->types, "Only events of this type (repeatable; default: all)");
    commands.Add(cmd, [flags, s] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"url", s->url}, {"description", s->description}, {"types", s->types}};
      return PrintAnswer(*flags, *client, client->Call("POST", "/api/v1/webhooks", &body),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           TRY(PrintEndpoint(j, out));
                           out << "signing secret (shown once; keep it): " << TRY(j.String("secret"))
                               << "\n";
                           return Ok();
                         });
    });
  }
  for (bool enable : {true, false}) {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = hooks->add_subcommand(enable ? "enable" : "disable",
                                      enable ? "Deliver to an endpoint again"
                                             : "Stop delivering to an endpoint (keeps its log)");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("id", *id, "The endpoint's id")->required();
    commands.Add(cmd, [flags, id, enable] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      Json body = {{"enabled", enable}};
      return PrintAnswer(*flags, *client, client->Call("PUT", "/api/v1/webhooks/" + *id, &body),
                         [](const Field& j, std::ostream& out) { return PrintEndpoint(j, out); });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    auto id = std::make_shared<std::string>();
    auto* cmd = hooks->add_subcommand("delete", "Delete an endpoint and its delivery log");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("id", *id, "The endpoint's id")->required();
    commands.Add(cmd, [flags, id] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      return PrintAnswer(*flags, *client, client->Call("DELETE", "/api/v1/webhooks/" + *id),
                         [](const Field& j, std::ostream& out) -> Result<void> {
                           out << "deleted " << TRY(j.String("deleted")) << "\n";
                           return Ok();
                         });
    });
  }
  {
    auto flags = std::make_shared<RemoteFlags>();
    struct Filter {
      std::string endpoint, event, before;
      int limit = 0;
    };
    auto f = std::make_shared<Filter>();
    auto* cmd = hooks->add_subcommand("deliveries", "Show delivery attempts, newest first");
    AddRemoteFlags(*cmd, *flags, RemoteScope::kOrg);
    cmd->add_option("--endpoint", f->endpoint, "Only the attempts to this endpoint (its id)");
    cmd->add_option("--event", f->event, "Only the attempts of this event (its id)");
    cmd->add_option("--before", f->before, "Only attempts older than this delivery id (the next page)");
    cmd->add_option("--limit", f->limit, "At most this many (default 100, at most 1000)");
    commands.Add(cmd, [flags, f] {
      auto client = Connect(*flags);
      if (!client.ok()) return Fail(client.error());
      ListQuery query;
      query.Add("endpoint", f->endpoint).Add("event", f->event).Add("before", f->before);
      if (f->limit > 0) query.Add("limit", std::to_string(f->limit));
      return PrintAnswer(
          *flags, *client, client->Call("GET", "/api/v1/webhooks/deliveries" + query.str()),
          [](const Field& j, std::ostream& out) -> Result<void> {
            auto list = TRY(j.List("deliveries"));
            if (list.empty()) out << "no deliveries\n";
            for (const Field& d : list) {
              std::string error = TRY(d.OptionalString("error"));
              int64_t status = TRY(d.Int("response_status"));
              out << UtcTime(TRY(d.Int("at"))) << "  " << TRY(d.String("endpoint")) << "  "
                  << TRY(d.String("event_type")) << "  attempt " << TRY(d.Int("attempt")) << "  "
                  << TRY(d.String("outcome")) << "  "
                  << (status == 0 ? std::string("no answer") : "HTTP " + std::to_string(status))
                  << "  " << TRY(d.Int("duration_ms")) << "ms"
                  << (error.empty() ? "" : "  " + error) << "\n";
            }
            if (j.Has("next")) out << "more: --before " << TRY(j.String("next")) << "\n";
            return Ok();
          });
    });
  }
}

}  // namespace relish::cli
