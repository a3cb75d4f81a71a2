#include "cli/run_host.h"

namespace relish::cli {

Result<deluge::HttpResponse> RunHost::Fetch(const deluge::HttpRequest& request) {
  if (!request.connection.empty()) {
    return FailedPrecondition("connection '" + request.connection +
                              "' is not configured in this data directory (relish run has no "
                              "connections yet)");
  }
  outbound::Request r;
  r.method = request.method;
  r.url = request.url;
  r.headers = request.headers;
  r.body = request.body;
  r.timeout = request.timeout;
  r.max_response_bytes = request.max_response_bytes;
  auto response = TRY(http_.Send(std::move(r)));
  return deluge::HttpResponse{response.status, std::move(response.headers),
                              std::move(response.body)};
}

Result<deluge::Value> RunHost::CallTask(std::string_view name, std::vector<deluge::Value>,
                                        deluge::Heap&) {
  std::string service = name.rfind("zoho.bigin.", 0) == 0 ? "Bigin" : "CRM";
  return FailedPrecondition(std::string(name) + " needs a " + service +
                            " connection; integration tasks are not available to relish run "
                            "in this data directory yet");
}

void RunHost::Info(std::string_view line) {
  out_ << line << '\n';
  out_.flush();
}

Result<void> RunHost::SendMail(const deluge::MailMessage& message) {
  std::string to;
  for (const auto& t : message.to) to += (to.empty() ? "" : ", ") + t;
  err_ << "relish: sendmail not delivered (no mail transport in relish run): to " << to
       << ", subject \"" << message.subject << "\"\n";
  return Ok();
}

}  // namespace relish::cli
