// Where things are in a document, in the two ways they are counted: the Deluge runtime counts
// lines and columns from 1 with columns in bytes of UTF-8 (deluge/diagnostic.h), and the Language
// Server Protocol counts both from 0 with columns in UTF-16 code units. Converting needs the
// line's text: "é" is two bytes but one unit, and "😀" four bytes but two units.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relish::lsp {

struct Position {
  int line = 0;       // from 0
  int character = 0;  // UTF-16 code units from the line's start
  bool operator==(const Position&) const = default;
};

struct Range {
  Position start;
  Position end;
  bool operator==(const Range&) const = default;
};

// UTF-16 code units of UTF-8 text (a byte that is not valid UTF-8 counts one unit).
int Utf16Length(std::string_view text);

// The lines of a document, for converting positions both ways. Lines end at "\n" ("\r\n" keeps
// its "\r" out of the line's text). Holds a view: the text must outlive it.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);

  int line_count() const { return static_cast<int>(starts_.size()); }
  std::string_view Line(int line) const;  // from 0, without its end of line; "" when past the end

  // A runtime position (line and byte column from 1) as the protocol's; clamped to the text.
  Position FromRuntime(int line, int byte_column) const;
  // Byte offset of a protocol position into the text: clamped to the line's end, and a position
  // inside a character (between a surrogate pair's halves) rounds down to its start.
  size_t Offset(Position position) const;
  Position PositionAt(size_t offset) const;
  Position End() const { return PositionAt(text_.size()); }

 private:
  std::string_view text_;
  std::vector<size_t> starts_;
};

}  // namespace relish::lsp
