#include "server/json.h"

#include <algorithm>
#include <cctype>

namespace relish::server {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kInternal: return 500;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
  }
  return 500;
}

Response JsonResponse(int status, const Json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

Response ErrorResponse(const Error& error) {
  Json body;
  body["code"] = ErrorCodeName(error.code());
  body["message"] = error.message();
  return JsonResponse(HttpStatusFor(error.code()), body);
}

bool JsonContentType(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  auto lower = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == y;
           });
  };
  return lower(type, "application/json") ||
         (type.size() > 5 && lower(type.substr(type.size() - 5), "+json"));
}

Result<Json> ParseJsonBody(const Request& request) {
  if (request.body.empty()) return InvalidArgument("request body is empty; expected a JSON object");
  // Browsers send text/plain and form types across sites without asking first; JSON's own type
  // they do not (a CORS preflight, which Relish never grants): so a JSON body another site made
  // a browser send is refused here, whatever authenticates it.
  if (!JsonContentType(request.Header("Content-Type").value_or(""))) {
    return InvalidArgument("send the request body as JSON, with 'Content-Type: application/json'");
  }
  // nlohmann's parser ends the text at a NUL, which JSON never has outside an escape: what
  // followed it would be ignored, not refused.
  bool nul = request.body.find('\0') != std::string::npos;
  Json body = nul ? Json(Json::value_t::discarded)
                  : Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  return body;
}

}  // namespace relish::server
