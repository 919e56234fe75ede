// One CSV row per cell summary, every field: the schema shared by summary.csv and layers.csv (which adds a
// leading layer column), so a script reading one reads the other.
#pragma once

#include <string>

#include "campaign/statistics.hpp"

namespace flipguard::report {

std::string cell_csv_header();                                // without a newline
std::string cell_csv_row(const campaign::CellSummary& cell);  // without a newline

}  // namespace flipguard::report
