#include "report/report_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/cell_csv.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

std::string ber_label(double ber) {
  return ber == 0 ? "0 (clean)" : format_ber(ber);
}

std::string percent(double fraction) {
  return format_fixed(100 * fraction, fraction != 0 && fraction < 0.001 ? 4 : 1) + " %";
}

std::string span_text(std::int64_t lo, std::int64_t hi) {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "–" + std::to_string(hi);
}

}  // namespace

std::string interval_note(const CampaignReport& rep) {
  bool betting = false, mix = false, t = false, design = false;
  for (const auto& c : rep.cells)
    if (c.ber > 0) {
      const auto& i = c.interval;
      if (i.ends_with("-stratified") || i.ends_with("-design"))
        design = true;
      else
        (i == "t" ? t : i == "betting-mix" ? mix : betting) = true;
    }
  std::string note;
  if (rep.language_model)
    note =
        "Share cells read \"mean [lo, hi] (trials)\": next-token Top-1 or token SDC over a trial's "
        "positions, "
        "or the trials whose perplexity exceeds k x the fault-free one on the same sequences, in percent, "
        "with "
        "its 95% interval, which may be asymmetric. Perplexity and KL are unbounded and heavy-tailed under "
        "faults: their cells read \"median [lo, hi] (trials)\", the median over trials with its "
        "distribution-free order-statistic interval (valid at a fixed number of trials), never a mean. "
        "Faulty "
        "cells' shares: ";
  else
    note =
        std::string("Cells read \"mean [lo, hi] (trials)\": ") +
        (rep.labelled ? "Top-1 accuracy" : "SDC-1 (images whose Top-1 differs from the fault-free model's)") +
        " in percent and its 95% interval, which may be asymmetric. Faulty cells: ";
  if (mix)
    note +=
        "betting confidence sequence over the trials, plug-in bets mixed with a bold bet (valid for any "
        "accuracy distribution, also at an adaptive stop)";
  if (mix && (betting || t)) note += "; ";
  if (betting)
    note +=
        "betting confidence sequence over the trials with plug-in bets (valid for any accuracy "
        "distribution, also at an adaptive stop)";
  if (betting && t) note += "; ";
  if (t)
    note +=
        "Student t over the trials (approximate: too narrow on skewed or all-or-nothing cells and under "
        "adaptive stopping)";
  if (design)
    note +=
        std::string(betting || mix || t ? "; " : "") +
        "design cells (images_per_trial = auto; betting[-mix]-stratified, betting[-mix]-design): betting "
        "confidence sequence over the design's rounds (-mix: with the bold bet), each a stratum-weighted "
        "mean of trials (valid at an "
        "adaptive "
        "stop), their images per trial as chosen after the pilot; Top-5 and SDC get the same sequence over "
        "their values of the same rounds";
  if (!betting && !mix && !t && !design) note += "none";
  return note +
         ". Clean cells: Clopper-Pearson over their images. Differences between protections: paired, the "
         "same method over the common trials; design cells, whose trials do not pair, each cell's sequence "
         "at "
         "97.5 % and the union bound. \"n/a\": no interval (t over one trial). See docs/statistics.md.";
}

std::vector<std::pair<std::string, std::string>> campaign_facts(const CampaignReport& rep) {
  std::vector<std::pair<std::string, std::string>> facts{
      {"model", rep.model},
      {"data", rep.data + (rep.language_model ? " (token sequences: each position predicts the next id)"
                           : rep.labelled     ? ""
                                              : " (no labels: scored against the fault-free model only)")},
      {rep.language_model ? "data sequences" : "data images", std::to_string(rep.data_images)},
      {rep.language_model ? "sequences per trial" : "images per trial",
       span_text(rep.images_min, rep.images_max)},
      {"trials per cell", span_text(rep.trials_min, rep.trials_max)},
      {"seed", rep.seeds},
      {"fault model", rep.fault_kinds}};
  // Named when not the stored weights (records of that site, and older ones, name none).
  if (rep.site != campaign::kDefaultSite) facts.emplace_back("fault site", rep.site);
  facts.emplace_back("faulted tensors", rep.tensors);
  if (!rep.second_site.empty()) {
    char flips[64];
    std::snprintf(flips, sizeof flips, "%.1f", rep.second_flips_mean);
    facts.emplace_back("second fault site", rep.second_site + ", faults " + rep.second_faults +
                                                " (their rates in the records), " + flips +
                                                " flips per faulty trial");
  }
  if (!rep.calibration.empty()) facts.emplace_back("ranges profiled on", rep.calibration);
  facts.emplace_back("records", std::to_string(rep.records));
  facts.emplace_back("campaign", rep.campaign);
  facts.emplace_back("model sha256", rep.model_sha256);
  facts.emplace_back("data hash", rep.data_hash);
  return facts;
}

