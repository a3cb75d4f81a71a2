// ZIP archives for Deluge's compress() and extract() (docs/language/builtins.md#file): deflate
// via zlib, in memory, no ZIP64, no encryption. Reading is bounded: an archive that would
// expand past `max_total` bytes (a zip bomb) or hold more than kMaxZipEntries files is refused
// before the bytes past the bound are produced.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relish::deluge {

inline constexpr size_t kMaxZipEntries = 1000;

struct ZipEntry {
  std::string name;
  std::string bytes;
};

// A ZIP holding `entries` (deflated, names as UTF-8, dated 1980-01-01 so that the same files
// always give the same bytes).
struct ZipSource {
  std::string name;
  std::string_view bytes;  // the caller keeps them alive
};
std::string WriteZip(const std::vector<ZipSource>& entries);

// The files of a ZIP (directories left out), or "" in `error` saying why not.
bool ReadZip(std::string_view zip, size_t max_total, std::vector<ZipEntry>& out,
             std::string& error);

}  // namespace relish::deluge
