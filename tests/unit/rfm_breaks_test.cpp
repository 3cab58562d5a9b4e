// Unit tests of RFM breakpoints: equivalence with the rank rule, text form, validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "rfm/breaks.hpp"
#include "rfm/rfm.hpp"

namespace rfm = c360::rfm;

// For every value in the data, breakpoint scoring equals 1 + floor(bins * below / n).
TEST(Breaks, EqualsRankRuleWithHeavyTies) {
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
        const std::size_t n = 1 + rng() % 300;
        const int bins = 1 + static_cast<int>(rng() % 12);
        const int distinct = 1 + static_cast<int>(rng() % 20);
        std::vector<double> v(n);
        for (auto& x : v) x = static_cast<double>(rng() % distinct);
        std::vector<double> hi(v), lo(v);
        std::vector<double> bh(bins), bl(bins);
        rfm::breakpoints_higher_better(hi.data(), n, bins, bh.data());
        rfm::breakpoints_lower_better(lo.data(), n, bins, bl.data());
        for (double x : v) {
            const auto below_hi = std::count_if(v.begin(), v.end(), [x](double w) { return w < x; });
            const auto below_lo = std::count_if(v.begin(), v.end(), [x](double w) { return w > x; });
            ASSERT_EQ(rfm::score_higher_better(x, bh.data(), bins), rfm::quantile_score(below_hi, n, bins))
                << "n=" << n << " bins=" << bins;
            ASSERT_EQ(rfm::score_lower_better(x, bl.data(), bins), rfm::quantile_score(below_lo, n, bins))
                << "n=" << n << " bins=" << bins;
        }
    }
}

TEST(Breaks, SampleTextRoundTrip) {
    const std::string text = "rfmb1(5,2:1.5 2 0.1,-3.25e-300 7 1e+300)";
    const c360::PackedBuffer b = c360::from_text(text, rfm::kSampleType);
    EXPECT_EQ(b.view().ints[rfm::kSampleBins], 5);
    EXPECT_EQ(c360::packed_rows(b.view(), rfm::kSampleType), 2u);
    const double t[] = {1.5, 2.0, 0.1, -3.25e-300, 7.0, 1e300};
    EXPECT_TRUE(std::equal(std::begin(t), std::end(t), c360::packed_row_data(b.view(), rfm::kSampleType)));
    EXPECT_EQ(c360::to_text(b.view(), rfm::kSampleType), text);
}

TEST(Breaks, BadSampleTextIsRejected) {
    const char* bad[] = {"", "rfmb1(", "rfmb1(0,1:1 2 3)", "rfmb1(5,0:)", "rfmb1(5,1:1 2)", "rfmb1(5,1:1 2 3 4)",
                         "rfmb1(5,1:1,2,3)", "rfmb1(5,1:1 2 nan)", "rfmb1(5,1:1 2 3)x", "rfmb1(101,1:1 2 3)",
                         "rfmb1(5,0)"};
    for (const char* t : bad) {
        try {
            c360::from_text(t, rfm::kSampleType);
            ADD_FAILURE() << "accepted: " << t;
        } catch (const c360::Error& e) {
            EXPECT_EQ(e.code(), c360::ErrorCode::InvalidTextRepresentation) << t;
        }
    }
}

TEST(Breaks, ValidatesInputs) {
    EXPECT_THROW(rfm::check_bins(0), c360::Error);
    EXPECT_THROW(rfm::check_bins(101), c360::Error);
    EXPECT_THROW(rfm::check_values(1, NAN, 1), c360::Error);
    EXPECT_THROW(rfm::check_values(INFINITY, 1, 1), c360::Error);
    const double unsorted[] = {1, 3, 2, 4};
    EXPECT_THROW(rfm::check_breakpoints(unsorted, 5, false, "frequency"), c360::Error);
    const double decreasing[] = {40, 30, 20, 10};
    EXPECT_NO_THROW(rfm::check_breakpoints(decreasing, 5, true, "recency"));
    EXPECT_THROW(rfm::check_breakpoints(decreasing, 5, false, "monetary"), c360::Error);
}
