#include <iostream>

#include "cli/command.hpp"

namespace {
const flipguard::cli::RegisterCommand reg{"version", "print the version", [](const auto&) {
                                            std::cout << "flipguard 0.1.0\n";
                                            return 0;
                                          }};
}  // namespace
