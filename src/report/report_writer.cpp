#include "report/report_writer.hpp"

#include <map>

#include "platform/output_file.hpp"
#include "report/accuracy_plot.hpp"
#include "report/campaign_report.hpp"
#include "report/heatmap.hpp"
#include "report/html_page.hpp"
#include "report/layer_html.hpp"
#include "report/layer_plot.hpp"
#include "report/layer_report.hpp"
#include "report/perplexity_plot.hpp"
#include "report/report_error.hpp"
#include "report/report_tables.hpp"
#include "report/results_reader.hpp"
#include "report/strip_plot.hpp"
#include "report/summary_latex.hpp"
#include "report/summary_markdown.hpp"
#include "report/svg_plot.hpp"
#include "report/trials_plot.hpp"

namespace flipguard::report {

namespace {

void write_file(const std::filesystem::path& path, const std::string& text, ReportOutput& out) {
  const std::string_view parts[] = {text};
  try {
    platform::write_output_file(path, parts, out.inputs, "a report file");
  } catch (const platform::OutputError& e) {
    throw ReportError(e.what());
  }
  out.files.push_back(path);
}

}  // namespace

std::filesystem::path default_report_dir(const std::filesystem::path& results) {
  return results.parent_path() / (results.stem().string() + "-report");
}

ReportOutput write_report(const std::filesystem::path& results, std::filesystem::path out_dir,
                          std::string title, bool latex) {
  ResultsData data = read_results(results);
  ReportOutput out;
  out.dir = out_dir.empty() ? default_report_dir(results) : std::move(out_dir);
  out.warnings = std::move(data.warnings);
  out.inputs = {results};
  std::error_code ec;
  std::filesystem::create_directories(out.dir, ec);
  if (ec) throw ReportError(out.dir.string() + ": cannot create report folder (" + ec.message() + ")");

  // A layer campaign's cells are per layer: pooling its layers into one cell would mean nothing.
  if (has_several_layers(data.records)) {
    const LayerReport rep = build_layer_report(data.records);
    if (title.empty())
      title = rep.model + " on " + rep.data + ": bit flips one " + (rep.has_values ? "value" : "layer") +
              " at a time";
    const Heatmap map = layer_heatmap(rep);
    write_file(out.dir / kLayerPlotFile, render_heatmap_svg(map, true), out);
    write_file(out.dir / "layers.md", layer_markdown(rep, title, kLayerPlotFile), out);
    write_file(out.dir / "layers.csv", layer_csv(rep), out);
    write_file(out.dir / "report.html", layer_report_html(rep, title, render_heatmap_svg(map, false)), out);
    if (latex) write_file(out.dir / "layers.tex", layer_latex(rep, title), out);
    return out;
  }
  const CampaignReport rep = build_report(data.records);
  if (title.empty()) title = rep.model + " on " + rep.data + ": bit-flip campaign";

  std::map<std::string, std::vector<std::string>> plot_files, figures;
  for (const auto& format : rep.formats) {
    // Data without labels has no accuracy: SDC-1 (recorded for every dataset) is its plot.
    for (const Metric metric : plotted_metrics(rep)) {
      const auto plot = accuracy_plot(rep, format, metric);
      if (!plot) continue;
      plot_files[format].push_back(plot_file_name(format, metric));
      write_file(out.dir / plot_files[format].back(), render_svg(*plot, true), out);
      figures[format].push_back(render_svg(*plot, false));
    }
    if (const auto plot = perplexity_plot(rep, format)) {
      plot_files[format].insert(plot_files[format].begin(),
                                "perplexity_vs_ber_" + safe_file_part(format) + ".svg");
      write_file(out.dir / plot_files[format].front(), render_svg(*plot, true), out);
      figures[format].insert(figures[format].begin(), render_svg(*plot, false));
    }
    if (const auto plot = perplexity_trials_plot(rep, format)) {
      plot_files[format].push_back("trials_perplexity_" + safe_file_part(format) + ".svg");
      write_file(out.dir / plot_files[format].back(), render_strip_svg(*plot, true), out);
      figures[format].push_back(render_strip_svg(*plot, false));
    }
    if (const auto plot = rep.labelled ? trials_plot(rep, format) : std::nullopt) {
      plot_files[format].push_back(trials_plot_file_name(format));
      write_file(out.dir / plot_files[format].back(), render_strip_svg(*plot, true), out);
      figures[format].push_back(render_strip_svg(*plot, false));
    }
  }
  write_file(out.dir / "summary.md", summary_markdown(rep, title, plot_files), out);
  write_file(out.dir / "summary.csv", summary_csv(rep), out);
  write_file(out.dir / "report.html", report_html(rep, title, figures), out);
  if (latex) write_file(out.dir / "summary.tex", summary_latex(rep, title), out);
  return out;
}

}  // namespace flipguard::report
