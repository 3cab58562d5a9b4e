// Unit tests of the campaign-measurement core (no PostgreSQL). Reference values: published test
// vectors (GrowthBook SDK cases, gbstats unit tests, scikit-uplift unit tests, Newcombe 1998).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_util.hpp"
#include "uplift/ab.hpp"
#include "uplift/curves.hpp"

using c360::ErrorCode;
using c360::test::code_of;
namespace up = c360::uplift;

namespace {

// An arm from its sufficient statistics (n, sum, sum of squares), as gbstats' tests give them.
up::Moments from_sums(double n, double sum, double sum_sq) {
    up::Moments m;
    m.n = n;
    m.mean_y = sum / n;
    m.m2_y = sum_sq - sum * sum / n;
    return m;
}

up::AbState binary_state(double x_c, double n_c, double x_t, double n_t) {
    up::AbState s = up::make_state(0.95, 1);
    for (int i = 0; i < n_c; ++i) up::add_row(s, false, i < x_c ? 1.0 : 0.0, 0);
    for (int i = 0; i < n_t; ++i) up::add_row(s, true, i < x_t ? 1.0 : 0.0, 0);
    return s;
}

} // namespace

TEST(UpliftMeans, OverflowingMomentsAreOutOfRange) {
    // Welford's m2 of 1e308 and -1e308 overflows: 22003, never a state whose text cannot be read back
    up::AbState s = up::make_state(0.95, 1);
    up::add_row(s, true, 1e308, 0);
    EXPECT_EQ(code_of([&] { up::add_row(s, true, -1e308, 0); }), c360::ErrorCode::NumericOutOfRange);
}

TEST(UpliftHash, GrowthBookVectors) {
    EXPECT_DOUBLE_EQ(up::hash_v1("", "a"), 0.22);
    EXPECT_DOUBLE_EQ(up::hash_v1("b", "a"), 0.946);
    EXPECT_DOUBLE_EQ(up::hash_v2("seed", "a"), 0.0505);
    EXPECT_DOUBLE_EQ(up::hash_v2("seed", "b"), 0.2696);
    EXPECT_DOUBLE_EQ(up::hash_v2("foo", "ab"), 0.2575);
    EXPECT_DOUBLE_EQ(up::hash_v2("89123klj", "8952klfjas09ujkasdf"), 0.124);
    EXPECT_DOUBLE_EQ(up::hash_v2("holdout-2024", "customer_1"), 0.0948);
}

TEST(UpliftHash, Utf16CodeUnits) {
    // uplift.md: fnv1a32("Müller") is 1071134547 over UTF-16 units (2025197372 over UTF-8 bytes)
    EXPECT_EQ(up::fnv1a32_utf16("M\xC3\xBCller"), 1071134547u);
    EXPECT_EQ(code_of([] { up::fnv1a32_utf16("\xC3"); }), ErrorCode::InvalidParameter);
}

TEST(UpliftHash, ChooseArm) {
    const std::vector<double> w{0.2, 0.3, 0.5};
    EXPECT_EQ(up::choose_arm(0.0, w), 0);
    EXPECT_EQ(up::choose_arm(0.2, w), 1);
    EXPECT_EQ(up::choose_arm(0.4999, w), 1);
    EXPECT_EQ(up::choose_arm(0.9999, w), 2);
    EXPECT_EQ(code_of([] { up::choose_arm(0.5, {0.5, 0.4}); }), ErrorCode::InvalidParameter);
}

TEST(UpliftBinary, NewcombeExample) {
    // Newcombe (1998), example (a): 56/70 vs 48/80: method 10 [0.0524, 0.3339], Wald [0.0575, 0.3425]
    const up::BinaryResult r = up::binary_result(binary_state(48, 80, 56, 70));
    EXPECT_NEAR(r.abs_lift, 0.8 - 0.6, 1e-12);
    EXPECT_NEAR(r.newcombe_lower, 0.0524, 5e-5);
    EXPECT_NEAR(r.newcombe_upper, 0.3339, 5e-5);
    EXPECT_NEAR(r.wald_lower, 0.0575, 5e-5);
    EXPECT_NEAR(r.wald_upper, 0.3425, 5e-5);
}

TEST(UpliftBinary, GbstatsRelativeProportions) {
    // gbstats test_tests.py: 14/28 vs 16/30, relative: 0.06667, CI (-0.47767, 0.61101), p 0.80707
    const up::BinaryResult r = up::binary_result(binary_state(14, 28, 16, 30));
    EXPECT_NEAR(r.rel_lift, 0.06667, 5e-6);
    EXPECT_NEAR(r.rel_lower, -0.47767, 5e-5);
    EXPECT_NEAR(r.rel_upper, 0.61101, 5e-5);
    EXPECT_NEAR(r.rel_p_value, 0.80707, 5e-5);
}

TEST(UpliftBinary, PValueStaysInRange) {
    const up::BinaryResult none = up::binary_result(binary_state(0, 50, 0, 50));
    EXPECT_TRUE(std::isnan(none.z));
    EXPECT_EQ(none.p_value, 1.0);
    const up::BinaryResult all = up::binary_result(binary_state(0, 500, 500, 500));
    EXPECT_GE(all.p_value, 0.0);
    EXPECT_LE(all.p_value, 1.0);
}

