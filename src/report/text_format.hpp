// How numbers and text appear in the report files: BERs as "1e-6", accuracies as "91.23", intervals as
// "[89.10, 93.00]" (they may be asymmetric), undefined ones as "n/a", and escaping for XML/HTML and CSV.
#pragma once

#include <string>

#include "campaign/planning/cell_summary.hpp"

namespace flipguard::report {

std::string format_ber(double ber);                    // 1e-06 -> "1e-6", 2.5e-05 -> "2.5e-5", 0 -> "0"
std::string format_fixed(double value, int decimals);  // NaN/Inf -> "n/a"
// "91.23 [90.78, 91.68] (10)", "91.23 [n/a] (1)"; `sign`: a leading "+" on non-negative means.
std::string format_mean_ci(const campaign::MeanEstimate& e, bool sign = false);
// An unbounded amount such as a perplexity: "45.69" below 1e5, "1.95e+30" above, "inf" / "-inf".
std::string format_amount(double value);
std::string format_general(double value);         // shortest round-trip-ish, "nan" for NaN (CSV)
std::string escape_xml(const std::string& text);  // &, <, >, ", '
std::string csv_field(const std::string& text);   // quoted only where needed

}  // namespace flipguard::report
