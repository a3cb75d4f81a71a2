#include "workflow/run_log.h"

#include <algorithm>
#include <cstdio>

#include "base/log.h"

namespace relish::workflow {

using crm::Json;
using store::Transaction;
using store::TxMode;

namespace {

constexpr std::string_view kColumns =
    "id, job_id, attempt, org_id, environment, topping, rule_id, rule_name, module, record_id,"
    " trigger_kind, action, target, status, event_at, started_at, ended_at, statements, info,"
    " calls, error, error_line, result, user_id, user_name, user_email";

Json CallToJson(const CallRecord& c) {
  Json j = {{"source", c.source}, {"method", c.method},   {"url", c.url},
            {"connection", c.connection}, {"task", c.task}, {"status", c.status},
            {"latency_us", c.latency_us}};
  if (c.source == "audit") j["bytes_in"] = c.bytes_in;
  if (!c.error.empty()) j["error"] = c.error;
  if (!c.note.empty()) j["note"] = c.note;
  return j;
}

CallRecord CallFromJson(const Json& j) {
  CallRecord c;
  c.source = j.value("source", "");
  c.method = j.value("method", "");
  c.url = j.value("url", "");
  c.connection = j.value("connection", "");
  c.task = j.value("task", "");
  c.status = j.value("status", 0);
  c.latency_us = j.value("latency_us", int64_t{0});
  c.bytes_in = j.value("bytes_in", int64_t{0});
  c.error = j.value("error", "");
  c.note = j.value("note", "");
  return c;
}

Run FromRow(const store::Row& r) {
  Run run;
  run.id = r.Text(0);
  run.job_id = r.Text(1);
  run.attempt = static_cast<int>(r.Int(2));
  run.org_id = r.Text(3);
  run.environment = r.Text(4);
  run.topping = r.Text(5);
  run.rule_id = r.Text(6);
  run.rule_name = r.Text(7);
  run.module = r.Text(8);
  run.record_id = r.Text(9);
  run.trigger = r.Text(10);
  run.action = r.Text(11);
  run.target = r.Text(12);
  run.status = ParseRunStatus(r.Text(13)).value_or(RunStatus::kFailed);
  run.event_at = r.Int(14);
  run.started_at = r.Int(15);
  run.ended_at = r.Int(16);
  run.statements = r.Int(17);
  Json info = Json::parse(r.Text(18), nullptr, false);
  if (info.is_array()) {
    for (const auto& line : info) run.info.push_back(line.get<std::string>());
  }
  Json calls = Json::parse(r.Text(19), nullptr, false);
  if (calls.is_array()) {
    for (const auto& c : calls) run.calls.push_back(CallFromJson(c));
  }
  run.error = r.Text(20);
  run.error_line = static_cast<int>(r.Int(21));
  run.result = r.Text(22);
  run.user_id = r.Text(23);
  run.user_name = r.Text(24);
  run.user_email = r.Text(25);
  return run;
}

}  // namespace

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kSuccess: return "success";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kRetrying: return "retrying";
    case RunStatus::kSkipped: return "skipped";
  }
  return "failed";
}

Result<RunStatus> ParseRunStatus(std::string_view name) {
  for (RunStatus s : {RunStatus::kSuccess, RunStatus::kFailed, RunStatus::kRetrying,
                      RunStatus::kSkipped}) {
    if (RunStatusName(s) == name) return s;
  }
  return InvalidArgument("unknown run status '" + std::string(name) +
                         "'; use success, failed, retrying or skipped");
}

std::vector<store::Migration> RunLog::Migrations() {
  return {{"workflow_runs", 1, "execution log",
           "CREATE TABLE wf_runs ("
           " id TEXT PRIMARY KEY,"
           " job_id TEXT NOT NULL,"
           " attempt BIGINT NOT NULL,"
           " org_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " topping TEXT NOT NULL,"
           " rule_id TEXT NOT NULL,"
           " rule_name TEXT NOT NULL,"
           " module TEXT NOT NULL,"
           " record_id TEXT NOT NULL,"
           " trigger_kind TEXT NOT NULL,"
           " action TEXT NOT NULL,"
           " target TEXT NOT NULL,"
           " status TEXT NOT NULL,"
           " event_at BIGINT NOT NULL,"
           " started_at BIGINT NOT NULL,"
           " ended_at BIGINT NOT NULL,"
           " statements BIGINT NOT NULL,"
           " info TEXT NOT NULL,"
           " calls TEXT NOT NULL,"
           " error TEXT NOT NULL,"
           " error_line BIGINT NOT NULL,"
           " result TEXT NOT NULL);"
           "CREATE INDEX wf_runs_org ON wf_runs (org_id, id);"},
          {"workflow_runs", 2, "the acting user of each run",
           "ALTER TABLE wf_runs ADD COLUMN user_id TEXT NOT NULL DEFAULT '';"
           "ALTER TABLE wf_runs ADD COLUMN user_name TEXT NOT NULL DEFAULT '';"
           "ALTER TABLE wf_runs ADD COLUMN user_email TEXT NOT NULL DEFAULT '';"}};
}

