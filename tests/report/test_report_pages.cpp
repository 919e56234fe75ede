#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "report/campaign_report.hpp"
#include "report/report_error.hpp"
#include "report/report_writer.hpp"
#include "stats/binomial.hpp"
#include "synthetic_results.hpp"
#include "xml_check.hpp"

using namespace flipguard;
using flipguard::test::count_of;

namespace {

constexpr double kT4 = 2.776445;  // t_{0.975, 4} from tables: 5 trials per faulty cell

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// The cell in the first Markdown table after `section`, at the row whose first cell is `row` and the
// column headed `column`.
std::string markdown_cell(const std::string& md, const std::string& section, const std::string& row,
                          const std::string& column) {
  std::istringstream in(md.substr(md.find(section)));
  std::vector<std::string> header;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '|') {
      if (!header.empty()) break;
      continue;
    }
    auto cells = split(line.substr(1, line.size() - 2), '|');
    for (auto& c : cells) c = trim(c);
    if (header.empty()) {
      header = cells;
      continue;
    }
    if (cells[0] != row) continue;
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == column) return cells.at(i);
  }
  return "<missing>";
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

struct Written {
  std::filesystem::path dir;
  std::string md, csv, html, svg_q25;
};

Written write_synthetic(const std::string& name,
                        stats::IntervalMethod interval = stats::IntervalMethod::student_t) {
  const auto dir = test::fresh_dir(name);
  const auto results = dir / "study.jsonl";
  test::Synthetic syn;
  syn.interval = interval;
  test::write_text(results, test::to_jsonl(syn.records()));
  const auto out = report::write_report(results, {}, "Synthetic study");
  EXPECT_EQ(out.dir, dir / "study-report");
  // summary.md, .csv, report.html and per format Top-1, Top-5 and trials plots.
  EXPECT_EQ(out.files.size(), 9u);
  Written w{out.dir, test::read_text(out.dir / "summary.md"), test::read_text(out.dir / "summary.csv"),
            test::read_text(out.dir / "report.html"), test::read_text(out.dir / "top1_vs_ber_q2.5.svg")};
  return w;
}

}  // namespace

TEST(CampaignReport, SummariesMatchTheGeneratingParameters) {
  const test::Synthetic syn;
  const auto rep = report::build_report(syn.records());
  EXPECT_EQ(rep.cells.size(), syn.formats.size() * syn.protections.size() * syn.bers.size());
  EXPECT_EQ(rep.formats, syn.formats);
  EXPECT_EQ(rep.protections.at("fp16"), syn.protections);
  for (const auto& f : syn.formats)
    for (const auto& p : syn.protections)
      for (double ber : syn.bers) {
        const auto* c = rep.find(f, p, ber);
        ASSERT_NE(c, nullptr);
        EXPECT_NEAR(c->top1.mean, syn.mean(f, p, ber), 1e-9);
        const double sd = test::Synthetic::spread(ber) * std::sqrt(2.5);  // offsets -2..2: variance 2.5
        if (ber == 0) {
          // The clean cell: Clopper-Pearson over its 2000 images.
          EXPECT_EQ(c->trials, 1);
          EXPECT_EQ(c->interval, "binomial");
          const auto cp = stats::clopper_pearson(std::llround(syn.mean(f, p, 0) * 20), 2000);
          EXPECT_NEAR(c->top1.lo, 100 * cp.lo, 1e-9);
          EXPECT_NEAR(c->top1.hi, 100 * cp.hi, 1e-9);
        } else {
          EXPECT_EQ(c->interval, "t");
          EXPECT_EQ(c->trials, syn.trials);
          EXPECT_NEAR(c->top1.std, sd, 1e-9);
          EXPECT_NEAR(c->top1.ci95, kT4 * sd / std::sqrt(5.0), 1e-5);
          EXPECT_NEAR(c->top1.hi - c->top1.lo, 2 * c->top1.ci95, 1e-12);
        }
        EXPECT_EQ(c->memory_overhead, test::Synthetic::overhead(p));
      }
  // Paired differences: offsets cancel trial by trial, so the difference is exact with zero spread.
  const auto it = std::find_if(rep.paired.begin(), rep.paired.end(), [](const auto& d) {
    return d.format == "q2.5" && d.protection == "scale" && d.ber == 1e-5;
  });
  ASSERT_NE(it, rep.paired.end());
  EXPECT_EQ(it->baseline, "none");
  EXPECT_NEAR(it->diff.mean, test::Synthetic::drop("none", 1e-5) - test::Synthetic::drop("scale", 1e-5),
              1e-9);
  EXPECT_NEAR(it->diff.ci95, 0, 1e-9);
  EXPECT_EQ(rep.images_min, syn.images);
  EXPECT_EQ(rep.trials_min, 1);
  EXPECT_EQ(rep.trials_max, 5);
}

