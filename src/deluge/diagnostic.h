// A problem found before a script runs (syntax or check), with its position.
#pragma once

#include <string>

namespace relish::deluge {

struct Diagnostic {
  int line = 0;
  int column = 0;
  std::string message;
};

}  // namespace relish::deluge
