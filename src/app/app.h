// App: the composition root, the only place that wires modules together. It opens the store,
// runs every module's migrations, builds the domain services and registers their routes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/config.h"
#include "base/result.h"
#include "server/router.h"

namespace relish::app {

class App {
 public:
  static Result<std::unique_ptr<App>> Open(const Config& config);
  ~App();

  // Binds, calls `on_listening(port)`, then serves until Stop() or, when `handle_signals`,
  // SIGTERM/SIGINT. In-flight requests finish before it returns.
  Result<void> Serve(bool handle_signals, const std::function<void(uint16_t)>& on_listening);
  void Stop();

  // Every route the server answers, with who may call it: for the route isolation test
  // (tests/integration/route_isolation_test.cc) and the API's documentation.
  std::vector<server::RouteInfo> Routes() const;

  class Impl;

 private:
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace relish::app
