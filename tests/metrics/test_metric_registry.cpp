// The metric registry: the built-in metrics and what they say about themselves, values read from a trial's
// counts as the records always computed them, and metrics registered at run time.
#include <gtest/gtest.h>

#include <stdexcept>

#include "metrics/metric_registry.hpp"

using namespace flipguard::metrics;

TEST(MetricRegistry, BuiltInMetricsInOrderWithTheirNeeds) {
  std::vector<std::string_view> ids;
  for (const Metric m : all_metrics()) ids.push_back(m.id());
  EXPECT_EQ(ids, (std::vector<std::string_view>{"top1", "top5", "sdc1", "sdc5", "logit_max_abs",
                                                "logit_rel_l2", "token_top1", "token_top5", "token_sdc",
                                                "ppl_2x", "ppl_10x", "perplexity", "nll", "kl"}));
  EXPECT_EQ(join_ids(stoppable_metrics(), ", "), "top1, sdc1, token_top1, token_sdc, ppl_2x, ppl_10x");
  // Each metric says which models it measures; perplexity and its kin are summarised by medians.
  EXPECT_EQ(Metric::top1->task, MetricTask::classifier);
  EXPECT_EQ(Metric::logit_max_abs->task, MetricTask::any);
  EXPECT_EQ(Metric::ppl_2x->task, MetricTask::language_model);
  EXPECT_TRUE(Metric::perplexity->median);
  EXPECT_EQ(Metric::perplexity->range, MetricRange::unbounded);
  EXPECT_FALSE(Metric::token_top1->median);
  EXPECT_TRUE(Metric::top1->needs_labels);
  EXPECT_FALSE(Metric::top1->needs_clean_outputs);
  EXPECT_TRUE(Metric::sdc5->needs_clean_outputs);
  EXPECT_EQ(Metric::sdc1->label, "SDC-1");
  EXPECT_EQ(Metric::logit_rel_l2->range, MetricRange::unbounded);
  EXPECT_EQ(find_metric("top5"), Metric::top5);
  EXPECT_FALSE(find_metric("top3"));
  // Only shares may be stopped on: the betting intervals need values in [0, 1].
  for (const Metric m : all_metrics()) {
    if (m->stoppable) {
      EXPECT_EQ(m->range, MetricRange::share) << m.id();
    }
  }
}

// The value is the expression records always used (100 * count / images), so it is bit-identical.
TEST(MetricRegistry, ValuesAreReadFromTheTrialsCounts) {
  const TrialCounts c{
      .images = 7, .top1 = 3, .top5 = 6, .sdc1 = 2, .sdc5 = 1, .logit_max_abs = 0.25, .logit_rel_l2 = 0.125};
  EXPECT_EQ(metric_value(Metric::top1.info(), c), 100.0 * 3.0 / 7.0);
  EXPECT_EQ(metric_value(Metric::top5.info(), c), 100.0 * 6.0 / 7.0);
  EXPECT_EQ(metric_value(Metric::sdc1.info(), c), 100.0 * 2.0 / 7.0);
  EXPECT_EQ(metric_value(Metric::sdc5.info(), c), 100.0 * 1.0 / 7.0);
  EXPECT_EQ(metric_value(Metric::logit_max_abs.info(), c), 0.25);
  EXPECT_EQ(metric_value(Metric::logit_rel_l2.info(), c), 0.125);
  EXPECT_EQ(metric_value(Metric::top1.info(), TrialCounts{}), 0.0);  // no images: 0, not NaN
}

TEST(MetricRegistry, ARegisteredMetricIsListedForItsScopeOnly) {
  const std::size_t before = all_metrics().size();
  {
    const MetricRegistration toy(MetricInfo{.id = "toy_errors",
                                            .label = "Toy errors",
                                            .needs_labels = true,
                                            .count = &TrialCounts::non_finite,
                                            .stoppable = true});
    ASSERT_EQ(all_metrics().size(), before + 1);
    EXPECT_EQ(all_metrics().back(), toy.metric());
    EXPECT_EQ(find_metric("toy_errors"), toy.metric());
    EXPECT_EQ(join_ids(stoppable_metrics(), "|"), "top1|sdc1|token_top1|token_sdc|ppl_2x|ppl_10x|toy_errors");
    EXPECT_EQ(metric_value(toy.metric().info(), TrialCounts{.images = 4, .non_finite = 1}), 25.0);
  }
  EXPECT_EQ(all_metrics().size(), before);
  EXPECT_FALSE(find_metric("toy_errors"));
}

TEST(MetricRegistry, RefusesEntriesItCannotRead) {
  EXPECT_THROW(register_metric(MetricInfo{.id = "top1", .count = &TrialCounts::top1}), std::invalid_argument);
  EXPECT_THROW(register_metric(MetricInfo{.id = "", .count = &TrialCounts::top1}), std::invalid_argument);
  EXPECT_THROW(register_metric(MetricInfo{.id = "no_count"}), std::invalid_argument);
  EXPECT_THROW(register_metric(MetricInfo{.id = "no_amount", .range = MetricRange::unbounded}),
               std::invalid_argument);
  EXPECT_THROW(register_metric(MetricInfo{.id = "unbounded_stop",
                                          .range = MetricRange::unbounded,
                                          .amount = &TrialCounts::logit_max_abs,
                                          .stoppable = true}),
               std::invalid_argument);
  EXPECT_THROW(register_metric(MetricInfo{.id = "median_share", .median = true, .count = &TrialCounts::top1}),
               std::invalid_argument);  // a share's mean has intervals: no median
  EXPECT_EQ(all_metrics().size(), 14u);
}