Result<void> RunLog::Insert(Transaction& tx, Run run) {
  // Scripts never see secrets (Connections::Call masks what an upstream echoes), and the runner
  // masks its result; this is the last check before the store. The Redactor knows every secret
  // the vault and the connections' registries have opened; only the organization's own are
  // masked, as the log is shown to its members.
  Redactor& redactor = GlobalRedactor();
  const std::string org = run.org_id;
  auto scrub = [&](const std::string& text) { return redactor.ScrubFor(org, text); };
  Json info = Json::array();
  for (auto& line : run.info) info.push_back(scrub(line));
  Json calls = Json::array();
  for (auto& c : run.calls) {
    c.url = scrub(c.url);
    c.error = scrub(c.error);
    c.note = scrub(c.note);
    calls.push_back(CallToJson(c));
  }
  TRY(tx.Exec(std::string("INSERT INTO wf_runs (") + std::string(kColumns) +
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              run.id, run.job_id, run.attempt, run.org_id, run.environment, run.topping,
              run.rule_id, run.rule_name, run.module, run.record_id, run.trigger, run.action,
              scrub(run.target), RunStatusName(run.status), run.event_at, run.started_at,
              run.ended_at, run.statements, info.dump(), calls.dump(), scrub(run.error),
              run.error_line, scrub(run.result), run.user_id, run.user_name, run.user_email));
  return Ok();
}

Result<std::vector<Run>> RunLog::List(std::string_view org_id, const RunFilter& f) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM wf_runs WHERE org_id = ?";
  std::vector<store::Value> params = {store::Value(org_id)};
  auto add = [&](const char* clause, const std::string& value) {
    if (value.empty()) return;
    sql += clause;
    params.emplace_back(value);
  };
  add(" AND environment = ?", f.environment);
  add(" AND rule_id = ?", f.rule_id);
  add(" AND record_id = ?", f.record_id);
  add(" AND target = ?", f.function);
  add(" AND topping = ?", f.topping);
  add(" AND status = ?", f.status);
  add(" AND id < ?", f.before);
  if (f.since > 0) {
    sql += " AND started_at >= ?";
    params.emplace_back(f.since);
  }
  if (f.until > 0) {
    sql += " AND started_at < ?";
    params.emplace_back(f.until);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(std::clamp(f.limit, 1, 1000));
  auto rows = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryParams(sql, params);
  }));
  std::vector<Run> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

Result<Run> RunLog::Get(std::string_view org_id, std::string_view id) {
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne("no run '" + std::string(id) + "'",
                       "SELECT " + std::string(kColumns) + " FROM wf_runs WHERE org_id = ? AND id = ?",
                       org_id, id);
  }));
  return FromRow(row);
}

Result<int64_t> RunLog::Purge(int64_t cutoff_ms) {
  // Run ids start with their start time (SequentialId), so the primary key finds old runs; a few
  // thousand at a time keeps each write short.
  char cutoff[32];
  std::snprintf(cutoff, sizeof cutoff, "run_%012llx",
                static_cast<unsigned long long>(std::max<int64_t>(cutoff_ms, 0)) & 0xffffffffffffULL);
  int64_t total = 0;
  while (true) {
    int64_t n = TRY(store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) {
      return tx.Exec("DELETE FROM wf_runs WHERE id IN (SELECT id FROM wf_runs WHERE id < ?"
                     " ORDER BY id LIMIT 2000)",
                     std::string(cutoff));
    }));
    total += n;
    if (n < 2000) return total;
  }
}

Json RunToJson(const Run& run, bool details) {
  Json j = {{"id", run.id},
            {"rule_id", run.rule_id},
            {"rule", run.rule_name},
            {"topping", run.topping},
            {"environment", run.environment},
            {"module", run.module},
            {"record_id", run.record_id},
            {"trigger", run.trigger},
            {"action", run.action},
            {"target", run.target},
            {"status", RunStatusName(run.status)},
            {"attempt", run.attempt},
            {"event_at", run.event_at},
            {"started_at", run.started_at},
            {"ended_at", run.ended_at},
            {"statements", run.statements},
            {"error", run.error},
            {"error_line", run.error_line},
            {"user", run.user_id.empty() ? Json()
                                         : Json{{"id", run.user_id},
                                                {"name", run.user_name},
                                                {"email", run.user_email}}}};
  if (details) {
    j["job_id"] = run.job_id;
    j["info"] = run.info;
    Json calls = Json::array();
    for (const auto& c : run.calls) calls.push_back(CallToJson(c));
    j["calls"] = calls;
    j["result"] = run.result;
  }
  return j;
}

}  // namespace relish::workflow
