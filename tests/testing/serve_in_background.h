// Runs a whole Relish (app::App) in the test's own process: Serve on a thread of its own, the
// caller waiting until it listens. Every in-process server test starts its App this way.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "app/app.h"

namespace relish::testing {

// Starts `app` serving on `thread` and answers the port it listens on, once it does. A failure
// of Serve is handed to `failed` (on that thread); the caller joins `thread` after App::Stop.
inline uint16_t ServeInBackground(app::App& app, std::thread& thread,
                                  std::function<void(const std::string&)> failed = {}) {
  auto port = std::make_shared<std::promise<uint16_t>>();
  auto listening = port->get_future();
  thread = std::thread([&app, port, failed = std::move(failed)] {
    auto served = app.Serve(false, [&](uint16_t p) { port->set_value(p); });
    if (!served.ok() && failed) failed(served.error().ToString());
  });
  return listening.get();
}

}  // namespace relish::testing