Table accuracy_table(const CampaignReport& rep, const std::string& format) {
  Table t;
  t.header.push_back("BER");
  const auto& prots = rep.protections.at(format);
  for (const auto& p : prots) t.header.push_back(p);
  for (double ber : rep.bers(format)) {
    std::vector<std::string> row{ber_label(ber)};
    for (const auto& p : prots) {
      const auto* c = rep.find(format, p, ber);
      row.push_back(c ? format_mean_ci(c->top1) : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table sdc_table(const CampaignReport& rep, const std::string& format) {
  Table t;
  t.header.push_back("BER");
  const auto& prots = rep.protections.at(format);
  for (const auto& p : prots) t.header.push_back(p);
  for (double ber : rep.bers(format)) {
    if (ber == 0) continue;  // 0 by definition: the fault-free pass is the reference
    std::vector<std::string> row{ber_label(ber)};
    for (const auto& p : prots) {
      const auto* c = rep.find(format, p, ber);
      row.push_back(c && c->has_sdc ? format_mean_ci(c->sdc1) : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table share_table(const CampaignReport& rep, const std::string& format, Metric metric) {
  Table t;
  t.header.push_back("BER");
  const auto& prots = rep.protections.at(format);
  for (const auto& p : prots) t.header.push_back(p);
  for (double ber : rep.bers(format)) {
    if (ber == 0 && metric->needs_clean_outputs) continue;  // 0 by definition
    std::vector<std::string> row{ber_label(ber)};
    for (const auto& p : prots) {
      const auto* c = rep.find(format, p, ber);
      row.push_back(c && c->measured(metric) ? format_mean_ci(c->estimate(metric)) : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {

// "45.69 [44.1, 47.3] (n)": a median with its interval; a bound no order statistic gives is "-inf"/"inf".
std::string format_median(const stats::QuantileInterval& q, std::int64_t trials) {
  std::string out = format_amount(q.estimate);
  if (trials > 1) out += " [" + format_amount(q.lo) + ", " + format_amount(q.hi) + "]";
  return out + " (" + std::to_string(trials) + ")";
}

}  // namespace

Table median_table(const CampaignReport& rep, const std::string& format, Metric metric) {
  Table t;
  t.header.push_back("BER");
  const auto& prots = rep.protections.at(format);
  for (const auto& p : prots) t.header.push_back(p);
  for (double ber : rep.bers(format)) {
    if (ber == 0 && metric->needs_clean_outputs) continue;
    std::vector<std::string> row{ber_label(ber)};
    for (const auto& p : prots) {
      const auto* c = rep.find(format, p, ber);
      const auto* q = c ? c->median(metric) : nullptr;
      row.push_back(q ? format_median(*q, c->trials) : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table lm_configuration_table(const CampaignReport& rep, const std::string& format) {
  Table t;
  t.header = {"protection", "memory overhead", "clean perplexity", "clean next-token Top-1 (%)",
              "highest median perplexity"};
  for (const auto& p : rep.protections.at(format)) {
    const campaign::CellSummary* clean = rep.find(format, p, 0);
    const campaign::CellSummary* worst = nullptr;
    double overhead = NAN;
    for (const auto& c : rep.cells) {
      if (c.format != format || c.protection != p) continue;
      overhead = c.memory_overhead;
      const auto* q = c.median(Metric::perplexity);
      if (c.ber > 0 && q && (!worst || q->estimate > worst->median(Metric::perplexity)->estimate)) worst = &c;
    }
    const auto* clean_ppl = clean ? clean->median(Metric::perplexity) : nullptr;
    t.rows.push_back({p, percent(overhead), clean_ppl ? format_amount(clean_ppl->estimate) : "—",
                      clean ? format_fixed(clean->estimate(Metric::token_top1).mean, 2) : "—",
                      worst ? format_amount(worst->median(Metric::perplexity)->estimate) + " at BER " +
                                  format_ber(worst->ber)
                            : "—"});
  }
  return t;
}

std::vector<std::pair<std::string, Table>> lm_tables(const CampaignReport& rep, const std::string& format) {
  std::vector<std::pair<std::string, Table>> out;
  out.emplace_back("Perplexity: median over trials [95 % distribution-free interval] (trials)",
                   median_table(rep, format, Metric::perplexity));
  out.emplace_back("Trials whose perplexity exceeds 2x the fault-free model's (%)",
                   share_table(rep, format, Metric::ppl_2x));
  out.emplace_back("Trials whose perplexity exceeds 10x the fault-free model's (%)",
                   share_table(rep, format, Metric::ppl_10x));
  out.emplace_back("Next-token Top-1 accuracy (%)", share_table(rep, format, Metric::token_top1));
  out.emplace_back("Token SDC: argmax token changed against the fault-free model (% of positions)",
                   share_table(rep, format, Metric::token_sdc));
  out.emplace_back("KL(fault-free || faulty) per token, nats: median over trials [95 % interval] (trials)",
                   median_table(rep, format, Metric::kl));
  out.emplace_back("Configurations", lm_configuration_table(rep, format));
  return out;
}

Table logit_error_table(const CampaignReport& rep) {
  Table t;
  t.header = {"format", "protection", "BER", "SDC-1 (%)", "SDC-5 (%)", "max |Δ logit|", "relative L2 (mean)"};
  for (const auto& c : rep.cells) {
    if (c.ber == 0 || !c.has_sdc || c.language_model) continue;  // a language model's SDC is per token
    t.rows.push_back({c.format, c.protection, format_ber(c.ber), format_fixed(c.sdc1.mean, 2),
                      format_fixed(c.sdc5.mean, 2), format_general(c.logit_max_abs),
                      format_general(c.logit_rel_l2_mean)});
  }
  return t;
}

Table configuration_table(const CampaignReport& rep, const std::string& format) {
  Table t;
  t.header = {"protection", "memory overhead", "clean Top-1 (%)", "clean Top-5 (%)", "lowest mean Top-1 (%)"};
  for (const auto& p : rep.protections.at(format)) {
    const campaign::CellSummary* clean = rep.find(format, p, 0);
    const campaign::CellSummary* worst = nullptr;
    double overhead = NAN;
    for (const auto& c : rep.cells) {
      if (c.format != format || c.protection != p) continue;
      overhead = c.memory_overhead;
      if (c.ber > 0 && (!worst || c.top1.mean < worst->top1.mean)) worst = &c;
    }
    if (!rep.labelled) {  // no labels: no accuracy to show, never a fake 0 %
      t.rows.push_back({p, percent(overhead), "n/a", "n/a", "n/a"});
      continue;
    }
    t.rows.push_back({p, percent(overhead), clean ? format_mean_ci(clean->top1) : "—",
                      clean ? format_mean_ci(clean->top5) : "—",
                      worst ? format_fixed(worst->top1.mean, 2) + " at BER " + format_ber(worst->ber) : "—"});
  }
  return t;
}

Table paired_table(const CampaignReport& rep, const std::string& format) {
  Table t;
  const auto& prots = rep.protections.at(format);
  if (prots.size() < 2) return t;
  t.header.push_back("BER");
  for (std::size_t i = 1; i < prots.size(); ++i) t.header.push_back(prots[i] + " − " + prots[0]);
  for (double ber : rep.bers(format)) {
    if (ber == 0) continue;
    std::vector<std::string> row{format_ber(ber)};
    bool any = false;
    for (std::size_t i = 1; i < prots.size(); ++i) {
      const auto it = std::find_if(rep.paired.begin(), rep.paired.end(), [&](const PairedDifference& d) {
        return d.format == format && d.protection == prots[i] && d.ber == ber;
      });
      any |= it != rep.paired.end();
      row.push_back(it != rep.paired.end() ? format_mean_ci(it->diff, true) : "—");
    }
    if (any) t.rows.push_back(std::move(row));
  }
  return t;
}

Table non_finite_table(const CampaignReport& rep) {
  Table t;
  t.header = {"format", "protection", "BER", "trials with NaN/Inf logits"};
  for (const auto& c : rep.cells)
    if (c.non_finite_share > 0)
      t.rows.push_back({c.format, c.protection, format_ber(c.ber), percent(c.non_finite_share)});
  return t;
}

Table critical_bit_table(const CampaignReport& rep) {
  Table t;
  t.header = {"format",         "protection",      "BER",         "P(no critical fault)",
              "trials without", "Top-1 % without", "trials with", "Top-1 % with"};
  for (const auto& c : rep.cells) {
    const auto& k = c.critical;
    if (!k.known || k.trials_none == 0 || k.trials_hit == 0) continue;
    t.rows.push_back({c.format, c.protection, format_ber(c.ber), format_fixed(k.p_none, 3),
                      std::to_string(k.trials_none), format_fixed(k.top1_none, 2),
                      std::to_string(k.trials_hit), format_fixed(k.top1_hit, 2)});
  }
  return t;
}

Table fault_table(const CampaignReport& rep) {
  Table t;
  t.header = {"format",
              "protection",
              "BER",
              "flips / trial",
              "changed weights / trial",
              "ECC corrected / trial",
              "ECC detected / trial"};
  for (const auto& c : rep.cells)
    t.rows.push_back({c.format, c.protection, format_ber(c.ber), format_fixed(c.flips_mean, 1),
                      format_fixed(c.changed_weights_mean, 1), format_fixed(c.ecc_corrected_mean, 1),
                      format_fixed(c.ecc_detected_mean, 1)});
  return t;
}

Table trials_table(const CampaignReport& rep) {
  Table t;
  t.header = {"format",   "protection",    "BER",
              "trials",   "stopped",       "early-stopped trials",
              "interval", "reused trials", "trials started late"};
  for (const auto& c : rep.cells)
    t.rows.push_back({c.format, c.protection, ber_label(c.ber), std::to_string(c.trials),
                      c.ber == 0 ? "clean" : c.stopped, std::to_string(c.early_stopped), c.interval,
                      std::to_string(c.reused), std::to_string(c.started_late)});
  return t;
}

std::string summary_csv(const CampaignReport& rep) {
  std::string out = cell_csv_header() + "\n";
  for (const auto& c : rep.cells) {
    const auto it = std::find_if(rep.paired.begin(), rep.paired.end(), [&](const PairedDifference& d) {
      return d.format == c.format && d.protection == c.protection && d.ber == c.ber;
    });
    out += cell_csv_row(c, it != rep.paired.end() ? &*it : nullptr) + "\n";
  }
  return out;
}

}  // namespace flipguard::report
