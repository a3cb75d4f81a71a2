// Running one leased job: a function, a webhook or a field update for a rule, or a date trigger
// that has come due.
#include "workflow/executor.h"

#include <strings.h>

#include "base/barrier.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "base/log.h"
#include "crm/values.h"
#include "outbound/request_head.h"

namespace relish::workflow {

using crm::Json;

namespace {

// Errors that may go away on their own: the store was busy, an upstream was down or slow.
bool Transient(const Error& e) {
  return e.code() == ErrorCode::kUnavailable || e.code() == ErrorCode::kDeadlineExceeded ||
         e.code() == ErrorCode::kInternal;
}

std::string FieldText(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("name")) return FieldText(v["name"]);
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) out += (out.empty() ? "" : ",") + FieldText(item);
    return out;
  }
  return v.dump();
}

std::string JsonEscape(std::string_view text) {
  std::string quoted = Json(std::string(text)).dump();
  return quoted.substr(1, quoted.size() - 2);
}
std::string NoEscape(std::string_view text) { return std::string(text); }
std::string FormEscape(std::string_view text) { return FormEncode(text); }
std::string UrlEscape(std::string_view text) { return PercentEncode(text); }

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) return true;
  }
  return false;
}

crm::Actor ActorFrom(const Json& j) {
  return {j.value("id", ""), j.value("name", ""), j.value("email", "")};
}

}  // namespace

Json RecordArgument(const std::string& module, const std::string& record_id, const Json& record) {
  Json out = Json::object();
  out[module + ".ID"] = record_id;
  for (const auto& [k, v] : record.items()) {
    if (k != "id") out[k] = v;
  }
  return out;
}

std::string RenderTemplate(std::string_view text, const std::string& module,
                           const std::string& record_id, const Json& record,
                           std::string (*escape)(std::string_view)) {
  std::string out;
  size_t pos = 0;
  std::string prefix = module + ".";
  while (true) {
    size_t start = text.find("${", pos);
    size_t end = start == std::string_view::npos ? start : text.find('}', start);
    if (end == std::string_view::npos) break;
    out += text.substr(pos, start - pos);
    std::string_view name = text.substr(start + 2, end - start - 2);
    if (name.starts_with(prefix)) {
      std::string_view field = name.substr(prefix.size());
      if (field == "ID") {
        out += escape(record_id);
      } else {
        auto it = record.find(std::string(field));
        out += escape(it == record.end() ? "" : FieldText(*it));
      }
    } else {
      out += text.substr(start, end - start + 1);  // Compile refuses these; keep them visible
    }
    pos = end + 1;
  }
  out += text.substr(pos);
  return out;
}

Engine::Outcome Engine::Executor::Execute(const Job& job) {
  // The thread barrier (base/barrier.h): a job whose work throws fails on its own, and its
  // worker goes on with the next.
  auto outcome = CatchAll("workflow job " + job.id, [&]() -> Result<Outcome> {
    ChainDepth() = job.payload.value("depth", 1);
    Outcome o = ExecuteUnguarded(job);
    ChainDepth() = 0;
    return o;
  });
  ChainDepth() = 0;
  if (outcome.ok()) return std::move(*outcome);
  Run run = NewRun(job);
  run.action = job.kind;
  run.status = RunStatus::kFailed;
  run.error = outcome.error().message();
  run.ended_at = run.started_at;
  Outcome out;
  out.run = std::move(run);
  return out;
}

// A run of `job`, started now: what every outcome records, whatever the job's payload says.
Run Engine::Executor::NewRun(const Job& job) {
  Run run;
  run.id = SequentialId("run", e_.d_.clock, e_.d_.random);
  run.job_id = job.id;
  run.attempt = job.attempts;
  run.org_id = job.org_id;
  run.environment = job.environment;
  run.started_at = e_.d_.clock.NowMillis();
  const Json& actor = job.payload.value("actor", Json::object());
  if (actor.is_object()) {
    run.user_id = actor.value("id", "");
    run.user_name = actor.value("name", "");
    run.user_email = actor.value("email", "");
  }
  return run;
}

