// Unit tests of behaviour-change detection (no PostgreSQL).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "events/behaviour.hpp"
#include "test_util.hpp"

namespace ev = c360::events;

namespace {
constexpr std::int64_t kDay = 86400LL * 1000000LL;
}

TEST(Slowdown, PoissonTailMatchesHandComputation) {
    // 11 orders every 10 days over days 0..100 (history), none in the last 30 days (as_of = 130).
    const std::int64_t as_of = 130 * kDay;
    ev::SlowdownState s = ev::make_slowdown(as_of, 30);
    for (int d = 0; d <= 100; d += 10) ev::add_order(s, d * kDay, as_of, 30);
    const ev::Slowdown r = ev::evaluate(s);
    ASSERT_TRUE(r.has_test);
    EXPECT_EQ(r.history_orders, 11);
    EXPECT_EQ(r.recent_orders, 0);
    EXPECT_DOUBLE_EQ(r.history_days, 100.0);
    // lambda = 10 / 100 per day, expected = 3 in 30 days, P(X <= 0) = exp(-3)
    EXPECT_NEAR(r.expected_recent, 3.0, 1e-12);
    EXPECT_NEAR(r.p_value, std::exp(-3.0), 1e-12);
    EXPECT_NEAR(r.p_silence, std::exp(-0.1 * 30.0), 1e-12);
    // with 3 recent orders: P(X <= 3) = e^-3 (1 + 3 + 9/2 + 27/6)
    ev::SlowdownState t = ev::make_slowdown(as_of, 30);
    for (int d = 0; d <= 100; d += 10) ev::add_order(t, d * kDay, as_of, 30);
    for (int d : {105, 115, 125}) ev::add_order(t, d * kDay, as_of, 30);
    EXPECT_NEAR(ev::evaluate(t).p_value, std::exp(-3.0) * (1 + 3 + 4.5 + 4.5), 1e-12);
}

TEST(Slowdown, NotEnoughHistoryHasNoTest) {
    ev::SlowdownState s = ev::make_slowdown(100 * kDay, 30);
    ev::add_order(s, 90 * kDay, 100 * kDay, 30);
    EXPECT_FALSE(ev::evaluate(s).has_test);
    EXPECT_THROW(ev::make_slowdown(0, 0), c360::Error);
}

TEST(Slowdown, CombineAndTextRoundTrip) {
    const std::int64_t as_of = 200 * kDay;
    ev::SlowdownState a = ev::make_slowdown(as_of, 30), b = ev::make_slowdown(as_of, 30), all = a;
    for (int d = 0; d < 200; d += 7) {
        ev::add_order(d % 2 ? a : b, d * kDay, as_of, 30);
        ev::add_order(all, d * kDay, as_of, 30);
    }
    ev::combine(a, b);
    const auto& type = ev::kSlowdownStateType;
    EXPECT_EQ(c360::to_text(a, type), c360::to_text(all, type));
    EXPECT_EQ(c360::to_text(c360::from_text(c360::to_text(a, type), type), type), c360::to_text(a, type));
    EXPECT_THROW(c360::from_text("slow1(30,1,5,2,1,0,0)", ev::kSlowdownStateType), c360::Error); // first > last
}

// Found by fuzz_slowdown_state: counts whose sum overflows int64 (undefined behaviour in validate) are
// refused; adding to or combining states at the int64 limit is 22003, not a wrapped count.
TEST(Slowdown, CountOverflowIsAnError) {
    using c360::ErrorCode;
    using c360::test::code_of;
    const auto& type = ev::kSlowdownStateType;
    EXPECT_EQ(code_of([&] { c360::from_text("slow1(30,100,1,2,-7595718147998050666,-7595718587802696400,0)", type); }),
              ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(code_of([&] { c360::from_text("slow1(30,100,1,2,9223372036854775807,1,0)", type); }),
              ErrorCode::InvalidTextRepresentation);
    ev::SlowdownState a = c360::from_text("slow1(30,100,1,2,9223372036854775807,0,0)", type);
    ev::SlowdownState b = a;
    EXPECT_EQ(code_of([&] { ev::combine(a, b); }), ErrorCode::NumericOutOfRange);
    EXPECT_EQ(code_of([&] { ev::add_order(a, 1, 100, 30); }), ErrorCode::NumericOutOfRange);
    EXPECT_EQ(c360::to_text(a, type), "slow1(30,100,1,2,9223372036854775807,0,0)"); // unchanged
}

TEST(Basket, SameMixIsZeroDisjointIsOne) {
    ev::BasketState same, disjoint;
    ev::add_category(same, 10, 20);
    ev::add_category(same, 30, 60);
    ev::add_category(disjoint, 10, 0);
    ev::add_category(disjoint, 0, 5);
    const ev::BasketShift a = ev::evaluate(same);
    EXPECT_NEAR(a.hellinger, 0.0, 1e-7);
    EXPECT_NEAR(a.chi2, 0.0, 1e-9);
    EXPECT_NEAR(a.p_value, 1.0, 1e-9);
    EXPECT_NEAR(ev::evaluate(disjoint).hellinger, 1.0, 1e-12);
}

TEST(Basket, OverflowingCountsAreOutOfRange) {
    // 1e308 * 1e308 / (1e308 + b) overflows: 22003, never a state whose text cannot be read back
    ev::BasketState s;
    EXPECT_EQ(c360::test::code_of([&] { ev::add_category(s, 1e308, 0.5); }), c360::ErrorCode::NumericOutOfRange);
    // two valid states (e.g. read from text) whose past totals add up beyond float8
    ev::BasketState a;
    a.categories = 1;
    a.past.hi = 1.5e308;
    a.s1.hi = 1.5e308;
    const ev::BasketState b = a;
    EXPECT_EQ(c360::test::code_of([&] { ev::combine(a, b); }), c360::ErrorCode::NumericOutOfRange);
}

TEST(Basket, ChiSquareMatchesContingencyTable) {
    // 2 x 3 table: past (20, 30, 50), recent (30, 30, 20).
    // Expected counts with row totals 100, 80 and column totals 50, 60, 70:
    // chi2 = sum (O - E)^2 / E computed by hand = 14.1587301587...
    ev::BasketState s;
    ev::add_category(s, 20, 30);
    ev::add_category(s, 30, 30);
    ev::add_category(s, 50, 20);
    const ev::BasketShift r = ev::evaluate(s);
    double chi2 = 0;
    const double o[2][3] = {{20, 30, 50}, {30, 30, 20}};
    const double rows[2] = {100, 80}, cols[3] = {50, 60, 70};
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) {
            const double e = rows[i] * cols[j] / 180.0;
            chi2 += (o[i][j] - e) * (o[i][j] - e) / e;
        }
    EXPECT_NEAR(r.chi2, chi2, 1e-9);
    EXPECT_EQ(r.df, 2);
    EXPECT_NEAR(r.p_value, std::exp(-chi2 / 2), 1e-12); // chi-square with 2 df: survival = exp(-x/2)
    const std::string text = c360::to_text(s, ev::kBasketStateType);
    EXPECT_EQ(c360::to_text(c360::from_text(text, ev::kBasketStateType), ev::kBasketStateType), text);
    EXPECT_THROW(ev::add_category(s, -1, 2), c360::Error);
}
