// Anchored regular expressions (PCRE2) for service parameter patterns.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace relish::connections {

// kInvalidArgument with PCRE2's message when `pattern` does not compile.
Result<void> CheckPattern(std::string_view pattern);
// True when the whole of `text` matches `pattern`.
Result<bool> FullMatch(std::string_view pattern, std::string_view text);

}  // namespace relish::connections
