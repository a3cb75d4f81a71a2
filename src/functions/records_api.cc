#include "functions/records_api.h"

#include "base/encoding.h"

namespace relish::functions {

std::string MethodOf(RecordOp op) {
  switch (op) {
    case RecordOp::kGet:
    case RecordOp::kList:
    case RecordOp::kSearch:
      return "GET";
    case RecordOp::kInsert:
    case RecordOp::kUpsert:
      return "POST";
    case RecordOp::kUpdate:
      return "PUT";
    case RecordOp::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::string PathOf(const RecordRequest& r) {
  std::string path = "/" + PercentEncode(r.module);
  switch (r.op) {
    case RecordOp::kGet:
    case RecordOp::kUpdate:
    case RecordOp::kDelete:
      path += "/" + PercentEncode(r.id);
      break;
    case RecordOp::kSearch:
      path += "/search";
      break;
    case RecordOp::kUpsert:
      path += "/upsert";
      break;
    case RecordOp::kList:
    case RecordOp::kInsert:
      break;
  }
  char sep = '?';
  for (const auto& [name, value] : r.query) {
    path += sep + PercentEncode(name) + "=" + PercentEncode(value);
    sep = '&';
  }
  return path;
}

Result<RecordResponse> HttpRecords::Send(const RecordRequest& request) {
  outbound::Request out;
  out.method = MethodOf(request.op);
  out.url = base_url_ + PathOf(request);
  out.headers.emplace_back("Accept", "application/json");
  if (!request.body.is_null()) {
    out.headers.emplace_back("Content-Type", "application/json");
    out.body = request.body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  auto response = TRY(sender_(std::move(out)));
  RecordResponse r;
  r.status = response.status;
  if (response.body.empty()) return r;
  auto body = ParseApiJson(response.body);
  if (!body.ok()) {
    return Unavailable("the API answered " + std::to_string(response.status) + " with " +
                       (body.error().message() == "not JSON" ? "a body that is not JSON"
                                                             : body.error().message()));
  }
  r.body = std::move(*body);
  return r;
}

Result<RecordResponse> LocalRecords::Send(const RecordRequest& request) {
  return crm::SendRecords(crm_, space_, actor_, request);
}

}  // namespace relish::functions
