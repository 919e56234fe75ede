// The version `flipguard --version` and `flipguard version` print: the project's, from CMakeLists.txt.
#pragma once

#include <string>

#ifndef FLIPGUARD_VERSION
#error "FLIPGUARD_VERSION is defined by the build (CMakeLists.txt)"
#endif

namespace flipguard::cli {

inline std::string version_text() {
  return std::string("flipguard ") + FLIPGUARD_VERSION + "\n";
}

}  // namespace flipguard::cli
