#include "report/layer_report.hpp"

#include <algorithm>
#include <set>

#include "faults/fault_model_registry.hpp"
#include "report/cell_csv.hpp"
#include "report/report_error.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

// Distinct non-empty values of a field in first-seen order, comma-separated.
template <class F>
std::string distinct(std::span<const campaign::TrialRecord> records, F field) {
  std::vector<std::string> seen;
  for (const auto& r : records)
    if (std::string v = field(r); !v.empty() && std::find(seen.begin(), seen.end(), v) == seen.end())
      seen.push_back(std::move(v));
  std::string out;
  for (const auto& v : seen) out += (out.empty() ? "" : ", ") + v;
  return out;
}

// How a column names the cells of a record's BER: a fault model that takes no rate is named itself.
std::string column_label(const campaign::TrialRecord& r) {
  if (r.ber == 0) return "0 (clean)";
  const std::string kind = r.fault_model.substr(0, r.fault_model.find(':'));
  if (const auto* type = faults::find_fault_model_type(kind); type && !type->takes_rate) return kind;
  return "BER " + format_ber(r.ber);
}

}  // namespace

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
  rep.site = distinct(records, [](const auto& r) { return r.site; });
  rep.calibration = distinct(records, [](const auto& r) { return r.calibration; });
  rep.fault_kinds =
      distinct(records, [](const auto& r) { return r.fault_model.substr(0, r.fault_model.find(':')); });
  std::set<double> bers;
  for (const auto& r : records) {
    if (std::find(rep.layers.begin(), rep.layers.end(), r.tensors) == rep.layers.end()) {
      rep.layers.push_back(r.tensors);
      rep.values.push_back({r.value_node, r.value_op, r.value_elements});
      rep.has_values = rep.has_values || !r.value_node.empty();
    }
    const std::pair<std::string, std::string> conf{r.format, r.protection};
    if (std::find(rep.configurations.begin(), rep.configurations.end(), conf) == rep.configurations.end())
      rep.configurations.push_back(conf);
    bers.insert(r.ber);
    rep.labelled = rep.labelled && r.labelled;
    rep.has_sdc = rep.has_sdc && r.has_sdc;
    rep.language_model = r.language_model();
  }
  rep.bers.assign(bers.begin(), bers.end());
  for (double ber : rep.bers)
    for (const auto& r : records)
      if (r.ber == ber) {
        rep.columns.push_back(column_label(r));
        break;
      }
  for (const auto& layer : rep.layers) {
    std::vector<campaign::TrialRecord> mine;
    for (const auto& r : records)
      if (r.tensors == layer) mine.push_back(r);
    for (const auto& cell : campaign::group_cells(mine))
      rep.cells.push_back({layer, campaign::summarize(cell.records)});
  }
  return rep;
}

Table layer_table(const LayerReport& rep, const std::string& format, const std::string& protection,
                  Metric metric) {
  Table t;
  t.header.push_back(rep.has_values ? "value" : "layer");
  if (rep.has_values) t.header.insert(t.header.end(), {"node", "op", "elements per image"});
  t.header.insert(t.header.end(), rep.columns.begin(), rep.columns.end());
  for (std::size_t l = 0; l < rep.layers.size(); ++l) {
    const auto& layer = rep.layers[l];
    std::vector<std::string> row{layer};
    if (rep.has_values) {
      const auto& v = rep.values[l];
      row.insert(row.end(),
                 {v.node, v.op, v.elements_per_image > 0 ? std::to_string(v.elements_per_image) : ""});
    }
    for (double ber : rep.bers) {
      const auto* c = rep.find(layer, format, protection, ber);
      row.push_back(c ? format_mean_ci(c->estimate(metric)) : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::pair<std::string, std::string>> layer_facts(const LayerReport& rep) {
  std::vector<std::pair<std::string, std::string>> facts{{"model", rep.model}, {"data", rep.data}};
  if (rep.site != campaign::kDefaultSite) facts.emplace_back("fault site", rep.site);
  if (!rep.calibration.empty()) facts.emplace_back("ranges profiled on", rep.calibration);
  facts.emplace_back("fault model", rep.fault_kinds);
  facts.emplace_back(rep.has_values ? "values" : "layers", std::to_string(rep.layers.size()));
  return facts;
}

std::string layer_unit(const LayerReport& rep) {
  return rep.has_values ? "one value nodes write (its node, op and elements per image beside it)"
                        : "one stored tensor (layer)";
}

std::vector<std::pair<std::string, Metric>> layer_metrics(const LayerReport& rep) {
  if (rep.language_model)
    return {
        {"Trials whose perplexity exceeds 2x the fault-free model's (%)", Metric::ppl_2x},
        {"Token SDC: argmax token changed against the fault-free model (% of positions)", Metric::token_sdc},
        {"Next-token Top-1 (%)", Metric::token_top1}};
  std::vector<std::pair<std::string, Metric>> out;
  if (rep.labelled) out.emplace_back("Top-1 (%)", Metric::top1);
  if (rep.has_sdc)
    out.emplace_back("SDC-1: Top-1 changed against the fault-free model (% of images)", Metric::sdc1);
  return out;
}

std::string layer_markdown(const LayerReport& rep, const std::string& title, const std::string& plot_file) {
  std::string out = "# " + title + "\n\n";
  for (const auto& [label, value] : layer_facts(rep)) out += "- **" + label + "**: " + value + "\n";
  out += "\nEach row faults " + layer_unit(rep) +
         " only. Cells: mean % [95% interval] (trials); the interval method per cell is in layers.csv.\n";
  if (!plot_file.empty())
    out += std::string("\n![") + (rep.language_model ? "Trials past 2x perplexity" : "Top-1") +
           " per layer and BER](" + plot_file + ")\n";
  for (const auto& [format, protection] : rep.configurations) {
    out += "\n## " + format + ", " + protection + "\n";
    for (const auto& [heading, metric] : layer_metrics(rep))
      out += "\n### " + heading + "\n\n" + to_markdown(layer_table(rep, format, protection, metric));
  }
  return out;
}

std::string layer_csv(const LayerReport& rep) {
  std::string out = std::string("layer,") + (rep.has_values ? "node,op,elements_per_image," : "") +
                    cell_csv_header() + "\n";
  for (const auto& [layer, c] : rep.cells) {
    out += csv_field(layer) + ",";
    if (rep.has_values) {
      const auto at = std::find(rep.layers.begin(), rep.layers.end(), layer) - rep.layers.begin();
      const auto& v = rep.values[static_cast<std::size_t>(at)];
      out += csv_field(v.node) + "," + csv_field(v.op) + "," + std::to_string(v.elements_per_image) + ",";
    }
    out += cell_csv_row(c) + "\n";
  }
  return out;
}

}  // namespace flipguard::report
