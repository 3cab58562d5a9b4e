// Unit tests of the RFM core (no PostgreSQL).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "test_util.hpp"
#include "rfm/rfm.hpp"

using c360::Error;
using c360::ErrorCode;
using c360::test::code_of;
namespace rfm = c360::rfm;

namespace {

constexpr std::int64_t kDay = 86400LL * 1000000LL;

} // namespace

TEST(Rfm, SummaryOfThreeOrders) {
    const std::int64_t as_of = 100 * kDay;
    rfm::State s = rfm::make_state(as_of);
    rfm::add_order(s, 10 * kDay, 20.0, as_of);
    rfm::add_order(s, 40 * kDay, 30.0, as_of);
    rfm::add_order(s, 70 * kDay, std::nullopt, as_of); // NULL amount counts as 0
    rfm::add_order(s, 150 * kDay, 1000.0, as_of);      // after as_of: ignored
    rfm::add_order(s, std::nullopt, 5.0, as_of);       // NULL ts: ignored
    const rfm::Summary r = rfm::summarize(s);
    ASSERT_TRUE(r.has_orders);
    EXPECT_EQ(r.frequency, 3);
    EXPECT_EQ(r.ignored, 2);
    EXPECT_DOUBLE_EQ(r.monetary, 50.0);
    EXPECT_DOUBLE_EQ(r.recency_days, 30.0);
    EXPECT_DOUBLE_EQ(r.tenure_days, 90.0);
    EXPECT_DOUBLE_EQ(r.avg_order_value, 50.0 / 3.0);
    EXPECT_DOUBLE_EQ(r.first_order_value, 20.0);
    ASSERT_TRUE(r.has_repeat);
    EXPECT_DOUBLE_EQ(r.avg_repeat_value, 15.0);
}

TEST(Rfm, OrderAtAsOfCountsAndSameDayFirstOrdersAdd) {
    const std::int64_t as_of = 10 * kDay;
    rfm::State s = rfm::make_state(as_of);
    rfm::add_order(s, as_of, 1.0, as_of);
    rfm::add_order(s, 2 * kDay, 3.0, as_of);
    rfm::add_order(s, 2 * kDay, 4.0, as_of);
    const rfm::Summary r = rfm::summarize(s);
    EXPECT_EQ(r.frequency, 3);
    EXPECT_DOUBLE_EQ(r.recency_days, 0.0);
    EXPECT_DOUBLE_EQ(r.first_order_value, 7.0);
    EXPECT_DOUBLE_EQ(r.avg_repeat_value, 1.0); // one repeat order, at as_of
}

TEST(Rfm, EmptyWhenAsOfBeforeAllOrders) {
    rfm::State s = rfm::make_state(0);
    rfm::add_order(s, kDay, 5.0, 0);
    const rfm::Summary r = rfm::summarize(s);
    EXPECT_FALSE(r.has_orders);
    EXPECT_FALSE(r.has_repeat);
    EXPECT_EQ(r.frequency, 0);
    EXPECT_EQ(r.ignored, 1);
    EXPECT_EQ(r.monetary, 0.0);
}

