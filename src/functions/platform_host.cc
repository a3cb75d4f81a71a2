#include "functions/platform_host.h"

#include "base/log.h"
#include "deluge/tasks.h"
#include "deluge/zoho_tasks.h"
#include "functions/crm_tasks.h"
#include "functions/records_api.h"
#include "functions/value_json.h"
#include "outbound/request_head.h"
#include "outbound/url.h"

namespace relish::functions {
namespace {

// Query parameters that carry credentials in the APIs scripts call. A connection's own
// parameters never appear here: Connections::Call adds them to its copy of the request.
const std::vector<std::string>& SecretParams() {
  static const std::vector<std::string> names = {
      "access_token", "refresh_token", "id_token",   "client_secret",
      "api_key",      "apikey",        "api-key",    "key",
      "token",        "authtoken",     "auth_token", "secret",
      "password",     "pwd",           "signature",  "sig"};
  return names;
}

}  // namespace

std::string RedactUrl(std::string_view org_id, const std::string& url) {
  auto parsed = outbound::ParseUrl(url);
  // A URL the outbound client cannot parse is never sent; it is shown scrubbed all the same.
  if (!parsed.ok()) return GlobalRedactor().ScrubFor(org_id, url);
  return GlobalRedactor().ScrubFor(org_id, outbound::RedactQuery(*parsed, SecretParams()));
}

Result<outbound::Response> PlatformHost::Send(outbound::Request request,
                                              const std::string& connection,
                                              const std::string& task,
                                              connections::RetryMode retry) {
  OutboundCall call;
  call.method = request.method;
  call.url = RedactUrl(context_.call.org_id, request.url);
  call.connection = connection;
  call.task = task;
  auto started = clock().Monotonic();
  Result<outbound::Response> response = Unavailable("not sent");
  // Refused before a connection is looked up or its token refreshed (the clients refuse it too).
  if (auto head = outbound::CheckRequestHead(request); !head.ok()) {
    response = head.error();
  } else if (!connection.empty()) {
    if (services_.connections == nullptr) {
      response = FailedPrecondition("connection '" + connection +
                                    "' cannot be used: " + context_.unavailable);
    } else {
      response = services_.connections->Call(context_.call, connection, std::move(request), retry);
    }
  } else {
    outbound::HttpClient* http = context_.call.environment == "production"
                                     ? services_.production_http
                                     : services_.sandbox_http;
    response = http->Send(std::move(request));
  }
  call.latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(clock().Monotonic() - started).count();
  if (response.ok()) {
    call.status = response->status;
  } else {
    // Connections::Call masked the connection's own secrets already.
    call.error = GlobalRedactor().ScrubFor(context_.call.org_id, response.error().message());
  }
  result_.calls.push_back(std::move(call));
  return response;
}

Result<deluge::HttpResponse> PlatformHost::Fetch(const deluge::HttpRequest& request) {
  outbound::Request out;
  out.method = request.method;
  out.url = request.url;
  out.headers = request.headers;
  out.body = request.body;
  out.timeout = request.timeout;
  out.max_response_bytes = request.max_response_bytes;
  // The interpreter turns kDeadlineExceeded and kResourceExhausted into the limits' errors and
  // anything else into "invokeurl to URL failed: <message>"; the codes pass through as they are.
  // invokeurl checked its retry option: "on", "off", "always" or "" (the service's setting).
  connections::RetryMode retry = connections::ParseRetryMode(request.retry).value_or(
      connections::RetryMode::kService);
  auto result = Send(std::move(out), request.connection, "", retry);
  // A connection at its call limit is not a response too large (the interpreter's reading of
  // kResourceExhausted): the script sees the limit's own message.
  if (!result.ok() && connections::CallLimitError(result.error())) {
    return Unavailable(result.error().message());
  }
  auto response = TRY(std::move(result));
  return deluge::HttpResponse{response.status, std::move(response.headers),
                              std::move(response.body)};
}

// --- Integration tasks of other Zoho services (deluge/zoho_tasks.h): one REST call through the
// named connection, to the origin of the connection's base URL, so the call goes to the
// connection's own data centre (its captured api_domain) and nowhere else.
Result<deluge::Value> PlatformHost::CallZohoServiceTask(const deluge::ZohoServiceTask& task,
                                                        const std::vector<deluge::Value>& args,
                                                        deluge::Heap& heap) {
  std::string name(task.name);
  auto r = TRY(deluge::BuildZohoTaskRequest(task, args));
  auto origin = TRY(ConnectionOrigin(name, r.connection, task.service, [&](const std::string& s) {
    return FailedPrecondition(name + ": connection '" + r.connection + "' is for " + s +
                              "; this task needs a " + std::string(task.service_name) +
                              " connection (" + std::string(task.service) + ")");
  }));
  outbound::Request request;
  request.method = r.method;
  request.url = origin + r.target;
  request.headers = std::move(r.headers);
  request.body = std::move(r.body);
  request.timeout = context_.limits.invokeurl_timeout;
  request.max_response_bytes = context_.limits.max_response_bytes;
  auto response = Send(std::move(request), r.connection, name);
  if (!response.ok()) return response.error().WithContext(name);
  // The service's answer is the script's value: any secret of the organization in it (an echo
  // of a credential) is masked as it would be in the execution log.
  deluge::HttpResponse answer{response->status, {},
                              GlobalRedactor().ScrubFor(context_.call.org_id, response->body)};
  return deluge::ZohoTaskAnswer(answer, heap);
}

Result<std::string> PlatformHost::ConnectionOrigin(
    const std::string& what, std::string_view link, std::string_view service_id,
    const std::function<Error(const std::string&)>& mismatch) {
  std::string name(link);
  if (services_.connections == nullptr) {
    return FailedPrecondition(what + ": connection '" + name +
                              "' cannot be used: " + context_.unavailable);
  }
  auto service = services_.connections->ServiceId(context_.call, name);
  if (!service.ok()) return service.error().WithContext(what);
  if (*service != service_id) return mismatch(*service);
  auto base = services_.connections->BaseUrl(context_.call, name);
  if (!base.ok()) return base.error().WithContext(what);
  auto parsed = outbound::ParseUrl(*base);
  if (!parsed.ok()) return parsed.error().WithContext(what);
  return parsed->Origin();
}

// invokeapi: the same resolution as the tasks above; the interpreter sends the request through
// Fetch with the connection, so it is audited and authorized as invokeurl's are.
Result<std::string> PlatformHost::ZohoServiceOrigin(std::string_view service_id,
                                                    std::string_view connection) {
  auto service = TRY(deluge::FindInvokeApiService(service_id));
  return ConnectionOrigin("invokeapi", connection, service.id, [&](const std::string& actual) {
    return deluge::InvokeApiWrongConnection(connection, actual, service);
  });
}

Result<deluge::Value> PlatformHost::CallTask(std::string_view name, std::vector<deluge::Value> args,
                                             deluge::Heap& heap) {
  if (const deluge::TaskSpec* spec = deluge::FindTask(name)) {
    if (const auto* zoho = deluge::FindZohoServiceTask(spec->name)) {
      return CallZohoServiceTask(*zoho, args, heap);
    }
  }
  TaskCall call = TRY(ParseTask(name, args, context_.time_zone));
  auto failed = [&call](const Error& e) { return e.WithContext(call.name); };
  Result<RecordResponse> response = Unavailable("not sent");
  if (call.connection.empty()) {
    if (services_.crm == nullptr) {
      return FailedPrecondition(call.name +
                                " without a connection reads this installation's "
                                "CRM, which is not available: " +
                                context_.unavailable);
    }
    if (context_.call.org_id.empty()) {
      return FailedPrecondition(call.name +
                                " without a connection needs the run's "
                                "organization, and this run has none");
    }
    if (context_.actor.id.empty()) {
      return FailedPrecondition(call.name +
                                " without a connection acts as the run's user, "
                                "and this run has none");
    }
    LocalRecords local(*services_.crm, {context_.call.org_id, context_.call.environment},
                       context_.actor);
    response = local.Send(call.request);
  } else {
    if (services_.connections == nullptr) {
      return FailedPrecondition(call.name + ": connection '" + call.connection +
                                "' cannot be used: " + context_.unavailable);
    }
    auto base = services_.connections->BaseUrl(context_.call, call.connection);
    if (!base.ok()) return failed(base.error());
    std::string base_url = *base;
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
    HttpRecords remote(base_url, [this, &call](outbound::Request request) {
      request.timeout = context_.limits.invokeurl_timeout;
      request.max_response_bytes = context_.limits.max_response_bytes;
      return Send(std::move(request), call.connection, call.name);
    });
    response = remote.Send(call.request);
  }
  if (!response.ok()) return failed(response.error());
  Json shaped = TRY(ShapeResult(call, *response));
  return FromApiJson(shaped, heap);
}

Result<std::string> PlatformHost::FunctionSource(std::string_view name) {
  if (!services_.function_source) {
    return NotFound("no function '" + std::string(name) + "': " + context_.unavailable);
  }
  return services_.function_source(context_.call, name);
}

void PlatformHost::Info(std::string_view line) {
  if (info_truncated_) return;
  if (info_bytes_ + line.size() > kMaxInfoBytes) {
    info_truncated_ = true;
    result_.info.push_back("(info lines after this were not kept: a run keeps " +
                           std::to_string(kMaxInfoBytes / 1024) + " KB of them)");
    return;
  }
  info_bytes_ += line.size();
  result_.info.emplace_back(line);
}

Result<void> PlatformHost::SendMail(const deluge::MailMessage& message) {
  if (result_.mails.size() >= kMaxMails) {
    return ResourceExhausted("a run may send at most " + std::to_string(kMaxMails) + " mails");
  }
  std::string to;
  for (const auto& t : message.to) to += (to.empty() ? "" : ", ") + t;
  result_.mails.push_back("to " + to + ": " + message.subject);
  return Ok();
}

}  // namespace relish::functions
