#include "base/error.h"

namespace relish {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Error Error::WithContext(std::string_view context) const {
  std::string message(context);
  message += ": ";
  message += message_;
  return Error(code_, std::move(message));
}

Error InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
Error AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
Error PermissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
Error Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
Error FailedPrecondition(std::string m) { return {ErrorCode::kFailedPrecondition, std::move(m)}; }
Error ResourceExhausted(std::string m) { return {ErrorCode::kResourceExhausted, std::move(m)}; }
Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
Error DeadlineExceeded(std::string m) { return {ErrorCode::kDeadlineExceeded, std::move(m)}; }
Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

}  // namespace relish
