#include "server/metrics.h"

#include <fmt/format.h>

namespace relish::server {
namespace {

// Prometheus label values escape backslash, quote and newline.
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::Observe(std::string_view route, std::string_view method, int status,
                      double seconds) {
  std::lock_guard lock(mu_);
  std::tuple<std::string_view, std::string_view, int> key{route, method, status};
  auto counter = requests_.find(key);
  if (counter == requests_.end()) {
    counter = requests_.emplace(std::tuple(std::string(route), std::string(method), status), 0).first;
  }
  ++counter->second;
  auto histogram = latency_.find(route);
  if (histogram == latency_.end()) {
    histogram = latency_.emplace(std::string(route), Histogram{}).first;
  }
  Histogram& h = histogram->second;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddValue(std::string name, std::string help, std::string type,
                       std::function<int64_t()> read) {
  std::lock_guard lock(mu_);
  values_.push_back({std::move(name), std::move(help), std::move(type), std::move(read)});
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP relish_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE relish_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += fmt::format("relish_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                       Label(route), Label(method), status, n);
  }
  out += "# HELP relish_http_request_duration_seconds HTTP request latency by route.\n";
  out += "# TYPE relish_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("relish_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         Label(route), kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("relish_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       Label(route), h.count);
    out += fmt::format("relish_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", Label(route),
                       h.sum);
    out += fmt::format("relish_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                       Label(route), h.count);
  }
  for (const auto& v : values_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", v.name, v.help, v.name, v.type,
                       v.name, v.read());
  }
  return out;
}

}  // namespace relish::server
