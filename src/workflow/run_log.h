// RunLog: the execution log. One entry per attempt at an action a rule started: which rule,
// record, function (or webhook, or field update), environment, when it started and ended, how it
// ended, the statements it executed, each `info` line, each outbound call (as the function saw
// it, and the connections audit's entries for the run), and the error with its line.
//
// Nothing secret is stored: info lines, errors and URLs pass through the log redactor first, and
// outbound URLs come already stripped of credentials. Entries older than the retention are
// deleted by Purge.
//
// Thread-safe: all state is in the Store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "crm/schema.h"
#include "store/store.h"

namespace relish::workflow {

enum class RunStatus { kSuccess, kFailed, kRetrying, kSkipped };
std::string_view RunStatusName(RunStatus status);  // "success", "failed", "retrying", "skipped"
Result<RunStatus> ParseRunStatus(std::string_view name);

struct CallRecord {
  std::string source;  // "function" (the run's own account) or "audit" (the connections audit)
  std::string method;
  std::string url;
  std::string connection;
  std::string task;  // e.g. "zoho.bigin.getRecordById"; empty for invokeurl and webhooks
  int status = 0;
  int64_t latency_us = 0;
  int64_t bytes_in = 0;
  std::string error;
  std::string note;
};

struct Run {
  std::string id;  // "run_...": also the run_id in the connections audit
  std::string job_id;
  int attempt = 1;
  std::string org_id;
  std::string environment;
  std::string topping;
  std::string rule_id;
  std::string rule_name;
  std::string module;
  std::string record_id;
  std::string trigger;  // "create", "edit", "delete", "date", ...
  std::string action;   // "function", "webhook", "update"
  std::string target;   // the function's name, the webhook's URL, or the updated fields
  RunStatus status = RunStatus::kSuccess;
  int64_t event_at = 0;  // when the record changed (epoch ms)
  int64_t started_at = 0;
  int64_t ended_at = 0;
  int64_t statements = 0;
  std::vector<std::string> info;
  std::vector<CallRecord> calls;
  std::string error;
  int error_line = 0;
  std::string result;  // a function's return value as JSON, or a webhook's status line
  // Who the run acts as (the user whose change started it; per-user connections use their
  // authorization), as they were named then; empty for a change no user made.
  std::string user_id;
  std::string user_name;
  std::string user_email;
};

struct RunFilter {
  std::string environment;  // each empty field matches everything
  std::string rule_id;
  std::string record_id;
  std::string function;  // target
  std::string topping;
  std::string status;
  int64_t since = 0;  // started_at >= since
  int64_t until = 0;  // started_at < until (0: no bound)
  std::string before;  // run id: only older runs (paging)
  int limit = 50;
};

class RunLog {
 public:
  explicit RunLog(store::Store& store) : store_(store) {}

  static std::vector<store::Migration> Migrations();

  // Scrubs known secrets from the text it keeps, then inserts in the caller's transaction.
  Result<void> Insert(store::Transaction& tx, Run run);
  // Newest first.
  Result<std::vector<Run>> List(std::string_view org_id, const RunFilter& filter);
  Result<Run> Get(std::string_view org_id, std::string_view id);  // kNotFound
  // Deletes runs that started before `cutoff_ms` (by their ids, which begin with the start
  // time); returns how many.
  Result<int64_t> Purge(int64_t cutoff_ms);

 private:
  store::Store& store_;
};

crm::Json RunToJson(const Run& run, bool details);

}  // namespace relish::workflow
