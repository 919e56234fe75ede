// The report of a layer campaign (one target of the fault site at a time, `tensors` = the layer of each
// record: a stored tensor, or a value nodes write): Top-1 and SDC-1 mean with their 95% intervals per layer x
// BER, one table per (format, protection), plus a CSV of every (layer, cell) summary. Built from the records
// alone, like the campaign report.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/trial_record.hpp"
#include "metrics/metric.hpp"
#include "report/table.hpp"

namespace flipguard::report {

using Metric = metrics::Metric;

struct LayerCell {
  std::string layer;
  campaign::CellSummary summary;
};

// What the records say of a layer that is a value nodes write (empty node otherwise).
struct LayerValue {
  std::string node, op;
  std::int64_t elements_per_image = 0;
};

struct LayerReport {
  std::string model, data;
  // The fault site the records name ("weights" for records that name none) and where ranges and scales
  // were profiled (empty: nothing profiled, or records written before they said).
  std::string site, calibration;
  std::string fault_kinds;          // distinct, comma-separated
  std::vector<std::string> layers;  // first-seen order
  std::vector<LayerValue> values;   // per layer (as `layers`)
  bool has_values = false;          // some layer is a value (its records name node, op, size)
  std::vector<std::pair<std::string, std::string>> configurations;  // (format, protection), first seen
  std::vector<double> bers;                                         // ascending, 0 (clean) first
  // Per BER (as `bers`): how a column names it, "BER 1e-6", or the fault model for one that takes no rate
  // ("single": its BER only labels the cell).
  std::vector<std::string> columns;
  bool labelled = true, has_sdc = true;  // every record has labels / SDC measures
  bool language_model = false;           // the records are a language model's
  std::vector<LayerCell> cells;

  const campaign::CellSummary* find(const std::string& layer, const std::string& format,
                                    const std::string& protection, double ber) const;
};

// True when the records fault more than one distinct tensor selection (a layer campaign's file).
bool has_several_layers(std::span<const campaign::TrialRecord> records);
// Throws ReportError if there are no records.
LayerReport build_layer_report(std::span<const campaign::TrialRecord> records);
// Rows = layers (with node, op and elements per image for values), columns = BERs (clean first); cells
// "mean [95% interval] (n)" of `metric` (%).
Table layer_table(const LayerReport& rep, const std::string& format, const std::string& protection,
                  Metric metric = Metric::top1);
// The report's facts (model, data, site, calibration, fault model, ...) as (label, value) lines; the site
// only when it is not the stored weights, the calibration only when ranges were profiled.
std::vector<std::pair<std::string, std::string>> layer_facts(const LayerReport& rep);
// What one row faults, for the page's note: "one stored tensor (layer)", "one value nodes write".
std::string layer_unit(const LayerReport& rep);
// The tables a layer report shows, with their titles: Top-1 (with labels) and SDC-1 for a classifier; the
// share of trials past 2x perplexity, token SDC and next-token Top-1 for a language model.
std::vector<std::pair<std::string, Metric>> layer_metrics(const LayerReport& rep);
// plot_file: the heatmap's file name next to layers.md (empty: no link).
std::string layer_markdown(const LayerReport& rep, const std::string& title,
                           const std::string& plot_file = "");
// The columns of summary.csv (cell_csv.hpp) after a leading layer column (and, for values, node, op and
// elements_per_image after it).
std::string layer_csv(const LayerReport& rep);

}  // namespace flipguard::report
