// Behaviour-change detection for customer events.
//
// Purchase slowdown: a customer's orders before the recent window give a historical rate
// lambda = n_hist / hist_days. Under "no change", the number of orders in the recent window of
// w days is Poisson(lambda * w); the one-sided p-value of a slowdown is P(X <= observed).
// A second score looks at the current silence: P(gap >= days since the last order) =
// exp(-lambda * silence) under the same rate.
//
// Basket shift: counts per category in a past and a recent window. The aggregate keeps only
// decomposable sums, so that it combines across parallel workers:
//   A = sum a_i, B = sum b_i, S_ab = sum sqrt(a_i b_i),
//   S1 = sum a_i^2/(a_i+b_i), S2 = sum a_i b_i/(a_i+b_i), S3 = sum b_i^2/(a_i+b_i)
// Hellinger distance H = sqrt(1 - S_ab / sqrt(A B)); chi-square test of homogeneity
//   chi2 = (B^2 S1 - 2 A B S2 + A^2 S3) / (A B), df = categories - 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/compensated_sum.hpp"
#include "common/error.hpp"
#include "common/fixed.hpp"

namespace c360::events {

inline constexpr std::int32_t kSlowdownVersion = 1;

struct SlowdownState {
    std::int32_t version = kSlowdownVersion;
    std::int32_t recent_days = 0;
    std::int64_t as_of = 0;       // microseconds, same epoch as the orders
    std::int64_t first_ts = 0;    // first counted order (n_hist + n_recent > 0)
    std::int64_t last_ts = 0;
    std::int64_t n_hist = 0;      // orders before as_of - recent window
    std::int64_t n_recent = 0;    // orders in (as_of - window, as_of]
    std::int64_t ignored = 0;     // after as_of or NULL
};

SlowdownState make_slowdown(std::int64_t as_of, std::int32_t recent_days);
void add_order(SlowdownState& s, std::optional<std::int64_t> ts, std::int64_t as_of, std::int32_t recent_days);
void combine(SlowdownState& a, const SlowdownState& b);
void validate(const SlowdownState& s, ErrorCode code);
// The SQL type (common/fixed.hpp). Text form: slow1(recent_days,as_of,first_ts,last_ts,n_hist,n_recent,ignored).
extern const FixedType<SlowdownState> kSlowdownStateType;

struct Slowdown {
    std::int64_t history_orders = 0;
    double history_days = 0;      // from the first order to the start of the recent window
    std::int64_t recent_orders = 0;
    bool has_test = false;        // enough history: at least 2 orders and 1 day before the window
    double expected_recent = 0;   // lambda * recent_days
    double rate_ratio = 0;        // observed / expected (0 when none observed)
    double p_value = 1;           // P(X <= recent_orders), X ~ Poisson(expected_recent)
    bool has_silence = false;
    double days_since_last = 0;
    double p_silence = 1;         // exp(-lambda * days_since_last)
};

Slowdown evaluate(const SlowdownState& s);

inline constexpr std::int32_t kBasketVersion = 1;

struct BasketState {
    std::int32_t version = kBasketVersion;
    std::int32_t reserved = 0;
    std::int64_t categories = 0;
    CompensatedSum past, recent, s_ab, s1, s2, s3;
};

void add_category(BasketState& s, double past_count, double recent_count);
void combine(BasketState& a, const BasketState& b);
void validate(const BasketState& s, ErrorCode code);
// The SQL type. Text form: bask1(categories,past,recent,s_ab,s1,s2,s3), each sum as hi,lo.
extern const FixedType<BasketState> kBasketStateType;

struct BasketShift {
    std::int64_t categories = 0;
    double past_total = 0, recent_total = 0;
    bool defined = false;         // both windows have purchases
    double hellinger = 0;         // 0 = same mix, 1 = disjoint
    double chi2 = 0;
    std::int64_t df = 0;
    double p_value = 1;
};

BasketShift evaluate(const BasketState& s);

} // namespace c360::events
