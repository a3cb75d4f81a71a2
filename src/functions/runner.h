// FunctionRunner: runs a Deluge function for Relish — the one place a script meets the outside
// world. It supplies the Deluge Host: invokeurl through a connection (connections::Call, which
// injects credentials and audits) or, without one, through the environment's outbound client;
// the integration tasks zoho.bigin.* / zoho.crm.* (through the CRM's REST API when a connection
// is given, in-process against the run's organization and environment otherwise); info lines;
// sendmail (recorded, not delivered); the clock; the limits.
//
// Used by the workflow engine, `relish run` and the REST API. Thread-safe: runs may proceed
// on many threads at once.

//
// (Interface fixed first so the workflow engine and the runner can be built side by side.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "deluge/limits.h"

namespace relish::functions {

inline constexpr size_t kMaxSourceBytes = 256 * 1024;

struct RunRequest {
  std::string org_id;
  std::string environment;  // "sandbox" or "production"
  std::string topping;      // namespace of the topping the function belongs to, or empty
  std::string user_id;      // who the run acts as (per-user connections, Created_By, loginuser)
  std::string run_id;       // ties audit entries and the execution log together
  std::string file_name;    // for messages ("functions/sync_contact.dg")
  std::string source;       // the Deluge source, with or without a function header
  struct Arg {
    std::string name;
    std::string json;  // the value as JSON text
  };
  std::vector<Arg> args;
  deluge::Limits limits;  // defaults: the platform's limits
};

// One outbound HTTP exchange a run made (invokeurl, getUrl/postUrl, or an integration task).
struct OutboundCall {
  std::string method;
  std::string url;         // credentials removed
  std::string connection;  // link name, or empty
  std::string task;        // e.g. "zoho.bigin.getRecordById", or empty for invokeurl
  int status = 0;          // 0 when no response came
  int64_t latency_us = 0;
  std::string error;       // transport or policy error, if any
};

struct RunResult {
  bool ok = false;
  int error_line = 0;          // when !ok and the error came from the script
  int error_column = 0;        // with error_line: the statement's (runtime) or the problem's
                               // (compile) column, in bytes of the line from 1
  std::string error_message;   // when !ok
  std::vector<std::string> info;  // each `info` line, in order
  std::vector<OutboundCall> calls;
  std::vector<std::string> mails;  // sendmail messages, summarised ("to ...: subject")
  std::string return_json;         // "null" when nothing was returned
  int64_t statements = 0;
  int64_t started_at = 0;  // epoch ms
  int64_t ended_at = 0;
};

class FunctionRunner {
 public:
  virtual ~FunctionRunner() = default;
  // Compile errors and runtime errors are normal results (ok = false, with the line); errors
  // are only for requests that cannot be run at all.
  virtual Result<RunResult> Run(const RunRequest& request) = 0;
};

}  // namespace relish::functions
