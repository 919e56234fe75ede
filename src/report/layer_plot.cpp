#include "report/layer_plot.hpp"

#include <cmath>
#include <limits>

#include "report/text_format.hpp"

namespace flipguard::report {

Heatmap layer_heatmap(const LayerReport& rep) {
  Heatmap map;
  map.title = "Top-1 with one layer faulted: " + rep.model;
  map.row_label = "faulted layer";
  map.column_label = "bit-error rate";
  map.scale_label = "Top-1 (%)";
  map.rows = rep.layers;
  for (const auto& [format, protection] : rep.configurations) {
    HeatmapBlock block;
    block.title = format + ", " + protection;
    for (double ber : rep.bers) block.columns.push_back(ber == 0 ? "clean" : format_ber(ber));
    for (const auto& layer : rep.layers) {
      std::vector<double> values;
      std::vector<std::string> tips;
      for (double ber : rep.bers) {
        const auto* c = rep.find(layer, format, protection, ber);
        values.push_back(c ? c->top1.mean : std::numeric_limits<double>::quiet_NaN());
        tips.push_back(layer + ", " + block.title + ", BER " + format_ber(ber) + ": " +
                       (c ? format_mean_ci(c->top1) + " (" + c->interval + ")" : std::string("not run")));
      }
      block.values.push_back(std::move(values));
      block.tips.push_back(std::move(tips));
    }
    map.blocks.push_back(std::move(block));
  }
  return map;
}

}  // namespace flipguard::report
