// Positions in a script as the console's editor counts them. Relish's Deluge runtime counts a
// column in bytes of the line's UTF-8 text; a browser editor (CodeMirror, and JavaScript strings
// generally) counts UTF-16 code units, so a diagnostic after an "é" or an emoji would be drawn one
// or more characters off. Every column the REST API sends for a script is converted here.
#pragma once

#include <string_view>
#include <vector>

namespace relish::api {

class SourcePositions {
 public:
  // `source` must outlive this object.
  explicit SourcePositions(std::string_view source);

  // The UTF-16 column (from 1) of byte column `byte_column` (from 1) of line `line` (from 1).
  // A column past the line's end counts the bytes past it as one unit each; a line past the
  // script's end is left as it is.
  int Utf16Column(int line, int byte_column) const;

 private:
  std::string_view source_;
  std::vector<size_t> line_starts_;
};

}  // namespace relish::api