Engine::Outcome Engine::Executor::ExecuteUnguarded(const Job& job) {
  if (auto other = e_.job_kinds_.find(job.kind); other != e_.job_kinds_.end()) {
    JobOutcome done = other->second(job);
    Outcome out;
    out.retry = done.retry;
    out.error = std::move(done.error);
    out.followups = std::move(done.followups);
    return out;
  }
  const Json& p = job.payload;
  Run run = NewRun(job);
  run.topping = p.value("topping", "");
  run.rule_id = p.value("rule_id", "");
  run.rule_name = p.value("rule_name", "");
  run.module = p.value("module", "");
  run.record_id = p.value("record_id", "");
  run.trigger = p.value("trigger", job.kind == "date" ? "date" : "");
  run.event_at = p.value("event_at", int64_t{0});
  Outcome out;
  if (job.exhausted) {
    const Json& a = p.value("action", Json::object());
    run.action = a.is_object() && !a.empty() ? a.begin().key() : job.kind;
    run.status = RunStatus::kFailed;
    run.error = "gave up after " + std::to_string(job.max_attempts) +
                " attempts: the worker running it stopped before it finished";
    run.ended_at = run.started_at;
    out.run = std::move(run);
    return out;
  }
  if (job.kind == "date") return DateDue(job);
  if (job.kind != "action") {
    run.status = RunStatus::kFailed;
    run.error = "unknown job kind '" + job.kind + "'";
    run.ended_at = run.started_at;
    out.run = std::move(run);
    return out;
  }
  return RunAction(job, std::move(run));
}

Engine::Outcome Engine::Executor::RunAction(const Job& job, Run run) {
  const Json& p = job.payload;
  Outcome out;
  auto finish = [&](RunStatus status, std::string error, bool retry = false) {
    run.status = status;
    run.error = std::move(error);
    run.ended_at = e_.d_.clock.NowMillis();
    out.retry = retry;
    out.error = run.error;
    out.run = std::move(run);
    return std::move(out);
  };
  auto action = ActionFromJson(p.value("action", Json::object()));
  if (!action.ok()) return finish(RunStatus::kFailed, action.error().message());
  run.action = std::string(ActionKindName(action->kind));
  run.target = ActionTarget(*action);
  crm::Space space{job.org_id, job.environment};
  Json record;
  if (auto it = p.find("record"); it != p.end()) {
    record = *it;  // a due date trigger's actions carry the record they were started for
  } else if (!p.value("scheduled", false)) {
    auto snapshot = e_.d_.crm.EventRecord(space, p.value("event_id", ""));
    if (!snapshot.ok()) {
      if (snapshot.error().code() != ErrorCode::kNotFound) {
        return finish(RunStatus::kFailed, snapshot.error().message(), Transient(snapshot.error()));
      }
      return finish(RunStatus::kSkipped, "the change that started it is no longer in the history");
    }
    record = std::move(*snapshot);
  }
  if (p.value("scheduled", false)) {
    // A scheduled action runs only if the record still exists and still meets the condition.
    auto current = e_.d_.crm.GetRecord(space, run.module, run.record_id);
    if (!current.ok()) {
      if (current.error().code() == ErrorCode::kNotFound) {
        return finish(RunStatus::kSkipped, "the record was deleted");
      }
      return finish(RunStatus::kFailed, current.error().message(), Transient(current.error()));
    }
    auto rule = e_.d_.repository.GetRule(space, run.rule_id);
    if (!rule.ok()) return finish(RunStatus::kSkipped, "the rule was deleted");
    if (!rule->active) return finish(RunStatus::kSkipped, "the rule is inactive");
    auto module = e_.d_.crm.GetModule(space, rule->module);
    if (!module.ok()) return finish(RunStatus::kSkipped, "the module is gone");
    size_t ci = p.value("condition", size_t{0});
    if (!Compile(*rule, *module).ok() || FirstMatch(*rule, *module, *current) != ci) {
      return finish(RunStatus::kSkipped,
                    "the record no longer meets condition " + std::to_string(ci + 1));
    }
    record = std::move(*current);
  }
  switch (action->kind) {
    case ActionKind::kFunction: return RunFunction(job, *action, record, std::move(run));
    case ActionKind::kWebhook: return RunWebhook(job, *action, record, std::move(run));
    case ActionKind::kFieldUpdate: return RunUpdate(job, *action, record, std::move(run));
  }
  return finish(RunStatus::kFailed, "unknown action");
}

