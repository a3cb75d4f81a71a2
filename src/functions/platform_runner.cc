#include "functions/platform_runner.h"

#include <algorithm>
#include <optional>

#include "base/log.h"
#include "functions/platform_host.h"
#include "functions/program_cache.h"

namespace relish::functions {
namespace {

deluge::Limits Lower(deluge::Limits asked, const deluge::Limits& most) {
  asked.max_statements = std::min(asked.max_statements, most.max_statements);
  asked.max_wall_time = std::min(asked.max_wall_time, most.max_wall_time);
  asked.max_call_depth = std::min(asked.max_call_depth, most.max_call_depth);
  asked.invokeurl_timeout = std::min(asked.invokeurl_timeout, most.invokeurl_timeout);
  asked.max_response_bytes = std::min(asked.max_response_bytes, most.max_response_bytes);
  asked.max_zoho_response_bytes =
      std::min(asked.max_zoho_response_bytes, most.max_zoho_response_bytes);
  asked.max_text_bytes = std::min(asked.max_text_bytes, most.max_text_bytes);
  asked.max_collection_size = std::min(asked.max_collection_size, most.max_collection_size);
  asked.max_memory_bytes = std::min(asked.max_memory_bytes, most.max_memory_bytes);
  return asked;
}

// What a run returns and records holds none of its organization's secrets. Connections::Call
// already masked what came back through a connection; this covers whatever else a script got
// hold of (a record's field, a value passed in) that the Redactor knows as the organization's
// secret. Only the organization's: masking another's would tell the script's author that a text
// they printed is someone's secret.
void ScrubSecrets(std::string_view org_id, RunResult& r) {
  const Redactor& redactor = GlobalRedactor();
  for (auto& line : r.info) redactor.ScrubInPlaceFor(org_id, line);
  for (auto& mail : r.mails) redactor.ScrubInPlaceFor(org_id, mail);
  redactor.ScrubInPlaceFor(org_id, r.return_json);
  redactor.ScrubInPlaceFor(org_id, r.error_message);
  for (auto& call : r.calls) {
    redactor.ScrubInPlaceFor(org_id, call.url);
    redactor.ScrubInPlaceFor(org_id, call.error);
  }
}

}  // namespace

PlatformRunner::PlatformRunner(PlatformServices services, RunnerOptions options)
    : services_(services),
      options_(std::move(options)),
      cache_(std::make_unique<ProgramCache>(options_.program_cache_entries)) {
  if (services_.clock == nullptr) services_.clock = &SystemClock();
}

PlatformRunner::~PlatformRunner() = default;

Result<RunResult> PlatformRunner::Run(const RunRequest& request) {
  if (request.environment != "sandbox" && request.environment != "production") {
    return InvalidArgument("environment must be sandbox or production, got '" +
                           request.environment + "'");
  }
  if (services_.sandbox_http == nullptr || services_.production_http == nullptr) {
    return Internal("the function runner has no outbound HTTP client");
  }

  RunContext context;
  context.call = {.org_id = request.org_id,
                  .environment = request.environment,
                  .topping = request.topping,
                  .user_id = request.user_id,
                  .run_id = request.run_id,
                  .origin = "function"};
  context.time_zone = options_.time_zone;
  context.limits = Lower(request.limits, options_.max_limits);
  context.unavailable = options_.unavailable;
  if (!request.user_id.empty() && services_.identity != nullptr) {
    // The run's user and zoho.adminuser (the organization's first administrator by email) come
    // from one read of the organization's members; a user who is not one (an administrator
    // running another organization's function) is read by id. Before, a run read its user, then
    // every user of the installation, asking each administrator's memberships.
    std::optional<identity::User> user;
    std::optional<std::string> admin_email;
    if (!request.org_id.empty()) {
      auto members = services_.identity->ListMembers(request.org_id);
      if (members.ok()) {
        for (auto& u : *members) {
          if (!admin_email && u.role == identity::Role::kAdmin) admin_email = u.email;
          if (u.id == request.user_id) user = std::move(u);
        }
      }
    }
    if (!user) {
      auto found = services_.identity->GetUser(request.user_id);
      if (!found.ok()) return NotFound("no user " + request.user_id);
      user = std::move(*found);
    }
    context.actor = {user->id, user->name, user->email};
    context.user.login_user = user->email;
    context.user.login_user_id = user->email;
    context.user.admin_user = admin_email.value_or(user->email);
    context.user.admin_user_id = context.user.admin_user;
  }

  RunResult result;
  const Clock& clock = *services_.clock;
  result.started_at = clock.NowMillis();
  std::vector<std::string> arg_names;
  deluge::RunOptions run_options;
  run_options.limits = context.limits;
  for (const auto& a : request.args) {
    arg_names.push_back(a.name);
    run_options.args.push_back({a.name, a.json});
  }
  auto compiled = cache_->Get(request.source, arg_names);
  if (!compiled->ok()) {
    const deluge::Diagnostic& first = compiled->diagnostics.front();
    result.error_line = first.line;
    result.error_column = first.column;
    result.error_message = first.message;
    result.return_json = "null";
    result.ended_at = clock.NowMillis();
    return result;
  }

  PlatformHost host(services_, std::move(context), result);
  auto outcome = deluge::Run(*compiled->program, host, run_options);
  if (!outcome.ok()) return outcome.error();
  result.ok = outcome->ok;
  result.error_line = outcome->error_line;
  result.error_column = outcome->error_column;
  result.error_message = outcome->error_message;
  result.return_json = outcome->return_json.empty() ? "null" : outcome->return_json;
  result.statements = outcome->statements;
  result.ended_at = clock.NowMillis();
  ScrubSecrets(request.org_id, result);
  return result;
}

}  // namespace relish::functions
