// RFM (recency, frequency, monetary) summaries, quantile scores and named segments.
//
// Pure C++: timestamps are int64 microseconds on any fixed epoch (the SQL glue passes
// PostgreSQL's TimestampTz unchanged); INT64_MIN / INT64_MAX stand for -infinity /
// +infinity, as they do in PostgreSQL.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/compensated_sum.hpp"
#include "common/error.hpp"
#include "common/fixed.hpp"

namespace c360::rfm {

inline constexpr std::int64_t kMinusInfinity = INT64_MIN;
inline constexpr std::int64_t kPlusInfinity = INT64_MAX;
inline constexpr double kMicrosPerDay = 86400.0 * 1e6;
inline constexpr std::int32_t kStateVersion = 1;

// The aggregate state. It is trivially copyable and has a fixed size, so the SQL type
// c360.rfm_state stores it verbatim (INTERNALLENGTH = sizeof(State)); its text form
// (kStateType) is the wire format used by Citus between workers and coordinator.
struct State {
    std::int32_t version = kStateVersion;
    std::int32_t reserved = 0;
    std::int64_t orders = 0;   // orders counted: order_ts <= as_of
    std::int64_t ignored = 0;  // rows not counted: order_ts after as_of, or NULL
    std::int64_t as_of = 0;
    std::int64_t first_ts = 0; // meaningful when orders > 0
    std::int64_t last_ts = 0;
    std::int64_t first_count = 0; // orders placed at first_ts (same instant)
    CompensatedSum monetary;      // total value of counted orders (NULL amount = 0)
    CompensatedSum first_value;   // total value of the orders placed at first_ts
};

// A new, empty state for the analysis date as_of (which must be finite).
State make_state(std::int64_t as_of);

// Adds one order. ts/amount are std::nullopt for SQL NULL:
//  - NULL ts: the row is ignored (counted in `ignored`);
//  - NULL amount: the order counts, with value 0;
//  - ts after as_of: ignored; ts equal to as_of counts;
//  - NaN amount: InvalidParameter; +-Infinity amount: NumericOutOfRange;
//  - infinite ts: DatetimeOutOfRange; as_of different from the state's: InvalidParameter.
void add_order(State& s, std::optional<std::int64_t> ts, std::optional<double> amount, std::int64_t as_of);

// Merges b into a (parallel workers, Citus). Both must have the same as_of.
void combine(State& a, const State& b);

// Checks the invariants of a state read from outside (text, binary, disk).
// Throws DataCorrupted-like errors with the given code.
void validate(const State& s, ErrorCode code);

struct Summary {
    std::int64_t frequency = 0;       // orders counted
    std::int64_t ignored = 0;         // rows ignored (after as_of or NULL ts)
    double monetary = 0.0;            // total value
    bool has_orders = false;          // frequency > 0: the fields below are defined
    double recency_days = 0.0;        // (as_of - last order) in days of 86,400 s
    double tenure_days = 0.0;         // (as_of - first order) in days
    double avg_order_value = 0.0;     // monetary / frequency
    std::int64_t first_ts = 0;
    std::int64_t last_ts = 0;
    double first_order_value = 0.0;   // value of the first order (all orders at first_ts)
    bool has_repeat = false;          // some order after first_ts: avg_repeat_value defined
    double avg_repeat_value = 0.0;    // mean value of the orders placed after first_ts
};

Summary summarize(const State& s);

// The SQL type (common/fixed.hpp). Text form:
// "rfm1(orders,ignored,as_of,first_ts,last_ts,first_count,m_hi,m_lo,f_hi,f_lo)".
extern const FixedType<State> kStateType;

// Quantile score with ties kept together.
//   score = 1 + floor(bins * below / n)
// where `below` is the number of customers with a strictly worse value and n the number of
// customers scored. Equal values have equal `below`, hence equal scores; the worst value
// always scores 1. In SQL: below = rank() OVER (ORDER BY value) - 1 (ORDER BY ... DESC for
// recency, where lower is better).
int quantile_score(std::int64_t below, std::int64_t n, int bins);

// Named marketing segment of 1..5 scores (rules in docs/rfm.md; first match wins; every one of
// the 125 cells has exactly one segment).
const char* segment(int r, int f, int m);
// Every name segment() returns, in the order of its rules (tests/unit/events_rules_test.cpp).
inline constexpr std::array<std::string_view, 11> kSegmentNames = {
    "Champions",      "Loyal Customers", "Can't Lose Them", "At Risk",     "Potential Loyalist", "New Customers",
    "Promising",      "Need Attention",  "About To Sleep",  "Hibernating", "Lost"};

} // namespace c360::rfm
