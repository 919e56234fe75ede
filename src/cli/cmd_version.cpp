#include <iostream>

#include "cli/command.hpp"
#include "cli/version.hpp"

namespace {
const flipguard::cli::RegisterCommand reg{
    {.name = "version", .summary = "print the version (also: flipguard --version)", .run = [](const auto&) {
       std::cout << flipguard::cli::version_text();
       return 0;
     }}};
}  // namespace