Engine::Outcome Engine::Executor::RunFunction(const Job& job, const Action& action,
                                              const Json& record, Run run) {
  Outcome out;
  crm::Space space{job.org_id, job.environment};
  auto fail = [&](const Error& e) {
    run.status = RunStatus::kFailed;
    run.error = e.message();
    run.ended_at = e_.d_.clock.NowMillis();
    out.retry = Transient(e);
    out.error = run.error;
    out.run = std::move(run);
    return std::move(out);
  };
  auto fn = e_.d_.repository.GetFunction(space, run.topping, action.function);
  if (!fn.ok()) return fail(fn.error());

  functions::RunRequest req;
  req.org_id = job.org_id;
  req.environment = job.environment;
  req.topping = run.topping;
  req.user_id = job.payload.value("actor", Json::object()).value("id", "");
  req.run_id = run.id;
  req.file_name = "functions/" + fn->name + ".dg";
  req.source = fn->source;
  // Every parameter is either mapped or the record itself (Compile checked when the rule was
  // saved; a function changed since then gets null for what is missing).
  std::string record_arg = RecordArgumentName(run.module);
  for (const auto& param : fn->params) {
    Json value;
    auto mapped = std::find_if(action.args.begin(), action.args.end(),
                               [&](const Argument& a) { return a.name == param; });
    if (mapped != action.args.end()) {
      if (mapped->field.empty()) {
        value = mapped->value;
      } else if (mapped->field == "ID") {
        value = run.record_id;
      } else {
        value = record.value(mapped->field, Json());
      }
    } else if (param == record_arg) {
      value = RecordArgument(run.module, run.record_id, record);
    }
    req.args.push_back({param, value.dump()});
  }

  e_.BeginCollecting(run.id);
  run.started_at = e_.d_.clock.NowMillis();
  auto result = e_.d_.runner.Run(req);
  auto audit = e_.EndCollecting(run.id);
  for (const auto& a : audit) {
    run.calls.push_back({.source = "audit",
                         .method = a.method,
                         .url = a.url,
                         .connection = a.link_name,
                         .status = a.status,
                         .latency_us = a.latency_us,
                         .bytes_in = a.bytes_in,
                         .error = a.error,
                         .note = a.note});
  }
  if (!result.ok()) return fail(result.error());
  std::vector<CallRecord> own;
  for (const auto& c : result->calls) {
    own.push_back({.source = "function",
                   .method = c.method,
                   .url = c.url,
                   .connection = c.connection,
                   .task = c.task,
                   .status = c.status,
                   .latency_us = c.latency_us,
                   .error = c.error});
  }
  run.calls.insert(run.calls.begin(), own.begin(), own.end());
  run.info = std::move(result->info);
  for (const auto& m : result->mails) run.info.push_back("sendmail (not delivered): " + m);
  run.statements = result->statements;
  run.result = result->return_json;
  run.status = result->ok ? RunStatus::kSuccess : RunStatus::kFailed;
  run.error = result->error_message;
  run.error_line = result->error_line;
  run.ended_at = e_.d_.clock.NowMillis();
  out.run = std::move(run);
  return out;
}

