// Student t: the quantile against tables and closed forms, and the (approximate) interval's arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "stats/student_t.hpp"

using namespace flipguard::stats;

namespace {

TEST(StudentT, MatchesPublishedTableValues) {
  // Two-sided 95% critical values from standard t tables (3 decimals).
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.303, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.776, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.228, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.995, 5), 4.032, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.95, 20), 1.725, 5e-4);
  // Large df tends to the normal quantile 1.95996.
  EXPECT_NEAR(student_t_quantile(0.975, 1e5), 1.95996, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 1e9), 1.959964, 1e-5);
}

TEST(StudentT, MatchesClosedFormsForOneAndTwoDegreesOfFreedom) {
  // df = 1 is the Cauchy distribution: tan(pi (p - 1/2)); df = 2: (2p - 1) / sqrt(2 p (1 - p)).
  for (double p : {0.55, 0.8, 0.9, 0.975, 0.999, 0.99999}) {
    const double cauchy = std::tan(std::numbers::pi * (p - 0.5));
    EXPECT_NEAR(student_t_quantile(p, 1), cauchy, 1e-9 * cauchy) << p;
    const double two = (2 * p - 1) / std::sqrt(2 * p * (1 - p));
    EXPECT_NEAR(student_t_quantile(p, 2), two, 1e-9 * two) << p;
    EXPECT_NEAR(student_t_quantile(1 - p, 2), -two, 1e-9 * two) << p;
  }
  EXPECT_EQ(student_t_quantile(0.5, 7), 0);
}

TEST(StudentT, RejectsBadArguments) {
  EXPECT_THROW(student_t_quantile(0, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(1, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(NAN, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(0.9, 0), std::invalid_argument);
}

TEST(StudentT, IntervalIsMeanPlusMinusTTimesStandardError) {
  const std::vector<double> v{1, 2, 3, 4};  // mean 2.5, sample variance 5/3, t_{0.975,3} = 3.182446
  const Interval i = student_t_interval(v);
  const double half = 3.182446 * std::sqrt(5.0 / 3.0) / 2;
  EXPECT_NEAR(i.lo, 2.5 - half, 1e-5);
  EXPECT_NEAR(i.hi, 2.5 + half, 1e-5);
  // Identical values: zero width, the reason campaigns never stop on t over zero spread.
  const std::vector<double> same{0.8, 0.8, 0.8};
  EXPECT_NEAR(student_t_interval(same).half_width(), 0, 1e-15);
  EXPECT_THROW(student_t_interval(std::vector<double>{1}), std::invalid_argument);
}

}  // namespace
