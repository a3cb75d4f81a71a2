#include "api/source_positions.h"

namespace relish::api {

SourcePositions::SourcePositions(std::string_view source) : source_(source) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\n') line_starts_.push_back(i + 1);
  }
}

int SourcePositions::Utf16Column(int line, int byte_column) const {
  if (line < 1 || static_cast<size_t>(line) > line_starts_.size() || byte_column < 1) {
    return byte_column;
  }
  size_t begin = line_starts_[static_cast<size_t>(line) - 1];
  size_t end = static_cast<size_t>(line) < line_starts_.size()
                   ? line_starts_[static_cast<size_t>(line)] - 1
                   : source_.size();
  size_t target = begin + static_cast<size_t>(byte_column) - 1;
  int units = 0;
  size_t i = begin;
  while (i < target && i < end) {
    auto c = static_cast<unsigned char>(source_[i]);
    // A lead byte starts a character: four-byte sequences are two UTF-16 units (a surrogate
    // pair), the others one; continuation bytes (and stray ones) add nothing of their own.
    if (c < 0x80 || (c & 0xC0) == 0xC0) units += c >= 0xF0 ? 2 : 1;
    ++i;
  }
  units += static_cast<int>(target > i ? target - i : 0);
  return units + 1;
}

}  // namespace relish::api
