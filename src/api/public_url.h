// PublicUrl: the URL browsers and OAuth clients reach this installation at ("http://host:port",
// no trailing slash). It is the OAuth issuer and the token response's api_domain. When the
// server listens on port 0 the URL is only known once it is bound, so the composition root sets
// it then; handlers read it on every request. Thread-safe.
#pragma once

#include <mutex>
#include <string>

namespace relish::api {

class PublicUrl {
 public:
  explicit PublicUrl(std::string url = "") : url_(std::move(url)) {}
  void Set(std::string url) {
    std::lock_guard lock(mu_);
    url_ = std::move(url);
  }
  std::string Get() const {
    std::lock_guard lock(mu_);
    return url_;
  }

 private:
  mutable std::mutex mu_;
  std::string url_;
};

}  // namespace relish::api
