// The integration tasks zoho.bigin.* and zoho.crm.* (reference §5): a task call's Deluge
// arguments become one request of the record API (records_api.h), and the API's answer becomes
// the value the task returns, in Zoho's shapes (docs/functions.md has the table):
//
//   getRecordById  bigin: the API response {"data":[record]}; crm: the record map
//   getRecords, searchRecords, searchRecordsBy{Email,Phone,Word}: the list of records ([] for none)
//   createRecord, updateRecord: the new record's details {id, Created_Time, Modified_Time, ...}
//   upsert, deleteRecord: the per-record result {code, details, message, status[, action]}
//
// Refusals (INVALID_DATA, INVALID_MODULE, a missing record, ...) return Zoho's error map
// {code, details, message, status:"error"}, not a runtime error, as Zoho's tasks do. Writes send
// "trigger": [] unless the options ask for {"trigger":{"workflow"}}: a function's writes fire
// workflow rules only on request.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "deluge/value.h"
#include "functions/records_api.h"

namespace relish::functions {

struct TaskCall {
  std::string name;    // canonical: "zoho.bigin.getRecordById" (versioned spellings folded)
  std::string action;  // "getRecordById"
  bool bigin = false;  // zoho.bigin.* (else zoho.crm.*)
  RecordRequest request;
  std::string connection;  // the trailing link name; empty: in-process
};

// kInvalidArgument with "<task>: <what is wrong>" for arguments that do not fit;
// kFailedPrecondition for tasks Relish does not offer (yet).
Result<TaskCall> ParseTask(std::string_view name, const std::vector<deluge::Value>& args,
                           std::string_view time_zone);

// Whether Relish implements the task (the checker knows more tasks than Relish offers yet: those
// fail at run time, saying so).
bool TaskAvailable(std::string_view name);

// The task's return value from the API's answer. An error only when the answer makes no sense
// for the task (an error status without a body).
Result<Json> ShapeResult(const TaskCall& call, const RecordResponse& response);

}  // namespace relish::functions