TEST(UpliftMeans, GbstatsWelch) {
    // gbstats: A (sum 1396.87, sum sq 52377.9767, n 3407) vs B (2422.7, 134698.29, 3461):
    // absolute 0.29, CI (0.04538, 0.53462), SE 0.12478, p 0.02016, df 5841.742;
    // relative 0.70732, CI (-0.03526, 1.44989), p 0.06191
    up::AbState s = up::make_state(0.95, 2);
    s.arm[0] = from_sums(3407, 1396.87, 52377.9767);
    s.arm[1] = from_sums(3461, 2422.7, 134698.29);
    const up::MeanResult r = up::mean_result(s, false);
    EXPECT_NEAR(r.diff, 0.29, 5e-5);
    EXPECT_NEAR(r.std_err, 0.12478, 5e-6);
    EXPECT_NEAR(r.df, 5841.742, 1e-3);
    EXPECT_NEAR(r.p_value, 0.02016, 5e-6);
    EXPECT_NEAR(r.lower, 0.04538, 5e-6);
    EXPECT_NEAR(r.upper, 0.53462, 5e-6);
    EXPECT_NEAR(r.rel_lift, 0.70732, 5e-6);
    EXPECT_NEAR(r.rel_lower, -0.03526, 5e-6);
    EXPECT_NEAR(r.rel_upper, 1.44989, 5e-6);
    EXPECT_NEAR(r.rel_p_value, 0.06191, 5e-6);
}

TEST(UpliftMeans, MergeEqualsOnePass) {
    up::AbState whole = up::make_state(0.9, 3);
    up::AbState a = up::make_state(0.9, 3);
    up::AbState b = up::make_state(0.9, 3);
    for (int i = 0; i < 1000; ++i) {
        const double y = std::sin(i) * 10 + i % 7, x = std::cos(i) * 3 + y / 2;
        up::add_row(whole, i % 3 == 0, y, x);
        up::add_row(i < 400 ? a : b, i % 3 == 0, y, x);
    }
    up::merge(a, b);
    const up::MeanResult r1 = up::mean_result(whole, true);
    const up::MeanResult r2 = up::mean_result(a, true);
    EXPECT_NEAR(r1.diff, r2.diff, 1e-12);
    EXPECT_NEAR(r1.std_err, r2.std_err, 1e-12);
    EXPECT_NEAR(r1.theta, r2.theta, 1e-12);
    EXPECT_GT(r1.variance_reduction, 0.0);
    const std::string text = c360::to_text(a, up::kAbStateType);
    EXPECT_EQ(c360::to_text(c360::from_text(text, up::kAbStateType), up::kAbStateType), text);
    EXPECT_EQ(code_of([] { c360::from_text("ab1(2,0.95,0;1,2,3,4,5,6)", up::kAbStateType); }),
              ErrorCode::InvalidTextRepresentation);
}

TEST(UpliftPlanning, SrmAndSampleSize) {
    const up::SrmResult s = up::srm({21307, 21387, 21306}, {});
    EXPECT_NEAR(s.chi2, 0.20253125, 1e-9);
    EXPECT_NEAR(s.p_value, 0.9036929576, 1e-9);
    EXPECT_NEAR(up::sample_size(0.20, 0.05, 0.05, 0.8, 1), 1030.22, 5e-3);
    EXPECT_NEAR(up::sample_size(0.10, 0.01, 0.05, 0.8, 1), 14312.86, 5e-3);
    EXPECT_NEAR(up::power_of(0.10, 0.01, up::sample_size(0.10, 0.01, 0.05, 0.8, 1), 0.05, 1), 0.8, 1e-4);
    EXPECT_EQ(code_of([] { up::sample_size(0.9, 0.2, 0.05, 0.8, 1); }), ErrorCode::InvalidParameter);
}

TEST(UpliftCurves, ScikitUpliftUnitVectors) {
    // sklift tests: qini_auc_score(y=[0,1], uplift=[0.1,0.3], w=[1,0]) = 1; ([1,0],[.1,.3],[0,1]) = 1;
    // uplift_auc_score([0,1],[.1,.3],[1,0]) = 0; ([1,0],[.1,.3],[0,1]) = 1
    std::vector<up::UpliftRow> a{{0.1, 1, 0}, {0.3, 0, 1}};
    EXPECT_NEAR(up::qini_auc(a), 1.0, 1e-12);
    std::vector<up::UpliftRow> b{{0.1, 0, 1}, {0.3, 1, 0}};
    EXPECT_NEAR(up::qini_auc(b), 1.0, 1e-12);
    std::vector<up::UpliftRow> c{{0.1, 1, 0}, {0.3, 0, 1}};
    EXPECT_NEAR(up::uplift_auc(c), 0.0, 1e-12);
    std::vector<up::UpliftRow> d{{0.1, 0, 1}, {0.3, 1, 0}};
    EXPECT_NEAR(up::uplift_auc(d), 1.0, 1e-12);
}

TEST(UpliftCurves, TiesAreOrderIndependent) {
    std::vector<up::UpliftRow> rows, reversed;
    for (int i = 0; i < 100; ++i) {
        rows.push_back({static_cast<double>(i % 5), static_cast<double>(i % 2), static_cast<double>((i * 7) % 3 == 0)});
    }
    reversed.assign(rows.rbegin(), rows.rend());
    EXPECT_DOUBLE_EQ(up::uplift_at_k(rows, 0.33), up::uplift_at_k(reversed, 0.33));
    EXPECT_DOUBLE_EQ(up::qini_auc(rows), up::qini_auc(reversed));
}
