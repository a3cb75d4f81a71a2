// The Deluge Host behind `relish run`: invokeurl does real HTTP through an outbound::HttpClient,
// `info` lines go to a stream. Connections and integration tasks are not wired yet and fail with
// a clear error; sendmail is reported, not delivered.
#pragma once

#include <ostream>
#include <string>

#include "base/clock.h"
#include "deluge/host.h"
#include "outbound/http_client.h"

namespace relish::cli {

class RunHost final : public deluge::Host {
 public:
  // `out` receives info lines, `err` notes about mail that was not sent.
  RunHost(outbound::HttpClient& http, const Clock& clock, std::ostream& out, std::ostream& err,
          std::string time_zone)
      : http_(http), clock_(clock), out_(out), err_(err), time_zone_(std::move(time_zone)) {}

  Result<deluge::HttpResponse> Fetch(const deluge::HttpRequest& request) override;
  Result<deluge::Value> CallTask(std::string_view name, std::vector<deluge::Value> args,
                                 deluge::Heap& heap) override;
  void Info(std::string_view line) override;
  Result<void> SendMail(const deluge::MailMessage& message) override;
  const Clock& clock() const override { return clock_; }
  std::string TimeZone() const override { return time_zone_; }

 private:
  outbound::HttpClient& http_;
  const Clock& clock_;
  std::ostream& out_;
  std::ostream& err_;
  std::string time_zone_;
};

}  // namespace relish::cli
