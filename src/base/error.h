// Error: a code from a small fixed set plus a human message. Errors are values in Relish;
// nothing throws across a module boundary. The mapping from codes to HTTP statuses lives in
// exactly one place (server/http_errors.cc).
#pragma once

#include <string>
#include <string_view>

namespace relish {

enum class ErrorCode {
  kInvalidArgument,     // the caller sent something malformed; retrying won't help
  kNotFound,            // the thing named does not exist
  kAlreadyExists,       // a create collided with an existing name
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // no or bad credentials
  kFailedPrecondition,  // the system is not in the state the operation needs
  kResourceExhausted,   // a limit or quota was hit
  kUnavailable,         // a dependency is down; retrying later may help
  kDeadlineExceeded,    // ran out of time
  kInternal,            // a broken invariant: a bug
};

// Stable lower_snake names ("invalid_argument"), used in JSON errors and logs.
std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "not_found: connection 'x' does not exist"
  std::string ToString() const;

  // Returns the same error with "context: " put before the message.
  Error WithContext(std::string_view context) const;

  bool operator==(const Error& other) const = default;

 private:
  ErrorCode code_;
  std::string message_;
};

Error InvalidArgument(std::string message);
Error NotFound(std::string message);
Error AlreadyExists(std::string message);
Error PermissionDenied(std::string message);
Error Unauthenticated(std::string message);
Error FailedPrecondition(std::string message);
Error ResourceExhausted(std::string message);
Error Unavailable(std::string message);
Error DeadlineExceeded(std::string message);
Error Internal(std::string message);

}  // namespace relish
