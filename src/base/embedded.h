// A file compiled into the binary by cmake/embed.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace relish {

struct EmbeddedFile {
  std::string_view path;  // "/name.ext", relative to the embedded folder
  std::string_view data;
};

}  // namespace relish