TEST(ReportFiles, MarkdownHasTheNumbersInTheRightCells) {
  const auto w = write_synthetic("markdown");
  const test::Synthetic syn;
  for (const auto& f : syn.formats)
    for (const auto& p : syn.protections)
      for (double ber : {1e-6, 1e-5, 1e-4}) {
        const std::string row = ber == 1e-6 ? "1e-6" : ber == 1e-5 ? "1e-5" : "1e-4";
        const double ci = kT4 * test::Synthetic::spread(ber) * std::sqrt(2.5) / std::sqrt(5.0);
        const double mean = syn.mean(f, p, ber);
        EXPECT_EQ(markdown_cell(w.md, "## Format " + f, row, p),
                  fixed2(mean) + " [" + fixed2(mean - ci) + ", " + fixed2(mean + ci) + "] (5)")
            << f << " " << p << " " << row;
      }
  const auto clean = [](std::int64_t correct) {
    const auto cp = stats::clopper_pearson(correct, 2000);
    return " [" + fixed2(100 * cp.lo) + ", " + fixed2(100 * cp.hi) + "] (1)";
  };
  EXPECT_EQ(markdown_cell(w.md, "## Format fp16", "0 (clean)", "scale"), "91.00" + clean(1820));
  EXPECT_EQ(markdown_cell(w.md, "### Configurations", "scale+ecc72", "memory overhead"), "12.5 %");
  EXPECT_EQ(markdown_cell(w.md, "### Configurations", "none", "clean Top-1 (%)"), "88.00" + clean(1760));
  // Paired: at 1e-4 none loses 8 * 3^2 = 72 points, scale 4 * 3^2 = 36: +36 exactly in every trial.
  EXPECT_EQ(markdown_cell(w.md, "### Top-1 difference", "1e-4", "scale − none"),
            "+36.00 [+36.00, +36.00] (5)");
  EXPECT_NE(w.md.find("Student t over the trials (approximate"), std::string::npos);
  EXPECT_EQ(w.md.find("betting confidence sequence"), std::string::npos);
  // NaN/Inf share appears only for the cells that had it (1 of 5 trials).
  EXPECT_NE(w.md.find("## Trials with NaN/Inf logits"), std::string::npos);
  EXPECT_EQ(markdown_cell(w.md, "## Trials with NaN/Inf", "q2.5", "trials with NaN/Inf logits"), "20.0 %");
  EXPECT_EQ(count_of(w.md, "| 20.0 % |"), 2u);  // both formats, "none" at 1e-4 only
  for (const char* fact : {"**model**: resnet20", "**data**: cifar10", "**images per trial**: 2000",
                           "**seed**: 7", "**trials per cell**: 1–5"})
    EXPECT_NE(w.md.find(fact), std::string::npos) << fact;
  EXPECT_NE(w.md.find("](top1_vs_ber_q2.5.svg)"), std::string::npos);
}

TEST(ReportFiles, CriticalBitSplitAppearsOnlyForCellsWithBothGroups) {
  const auto plain = write_synthetic("critical-none");
  EXPECT_EQ(plain.md.find("critical bit"), std::string::npos);  // no record carries critical counts
  auto records = test::Synthetic{}.records();
  double sum_with = 0, sum_without = 0;
  for (auto& r : records) {
    if (r.format != "fp16" || r.protection != "none" || r.ber != 1e-5) continue;
    r.critical_words = 2'000'000;
    r.critical_faults = r.trial % 2;  // trials 1, 3 hit; 0, 2, 4 do not
    (r.critical_faults ? sum_with : sum_without) += r.top1_percent();
  }
  const auto dir = test::fresh_dir("critical");
  test::write_text(dir / "study.jsonl", test::to_jsonl(records));
  const auto out = report::write_report(dir / "study.jsonl", {}, "Synthetic study");
  const std::string md = test::read_text(out.dir / "summary.md");
  const auto at = md.find("critical bit");
  ASSERT_NE(at, std::string::npos);
  // P(no critical fault) = e^-20 -> "0.000"; then 3 trials without, 2 with, and their means.
  const std::string expected = "| fp16 | none | 1e-5 | 0.000 | 3 | " + fixed2(sum_without / 3) + " | 2 | " +
                               fixed2(sum_with / 2) + " |";
  const std::string section = md.substr(at, md.find("\n## ", at) - at);
  EXPECT_NE(section.find(expected), std::string::npos) << section << "\nwanted " << expected;
  EXPECT_EQ(section.find("| q2.5 |"), std::string::npos);  // other cells have no split
  EXPECT_NE(test::read_text(out.dir / "report.html").find("critical bit"), std::string::npos);
}

