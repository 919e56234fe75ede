// A report Table as a LaTeX table for papers: a floating `table` with a booktabs `tabular` (\toprule,
// \midrule, \bottomrule; needs \usepackage{booktabs}), the first column left-aligned and the others right,
// every cell escaped.
#pragma once

#include <string>

#include "report/table.hpp"

namespace flipguard::report {

// Text with LaTeX's special characters escaped (\ { } $ & # ^ _ ~ %), and the Unicode dashes and minus
// sign the tables use spelled in ASCII LaTeX ("--", "---", "$-$"), so the output compiles with any input
// encoding; a '-' starting a number becomes a minus sign ("[-0.25" -> "[$-$0.25") and straight double
// quotes become `` and ''.
std::string escape_latex(const std::string& text);

// `caption` is escaped; `label` is made of [A-Za-z0-9:.-] (anything else becomes '-').
std::string to_latex(const Table& table, const std::string& caption, const std::string& label);

}  // namespace flipguard::report
