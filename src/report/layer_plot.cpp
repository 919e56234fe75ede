#include "report/layer_plot.hpp"

#include <cmath>
#include <limits>

#include "report/text_format.hpp"

namespace flipguard::report {

Heatmap layer_heatmap(const LayerReport& rep) {
  Heatmap map;
  // A language model's map: the share of trials past 2x perplexity; a classifier's: Top-1.
  const Metric metric = rep.language_model ? Metric::ppl_2x : Metric::top1;
  const std::string name = rep.language_model ? "Trials past 2x perplexity" : "Top-1";
  map.title = name + " with one " + (rep.has_values ? "value" : "layer") + " faulted: " + rep.model;
  map.row_label = rep.has_values ? "faulted value" : "faulted layer";
  map.column_label = "bit-error rate";
  map.scale_label = name + " (%)";
  map.rows = rep.layers;
  for (const auto& [format, protection] : rep.configurations) {
    HeatmapBlock block;
    block.title = format + ", " + protection;
    for (std::size_t b = 0; b < rep.bers.size(); ++b)
      block.columns.push_back(rep.bers[b] == 0                     ? "clean"
                              : rep.columns[b].starts_with("BER ") ? format_ber(rep.bers[b])
                                                                   : rep.columns[b]);
    for (const auto& layer : rep.layers) {
      std::vector<double> values;
      std::vector<std::string> tips;
      for (double ber : rep.bers) {
        const auto* c = rep.find(layer, format, protection, ber);
        values.push_back(c ? c->estimate(metric).mean : std::numeric_limits<double>::quiet_NaN());
        tips.push_back(
            layer + ", " + block.title + ", BER " + format_ber(ber) + ": " +
            (c ? format_mean_ci(c->estimate(metric)) + " (" + c->interval + ")" : std::string("not run")));
      }
      block.values.push_back(std::move(values));
      block.tips.push_back(std::move(tips));
    }
    map.blocks.push_back(std::move(block));
  }
  return map;
}

}  // namespace flipguard::report