TEST(ReportFiles, CsvHasOneParseableRowPerCell) {
  const auto w = write_synthetic("csv");
  std::istringstream in(w.csv);
  std::string line;
  std::getline(in, line);
  const auto header = split(line, ',');
  EXPECT_EQ(header.size(), 47u + 8u * 3u);  // 47 a classifier's, 3 per language-model metric (n/a here)
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  int rows = 0;
  bool found = false;
  while (std::getline(in, line)) {
    const auto f = split(line, ',');
    ASSERT_EQ(f.size(), header.size()) << line;
    ++rows;
    // These records predate SDC metrics: unmeasured reads n/a, never 0; their data had labels.
    EXPECT_EQ(f[col("sdc1_mean")], "n/a");
    EXPECT_EQ(f[col("labelled")], "yes");
    EXPECT_EQ(f[col("perplexity_median")], "n/a");  // a classifier's cell
    if (f[col("format")] == "fp16" && f[col("protection")] == "scale" && std::stod(f[col("ber")]) == 1e-5) {
      found = true;
      EXPECT_NEAR(std::stod(f[col("top1_mean")]), 91.0 - 16.0, 1e-9);
      EXPECT_NEAR(std::stod(f[col("top1_std")]), std::sqrt(2.5), 1e-9);
      EXPECT_EQ(f[col("trials")], "5");
    }
    if (std::stod(f[col("ber")]) == 0) {
      EXPECT_EQ(f[col("interval")], "binomial");
      EXPECT_EQ(f[col("paired_baseline")], "");
    } else {
      EXPECT_EQ(f[col("interval")], "t");
      EXPECT_NEAR(std::stod(f[col("top1_hi")]) - std::stod(f[col("top1_lo")]),
                  2 * std::stod(f[col("top1_ci95")]), 1e-6);
      // Paired columns on the non-baseline protections: at 1e-4 scale - none is +36 in every trial.
      if (f[col("protection")] == "none") {
        EXPECT_EQ(f[col("paired_mean")], "");
      }
      if (f[col("protection")] == "scale" && std::stod(f[col("ber")]) == 1e-4) {
        EXPECT_EQ(f[col("paired_baseline")], "none");
        EXPECT_EQ(f[col("paired_trials")], "5");
        EXPECT_NEAR(std::stod(f[col("paired_mean")]), 36, 1e-9);
        EXPECT_NEAR(std::stod(f[col("paired_lo")]), 36, 1e-9);
      }
    }
  }
  EXPECT_EQ(rows, 2 * 3 * 4);
  EXPECT_TRUE(found);
}

TEST(ReportFiles, BettingCampaignsReportAsymmetricIntervalsAndPairedDifferences) {
  const auto w = write_synthetic("csv-betting", stats::IntervalMethod::betting);
  std::istringstream in(w.csv);
  std::string line;
  std::getline(in, line);
  const auto header = split(line, ',');
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  int paired = 0;
  while (std::getline(in, line)) {
    const auto f = split(line, ',');
    if (std::stod(f[col("ber")]) == 0) continue;
    const double mean = std::stod(f[col("top1_mean")]), lo = std::stod(f[col("top1_lo")]),
                 hi = std::stod(f[col("top1_hi")]);
    EXPECT_EQ(f[col("interval")], "betting");
    // Five trials: the fixed-n betting interval is honest about how little five trials can show.
    EXPECT_LT(lo, mean - 5);
    EXPECT_GT(hi, mean + 5);
    EXPECT_LE(hi, 100);
    EXPECT_GE(lo, 0);
    if (f[col("paired_baseline")] == "none") {
      ++paired;
      EXPECT_LT(std::stod(f[col("paired_lo")]), std::stod(f[col("paired_mean")]));
      EXPECT_GT(std::stod(f[col("paired_hi")]), std::stod(f[col("paired_mean")]));
    }
  }
  EXPECT_EQ(paired, 2 * 2 * 3);  // 2 formats x 2 protections x 3 faulty BERs
  EXPECT_NE(w.md.find("betting confidence sequence over the trials"), std::string::npos);
}

