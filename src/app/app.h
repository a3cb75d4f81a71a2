// App: the composition root, the only place that wires modules together. It opens the store,
// runs every module's migrations, builds the domain services and registers their routes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "base/config.h"
#include "base/result.h"

namespace relish::app {

class App {
 public:
  static Result<std::unique_ptr<App>> Open(const Config& config);
  ~App();

  // Binds, calls `on_listening(port)`, then serves until Stop() or, when `handle_signals`,
  // SIGTERM/SIGINT. In-flight requests finish before it returns.
  Result<void> Serve(bool handle_signals, const std::function<void(uint16_t)>& on_listening);
  void Stop();

  class Impl;

 private:
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace relish::app
