#include "functions/run_history.h"

#include <nlohmann/json.hpp>

#include "base/log.h"

namespace relish::functions {
namespace {

using Json = nlohmann::ordered_json;
using store::Transaction;
using store::TxMode;

constexpr std::string_view kColumns =
    "id, org_id, environment, topping, function_name, user_id, user_email, started_at, ended_at,"
    " ok, error_line, error_column, error, statements, user_name";

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A JSON text as a value; text that is not JSON stays text.
Json Parsed(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(text) : j;
}

Json CallJson(const OutboundCall& c) {
  return {{"method", c.method}, {"url", c.url},       {"connection", c.connection},
          {"task", c.task},     {"status", c.status}, {"latency_us", c.latency_us},
          {"error", c.error}};
}

OutboundCall CallFrom(const Json& j) {
  return {.method = j.value("method", ""),
          .url = j.value("url", ""),
          .connection = j.value("connection", ""),
          .task = j.value("task", ""),
          .status = j.value("status", 0),
          .latency_us = j.value("latency_us", int64_t{0}),
          .error = j.value("error", "")};
}

// The details a run keeps, each part while it fits the budget: the arguments, the return value,
// calls and mails (small, and what the run did), then info lines (the part that grows).
Json Details(const RecordedRun& run) {
  const Redactor& redactor = GlobalRedactor();
  size_t budget = kMaxRecordedRunBytes;
  bool cut = run.truncated;
  auto fits = [&](const Json& j) {
    size_t n = Dump(j).size();
    if (n > budget) {
      cut = true;
      return false;
    }
    budget -= n;
    return true;
  };
  Json args = Json::object();
  for (const auto& a : run.args) {
    // The caller's own values, but the organization's secrets are masked wherever they appear.
    Json value = Parsed(redactor.ScrubFor(run.org_id, a.json));
    if (fits(value)) args[a.name] = std::move(value);
  }
  // A compact JSON text prints at least a sixth of its length ("\u0041" is "A"), so one longer
  // than six budgets cannot fit: it is not parsed only to be dropped (it may be megabytes).
  const std::string& return_json = run.result.return_json;
  Json returned = nullptr;
  if (return_json.size() > 6 * budget) {
    cut = true;
  } else {
    returned = Parsed(return_json.empty() ? "null" : return_json);
    if (!fits(returned)) returned = nullptr;
  }
  Json calls = Json::array();
  for (const auto& c : run.result.calls) {
    Json j = CallJson(c);
    if (!fits(j)) break;
    calls.push_back(std::move(j));
  }
  Json mails = Json::array();
  for (const auto& m : run.result.mails) {
    if (!fits(Json(m))) break;
    mails.push_back(m);
  }
  Json info = Json::array();
  for (const auto& line : run.result.info) {
    if (!fits(Json(line))) break;
    info.push_back(line);
  }
  return {{"args", args},   {"return", returned}, {"calls", calls},
          {"mails", mails}, {"info", info},       {"truncated", cut}};
}

RecordedRun FromRow(const store::Row& r) {
  RecordedRun run;
  run.id = r.Text(0);
  run.org_id = r.Text(1);
  run.environment = r.Text(2);
  run.topping = r.Text(3);
  run.function = r.Text(4);
  run.user_id = r.Text(5);
  run.user_email = r.Text(6);
  run.result.started_at = r.Int(7);
  run.result.ended_at = r.Int(8);
  run.result.ok = r.Bool(9);
  run.result.error_line = static_cast<int>(r.Int(10));
  run.result.error_column = static_cast<int>(r.Int(11));
  run.result.error_message = r.Text(12);
  run.result.statements = r.Int(13);
  run.user_name = r.Text(14);
  run.result.return_json = "null";
  return run;
}

void ReadDetails(const std::string& text, RecordedRun& run) {
  Json d = Json::parse(text, nullptr, false);
  if (!d.is_object()) return;
  // value() returns copies: each is held for its loop (items() of a temporary would dangle).
  const Json args = d.value("args", Json::object());
  for (const auto& [name, value] : args.items()) run.args.push_back({name, Dump(value)});
  run.result.return_json = Dump(d.value("return", Json()));
  const Json calls = d.value("calls", Json::array());
  for (const auto& c : calls) run.result.calls.push_back(CallFrom(c));
  const Json mails = d.value("mails", Json::array());
  for (const auto& m : mails) {
    if (m.is_string()) run.result.mails.push_back(m.get<std::string>());
  }
  const Json info = d.value("info", Json::array());
  for (const auto& line : info) {
    if (line.is_string()) run.result.info.push_back(line.get<std::string>());
  }
  run.truncated = d.value("truncated", false);
}

}  // namespace

std::vector<store::Migration> RunHistory::Migrations() {
  return {{"functions", 1, "the console's function runs", R"sql(
CREATE TABLE fn_runs (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  topping TEXT NOT NULL,
  function_name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_email TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  ok BIGINT NOT NULL,
  error_line BIGINT NOT NULL,
  error_column BIGINT NOT NULL,
  error TEXT NOT NULL,
  statements BIGINT NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX fn_runs_org ON fn_runs (org_id, id);
CREATE INDEX fn_runs_function ON fn_runs (org_id, function_name, id);
)sql"},
          {"functions", 2, "the name of a function run's user",
           "ALTER TABLE fn_runs ADD COLUMN user_name TEXT NOT NULL DEFAULT '';"}};
}

Result<void> RunHistory::Record(const RecordedRun& run) {
  std::string details = Dump(Details(run));
  const RunResult& r = run.result;
  return store::Transact(store_, TxMode::kWrite, [&](Transaction& tx) -> Result<void> {
    TRY(tx.Exec("INSERT INTO fn_runs (" + std::string(kColumns) +
                    ", details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                run.id, run.org_id, run.environment, run.topping, run.function, run.user_id,
                run.user_email, r.started_at, r.ended_at, r.ok, r.error_line, r.error_column,
                GlobalRedactor().ScrubFor(run.org_id, r.error_message), r.statements,
                run.user_name, details));
    // Older than the organization's newest kRunsKeptPerOrganization: forgotten, here, so the
    // table never holds more than the limit for long (ids sort by start time).
    TRY(
        tx.Exec("DELETE FROM fn_runs WHERE org_id = ? AND id < (SELECT id FROM fn_runs WHERE"
                " org_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                run.org_id, run.org_id, kRunsKeptPerOrganization - 1));
    return Ok();
  });
}

Result<std::vector<RecordedRun>> RunHistory::List(std::string_view org_id,
                                                  const RunHistoryFilter& f) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM fn_runs WHERE org_id = ?";
  std::vector<store::Value> params = {store::Value(org_id)};
  auto add = [&](const char* clause, const std::string& value) {
    sql += clause;
    params.emplace_back(value);
  };
  if (f.function) add(" AND function_name = ?", *f.function);
  if (f.topping) add(" AND topping = ?", *f.topping);
  if (!f.environment.empty()) add(" AND environment = ?", f.environment);
  if (!f.before.empty()) add(" AND id < ?", f.before);
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(std::clamp(f.limit, 1, kRunsKeptPerOrganization));
  auto rows = TRY(store::Transact(store_, TxMode::kRead,
                                  [&](Transaction& tx) { return tx.QueryParams(sql, params); }));
  std::vector<RecordedRun> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

Result<RecordedRun> RunHistory::Get(std::string_view org_id, std::string_view id) {
  auto row = TRY(store::Transact(store_, TxMode::kRead, [&](Transaction& tx) {
    return tx.QueryOne(
        "no run '" + std::string(id) + "'",
        "SELECT " + std::string(kColumns) + ", details FROM fn_runs WHERE org_id = ? AND id = ?",
        org_id, id);
  }));
  RecordedRun run = FromRow(row);
  ReadDetails(row.Text(15), run);
  return run;
}

}  // namespace relish::functions
