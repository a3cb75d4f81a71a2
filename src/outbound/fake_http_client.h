// A scripted HttpClient for unit tests in any module: answers with a handler and records every
// request exactly as it was sent.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "outbound/http_client.h"

namespace relish::outbound {

class FakeHttpClient final : public HttpClient {
 public:
  using Handler = std::function<Result<Response>(const Request&)>;
  explicit FakeHttpClient(Handler handler = nullptr) : handler_(std::move(handler)) {}

  void SetHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  Result<Response> Send(Request request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      handler = handler_;
    }
    if (!handler) return Unavailable("no fake response configured for " + request.url);
    auto r = handler(request);
    if (r.ok() && r->url.empty()) r->url = request.url;
    return r;
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.headers = {{"content-type", "application/json"}};
    r.body = std::move(body);
    return r;
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<Request> requests_;
};

}  // namespace relish::outbound