Engine::Outcome Engine::Executor::RunWebhook(const Job& job, const Action& action,
                                             const Json& record, Run run) {
  Outcome out;
  outbound::Request req;
  req.method = action.method;
  req.url = RenderTemplate(action.url, run.module, run.record_id, record, UrlEscape);
  req.timeout = std::chrono::seconds(30);
  std::string type = action.content_type;
  if (type.empty() && !action.body.empty()) {
    char first = action.body.find_first_not_of(" \t\r\n") == std::string::npos
                     ? ' '
                     : action.body[action.body.find_first_not_of(" \t\r\n")];
    type = first == '{' || first == '[' ? "application/json" : "text/plain";
  }
  auto escape = type.find("json") != std::string::npos ? JsonEscape
                : type.find("x-www-form-urlencoded") != std::string::npos ? FormEscape
                                                                           : NoEscape;
  req.body = RenderTemplate(action.body, run.module, run.record_id, record, escape);
  for (const auto& h : action.headers) req.headers.push_back(h);
  if (!req.body.empty() && !HasHeader(req.headers, "Content-Type")) {
    req.headers.emplace_back("Content-Type", type);
  }
  CallRecord call{.source = "webhook", .method = req.method, .url = req.url,
                  .connection = action.connection};
  Result<outbound::Response> response = Unavailable("not sent");
  e_.BeginCollecting(run.id);
  run.started_at = e_.d_.clock.NowMillis();
  // Rules are checked when saved, and a stored rule that fails today's checks never fires
  // (RuleFromRow); this last check before anything is sent is the clients' own rule, kept here
  // too so that nothing can reach a connection lookup or a token refresh with a broken head.
  if (auto head = outbound::CheckRequestHead(req); !head.ok()) {
    response = head.error();
  } else if (!action.connection.empty()) {
    if (!e_.d_.connections) {
      response = FailedPrecondition("connections are not available here");
    } else {
      connections::CallContext ctx{
          .org_id = job.org_id,
          .environment = job.environment,
          .topping = run.topping,
          .user_id = job.payload.value("actor", Json::object()).value("id", ""),
          .run_id = run.id,
          .origin = "workflow"};
      response = e_.d_.connections->Call(ctx, action.connection, req);
    }
  } else {
    auto& http = job.environment == "production" ? e_.d_.production_http : e_.d_.sandbox_http;
    response = http.Send(req);
  }
  for (const auto& a : e_.EndCollecting(run.id)) {
    run.calls.push_back({.source = "audit", .method = a.method, .url = a.url,
                         .connection = a.link_name, .status = a.status,
                         .latency_us = a.latency_us, .bytes_in = a.bytes_in, .error = a.error,
                         .note = a.note});
  }
  run.ended_at = e_.d_.clock.NowMillis();
  if (!response.ok()) {
    call.error = response.error().message();
    run.calls.insert(run.calls.begin(), call);
    run.status = RunStatus::kFailed;
    run.error = response.error().message();
    out.retry = Transient(response.error());
  } else {
    call.status = response->status;
    call.latency_us = response->elapsed.count();
    call.bytes_in = static_cast<int64_t>(response->body.size());
    run.calls.insert(run.calls.begin(), call);
    int s = response->status;
    run.result = "HTTP " + std::to_string(s);
    if (s >= 200 && s < 300) {
      run.status = RunStatus::kSuccess;
    } else {
      run.status = RunStatus::kFailed;
      run.error = "the webhook answered HTTP " + std::to_string(s);
      out.retry = s == 408 || s == 429 || s >= 500;
    }
  }
  out.error = run.error;
  out.run = std::move(run);
  return out;
}

