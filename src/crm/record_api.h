// RecordApi: Bigin's record API without HTTP — one operation on a module's records, answered
// with the status and body Bigin's REST API gives (docs/crm.md): {"data":[...]} and
// {"info":{...}}, per-record results in batches, Zoho's error maps
// {"code","details","message","status"}, 204 with no body when nothing is there.
//
// The one implementation of those shapes: src/api/bigin_records.cc serves it over HTTP (after
// authenticating the caller; its scope check is the `Allow` hook), and the function runner
// answers integration tasks without a connection with it in-process (functions/records_api.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "crm/crm.h"

namespace relish::crm {

enum class RecordOp { kGet, kList, kSearch, kInsert, kUpdate, kUpsert, kDelete };

using Query = std::vector<std::pair<std::string, std::string>>;  // form-decoded, in order

struct RecordRequest {
  RecordOp op = RecordOp::kGet;
  std::string module;
  // kGet, kUpdate (one record), kDelete; a kDelete without one takes the `ids` query parameter.
  std::string id;
  // page, per_page, fields, sort_by, sort_order; criteria / email / phone / word (kSearch);
  // ids, wf_trigger (kDelete); anything else is ignored.
  Query query;
  // kInsert, kUpdate, kUpsert: {"data":[...], "trigger":[...], "duplicate_check_fields":[...]};
  // anything else (a body that did not parse) is refused as INVALID_DATA.
  Json body;
};

struct RecordResponse {
  int status = 0;
  Json body;  // null when the answer has no body (204)
};

// Zoho's error answer: {"code", "details", "message", "status": "error"}.
RecordResponse ErrorAnswer(int status, std::string code, std::string message,
                           Json details = Json::object());

// What a record operation needs the caller to be allowed: kGet/kList/kSearch read, kInsert
// create, kUpdate update, kUpsert create and update, kDelete delete.
enum class Access { kRead, kCreate, kUpdate, kDelete };

// Called with the module's API name and each access the operation needs, after the module is
// found; an answer refuses the request with it (e.g. OAUTH_SCOPE_MISMATCH).
using Allow = std::function<std::optional<RecordResponse>(const std::string& module, Access)>;

// Runs `request` in `space` as `actor`. An error only when the store failed; every refusal of
// the request itself is an answer.
Result<RecordResponse> SendRecords(Crm& crm, const Space& space, const Actor& actor,
                                   const RecordRequest& request, const Allow& allow = nullptr);

}  // namespace relish::crm