TEST(ReportFiles, SvgPerFormatIsWellFormedWithALinePerProtectionAndBands) {
  const auto w = write_synthetic("svg");
  EXPECT_TRUE(std::filesystem::exists(w.dir / "top1_vs_ber_fp16.svg"));
  EXPECT_EQ(test::xml_problem(w.svg_q25), "");
  EXPECT_EQ(test::outside_viewbox(w.svg_q25), "");
  EXPECT_EQ(count_of(w.svg_q25, "class=\"series\""), 3u);
  EXPECT_EQ(count_of(w.svg_q25, "class=\"band\""), 3u);
  EXPECT_EQ(count_of(w.svg_q25, "class=\"reference\""), 3u);  // clean accuracy of each configuration
  EXPECT_EQ(count_of(w.svg_q25, "class=\"marker\""),
            9u);  // 3 faulty BERs x 3 protections, BER 0 not on the axis
  EXPECT_EQ(count_of(w.svg_q25, "class=\"anchor-marker\""), 3u);  // ... but in the clean slot
  EXPECT_EQ(count_of(w.svg_q25, "class=\"interval\""), 12u);
  EXPECT_NE(w.svg_q25.find(">95% interval of the mean<"), std::string::npos);
  EXPECT_NE(w.svg_q25.find(">clean (BER 0)<"), std::string::npos);
  EXPECT_NE(w.svg_q25.find(">clean<"), std::string::npos);
  // Three protections, three line styles.
  EXPECT_EQ(count_of(w.svg_q25, "stroke-dasharray=\"10 5\""), 3u);  // scale: line, band, legend
}

TEST(ReportFiles, Top5PlotShowsTop5Means) {
  const auto w = write_synthetic("top5");
  const std::string svg = test::read_text(w.dir / "top5_vs_ber_q2.5.svg");
  EXPECT_EQ(test::xml_problem(svg), "");
  EXPECT_NE(svg.find("Top-5 vs bit-error rate"), std::string::npos);
  EXPECT_NE(svg.find(">Top-5 accuracy (%)<"), std::string::npos);
  // Synthetic Top-5 is Top-1 + 5 points: q2.5 scale at 1e-5 is 88 - 16 + 5 = 77.
  EXPECT_NE(svg.find("scale: x = 1e-05, y = 77.00"), std::string::npos);
  EXPECT_NE(w.md.find("](top5_vs_ber_q2.5.svg)"), std::string::npos);
}

TEST(ReportFiles, TrialsPlotHasOneDotPerTrialOfTheFormat) {
  const auto w = write_synthetic("trials");
  const std::string svg = test::read_text(w.dir / "trials_top1_fp16.svg");
  EXPECT_EQ(test::xml_problem(svg), "");
  EXPECT_EQ(test::outside_viewbox(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"trial\""), 3u * (1 + 3 * 5));
  EXPECT_NE(w.md.find("](trials_top1_fp16.svg)"), std::string::npos);
}

TEST(ReportFiles, HtmlIsSelfContainedWithTheSvgsInline) {
  const auto w = write_synthetic("html");
  EXPECT_EQ(count_of(w.html, "<svg"), 6u);  // per format: Top-1, Top-5, trials
  EXPECT_EQ(count_of(w.html, "</svg>"), 6u);
  EXPECT_EQ(count_of(w.html, "class=\"trial\""), 2u * 3 * (1 + 3 * 5));
  for (const char* banned : {"http://", "https://", "<script", "<link", " src=", "<img", "url("})
    EXPECT_EQ(w.html.find(banned), std::string::npos) << banned;
  // The inline SVGs are themselves well-formed.
  for (auto p = w.html.find("<svg"); p != std::string::npos; p = w.html.find("<svg", p + 1)) {
    const auto end = w.html.find("</svg>", p) + 6;
    EXPECT_EQ(test::xml_problem(w.html.substr(p, end - p)), "");
  }
  EXPECT_NE(w.html.find("<td>" + fixed2(88.0 - 16.0) + " ["), std::string::npos);  // q2.5 scale at 1e-5
  EXPECT_NE(w.html.find("<title>Synthetic study</title>"), std::string::npos);
}

TEST(ReportFiles, BadInputFailsWithoutWritingAReport) {
  const auto dir = test::fresh_dir("bad");
  auto records = test::Synthetic{}.records();
  records[10].campaign = "feed";
  test::write_text(dir / "mixed.jsonl", test::to_jsonl(records));
  try {
    report::write_report(dir / "mixed.jsonl");
    FAIL() << "mixed campaigns accepted";
  } catch (const report::ReportError& e) {
    EXPECT_NE(std::string(e.what()).find("mixed.jsonl:11"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "mixed-report"));
}
