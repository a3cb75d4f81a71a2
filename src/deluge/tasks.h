// The integration tasks a script may call (zoho.crm.*, zoho.bigin.*), with Zoho's argument
// counts; the optional trailing argument is the connection link name. The checker rejects other
// names and wrong counts; the Host implements them (docs/language/invokeurl-and-tasks.md).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace relish::deluge {

struct TaskSpec {
  std::string_view name;  // canonical spelling: "zoho.crm.getRecordById"
  int8_t min_args;
  int8_t max_args;          // including the optional connection
  std::string_view params;  // "module, id[, queryMap][, connection]": for editors and docs
  std::string_view summary;  // what it does, in a few words
};

std::span<const TaskSpec> AllTasks();
// Case-insensitive; "zoho.crm.v8.x" finds "zoho.crm.x" (same arguments). nullptr when unknown.
const TaskSpec* FindTask(std::string_view name);
// Whether a lower-case dotted name is in the namespace of other Zoho services' tasks
// ("zoho.books.", "zoho.desk.", ...), so an unknown one there is an unknown task.
bool IsTaskNamespace(std::string_view lower_name);

}  // namespace relish::deluge
