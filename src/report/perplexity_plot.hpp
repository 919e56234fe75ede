// A language model's perplexity against the bit-error rate, one series per protection: the median over each
// cell's trials with its order-statistic interval, on a log10 scale (faulty perplexities span dozens of
// orders of magnitude). Collapsed cells (a median or bound of +inf) are drawn at the top edge of the axis.
#pragma once

#include <optional>
#include <string>

#include "report/campaign_report.hpp"
#include "report/strip_plot.hpp"
#include "report/svg_plot.hpp"

namespace flipguard::report {

// nullopt when the format has no faulty language-model cell.
std::optional<LinePlot> perplexity_plot(const CampaignReport& rep, const std::string& format);

// The distribution of those trials: one panel per protection, its BERs along x (clean first), every trial's
// log10 perplexity a dot (collapsed trials at the top edge, coloured apart), the median and its interval
// beside them. nullopt as above.
std::optional<StripPlot> perplexity_trials_plot(const CampaignReport& rep, const std::string& format);

}  // namespace flipguard::report
