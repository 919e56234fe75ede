#include "metrics/metric_registry.hpp"

#include <algorithm>
#include <list>
#include <stdexcept>

namespace flipguard::metrics {

namespace {

using C = TrialCounts;

// The built-in metrics, one entry each. A new metric over counts already kept is one more entry here.
constexpr MetricInfo kBuiltin[] = {
    {.id = "top1",
     .label = "Top-1",
     .description = "Top-1 accuracy",
     .measure = "Top-1 accuracy",
     .axis_label = "Top-1 accuracy (%)",
     .needs_labels = true,
     .count = &C::top1,
     .stoppable = true,
     .plotted = true},
    {.id = "top5",
     .label = "Top-5",
     .description = "Top-5 accuracy",
     .measure = "Top-5 accuracy",
     .axis_label = "Top-5 accuracy (%)",
     .needs_labels = true,
     .count = &C::top5,
     .plotted = true},
    {.id = "sdc1",
     .label = "SDC-1",
     .description = "the share of images whose Top-1 differs from the fault-free model's",
     .measure = "SDC-1 against the fault-free model",
     .axis_label = "SDC-1: Top-1 changed vs the fault-free model (%)",
     .needs_clean_outputs = true,
     .count = &C::sdc1,
     .stoppable = true,
     .plotted = true},
    {.id = "sdc5",
     .label = "SDC-5",
     .description = "the share of images whose Top-1 is not among the fault-free model's Top-5",
     .measure = "SDC-5 against the fault-free model",
     .axis_label = "SDC-5: Top-1 left the fault-free Top-5 (%)",
     .needs_clean_outputs = true,
     .count = &C::sdc5},
    {.id = "logit_max_abs",
     .label = "max |Δ logit|",
     .description = "the largest |faulty - fault-free| logit of a trial",
     .measure = "the largest logit error against the fault-free model",
     .axis_label = "max |Δ logit|",
     .needs_clean_outputs = true,
     .range = MetricRange::unbounded,
     .task = MetricTask::any,
     .amount = &C::logit_max_abs},
    {.id = "logit_rel_l2",
     .label = "relative L2",
     .description = "||faulty - fault-free|| / ||fault-free|| over a trial's logits",
     .measure = "the relative L2 logit error against the fault-free model",
     .axis_label = "relative L2 logit error",
     .needs_clean_outputs = true,
     .range = MetricRange::unbounded,
     .task = MetricTask::any,
     .amount = &C::logit_rel_l2},
    // Language models: shares over a trial's next-token positions, or over trials (ppl_2x, ppl_10x: a
    // perplexity blow-up is a yes/no per trial, so its share has the valid intervals a mean perplexity
    // lacks).
    {.id = "token_top1",
     .label = "token Top-1",
     .description = "next-token Top-1 accuracy of a language model",
     .measure = "next-token Top-1 accuracy",
     .axis_label = "next-token Top-1 accuracy (%)",
     .task = MetricTask::language_model,
     .count = &C::token_top1,
     .denominator = &C::positions,
     .stoppable = true,
     .plotted = true},
    {.id = "token_top5",
     .label = "token Top-5",
     .description = "next-token Top-5 accuracy of a language model",
     .measure = "next-token Top-5 accuracy",
     .axis_label = "next-token Top-5 accuracy (%)",
     .task = MetricTask::language_model,
     .count = &C::token_top5,
     .denominator = &C::positions},
    {.id = "token_sdc",
     .label = "token SDC",
     .description = "the share of positions whose next-token argmax differs from the fault-free model's",
     .measure = "token SDC against the fault-free model",
     .axis_label = "token SDC: argmax token changed vs the fault-free model (%)",
     .needs_clean_outputs = true,
     .task = MetricTask::language_model,
     .count = &C::token_sdc,
     .denominator = &C::positions,
     .stoppable = true,
     .plotted = true},
    {.id = "ppl_2x",
     .label = "ppl > 2x",
     .description = "the share of trials whose perplexity exceeds twice the fault-free model's",
     .measure = "the share of trials with perplexity above 2x the fault-free",
     .axis_label = "trials with perplexity > 2x fault-free (%)",
     .needs_clean_outputs = true,
     .task = MetricTask::language_model,
     .count = &C::ppl_2x,
     .denominator = &C::lm_trials,
     .stoppable = true,
     .plotted = true},
    {.id = "ppl_10x",
     .label = "ppl > 10x",
     .description = "the share of trials whose perplexity exceeds ten times the fault-free model's",
     .measure = "the share of trials with perplexity above 10x the fault-free",
     .axis_label = "trials with perplexity > 10x fault-free (%)",
     .needs_clean_outputs = true,
     .task = MetricTask::language_model,
     .count = &C::ppl_10x,
     .denominator = &C::lm_trials,
     .stoppable = true},
    {.id = "perplexity",
     .label = "perplexity",
     .description = "a trial's perplexity, exp of its mean next-token NLL (+inf with non-finite logits)",
     .measure = "perplexity",
     .axis_label = "perplexity (median over trials)",
     .range = MetricRange::unbounded,
     .task = MetricTask::language_model,
     .median = true,
     .amount = &C::perplexity},
    {.id = "nll",
     .label = "NLL",
     .description = "a trial's mean next-token negative log-likelihood, nats",
     .measure = "mean NLL per token",
     .axis_label = "NLL per token (nats, median over trials)",
     .range = MetricRange::unbounded,
     .task = MetricTask::language_model,
     .median = true,
     .amount = &C::nll},
    {.id = "kl",
     .label = "KL",
     .description = "a trial's mean KL(fault-free || faulty) of the next-token distribution, nats",
     .measure = "mean KL divergence from the fault-free model",
     .axis_label = "KL per token (nats, median over trials)",
     .needs_clean_outputs = true,
     .range = MetricRange::unbounded,
     .task = MetricTask::language_model,
     .median = true,
     .amount = &C::kl},
};

// Registered metrics: a list, so a handle's address stays valid while others come and go.
std::list<MetricInfo>& registered() {
  static std::list<MetricInfo> infos;
  return infos;
}

std::vector<Metric>& metrics_list() {
  static std::vector<Metric> list = [] {
    std::vector<Metric> v;
    for (const MetricInfo& m : kBuiltin) v.emplace_back(&m);
    return v;
  }();
  return list;
}

void check(const MetricInfo& m) {
  const std::string id(m.id);
  if (m.id.empty()) throw std::invalid_argument("register_metric: a metric needs an id");
  if (find_metric(m.id)) throw std::invalid_argument("register_metric: metric '" + id + "' exists already");
  if (m.range == MetricRange::share && (!m.count || !m.denominator))
    throw std::invalid_argument("register_metric: share metric '" + id + "' needs a count and a denominator");
  if (m.range == MetricRange::unbounded && !m.amount)
    throw std::invalid_argument("register_metric: metric '" + id + "' needs an amount");
  if (m.median && m.range != MetricRange::unbounded)
    throw std::invalid_argument("register_metric: metric '" + id + "' is a share: its mean has intervals");
  if (m.stoppable && m.range != MetricRange::share)
    throw std::invalid_argument("register_metric: metric '" + id +
                                "' cannot be stoppable: only shares in [0, 1] have valid intervals");
}

}  // namespace

// Constant-initialised: usable from any other static's initialiser.
constinit const Metric Metric::top1{&kBuiltin[0]};
constinit const Metric Metric::top5{&kBuiltin[1]};
constinit const Metric Metric::sdc1{&kBuiltin[2]};
constinit const Metric Metric::sdc5{&kBuiltin[3]};
constinit const Metric Metric::logit_max_abs{&kBuiltin[4]};
constinit const Metric Metric::logit_rel_l2{&kBuiltin[5]};
constinit const Metric Metric::token_top1{&kBuiltin[6]};
constinit const Metric Metric::token_top5{&kBuiltin[7]};
constinit const Metric Metric::token_sdc{&kBuiltin[8]};
constinit const Metric Metric::ppl_2x{&kBuiltin[9]};
constinit const Metric Metric::ppl_10x{&kBuiltin[10]};
constinit const Metric Metric::perplexity{&kBuiltin[11]};
constinit const Metric Metric::nll{&kBuiltin[12]};
constinit const Metric Metric::kl{&kBuiltin[13]};

const std::vector<Metric>& all_metrics() {
  return metrics_list();
}

std::vector<Metric> stoppable_metrics() {
  std::vector<Metric> out;
  for (const Metric m : all_metrics())
    if (m->stoppable) out.push_back(m);
  return out;
}

std::optional<Metric> find_metric(std::string_view id) {
  for (const Metric m : all_metrics())
    if (m.id() == id) return m;
  return std::nullopt;
}

std::string join_ids(const std::vector<Metric>& metrics, std::string_view separator) {
  std::string out;
  for (const Metric m : metrics) {
    if (!out.empty()) out += separator;
    out += m.id();
  }
  return out;
}

Metric register_metric(const MetricInfo& info) {
  check(info);
  const Metric m(&registered().emplace_back(info));
  metrics_list().push_back(m);
  return m;
}

MetricRegistration::~MetricRegistration() {
  auto& list = metrics_list();
  list.erase(std::remove(list.begin(), list.end(), metric_), list.end());
  registered().remove_if([&](const MetricInfo& m) { return &m == &metric_.info(); });
}

}  // namespace flipguard::metrics
