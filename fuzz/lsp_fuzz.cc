// libFuzzer target over what the language server and `relish fmt` do with a script as it is
// being typed (src/lsp): the formatter, the diagnostics, and every request at positions spread
// over the text. Properties: formatting answers or refuses with kInvalidArgument (a refusal of
// its own output check would be kInternal: a formatter bug), and formatted text formats to
// itself. Built only with -DRELISH_FUZZ=ON and clang; see `make fuzz`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check.h"
#include "lsp/analysis.h"
#include "lsp/format.h"
#include "lsp/position.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relish::lsp;
  if (size > 16 * 1024) return 0;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  auto formatted = FormatScript(source);
  if (formatted.ok()) {
    auto again = FormatScript(*formatted);
    FUZZ_CHECK(again.ok(), again.error().message());
    FUZZ_CHECK(*again == *formatted, *formatted);
  } else {
    FUZZ_CHECK(formatted.error().code() == relish::ErrorCode::kInvalidArgument,
               formatted.error().message());
  }
  (void)Diagnostics(source);
  (void)Symbols(source);
  LineIndex lines(source);
  for (size_t k = 0; k <= 4; ++k) {
    Position at = lines.PositionAt(size * k / 4);
    (void)Completion(source, at, {"link"});
    (void)HoverAt(source, at);
    (void)SignatureHelpAt(source, at);
    (void)VariableRanges(source, at);
  }
  return 0;
}
