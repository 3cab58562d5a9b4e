#include "events/behaviour.hpp"

#include <limits>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace c360::events {

static_assert(std::is_trivially_copyable_v<SlowdownState>);
static_assert(std::is_trivially_copyable_v<BasketState>);
static_assert(sizeof(SlowdownState) == 56, "c360.slowdown_state INTERNALLENGTH must match");
static_assert(sizeof(BasketState) == 112, "c360.basket_state INTERNALLENGTH must match");

namespace {

constexpr std::int64_t kMinusInfinity = INT64_MIN;
constexpr std::int64_t kPlusInfinity = INT64_MAX;
constexpr double kMicrosPerDay = 86400.0 * 1e6;

bool finite_ts(std::int64_t t) { return t != kMinusInfinity && t != kPlusInfinity; }

std::int64_t window_start(const SlowdownState& s) {
    return s.as_of - static_cast<std::int64_t>(s.recent_days) * 86400LL * 1000000LL;
}

constexpr FixedField kSlowdownFields[] = {
    {offsetof(SlowdownState, version), FieldType::I32, '\0'},
    {offsetof(SlowdownState, recent_days), FieldType::I32, ','},
    {offsetof(SlowdownState, as_of), FieldType::I64, ','},
    {offsetof(SlowdownState, first_ts), FieldType::I64, ','},
    {offsetof(SlowdownState, last_ts), FieldType::I64, ','},
    {offsetof(SlowdownState, n_hist), FieldType::I64, ','},
    {offsetof(SlowdownState, n_recent), FieldType::I64, ','},
    {offsetof(SlowdownState, ignored), FieldType::I64, ')'},
};
static_assert(fields_cover(kSlowdownFields, sizeof(SlowdownState)));

constexpr FixedField kBasketFields[] = {
    {offsetof(BasketState, version), FieldType::I32, '\0'},
    {offsetof(BasketState, reserved), FieldType::I32, '\0'},
    {offsetof(BasketState, categories), FieldType::I64, ','},
    {offsetof(BasketState, past.hi), FieldType::F64, ','},
    {offsetof(BasketState, past.lo), FieldType::F64, ','},
    {offsetof(BasketState, recent.hi), FieldType::F64, ','},
    {offsetof(BasketState, recent.lo), FieldType::F64, ','},
    {offsetof(BasketState, s_ab.hi), FieldType::F64, ','},
    {offsetof(BasketState, s_ab.lo), FieldType::F64, ','},
    {offsetof(BasketState, s1.hi), FieldType::F64, ','},
    {offsetof(BasketState, s1.lo), FieldType::F64, ','},
    {offsetof(BasketState, s2.hi), FieldType::F64, ','},
    {offsetof(BasketState, s2.lo), FieldType::F64, ','},
    {offsetof(BasketState, s3.hi), FieldType::F64, ','},
    {offsetof(BasketState, s3.lo), FieldType::F64, ')'},
};
static_assert(fields_cover(kBasketFields, sizeof(BasketState)));

} // namespace

namespace {
// Counts of two states (orders, categories): non-negative, and their sum an int64 (a state read from outside may
// hold anything; a signed overflow would be undefined behaviour).
bool counts_add(std::int64_t x, std::int64_t y) {
    return x >= 0 && y >= 0 && x <= std::numeric_limits<std::int64_t>::max() - y;
}
std::int64_t count_sum(std::int64_t x, std::int64_t y) {
    if (!counts_add(x, y)) {
        fail(ErrorCode::NumericOutOfRange, "order count out of range");
    }
    return x + y;
}
} // namespace

SlowdownState make_slowdown(std::int64_t as_of, std::int32_t recent_days) {
    if (!finite_ts(as_of)) {
        fail(ErrorCode::DatetimeOutOfRange, "as_of must be a finite timestamp");
    }
    if (recent_days < 1 || recent_days > 36600) {
        fail(ErrorCode::InvalidParameter, "recent_days must be between 1 and 36600");
    }
    SlowdownState s;
    s.as_of = as_of;
    s.recent_days = recent_days;
    return s;
}

void add_order(SlowdownState& s, std::optional<std::int64_t> ts, std::int64_t as_of, std::int32_t recent_days) {
    if (as_of != s.as_of || recent_days != s.recent_days) {
        fail(ErrorCode::InvalidParameter, "as_of and recent_days must be the same for every row of a group");
    }
    if (!ts || *ts > as_of) {
        s.ignored = count_sum(s.ignored, 1);
        return;
    }
    if (!finite_ts(*ts)) {
        fail(ErrorCode::DatetimeOutOfRange, "order timestamp must be finite");
    }
    const bool first = count_sum(s.n_hist, s.n_recent) == 0;
    const bool recent = *ts > window_start(s);
    const std::int64_t n_recent = count_sum(s.n_recent, recent ? 1 : 0);
    const std::int64_t n_hist = count_sum(s.n_hist, recent ? 0 : 1);
    (void)count_sum(n_hist, n_recent); // the total stays an int64 (validate)
    if (first || *ts < s.first_ts) s.first_ts = *ts;
    if (first || *ts > s.last_ts) s.last_ts = *ts;
    s.n_recent = n_recent;
    s.n_hist = n_hist;
}

