// A file compiled into the binary (cmake/EmbedFiles.cmake): its path relative to the folder it
// came from, and its text.
#pragma once

#include <string_view>

namespace commerce {

struct embedded_file {
  std::string_view path;
  std::string_view content;
};

}  // namespace commerce
