#include "events/behaviour.hpp"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <charconv>
#include <cmath>
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

template <class T>
void put(std::string& out, T v, char sep) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
    out += sep;
}

template <class T>
bool get(std::string_view& in, T& v, char sep) {
    auto r = std::from_chars(in.data(), in.data() + in.size(), v);
    if (r.ec != std::errc{} || r.ptr == in.data() + in.size() || *r.ptr != sep) {
        return false;
    }
    in.remove_prefix(static_cast<std::size_t>(r.ptr - in.data()) + 1);
    return true;
}

[[noreturn]] void bad_text(const char* type, std::string_view text) {
    fail(ErrorCode::InvalidTextRepresentation,
         std::string("invalid input syntax for type ") + type + ": \"" + std::string(text.substr(0, 120)) + "\"");
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
        ++s.ignored;
        return;
    }
    if (!finite_ts(*ts)) {
        fail(ErrorCode::DatetimeOutOfRange, "order timestamp must be finite");
    }
    const bool first = s.n_hist + s.n_recent == 0;
    if (first || *ts < s.first_ts) s.first_ts = *ts;
    if (first || *ts > s.last_ts) s.last_ts = *ts;
    if (*ts > window_start(s)) {
        ++s.n_recent;
    } else {
        ++s.n_hist;
    }
}

void combine(SlowdownState& a, const SlowdownState& b) {
    if (a.as_of != b.as_of || a.recent_days != b.recent_days) {
        fail(ErrorCode::InvalidParameter, "cannot combine slowdown states with different as_of or recent_days");
    }
    if (b.n_hist + b.n_recent > 0) {
        const bool empty = a.n_hist + a.n_recent == 0;
        if (empty || b.first_ts < a.first_ts) a.first_ts = b.first_ts;
        if (empty || b.last_ts > a.last_ts) a.last_ts = b.last_ts;
    }
    a.n_hist += b.n_hist;
    a.n_recent += b.n_recent;
    a.ignored += b.ignored;
}

void validate(const SlowdownState& s, ErrorCode code) {
    const std::int64_t n = s.n_hist + s.n_recent;
    const bool ok = s.version == kSlowdownVersion && s.recent_days >= 1 && s.recent_days <= 36600 &&
                    finite_ts(s.as_of) && s.n_hist >= 0 && s.n_recent >= 0 && s.ignored >= 0 &&
                    (n == 0 ? (s.first_ts == 0 && s.last_ts == 0)
                            : (finite_ts(s.first_ts) && s.first_ts <= s.last_ts && s.last_ts <= s.as_of));
    if (!ok) {
        fail(code, "invalid c360.slowdown_state value");
    }
}

std::string to_text(const SlowdownState& s) {
    std::string out = "slow1(";
    put(out, s.recent_days, ',');
    put(out, s.as_of, ',');
    put(out, s.first_ts, ',');
    put(out, s.last_ts, ',');
    put(out, s.n_hist, ',');
    put(out, s.n_recent, ',');
    put(out, s.ignored, ')');
    return out;
}

SlowdownState slowdown_from_text(std::string_view text) {
    if (text.substr(0, 6) != "slow1(") bad_text("c360.slowdown_state", text);
    std::string_view in = text.substr(6);
    SlowdownState s;
    if (!get(in, s.recent_days, ',') || !get(in, s.as_of, ',') || !get(in, s.first_ts, ',') ||
        !get(in, s.last_ts, ',') || !get(in, s.n_hist, ',') || !get(in, s.n_recent, ',') ||
        !get(in, s.ignored, ')') || !in.empty()) {
        bad_text("c360.slowdown_state", text);
    }
    validate(s, ErrorCode::InvalidTextRepresentation);
    return s;
}

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

void add_category(BasketState& s, double a, double b) {
    if (!std::isfinite(a) || !std::isfinite(b) || a < 0 || b < 0) {
        fail(ErrorCode::InvalidParameter, "category counts must be finite and non-negative");
    }
    ++s.categories;
    s.past.add(a);
    s.recent.add(b);
    if (a + b > 0) {
        s.s_ab.add(std::sqrt(a * b));
        s.s1.add(a * a / (a + b));
        s.s2.add(a * b / (a + b));
        s.s3.add(b * b / (a + b));
    }
}

void combine(BasketState& a, const BasketState& b) {
    a.categories += b.categories;
    a.past.add(b.past);
    a.recent.add(b.recent);
    a.s_ab.add(b.s_ab);
    a.s1.add(b.s1);
    a.s2.add(b.s2);
    a.s3.add(b.s3);
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

std::string to_text(const BasketState& s) {
    std::string out = "bask1(";
    put(out, s.categories, ',');
    for (const CompensatedSum* c : {&s.past, &s.recent, &s.s_ab, &s.s1, &s.s2}) {
        put(out, c->hi, ',');
        put(out, c->lo, ',');
    }
    put(out, s.s3.hi, ',');
    put(out, s.s3.lo, ')');
    return out;
}

BasketState basket_from_text(std::string_view text) {
    if (text.substr(0, 6) != "bask1(") bad_text("c360.basket_state", text);
    std::string_view in = text.substr(6);
    BasketState s;
    bool ok = get(in, s.categories, ',');
    for (CompensatedSum* c : {&s.past, &s.recent, &s.s_ab, &s.s1, &s.s2}) {
        ok = ok && get(in, c->hi, ',') && get(in, c->lo, ',');
    }
    ok = ok && get(in, s.s3.hi, ',') && get(in, s.s3.lo, ')') && in.empty();
    if (!ok) bad_text("c360.basket_state", text);
    validate(s, ErrorCode::InvalidTextRepresentation);
    return s;
}

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
