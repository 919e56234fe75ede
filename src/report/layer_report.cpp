#include "report/layer_report.hpp"

#include <algorithm>
#include <set>

#include "report/cell_csv.hpp"
#include "report/report_error.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

bool has_several_layers(std::span<const campaign::TrialRecord> records) {
  for (const auto& r : records)
    if (r.tensors != records.front().tensors) return true;
  return false;
}

const campaign::CellSummary* LayerReport::find(const std::string& layer, const std::string& format,
                                               const std::string& protection, double ber) const {
  for (const auto& c : cells)
    if (c.layer == layer && c.summary.format == format && c.summary.protection == protection &&
        c.summary.ber == ber)
      return &c.summary;
  return nullptr;
}

LayerReport build_layer_report(std::span<const campaign::TrialRecord> records) {
  if (records.empty()) throw ReportError("no trial records to report");
  LayerReport rep;
  rep.model = records.front().model;
  rep.data = records.front().data;
  std::set<double> bers;
  for (const auto& r : records) {
    if (std::find(rep.layers.begin(), rep.layers.end(), r.tensors) == rep.layers.end())
      rep.layers.push_back(r.tensors);
    const std::pair<std::string, std::string> conf{r.format, r.protection};
    if (std::find(rep.configurations.begin(), rep.configurations.end(), conf) == rep.configurations.end())
      rep.configurations.push_back(conf);
    bers.insert(r.ber);
  }
  rep.bers.assign(bers.begin(), bers.end());
  for (const auto& layer : rep.layers) {
    std::vector<campaign::TrialRecord> mine;
    for (const auto& r : records)
      if (r.tensors == layer) mine.push_back(r);
    for (const auto& cell : campaign::group_cells(mine))
      rep.cells.push_back({layer, campaign::summarize(cell.records)});
  }
  return rep;
}

Table layer_table(const LayerReport& rep, const std::string& format, const std::string& protection) {
  Table t;
  t.header.push_back("layer");
  for (double ber : rep.bers) t.header.push_back(ber == 0 ? "0 (clean)" : "BER " + format_ber(ber));
  for (const auto& layer : rep.layers) {
    std::vector<std::string> row{layer};
    for (double ber : rep.bers) {
      const auto* c = rep.find(layer, format, protection, ber);
      row.push_back(c ? format_mean_ci(c->top1) : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string layer_markdown(const LayerReport& rep, const std::string& title, const std::string& plot_file) {
  std::string out = "# " + title + "\n\n";
  out +=
      "Each row faults one stored tensor (layer) only. Cells: Top-1 % mean [95% interval] (trials); the "
      "interval method per cell is in layers.csv.\n";
  if (!plot_file.empty()) out += "\n![Top-1 per layer and BER](" + plot_file + ")\n";
  for (const auto& [format, protection] : rep.configurations) {
    out += "\n## " + format + ", " + protection + "\n\n";
    out += to_markdown(layer_table(rep, format, protection));
  }
  return out;
}

std::string layer_csv(const LayerReport& rep) {
  std::string out = "layer," + cell_csv_header() + "\n";
  for (const auto& [layer, c] : rep.cells) out += csv_field(layer) + "," + cell_csv_row(c) + "\n";
  return out;
}

}  // namespace flipguard::report
