#include "report/report_writer.hpp"

#include <fstream>
#include <map>

#include "report/accuracy_plot.hpp"
#include "report/campaign_report.hpp"
#include "report/html_page.hpp"
#include "report/layer_report.hpp"
#include "report/report_error.hpp"
#include "report/report_tables.hpp"
#include "report/results_reader.hpp"
#include "report/summary_markdown.hpp"
#include "report/svg_plot.hpp"

namespace flipguard::report {

namespace {

void write_file(const std::filesystem::path& path, const std::string& text, ReportOutput& out) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) throw ReportError(path.string() + ": cannot write report file");
  out.files.push_back(path);
}

}  // namespace

std::filesystem::path default_report_dir(const std::filesystem::path& results) {
  return results.parent_path() / (results.stem().string() + "-report");
}

ReportOutput write_report(const std::filesystem::path& results, std::filesystem::path out_dir,
                          std::string title) {
  ResultsData data = read_results(results);
  ReportOutput out;
  out.dir = out_dir.empty() ? default_report_dir(results) : std::move(out_dir);
  out.warnings = std::move(data.warnings);
  std::error_code ec;
  std::filesystem::create_directories(out.dir, ec);
  if (ec) throw ReportError(out.dir.string() + ": cannot create report folder (" + ec.message() + ")");

  // A layer campaign's cells are per layer: pooling its layers into one cell would mean nothing.
  if (has_several_layers(data.records)) {
    const LayerReport rep = build_layer_report(data.records);
    if (title.empty()) title = rep.model + " on " + rep.data + ": bit flips one layer at a time";
    write_file(out.dir / "layers.md", layer_markdown(rep, title), out);
    write_file(out.dir / "layers.csv", layer_csv(rep), out);
    return out;
  }
  const CampaignReport rep = build_report(data.records);
  if (title.empty()) title = rep.model + " on " + rep.data + ": bit-flip campaign";

  std::map<std::string, std::string> plot_files, inline_svgs;
  for (const auto& format : rep.formats) {
    const auto plot = accuracy_plot(rep, format);
    if (!plot) continue;
    plot_files[format] = plot_file_name(format);
    write_file(out.dir / plot_files[format], render_svg(*plot, true), out);
    inline_svgs[format] = render_svg(*plot, false);
  }
  write_file(out.dir / "summary.md", summary_markdown(rep, title, plot_files), out);
  write_file(out.dir / "summary.csv", summary_csv(rep), out);
  write_file(out.dir / "report.html", report_html(rep, title, inline_svgs), out);
  return out;
}

}  // namespace flipguard::report
