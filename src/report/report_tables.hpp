// The report's tables, built once and rendered to both Markdown and HTML.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "report/campaign_report.hpp"
#include "report/table.hpp"

namespace flipguard::report {

using Metric = metrics::Metric;

// The campaign header: (label, value) pairs such as ("model", "resnet20").
// How to read the accuracy cells, naming the interval methods the report's cells use.
std::string interval_note(const CampaignReport& rep);
std::vector<std::pair<std::string, std::string>> campaign_facts(const CampaignReport& rep);
// Rows = BER (0 first, as "0 (clean)"), columns = protections; cells "mean ± CI95 (n)" of Top-1 (%).
Table accuracy_table(const CampaignReport& rep, const std::string& format);
// Rows = BER, columns = protections; cells "mean [lo, hi] (n)" of SDC-1 (%): images whose Top-1 differs
// from the configuration's fault-free Top-1.
Table sdc_table(const CampaignReport& rep, const std::string& format);
// Per cell: SDC-1, SDC-5 (%), the largest logit |delta| and the mean relative L2 logit error (no rows when
// the records predate SDC metrics).
Table logit_error_table(const CampaignReport& rep);
// Rows = protections: memory overhead, clean Top-1 and Top-5 (BER 0), worst Top-1 mean over the BERs.
Table configuration_table(const CampaignReport& rep, const std::string& format);
// Rows = faulty BERs, columns = protections other than the first: paired Top-1 difference to the first.
// Empty (no rows) when there is nothing to pair.
Table paired_table(const CampaignReport& rep, const std::string& format);
// Cells where some trial had NaN/Inf logits (no rows if none).
Table non_finite_table(const CampaignReport& rep);
// Cells whose trials split into some with and some without a fault on the format's critical bit (the top
// exponent bit of floats, the sign of fixed point): P(none), and mean Top-1 of each group (no rows if none).
Table critical_bit_table(const CampaignReport& rep);
// Per cell: mean flips, changed weights, ECC corrected / detected words.
Table fault_table(const CampaignReport& rep);
// Per cell: how many trials, why that many (fixed / target reached / max reached / incomplete), and how many
// trials stopped early below the floor.
Table trials_table(const CampaignReport& rep);
// Language models. Rows = BER (0 first), columns = protections; cells "mean [lo, hi] (n)" of a share metric
// (token_top1, token_sdc, ppl_2x, ...), the clean row left out for metrics against the fault-free model.
Table share_table(const CampaignReport& rep, const std::string& format, Metric metric);
// The same for a metric summarised by its median over trials (perplexity, NLL, KL): "median [lo, hi] (n)",
// the distribution-free interval of the median.
Table median_table(const CampaignReport& rep, const std::string& format, Metric metric);
// Rows = protections: memory overhead, clean perplexity and next-token Top-1, the highest median
// perplexity over the BERs.
Table lm_configuration_table(const CampaignReport& rep, const std::string& format);
// A language model's tables of one format with their titles, in the order a report shows them: perplexity,
// perplexity blow-ups, next-token Top-1, token SDC, KL, configurations.
std::vector<std::pair<std::string, Table>> lm_tables(const CampaignReport& rep, const std::string& format);

// One CSV row per cell with every summary field (cell_csv.hpp).
std::string summary_csv(const CampaignReport& rep);

}  // namespace flipguard::report
