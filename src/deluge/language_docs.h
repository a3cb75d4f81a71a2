// docs/language/*.md, compiled into the binary by cmake/embed.cmake (vocabulary.cc reads the
// built-ins' signatures and descriptions from it). Internal to src/deluge.
#pragma once

#include <vector>

#include "base/embedded.h"

namespace relish::deluge {

const std::vector<EmbeddedFile>& LanguageDocs();

}  // namespace relish::deluge
