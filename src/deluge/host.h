// Host: everything a Deluge run needs from the outside world. The interpreter does no I/O; the
// caller (the CLI, the workflow runner, tests) supplies a Host. Calls come from the thread that
// runs the script, one at a time.
//
// Request encoding and response shaping for invokeurl are done by the interpreter (see
// docs/language/invokeurl.md): the host only moves bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "deluge/value.h"

namespace relish::deluge {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;   // GET, POST, PUT, PATCH, DELETE
  std::string url;      // parameters already on the query string where Deluge puts them
  HttpHeaders headers;  // in the order the script gave them, then Content-Type if added
  std::string body;
  std::string connection;  // the connection link name; empty when none was given
  std::string retry;       // invokeurl's retry: "" (the service's), "on", "off" or "always"
  std::chrono::milliseconds timeout{40'000};
  size_t max_response_bytes = 10 * 1024 * 1024;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names as received (matched case-insensitively)
  std::string body;
};

struct MailAttachment {
  std::string name;
  std::string content_type;
  std::string bytes;
};

struct MailMessage {
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;
  std::string reply_to;
  std::string subject;
  std::string message;
  std::string content_type;  // "text/html" unless the script says otherwise
  std::vector<MailAttachment> attachments;
};

// Who runs the script, for zoho.loginuser and friends.
struct UserInfo {
  std::string login_user = "user@example.com";
  std::string login_user_id = "user@example.com";
  std::string admin_user = "admin@example.com";
  std::string admin_user_id = "admin@example.com";
};

class Host {
 public:
  virtual ~Host() = default;

  // One HTTP exchange. Transport failures are errors: kDeadlineExceeded (timeout),
  // kResourceExhausted (response larger than request.max_response_bytes), anything else (refused,
  // DNS, TLS, a connection that cannot be used). An HTTP error status is a normal response.
  virtual Result<HttpResponse> Fetch(const HttpRequest& request) = 0;

  // An integration task such as "zoho.crm.getRecordById" (canonical spelling, see tasks.cc) with
  // its evaluated arguments; the optional trailing argument is the connection link name. Values
  // returned must be allocated on `heap` (the run's heap) and must not be kept after returning.
  // An error becomes a Deluge runtime error with the error's message.
  virtual Result<Value> CallTask(std::string_view name, std::vector<Value> args, Heap& heap) = 0;

  // One `info` line.
  virtual void Info(std::string_view line) = 0;

  virtual Result<void> SendMail(const MailMessage& message) = 0;

  // The clock: Now() for zoho.currenttime, Monotonic() for the execution-time limit.
  virtual const Clock& clock() const = 0;
  // The run's IANA time zone ("Asia/Kolkata"); unknown names mean UTC.
  virtual std::string TimeZone() const { return "UTC"; }
  virtual UserInfo User() const { return {}; }
  // Randomness for randomNumber() and aesEncode's IV.
  virtual Random& random() const { return SystemRandom(); }

  // ---- issue 17: the organization's other functions ----
  // The Deluge source of the organization's function `name` (as written after `standalone.`),
  // which `standalone.name(args)` runs when the script itself has no function of that name;
  // kNotFound when there is none. The interpreter compiles and runs it on this same host, within
  // the caller's limits (docs/language/statements.md).
  virtual Result<std::string> FunctionSource(std::string_view name) {
    return NotFound("no function '" + std::string(name) + "'");
  }

  // ---- issue 17: invokeapi ----
  // The origin ("https://www.zohoapis.eu") invokeapi sends `connection`'s request to: the data
  // centre of the connection, which must be for the catalog service `service_id` ("zoho_crm").
  // Errors name the connection (missing, of another organization, for another service).
  virtual Result<std::string> ZohoServiceOrigin(std::string_view service_id,
                                                std::string_view connection) {
    (void)connection;
    return FailedPrecondition("invokeapi cannot reach " + std::string(service_id) + " here");
  }
};

}  // namespace relish::deluge
