#include "lsp/position.h"

#include <algorithm>

namespace relish::lsp {
namespace {

// Bytes of the UTF-8 sequence that starts with `lead`, or 1 for a byte that cannot start one.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// The sequence at text[i]: its length (1 when truncated or malformed) and its UTF-16 units.
std::pair<size_t, int> Step(std::string_view text, size_t i) {
  size_t n = SequenceLength(static_cast<unsigned char>(text[i]));
  if (i + n > text.size()) return {1, 1};
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return {1, 1};
  }
  return {n, n == 4 ? 2 : 1};
}

}  // namespace

int Utf16Length(std::string_view text) {
  int units = 0;
  for (size_t i = 0; i < text.size();) {
    auto [n, u] = Step(text, i);
    i += n;
    units += u;
  }
  return units;
}

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

std::string_view LineIndex::Line(int line) const {
  if (line < 0 || line >= line_count()) return {};
  size_t start = starts_[line];
  size_t end = line + 1 < line_count() ? starts_[line + 1] - 1 : text_.size();
  std::string_view s = text_.substr(start, end - start);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

Position LineIndex::FromRuntime(int line, int byte_column) const {
  if (line < 1) return {0, 0};
  if (line > line_count()) return End();
  std::string_view text = Line(line - 1);
  size_t bytes = std::clamp<size_t>(static_cast<size_t>(std::max(byte_column, 1) - 1), 0,
                                    text.size());
  return {line - 1, Utf16Length(text.substr(0, bytes))};
}

size_t LineIndex::Offset(Position position) const {
  if (position.line < 0) return 0;
  if (position.line >= line_count()) return text_.size();
  std::string_view text = Line(position.line);
  size_t i = 0;
  int units = 0;
  while (i < text.size()) {
    auto [n, u] = Step(text, i);
    if (units + u > position.character) break;
    units += u;
    i += n;
  }
  return starts_[position.line] + i;
}

Position LineIndex::PositionAt(size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  int line = static_cast<int>(it - starts_.begin()) - 1;
  return {line, Utf16Length(text_.substr(starts_[line], offset - starts_[line]))};
}

}  // namespace relish::lsp
