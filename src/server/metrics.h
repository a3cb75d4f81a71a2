// Request metrics in Prometheus text format: a counter by route, method and status, and a
// latency histogram by route; and values other modules keep (AddValue). Thread-safe; Observe is
// called once per request.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace relish::server {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void Observe(std::string_view route, std::string_view method, int status, double seconds);
  // A value another module keeps (the audit queue's), read at each Render after the request
  // metrics. `type` is "gauge" or "counter". Added by the composition root before serving.
  void AddValue(std::string name, std::string help, std::string type, std::function<int64_t()> read);
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  // Transparent comparators: a request's route and method are looked up as they are, and copied
  // only the first time they are seen.
  std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>> requests_;  // guarded by mu_
  std::map<std::string, Histogram, std::less<>> latency_;                                // guarded by mu_
  struct Value {
    std::string name, help, type;
    std::function<int64_t()> read;
  };
  std::vector<Value> values_;  // guarded by mu_
};

}  // namespace relish::server
