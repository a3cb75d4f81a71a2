// PlatformHost: the Deluge Host of one PlatformRunner run (internal to src/functions). It lives
// for one run, on the run's thread, and writes what the script did into the run's RunResult.
#pragma once

#include <functional>
#include <string>

#include "connections/connections.h"
#include "crm/events.h"
#include "deluge/host.h"
#include "deluge/limits.h"
#include "deluge/zoho_tasks.h"
#include "functions/platform_runner.h"
#include "functions/runner.h"

namespace relish::functions {

struct RunContext {
  connections::CallContext call;  // org, environment, topping, user, run id; origin "function"
  crm::Actor actor;               // who in-process CRM writes act as (id empty: nobody)
  deluge::UserInfo user;
  std::string time_zone;
  deluge::Limits limits;
  std::string unavailable;  // why a missing service is missing
};

class PlatformHost final : public deluge::Host {
 public:
  PlatformHost(const PlatformServices& services, RunContext context, RunResult& result)
      : services_(services), context_(std::move(context)), result_(result) {}

  Result<deluge::HttpResponse> Fetch(const deluge::HttpRequest& request) override;
  Result<deluge::Value> CallTask(std::string_view name, std::vector<deluge::Value> args,
                                 deluge::Heap& heap) override;
  void Info(std::string_view line) override;
  Result<void> SendMail(const deluge::MailMessage& message) override;
  const Clock& clock() const override { return *services_.clock; }
  std::string TimeZone() const override { return context_.time_zone; }
  deluge::UserInfo User() const override { return context_.user; }
  Result<std::string> FunctionSource(std::string_view name) override;
  Result<std::string> ZohoServiceOrigin(std::string_view service_id,
                                        std::string_view connection) override;

 private:
  // Sends one request, through the connection when `connection` is set, and lists it in
  // RunResult.calls under `task` (empty for invokeurl).
  Result<outbound::Response> Send(outbound::Request request, const std::string& connection,
                                  const std::string& task,
                                  connections::RetryMode retry = connections::RetryMode::kService);

  // zoho.books.*, zoho.desk.*, ...: through the named connection only (deluge/zoho_tasks.h).
  Result<deluge::Value> CallZohoServiceTask(const deluge::ZohoServiceTask& task,
                                            const std::vector<deluge::Value>& args,
                                            deluge::Heap& heap);

  // The origin of `link`'s base URL (its data centre), after checking the connection exists in
  // the run's organization and environment and is for `service_id`; errors start with `what`.
  // `mismatch` makes the error for a connection of another service.
  Result<std::string> ConnectionOrigin(const std::string& what, std::string_view link,
                                       std::string_view service_id,
                                       const std::function<Error(const std::string&)>& mismatch);

  const PlatformServices& services_;
  RunContext context_;
  RunResult& result_;
  size_t info_bytes_ = 0;
  bool info_truncated_ = false;
};

// The URL with credentials removed, for RunResult.calls: query parameters that usually carry
// secrets (access_token, api_key, ...) shown as "***", and any secret of the run's organization
// the Redactor knows scrubbed.
std::string RedactUrl(std::string_view org_id, const std::string& url);

}  // namespace relish::functions
