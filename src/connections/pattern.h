// Anchored regular expressions (PCRE2) for service parameter patterns.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace relish::connections {

// kInvalidArgument with PCRE2's message when `pattern` does not compile.
Result<void> CheckPattern(std::string_view pattern);
// True when the whole of `text` matches `pattern`.
// What the first group of anchored `pattern` matched in `text`; nullopt when it does not match.
Result<std::optional<std::string>> FirstGroup(std::string_view pattern, std::string_view text);

Result<bool> FullMatch(std::string_view pattern, std::string_view text);

}  // namespace relish::connections
