// The report of a layer campaign (one faulted tensor at a time, `tensors` = the layer of each record):
// Top-1 mean with its 95% CI per layer x BER, one table per (format, protection), plus a CSV of every
// (layer, cell) summary. Built from the records alone, like the campaign report.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/trial_record.hpp"
#include "report/table.hpp"

namespace flipguard::report {

struct LayerCell {
  std::string layer;
  campaign::CellSummary summary;
};

struct LayerReport {
  std::string model, data;
  std::vector<std::string> layers;                                  // first-seen order
  std::vector<std::pair<std::string, std::string>> configurations;  // (format, protection), first seen
  std::vector<double> bers;                                         // ascending, 0 (clean) first
  std::vector<LayerCell> cells;

  const campaign::CellSummary* find(const std::string& layer, const std::string& format,
                                    const std::string& protection, double ber) const;
};

// True when the records fault more than one distinct tensor selection (a layer campaign's file).
bool has_several_layers(std::span<const campaign::TrialRecord> records);
// Throws ReportError if there are no records.
LayerReport build_layer_report(std::span<const campaign::TrialRecord> records);
// Rows = layers, columns = BERs (clean first); cells "mean ± CI95 (n)" of Top-1 (%).
Table layer_table(const LayerReport& rep, const std::string& format, const std::string& protection);
// plot_file: the heatmap's file name next to layers.md (empty: no link).
std::string layer_markdown(const LayerReport& rep, const std::string& title,
                           const std::string& plot_file = "");
// The columns of summary.csv (cell_csv.hpp) after a leading layer column.
std::string layer_csv(const LayerReport& rep);

}  // namespace flipguard::report