Engine::Outcome Engine::Executor::RunUpdate(const Job& job, const Action& action,
                                            const Json& record, Run run) {
  Outcome out;
  crm::Space space{job.org_id, job.environment};
  Json changes = {{"id", run.record_id}};
  for (const auto& [k, v] : action.fields.items()) {
    if (v.is_object() && v.contains("field") && v["field"].is_string()) {
      changes[k] = record.value(v["field"].get<std::string>(), Json());
    } else {
      changes[k] = v;
    }
  }
  run.started_at = e_.d_.clock.NowMillis();
  auto results = e_.d_.crm.UpdateRecords(space, run.module, Json::array({changes}),
                                         ActorFrom(job.payload.value("actor", Json::object())),
                                         {.fire_workflows = action.trigger_workflows});
  run.ended_at = e_.d_.clock.NowMillis();
  if (!results.ok()) {
    run.status = RunStatus::kFailed;
    run.error = results.error().message();
    out.retry = Transient(results.error());
  } else if (results->empty() || !(*results)[0].ok) {
    const auto& err = results->empty() ? crm::RecordError{"INTERNAL", "no result", {}} : (*results)[0].error;
    bool gone = err.code == "INVALID_DATA" && err.details.contains("id") && !err.details.contains("api_name");
    run.status = gone ? RunStatus::kSkipped : RunStatus::kFailed;
    run.error = gone ? "the record was deleted" : err.code + ": " + err.message;
  } else {
    run.status = RunStatus::kSuccess;
    run.result = (*results)[0].details.dump();
  }
  out.error = run.error;
  out.run = std::move(run);
  return out;
}

Engine::Outcome Engine::Executor::DateDue(const Job& job) {
  const Json& p = job.payload;
  Outcome out;
  crm::Space space{job.org_id, job.environment};
  std::string module_name = p.value("module", "");
  std::string record_id = p.value("record_id", "");
  auto rule = e_.d_.repository.GetRule(space, p.value("rule_id", ""));
  if (!rule.ok() || !rule->active) return out;  // the rule is gone or off: nothing to do
  auto record = e_.d_.crm.GetRecord(space, module_name, record_id);
  if (!record.ok()) {
    if (record.error().code() != ErrorCode::kNotFound && Transient(record.error())) {
      out.retry = true;
      out.error = record.error().message();
    }
    return out;
  }
  // A newer job exists if the date moved since this one was scheduled.
  if (record->value(p.value("field", ""), Json()) != p.value("value", Json())) return out;
  auto module = e_.d_.crm.GetModule(space, module_name);
  if (!module.ok() || !Compile(*rule, *module).ok()) return out;
  auto ci = FirstMatch(*rule, *module, *record);
  if (!ci) return out;
  const Condition& c = rule->conditions[*ci];
  int64_t now = e_.d_.clock.NowMillis();
  auto job_for = [&](const Action& action, int64_t at, bool scheduled) {
    return NewJob{.org_id = job.org_id,
                  .environment = job.environment,
                  .kind = "action",
                  .payload = {{"rule_id", rule->id},
                              {"rule_name", rule->name},
                              {"topping", rule->topping},
                              {"module", module->api_name},
                              {"record_id", record_id},
                              {"event_id", ""},
                              {"trigger", "date"},
                              {"event_at", now},
                              {"condition", *ci},
                              {"scheduled", scheduled},
                              {"action", ActionToJson(action)},
                              {"record", *record},
                              {"actor", p.value("actor", Json::object())},
                              {"depth", p.value("depth", 1)}},
                  .run_at = at,
                  .max_attempts = job.max_attempts};
  };
  for (const Action& a : c.actions) out.followups.push_back(job_for(a, now, false));
  for (const Schedule& s : c.scheduled) {
    // Scheduled actions of a date rule count from the moment it fired (a field-based offset
    // would be a second date rule).
    if (!s.from_field.empty()) continue;
    for (const Action& a : s.actions) out.followups.push_back(job_for(a, now + s.offset_ms, true));
  }
  e_.enqueued_.fetch_add(static_cast<int64_t>(out.followups.size()), std::memory_order_relaxed);
  return out;
}

}  // namespace relish::workflow
