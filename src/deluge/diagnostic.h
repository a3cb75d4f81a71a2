// A problem found before a script runs (syntax or check), with its position.
#pragma once

#include <string>

namespace relish::deluge {

// Lines and columns count from 1; a column counts bytes of the line's UTF-8 text.
struct Diagnostic {
  int line = 0;
  int column = 0;
  std::string message;
  // Just past the text the problem is about (the offending token or name), as an editor's range
  // ends; equal to the start when there is no such text (the end of the script).
  int end_line = 0;
  int end_column = 0;
};

}  // namespace relish::deluge
