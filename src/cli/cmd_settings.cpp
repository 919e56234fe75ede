// flipguard settings: the reference of every campaign setting, as docs/settings.md holds it.
#include <iostream>

#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"

namespace flipguard::cli {
namespace {

const RegisterCommand reg{{.name = "settings",
                           .summary = "every campaign setting (TOML key, flag, range, default) as Markdown",
                           .notes =
                               "The same table drives the TOML reader, the flags and each command's --help; "
                               "docs/settings.md is this output.",
                           .run = [](const Arguments&) {
                             std::cout << campaign::settings_markdown();
                             return 0;
                           }}};

}  // namespace
}  // namespace flipguard::cli
