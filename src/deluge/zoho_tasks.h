// The integration tasks of Zoho services other than CRM and Bigin (zoho.books.*, zoho.desk.*,
// zoho.workdrive.*, ...): one table row per task says which REST call it is, so a task call
// becomes one HTTP request through its connection, and the service's answer is the task's value
// (docs/language/invokeurl-and-tasks.md lists them). Pure: no I/O here; the host sends the
// request (PlatformHost through the named connection, at the connection's data centre; FakeHost
// to its scripted answers).
//
// Templates in a row: `$N` is argument N (0-based) of the call:
//   path     `$N` a path segment (escaped); `$Nl` a module name, lower-cased without spaces
//   query    `name=$N` (left out when the argument is null or empty); `$N*` spreads a map's
//            entries, or appends a text query string (`a=1&b=2`); `$N*key` also sends a number
//            as key=N (Projects' index); `$N*=key` sends a text as key=text (Invoice's filter_by)
//   headers  `Name=$N`
//   json     JSON text where `$N` is argument N's JSON; `merge` spreads a map into the top level
//   form and multipart   `field=$N` (text as it is, other values as JSON), `field=TEMPLATE` (JSON
//            text with `$N`), `$N*` (a map's entries as fields); multipart `field=@$N` is a FILE
//            (or a list of files), one part each
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "deluge/host.h"
#include "deluge/value.h"

namespace relish::deluge {

enum class TaskBody : uint8_t { kNone, kJson, kForm, kMultipart };

struct ZohoServiceTask {
  std::string_view name;          // canonical, as in tasks.cc: "zoho.books.createRecord"
  std::string_view service;       // the catalog service its connection must be for: "zoho_books"
  std::string_view service_name;  // "Zoho Books", for messages
  std::string_view host;          // the service's API host in Zoho's US data centre (FakeHost's)
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::string_view headers;
  TaskBody body = TaskBody::kNone;
  std::string_view body_template;
  int8_t merge = -1;               // json: the argument whose map is merged into the body
  std::string_view content_type;   // json: when not application/json
};

std::span<const ZohoServiceTask> AllZohoServiceTasks();
// By canonical name (FindTask's spelling), case-insensitive; nullptr for CRM/Bigin and unknowns.
const ZohoServiceTask* FindZohoServiceTask(std::string_view name);

struct ZohoTaskRequest {
  std::string connection;  // the link name (never empty)
  std::string method;
  std::string target;  // path and query: "/books/v3/contacts?organization_id=1"
  HttpHeaders headers;
  std::string body;
};

// The request for a call with these arguments (the connection last). kInvalidArgument naming the
// task and the argument for arguments that do not fit; kFailedPrecondition when the connection
// is missing (Relish reaches other Zoho services only through a connection).
Result<ZohoTaskRequest> BuildZohoTaskRequest(const ZohoServiceTask& task,
                                             const std::vector<Value>& args);

// The task's value: the service's JSON answer as a map (or list), whatever the status, as Zoho's
// tasks return the service's own error answers; a non-JSON answer as text; no body, an empty map.
Value ZohoTaskAnswer(const HttpResponse& response, Heap& heap);

// ---- invokeapi: a Zoho service by name ----
struct InvokeApiService {
  std::string_view id;         // the catalog service a connection for it is for: "zoho_crm"
  std::string_view name;       // "Zoho CRM", for messages
  std::string_view host;       // its API host in Zoho's US data centre (FakeHost's)
};
// invokeapi's `service:` value ("crm", "CRM", "ZohoCRM", "Zoho CRM", "zoho_crm"), or
// kInvalidArgument listing the names it knows (docs/language/decisions.md).
Result<InvokeApiService> FindInvokeApiService(std::string_view name);
// The error for a connection of another service: "invokeapi: connection 'L' is for S; service
// 'crm' needs a Zoho CRM connection (zoho_crm)".
Error InvokeApiWrongConnection(std::string_view link, std::string_view actual,
                               const InvokeApiService& service);

}  // namespace relish::deluge