TEST(Rfm, BadInputsAreCodedErrors) {
    rfm::State s = rfm::make_state(0);
    EXPECT_EQ(code_of([&] { rfm::add_order(s, 0, std::nan(""), 0); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([&] { rfm::add_order(s, 0, INFINITY, 0); }), ErrorCode::NumericOutOfRange);
    EXPECT_EQ(code_of([&] { rfm::add_order(s, 0, -INFINITY, 0); }), ErrorCode::NumericOutOfRange);
    EXPECT_EQ(code_of([&] { rfm::add_order(s, rfm::kMinusInfinity, 1.0, 0); }), ErrorCode::DatetimeOutOfRange);
    EXPECT_EQ(code_of([&] { rfm::add_order(s, 0, 1.0, kDay); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([&] { rfm::make_state(rfm::kPlusInfinity); }), ErrorCode::DatetimeOutOfRange);
    rfm::State other = rfm::make_state(kDay);
    EXPECT_EQ(code_of([&] { rfm::combine(s, other); }), ErrorCode::InvalidParameter);
}

TEST(Rfm, OverflowingSumIsOutOfRangeNotNaN) {
    // two orders of 1e308: PostgreSQL's sum(float8) raises 22003; the state never holds inf/NaN
    rfm::State s = rfm::make_state(kDay);
    rfm::add_order(s, 0, 1e308, kDay);
    EXPECT_EQ(code_of([&] { rfm::add_order(s, 0, 1e308, kDay); }), ErrorCode::NumericOutOfRange);
    rfm::State a = rfm::make_state(kDay), b = rfm::make_state(kDay);
    rfm::add_order(a, 0, -1e308, kDay);
    rfm::add_order(b, 0, -1e308, kDay);
    EXPECT_EQ(code_of([&] { rfm::combine(a, b); }), ErrorCode::NumericOutOfRange);
}

TEST(Rfm, RecencyOverTheWholeTimestampRangeDoesNotOverflow) {
    // PostgreSQL's timestamp range: about -2.1e17 .. 9.2e18 microseconds from 2000-01-01.
    const std::int64_t as_of = 9'000'000'000'000'000'000LL;
    const std::int64_t early = -200'000'000'000'000'000LL;
    rfm::State s = rfm::make_state(as_of);
    rfm::add_order(s, early, 1.0, as_of);
    const rfm::Summary r = rfm::summarize(s);
    EXPECT_NEAR(r.recency_days, (9.0e18 + 2.0e17) / 8.64e10, 1e-6 * r.recency_days);
    EXPECT_GT(r.recency_days, 0.0);
}

// Splitting the rows among "workers" in any way and merging gives the same summary,
// to the last bit, as the serial pass.
TEST(Rfm, CombineEqualsSerialBitForBit) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::int64_t> day(0, 700);
    std::uniform_real_distribution<double> money(0.5, 500.0);
    const std::int64_t as_of = 600 * kDay;
    struct Row { std::int64_t ts; double amount; };
    std::vector<Row> rows(20000);
    for (auto& r : rows) {
        r.ts = day(rng) * kDay;
        r.amount = std::round(money(rng) * 100.0) / 100.0;
    }
    rfm::State serial = rfm::make_state(as_of);
    for (const auto& r : rows) rfm::add_order(serial, r.ts, r.amount, as_of);

    for (int trial = 0; trial < 20; ++trial) {
        std::shuffle(rows.begin(), rows.end(), rng);
        const int parts = 2 + trial % 5;
        std::vector<rfm::State> partial(parts, rfm::make_state(as_of));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            rfm::add_order(partial[i % parts], rows[i].ts, rows[i].amount, as_of);
        }
        rfm::State merged = partial[0];
        for (int p = 1; p < parts; ++p) rfm::combine(merged, partial[p]);
        const rfm::Summary a = rfm::summarize(serial);
        const rfm::Summary b = rfm::summarize(merged);
        EXPECT_EQ(a.frequency, b.frequency);
        EXPECT_EQ(a.monetary, b.monetary);
        EXPECT_EQ(a.first_ts, b.first_ts);
        EXPECT_EQ(a.last_ts, b.last_ts);
        EXPECT_EQ(a.first_order_value, b.first_order_value);
        EXPECT_EQ(a.avg_repeat_value, b.avg_repeat_value);
    }
}

TEST(Rfm, CompensatedSumBeatsNaiveSum) {
    // 0.1 ten million times: the naive double sum drifts, the compensated one does not.
    c360::CompensatedSum s;
    double naive = 0.0;
    for (int i = 0; i < 10'000'000; ++i) {
        s.add(0.1);
        naive += 0.1;
    }
    EXPECT_EQ(s.value(), 1e6);
    EXPECT_NE(naive, 1e6);
}

TEST(Rfm, TextRoundTripIsExact) {
    rfm::State s = rfm::make_state(123456789);
    rfm::add_order(s, -5, 0.1, 123456789);
    rfm::add_order(s, 17, 1e-300, 123456789);
    rfm::add_order(s, 17, 3.3333333333333335, 123456789);
    const std::string t = c360::to_text(s, rfm::kStateType);
    const rfm::State back = c360::from_text(t, rfm::kStateType);
    EXPECT_EQ(c360::to_text(back, rfm::kStateType), t);
    EXPECT_EQ(0, std::memcmp(&back, &s, sizeof s));
}

TEST(Rfm, CorruptedTextIsRejected) {
    const char* bad[] = {
        "",
        "rfm1()",
        "rfm2(0,0,0,0,0,0,0,0,0,0)",
        "rfm1(0,0,0,0,0,0,0,0,0)",
        "rfm1(0,0,0,0,0,0,0,0,0,0) trailing",
        "rfm1(2,0,10,5,5,2,1,0,1,0)x",
        "rfm1(-1,0,0,0,0,0,0,0,0,0)",
        "rfm1(1,0,10,20,5,1,1,0,1,0)",   // first > last
        "rfm1(1,0,10,5,20,1,1,0,1,0)",   // last > as_of
        "rfm1(2,0,10,5,5,1,1,0,1,0)",    // two orders at one instant, one counted first
        "rfm1(1,0,10,5,5,2,1,0,1,0)",    // more first orders than orders
        "rfm1(0,0,10,0,0,0,5,0,0,0)",    // empty state with money
        "rfm1(1,0,10,5,5,1,nan,0,1,0)",
        "rfm1(1,0,10,5,5,1,inf,0,1,0)",
        "rfm1(0,0,9223372036854775807,0,0,0,0,0,0,0)",
        "rfm1(99999999999999999999,0,0,0,0,0,0,0,0,0)",
    };
    for (const char* t : bad) {
        EXPECT_EQ(code_of([&] { c360::from_text(t, rfm::kStateType); }), ErrorCode::InvalidTextRepresentation) << t;
    }
    EXPECT_NO_THROW(c360::from_text("rfm1(0,0,10,0,0,0,0,0,0,0)", rfm::kStateType));
    EXPECT_NO_THROW(c360::from_text("rfm1(2,0,10,5,5,2,1,0,1,0)", rfm::kStateType));
}

TEST(Rfm, QuantileScoreKeepsTiesTogether) {
    // 10 customers, values 1,1,1,1,1,1,2,3,4,5: the six 1s are below nobody.
    const std::vector<int> values = {1, 1, 1, 1, 1, 1, 2, 3, 4, 5};
    std::vector<int> scores;
    for (int v : values) {
        const auto below = std::count_if(values.begin(), values.end(), [v](int w) { return w < v; });
        scores.push_back(rfm::quantile_score(below, 10, 5));
    }
    EXPECT_EQ(scores, (std::vector<int>{1, 1, 1, 1, 1, 1, 4, 4, 5, 5}));
    // Without ties, exact quintiles.
    for (int i = 0; i < 10; ++i) EXPECT_EQ(rfm::quantile_score(i, 10, 5), 1 + i / 2);
    EXPECT_EQ(rfm::quantile_score(0, 1, 5), 1);
    EXPECT_EQ(rfm::quantile_score(INT64_MAX - 1, INT64_MAX, 100), 100);
    EXPECT_EQ(code_of([] { rfm::quantile_score(5, 5, 5); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { rfm::quantile_score(-1, 5, 5); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { rfm::quantile_score(0, 0, 5); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { rfm::quantile_score(0, 5, 0); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { rfm::quantile_score(0, 5, 101); }), ErrorCode::InvalidParameter);
}

TEST(Rfm, EveryCellHasOneNamedSegment) {
    EXPECT_STREQ(rfm::segment(5, 5, 5), "Champions");
    EXPECT_STREQ(rfm::segment(4, 4, 4), "Champions");
    EXPECT_STREQ(rfm::segment(5, 5, 1), "Loyal Customers");
    EXPECT_STREQ(rfm::segment(3, 4, 5), "Loyal Customers");
    EXPECT_STREQ(rfm::segment(1, 5, 5), "Can't Lose Them");
    EXPECT_STREQ(rfm::segment(2, 5, 3), "At Risk");
    EXPECT_STREQ(rfm::segment(1, 3, 1), "At Risk");
    EXPECT_STREQ(rfm::segment(5, 2, 2), "Potential Loyalist");
    EXPECT_STREQ(rfm::segment(5, 1, 5), "New Customers");
    EXPECT_STREQ(rfm::segment(4, 1, 1), "Promising");
    EXPECT_STREQ(rfm::segment(3, 1, 1), "Promising");
    EXPECT_STREQ(rfm::segment(3, 3, 3), "Need Attention");
    EXPECT_STREQ(rfm::segment(2, 2, 2), "About To Sleep");
    EXPECT_STREQ(rfm::segment(1, 2, 5), "Hibernating");
    EXPECT_STREQ(rfm::segment(1, 1, 1), "Lost");
    int cells = 0;
    for (int r = 1; r <= 5; ++r)
        for (int f = 1; f <= 5; ++f)
            for (int m = 1; m <= 5; ++m) {
                EXPECT_NE(rfm::segment(r, f, m), nullptr);
                ++cells;
            }
    EXPECT_EQ(cells, 125);
    EXPECT_EQ(code_of([] { rfm::segment(0, 1, 1); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { rfm::segment(1, 6, 1); }), ErrorCode::InvalidParameter);
}
