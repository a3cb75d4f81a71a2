// The fuzz targets' assertion: a property that failed is reported with what broke it, then the
// process aborts, which libFuzzer records as a crash with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace relish::fuzz {

// `text` with control characters and bytes past ASCII written as \xNN, for a failure's detail.
inline std::string Escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\') {
      out.append("\\x").append(1, kHex[u >> 4]).append(1, kHex[u & 15]);
    } else {
      out += c;
    }
  }
  return out;
}

[[noreturn]] inline void Fail(const char* file, int line, const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
  if (!detail.empty()) std::fprintf(stderr, "  %s\n", Escaped(detail).c_str());
  std::abort();
}

}  // namespace relish::fuzz

// FUZZ_CHECK(condition, detail): `detail` is anything a std::string can be built from, and is
// evaluated only when the condition fails.
#define FUZZ_CHECK(condition, detail)                                                 \
  do {                                                                                \
    if (!(condition)) ::relish::fuzz::Fail(__FILE__, __LINE__, #condition, std::string(detail)); \
  } while (0)
