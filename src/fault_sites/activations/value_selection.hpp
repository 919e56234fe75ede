// Which values nodes write a campaign faults, chosen by the `tensors` setting with the grammar stored weights
// use: "all"; a value's or its node's exact name; else an ECMAScript regex found in either name.
#pragma once

#include <string>
#include <vector>

#include "engine/value_hook.hpp"

namespace flipguard::fault_sites {

// The chosen values of `written` (Executor::written_values), in run order. std::invalid_argument naming the
// selection and listing the candidates when nothing matches.
std::vector<engine::WrittenValue> select_values(const std::vector<engine::WrittenValue>& written,
                                                const std::string& selection);

}  // namespace flipguard::fault_sites
