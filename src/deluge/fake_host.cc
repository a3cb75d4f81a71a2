#include "deluge/fake_host.h"

#include "deluge/json.h"
#include "deluge/text_util.h"
#include "deluge/zoho_tasks.h"

namespace relish::deluge {

void FakeHost::AddTaskResult(const std::string& name, std::string json) {
  tasks_[ToLower(name)].push_back(TaskAnswer{std::move(json), std::nullopt});
}

void FakeHost::AddTaskError(const std::string& name, Error error) {
  tasks_[ToLower(name)].push_back(TaskAnswer{"", std::move(error)});
}

Result<HttpResponse> FakeHost::Fetch(const HttpRequest& request) {
  requests_.push_back(request);
  if (record_calls_) {
    transcript_.push_back("> " + request.method + " " + request.url);
    if (!request.connection.empty()) transcript_.push_back(">   connection: " + request.connection);
    if (!request.retry.empty()) transcript_.push_back(">   retry: " + request.retry);
    for (const auto& [k, v] : request.headers) transcript_.push_back(">   " + k + ": " + v);
    if (!request.body.empty()) transcript_.push_back(">   body: " + request.body);
  }
  clock_.Advance(latency_);
  if (responses_.empty()) {
    return Unavailable("FakeHost has no response for " + request.method + " " + request.url);
  }
  Answer a = std::move(responses_.front());
  responses_.pop_front();
  if (a.error) return *a.error;
  if (a.response.body.size() > request.max_response_bytes) {
    return ResourceExhausted("response too large");
  }
  return a.response;
}

Result<Value> FakeHost::CallTask(std::string_view name, std::vector<Value> args, Heap& heap) {
  std::string call(name);
  call += '(';
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) call += ',';
    call += ToJsonText(args[i]);
  }
  call += ')';
  task_calls_.push_back(call);
  if (record_calls_) transcript_.push_back("> " + call);
  auto it = tasks_.find(ToLower(name));
  if (it == tasks_.end() || it->second.empty()) {
    // Other Zoho services' tasks without a scripted result: the REST call they make goes to
    // Fetch (so `@calls` shows it and `@response` answers it), at the service's US host.
    if (const ZohoServiceTask* zoho = FindZohoServiceTask(name)) {
      ZohoTaskRequest r = TRY(BuildZohoTaskRequest(*zoho, args));
      HttpRequest request;
      request.method = r.method;
      request.url = "https://" + std::string(zoho->host) + r.target;
      request.headers = std::move(r.headers);
      request.body = std::move(r.body);
      request.connection = r.connection;
      HttpResponse response = TRY(Fetch(request));
      return ZohoTaskAnswer(response, heap);
    }
    return Unavailable("FakeHost has no result for " + std::string(name));
  }
  TaskAnswer answer = it->second.front();
  if (it->second.size() > 1) it->second.pop_front();
  if (answer.error) return *answer.error;
  Value v;
  std::string error;
  if (!ParseJson(answer.json, heap, v, error)) return Internal("bad recorded JSON: " + error);
  return v;
}

void FakeHost::AddFunction(const std::string& name, std::string source) {
  functions_[ToLower(name)] = std::move(source);
}

Result<std::string> FakeHost::FunctionSource(std::string_view name) {
  auto it = functions_.find(ToLower(name));
  if (it == functions_.end()) return NotFound("no function '" + std::string(name) + "'");
  return it->second;
}

void FakeHost::AddConnection(const std::string& link, std::string service_id,
                             std::string origin) {
  connections_[link] = {std::move(service_id), std::move(origin)};
}

Result<std::string> FakeHost::ZohoServiceOrigin(std::string_view service_id,
                                                std::string_view connection) {
  auto service = TRY(FindInvokeApiService(service_id));
  if (connections_.empty()) return "https://" + std::string(service.host);
  auto it = connections_.find(connection);
  if (it == connections_.end()) {
    return NotFound("invokeapi: no connection '" + std::string(connection) + "'");
  }
  if (it->second.service_id != service.id) {
    return InvokeApiWrongConnection(connection, it->second.service_id, service);
  }
  return it->second.origin;
}

void FakeHost::Info(std::string_view line) {
  info_.emplace_back(line);
  transcript_.emplace_back(line);
}

Result<void> FakeHost::SendMail(const MailMessage& message) {
  mails_.push_back(message);
  if (record_calls_) {
    std::string to;
    for (const auto& t : message.to) to += (to.empty() ? "" : ",") + t;
    transcript_.push_back("> sendmail from=" + message.from + " to=" + to +
                          " subject=" + message.subject);
    if (!message.content_type.empty() && message.content_type != "text/html") {
      transcript_.push_back(">   content type: " + message.content_type);
    }
    for (const auto& a : message.attachments) {
      transcript_.push_back(">   attachment: " + a.name + " (" + a.content_type + ", " +
                            std::to_string(a.bytes.size()) + " bytes)");
    }
  }
  if (mail_error_) return *mail_error_;
  return Ok();
}

}  // namespace relish::deluge
