// One CSV row per cell summary, every field: the schema shared by summary.csv and layers.csv (which adds a
// leading layer column), so a script reading one reads the other.
#pragma once

#include <string>

#include "campaign/planning/cell_summary.hpp"
#include "report/campaign_report.hpp"

namespace flipguard::report {

std::string cell_csv_header();  // without a newline
// Without a newline. `paired`: the cell's paired difference against its format's first protection at the
// same BER (empty columns without one).
std::string cell_csv_row(const campaign::CellSummary& cell, const PairedDifference* paired = nullptr);

}  // namespace flipguard::report
