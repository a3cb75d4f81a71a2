// RunHistory: the runs the console (POST /api/v1/functions/run) made, per organization, so a
// function's page lists its runs and shows each one again: who ran it, when, which stored
// function (none for a run of source alone), the outcome, and the details the run answered with
// (arguments, return value, outbound calls, mails, info lines).
//
// Bounded: a run keeps at most kMaxRecordedRunBytes of details (arguments first, then the return
// value, calls, mails and info lines, each while it fits; `truncated` says something was left
// out) and an organization its newest kRunsKeptPerOrganization runs. Nothing secret is stored:
// the runner masks its result already, and the arguments pass through the log redactor.
//
// The workflow engine's runs have their own execution log (workflow/run_log.h).
//
// Thread-safe: all state is in the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "functions/runner.h"
#include "store/store.h"

namespace relish::functions {

inline constexpr int kRunsKeptPerOrganization = 200;
inline constexpr size_t kMaxRecordedRunBytes = 64 * 1024;

struct RecordedRun {
  std::string id;  // the run id (also in the connections audit's entries of the run)
  std::string org_id;
  std::string environment;
  std::string topping;
  std::string function;  // the stored function's name; empty for a run of source alone
  std::string user_id;  // who ran it, as they were named then
  std::string user_email;
  std::string user_name;
  std::vector<RunRequest::Arg> args;
  // The run's result. error_column is as the console counts it (the API converts it before
  // recording: the source is not kept).
  RunResult result;
  bool truncated = false;  // details were left out to stay within kMaxRecordedRunBytes
};

struct RunHistoryFilter {
  std::optional<std::string> function;  // nullopt: any; "": runs of source alone
  std::optional<std::string> topping;   // nullopt: any
  std::string environment;              // empty: any
  std::string before;                   // a run id: only older runs (paging)
  int limit = 50;
};

class RunHistory {
 public:
  explicit RunHistory(store::Store& store) : store_(store) {}

  static std::vector<store::Migration> Migrations();

  // Keeps the run (bounded as above) and forgets the organization's oldest beyond the limit.
  Result<void> Record(const RecordedRun& run);
  // Newest first; without the details (args, info, calls, mails, return value).
  Result<std::vector<RecordedRun>> List(std::string_view org_id, const RunHistoryFilter& filter);
  // kNotFound for another organization's run.
  Result<RecordedRun> Get(std::string_view org_id, std::string_view id);

 private:
  store::Store& store_;
};

}  // namespace relish::functions
