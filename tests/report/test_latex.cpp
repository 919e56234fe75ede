// summary.tex (`flipguard report --latex`): structure checks in place of a LaTeX run (no TeX installation is
// assumed): environments balanced and properly nested, every tabular row with as many cells as its column
// specification, booktabs rules, and no unescaped special character outside comments.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "report/latex_table.hpp"
#include "report/report_writer.hpp"
#include "synthetic_results.hpp"
#include "xml_check.hpp"

using namespace flipguard;
using flipguard::test::count_of;

namespace {

// "" if the document is structurally sound, else the first problem.
std::string latex_problem(const std::string& tex) {
  std::vector<std::string> stack;
  std::istringstream in(tex);
  std::size_t columns = 0;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    const std::string where = " on line " + std::to_string(line_no) + ": " + line;
    if (line.rfind("%", 0) == 0) continue;  // a comment line
    // Special characters must be escaped; '&' separates cells inside a tabular only.
    std::size_t ampersands = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      const bool escaped = i > 0 && line[i - 1] == '\\';
      if ((c == '%' || c == '_' || c == '#') && !escaped) return std::string("unescaped '") + c + "'" + where;
      if (c == '&' && !escaped) ++ampersands;
      if (static_cast<unsigned char>(c) >= 0x80) return "non-ASCII byte" + where;
    }
    // Environments.
    for (std::size_t p = line.find("\\begin{"); p != std::string::npos; p = line.find("\\begin{", p + 1)) {
      const std::string env = line.substr(p + 7, line.find('}', p) - p - 7);
      stack.push_back(env);
      if (env == "tabular") {
        const auto spec_at = line.find("}{", p) + 2;
        columns = line.find('}', spec_at) - spec_at;
      }
    }
    for (std::size_t p = line.find("\\end{"); p != std::string::npos; p = line.find("\\end{", p + 1)) {
      const std::string env = line.substr(p + 5, line.find('}', p) - p - 5);
      if (stack.empty() || stack.back() != env) return "\\end{" + env + "} closes nothing open" + where;
      stack.pop_back();
    }
    const bool in_tabular = !stack.empty() && stack.back() == "tabular";
    if (ampersands && !in_tabular) return "'&' outside a tabular" + where;
    if (in_tabular && line.find("\\\\") != std::string::npos && ampersands + 1 != columns)
      return std::to_string(ampersands + 1) + " cells in a " + std::to_string(columns) + "-column tabular" +
             where;
  }
  if (!stack.empty()) return "\\begin{" + stack.back() + "} is never closed";
  return "";
}

}  // namespace

TEST(Latex, EscapesSpecialCharactersAndUnicodeDashes) {
  EXPECT_EQ(
      report::escape_latex("50% of a_b & c#d $x$ {y} ~ ^ \\"),
      "50\\% of a\\_b \\& c\\#d \\$x\\$ \\{y\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}");
  EXPECT_EQ(report::escape_latex("scale \u2212 none, \u2014, 1\u20135"), "scale $-$ none, ---, 1--5");
  EXPECT_EQ(report::escape_latex("-0.25 [-1.50, +0.75] 1e-7 Clopper-Pearson"),
            "$-$0.25 [$-$1.50, +0.75] 1e-7 Clopper-Pearson");
  EXPECT_EQ(report::escape_latex("cells read \"mean\" here"), "cells read ``mean'' here");
  EXPECT_EQ(latex_problem(report::escape_latex("100% _ & #")), "");
}

TEST(Latex, TheCheckerCatchesBrokenDocuments) {
  EXPECT_NE(latex_problem("\\begin{table}\n"), "");
  EXPECT_NE(latex_problem("\\begin{table}\n\\end{tabular}\n"), "");
  EXPECT_NE(latex_problem("100% sure\n"), "");
  EXPECT_NE(latex_problem("a_b\n"), "");
  EXPECT_NE(latex_problem("\\begin{tabular}{lr}\na & b & c \\\\\n\\end{tabular}\n"), "");
  EXPECT_EQ(latex_problem("% 100% a comment\n\\begin{tabular}{lr}\na & b \\\\\n\\end{tabular}\n"), "");
}

TEST(Latex, SummaryTexHasABooktabsTablePerFormatWithIntervals) {
  auto records = test::Synthetic{}.records();
  for (auto& r : records) r.model = "mobilenet_v1_025 & co (100%)";  // specials reach the captions
  const auto dir = test::fresh_dir("latex");
  test::write_text(dir / "study.jsonl", test::to_jsonl(records));
  const auto without = report::write_report(dir / "study.jsonl");
  EXPECT_FALSE(std::filesystem::exists(without.dir / "summary.tex"));  // only on request
  const auto out = report::write_report(dir / "study.jsonl", {}, "Study #1: 100% real_data", true);
  ASSERT_TRUE(std::filesystem::exists(out.dir / "summary.tex"));
  const std::string tex = test::read_text(out.dir / "summary.tex");
  EXPECT_EQ(latex_problem(tex), "") << tex;
  // Per format: the Top-1 table and the paired differences.
  EXPECT_EQ(count_of(tex, "\\begin{table}"), 4u);
  EXPECT_EQ(count_of(tex, "\\begin{tabular}{lrrr}"), 2u);  // BER + three protections
  EXPECT_EQ(count_of(tex, "\\begin{tabular}{lrr}"), 2u);   // BER + two differences
  EXPECT_EQ(count_of(tex, "\\toprule"), 4u);
  EXPECT_EQ(count_of(tex, "\\midrule"), 4u);
  EXPECT_EQ(count_of(tex, "\\bottomrule"), 4u);
  EXPECT_NE(tex.find("\\label{tab:top1-q2.5}"), std::string::npos);
  EXPECT_NE(tex.find("mobilenet\\_v1\\_025 \\& co (100\\%)"), std::string::npos);
  EXPECT_NE(tex.find("BER & none & scale & scale+ecc72 \\\\"), std::string::npos);
  EXPECT_NE(tex.find("scale $-$ none"), std::string::npos);
  // q2.5 scale at 1e-4: 88 - 36 = 52 % with its t interval over 5 trials.
  EXPECT_NE(tex.find("1e-4 & 16.00 ["), std::string::npos);
  EXPECT_NE(tex.find("] (5) & 52.00 ["), std::string::npos);
  EXPECT_NE(tex.find("+36.00 [+36.00, +36.00] (5)"), std::string::npos);  // paired
  EXPECT_NE(tex.find("% Study #1: 100% real_data"), std::string::npos);   // the title, as a comment
}
