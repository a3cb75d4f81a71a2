#include "base/barrier.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <string>

namespace relish {

Error CaughtException(std::string_view what) noexcept {
  std::string cause = "an exception of unknown type";
  try {
    throw;
  } catch (const std::exception& e) {
    cause = e.what();
  } catch (...) {
  }
  try {
    spdlog::error("{} failed: {}", what, cause);
  } catch (...) {
    // Logging must not be the thing that ends the process.
  }
  return Internal(std::string(what) + " failed unexpectedly; the server's log says why");
}

}  // namespace relish