void combine(SlowdownState& a, const SlowdownState& b) {
    if (a.as_of != b.as_of || a.recent_days != b.recent_days) {
        fail(ErrorCode::InvalidParameter, "cannot combine slowdown states with different as_of or recent_days");
    }
    const std::int64_t n_hist = count_sum(a.n_hist, b.n_hist);
    const std::int64_t n_recent = count_sum(a.n_recent, b.n_recent);
    const std::int64_t ignored = count_sum(a.ignored, b.ignored);
    (void)count_sum(n_hist, n_recent);
    if (count_sum(b.n_hist, b.n_recent) > 0) {
        const bool empty = count_sum(a.n_hist, a.n_recent) == 0;
        if (empty || b.first_ts < a.first_ts) a.first_ts = b.first_ts;
        if (empty || b.last_ts > a.last_ts) a.last_ts = b.last_ts;
    }
    a.n_hist = n_hist;
    a.n_recent = n_recent;
    a.ignored = ignored;
}

void validate(const SlowdownState& s, ErrorCode code) {
    const bool counts = counts_add(s.n_hist, s.n_recent) && s.ignored >= 0;
    const std::int64_t n = counts ? s.n_hist + s.n_recent : 0;
    const bool ok = counts && s.version == kSlowdownVersion && s.recent_days >= 1 && s.recent_days <= 36600 &&
                    finite_ts(s.as_of) &&
                    (n == 0 ? (s.first_ts == 0 && s.last_ts == 0)
                            : (finite_ts(s.first_ts) && s.first_ts <= s.last_ts && s.last_ts <= s.as_of));
    if (!ok) {
        fail(code, "invalid c360.slowdown_state value");
    }
}

const FixedType<SlowdownState> kSlowdownStateType{
    {"c360.slowdown_state", "slow1(", kSlowdownFields, sizeof(SlowdownState), false}, &validate};

Slowdown evaluate(const SlowdownState& s) {
    Slowdown r;
    r.history_orders = s.n_hist;
    r.recent_orders = s.n_recent;
    const std::int64_t n = s.n_hist + s.n_recent;
    if (n == 0) {
        return r;
    }
    const std::int64_t start = window_start(s);
    r.history_days = s.first_ts < start ? static_cast<double>(start - s.first_ts) / kMicrosPerDay : 0.0;
    r.has_silence = true;
    r.days_since_last = static_cast<double>(s.as_of - s.last_ts) / kMicrosPerDay;
    if (s.n_hist >= 2 && r.history_days >= 1.0) {
        // the first order opens the history: n_hist - 1 further orders over history_days
        const double lambda = static_cast<double>(s.n_hist - 1) / r.history_days;
        r.has_test = true;
        r.expected_recent = lambda * s.recent_days;
        r.rate_ratio = static_cast<double>(s.n_recent) / r.expected_recent;
        // P(X <= k) for X ~ Poisson(mu) = Q(k + 1, mu), the regularised upper incomplete gamma
        r.p_value = boost::math::gamma_q(static_cast<double>(s.n_recent) + 1.0, r.expected_recent);
        r.p_silence = std::exp(-lambda * r.days_since_last);
    } else {
        r.has_silence = false;
    }
    return r;
}

// A state never holds a non-finite sum (its text form could not be read back): an overflow is 22003.
static void check_sums(const BasketState& s) {
    for (const CompensatedSum* c : {&s.past, &s.recent, &s.s_ab, &s.s1, &s.s2, &s.s3}) {
        if (!c->finite()) {
            fail(ErrorCode::NumericOutOfRange, "category counts out of range (float8 overflow)");
        }
    }
}

void add_category(BasketState& s, double a, double b) {
    if (!std::isfinite(a) || !std::isfinite(b) || a < 0 || b < 0) {
        fail(ErrorCode::InvalidParameter, "category counts must be finite and non-negative");
    }
    s.categories = count_sum(s.categories, 1);
    s.past.add(a);
    s.recent.add(b);
    if (a + b > 0) {
        s.s_ab.add(std::sqrt(a * b));
        s.s1.add(a * a / (a + b));
        s.s2.add(a * b / (a + b));
        s.s3.add(b * b / (a + b));
    }
    check_sums(s);
}

void combine(BasketState& a, const BasketState& b) {
    a.categories = count_sum(a.categories, b.categories);
    a.past.add(b.past);
    a.recent.add(b.recent);
    a.s_ab.add(b.s_ab);
    a.s1.add(b.s1);
    a.s2.add(b.s2);
    a.s3.add(b.s3);
    check_sums(a);
}

void validate(const BasketState& s, ErrorCode code) {
    bool ok = s.version == kBasketVersion && s.reserved == 0 && s.categories >= 0;
    for (const CompensatedSum* c : {&s.past, &s.recent, &s.s_ab, &s.s1, &s.s2, &s.s3}) {
        ok = ok && std::isfinite(c->hi) && std::isfinite(c->lo) && c->value() >= -1e-9;
    }
    if (!ok) {
        fail(code, "invalid c360.basket_state value");
    }
}

const FixedType<BasketState> kBasketStateType{
    {"c360.basket_state", "bask1(", kBasketFields, sizeof(BasketState), false}, &validate};

BasketShift evaluate(const BasketState& s) {
    BasketShift r;
    r.categories = s.categories;
    const double A = s.past.value();
    const double B = s.recent.value();
    r.past_total = A;
    r.recent_total = B;
    if (A <= 0 || B <= 0) {
        return r;
    }
    r.defined = true;
    const double bc = s.s_ab.value() / std::sqrt(A * B); // Bhattacharyya coefficient
    r.hellinger = std::sqrt(std::max(0.0, 1.0 - std::min(1.0, bc)));
    const double chi2 = (B * B * s.s1.value() - 2.0 * A * B * s.s2.value() + A * A * s.s3.value()) / (A * B);
    r.chi2 = std::max(0.0, chi2);
    r.df = s.categories - 1;
    if (r.df >= 1) {
        boost::math::chi_squared dist(static_cast<double>(r.df));
        r.p_value = boost::math::cdf(boost::math::complement(dist, r.chi2));
    }
    return r;
}

} // namespace c360::events
