// The settings checks that need modules base/config.cc does not know: the sandbox remap and the
// outbound proxy (outbound's parsers), the public URL. Given to LoadConfig as
// ConfigSources::check by every command that reads configuration, so that `relish config` and
// `relish run` refuse what `relish serve` would, naming the key and where the value came from.
#pragma once

#include <string_view>

#include "base/result.h"

namespace relish::app {

// Ok for a key it has nothing more to say about.
Result<void> CheckSetting(std::string_view key, std::string_view value);

}  // namespace relish::app
