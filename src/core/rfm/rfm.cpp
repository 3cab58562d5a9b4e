#include "rfm/rfm.hpp"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <type_traits>

namespace c360::rfm {

static_assert(std::is_trivially_copyable_v<State>, "State is stored verbatim by the SQL type");
static_assert(sizeof(State) == 88, "c360.rfm_state INTERNALLENGTH in the install script must match");

namespace {

__extension__ typedef __int128 int128; // GCC/Clang; exact products and differences of int64

bool finite_ts(std::int64_t ts) { return ts != kMinusInfinity && ts != kPlusInfinity; }

// (a - b) in days, without int64 overflow over PostgreSQL's whole timestamp range.
double days_between(std::int64_t a, std::int64_t b) {
    const int128 diff = static_cast<int128>(a) - static_cast<int128>(b);
    return static_cast<double>(diff) / kMicrosPerDay;
}

} // namespace

State make_state(std::int64_t as_of) {
    if (!finite_ts(as_of)) {
        fail(ErrorCode::DatetimeOutOfRange, "as_of must be a finite timestamp");
    }
    State s;
    s.as_of = as_of;
    return s;
}

// A state never holds a non-finite sum: like PostgreSQL's sum(float8), an overflow is 22003.
static void check_sums(const State& s) {
    if (!s.monetary.finite() || !s.first_value.finite()) {
        fail(ErrorCode::NumericOutOfRange, "sum of order amounts out of range (float8 overflow)");
    }
}

void add_order(State& s, std::optional<std::int64_t> ts, std::optional<double> amount, std::int64_t as_of) {
    if (as_of != s.as_of) {
        fail(ErrorCode::InvalidParameter, "as_of must be the same for every row of a group",
             {}, "Pass a constant analysis date, e.g. DATE '1998-07-01' or a query parameter.");
    }
    if (!ts) {
        ++s.ignored;
        return;
    }
    if (!finite_ts(*ts)) {
        fail(ErrorCode::DatetimeOutOfRange, "order timestamp must be finite");
    }
    double value = 0.0;
    if (amount) {
        value = *amount;
        if (std::isnan(value)) {
            fail(ErrorCode::InvalidParameter, "order amount is NaN");
        }
        if (std::isinf(value)) {
            fail(ErrorCode::NumericOutOfRange, "order amount is infinite");
        }
    }
    if (*ts > as_of) {
        ++s.ignored;
        return;
    }
    if (s.orders == 0 || *ts < s.first_ts) {
        s.first_ts = *ts;
        s.first_count = 1;
        s.first_value = CompensatedSum{};
        s.first_value.add(value);
    } else if (*ts == s.first_ts) {
        ++s.first_count;
        s.first_value.add(value);
    }
    if (s.orders == 0 || *ts > s.last_ts) {
        s.last_ts = *ts;
    }
    ++s.orders;
    s.monetary.add(value);
    check_sums(s);
}

void combine(State& a, const State& b) {
    if (a.as_of != b.as_of) {
        fail(ErrorCode::InvalidParameter, "cannot combine RFM states with different as_of dates");
    }
    if (b.orders > 0) {
        if (a.orders == 0 || b.first_ts < a.first_ts) {
            a.first_ts = b.first_ts;
            a.first_count = b.first_count;
            a.first_value = b.first_value;
        } else if (b.first_ts == a.first_ts) {
            a.first_count += b.first_count;
            a.first_value.add(b.first_value);
        }
        if (a.orders == 0 || b.last_ts > a.last_ts) {
            a.last_ts = b.last_ts;
        }
    }
    a.orders += b.orders;
    a.ignored += b.ignored;
    a.monetary.add(b.monetary);
    check_sums(a);
}

void validate(const State& s, ErrorCode code) {
    const char* what = nullptr;
    if (s.version != kStateVersion) {
        what = "unknown state version";
    } else if (s.reserved != 0) {
        what = "reserved field is not zero";
    } else if (s.orders < 0 || s.ignored < 0) {
        what = "negative order count";
    } else if (!finite_ts(s.as_of)) {
        what = "as_of is not finite";
    } else if (!std::isfinite(s.monetary.hi) || !std::isfinite(s.monetary.lo) ||
               !std::isfinite(s.first_value.hi) || !std::isfinite(s.first_value.lo)) {
        what = "non-finite amount";
    } else if (s.orders > 0 && (!finite_ts(s.first_ts) || !finite_ts(s.last_ts) || s.first_ts > s.last_ts ||
                                s.last_ts > s.as_of)) {
        what = "inconsistent first/last order dates";
    } else if (s.orders > 0 && (s.first_count < 1 || s.first_count > s.orders ||
                                (s.first_count < s.orders && s.first_ts == s.last_ts))) {
        what = "inconsistent count of first orders";
    } else if (s.orders == 0 && (s.first_ts != 0 || s.last_ts != 0 || s.first_count != 0 || s.monetary.hi != 0.0 ||
                                 s.monetary.lo != 0.0 || s.first_value.hi != 0.0 || s.first_value.lo != 0.0)) {
        what = "empty state with non-zero fields";
    }
    if (what != nullptr) {
        fail(code, "invalid c360.rfm_state value", what);
    }
}

Summary summarize(const State& s) {
    Summary r;
    r.frequency = s.orders;
    r.ignored = s.ignored;
    r.monetary = s.monetary.value();
    if (s.orders > 0) {
        r.has_orders = true;
        r.recency_days = days_between(s.as_of, s.last_ts);
        r.tenure_days = days_between(s.as_of, s.first_ts);
        r.avg_order_value = r.monetary / static_cast<double>(s.orders);
        r.first_ts = s.first_ts;
        r.last_ts = s.last_ts;
        r.first_order_value = s.first_value.value();
        if (s.orders > s.first_count) {
            CompensatedSum repeat = s.monetary;
            repeat.add(-s.first_value.hi);
            repeat.add(-s.first_value.lo);
            r.has_repeat = true;
            r.avg_repeat_value = repeat.value() / static_cast<double>(s.orders - s.first_count);
        }
    }
    return r;
}

namespace {

constexpr FixedField kStateFields[] = {
    {offsetof(State, version), FieldType::I32, '\0'},
    {offsetof(State, reserved), FieldType::I32, '\0'},
    {offsetof(State, orders), FieldType::I64, ','},
    {offsetof(State, ignored), FieldType::I64, ','},
    {offsetof(State, as_of), FieldType::I64, ','},
    {offsetof(State, first_ts), FieldType::I64, ','},
    {offsetof(State, last_ts), FieldType::I64, ','},
    {offsetof(State, first_count), FieldType::I64, ','},
    {offsetof(State, monetary.hi), FieldType::F64, ','},
    {offsetof(State, monetary.lo), FieldType::F64, ','},
    {offsetof(State, first_value.hi), FieldType::F64, ','},
    {offsetof(State, first_value.lo), FieldType::F64, ')'},
};
static_assert(fields_cover(kStateFields, sizeof(State)));

} // namespace

const FixedType<State> kStateType{{"c360.rfm_state", "rfm1(", kStateFields, sizeof(State), false}, &validate};

int quantile_score(std::int64_t below, std::int64_t n, int bins) {
    if (bins < 1 || bins > 100) {
        fail(ErrorCode::InvalidParameter, "bins must be between 1 and 100");
    }
    if (n < 1) {
        fail(ErrorCode::InvalidParameter, "the number of scored customers must be at least 1");
    }
    if (below < 0 || below >= n) {
        fail(ErrorCode::InvalidParameter, "rank_below must be between 0 and n - 1",
             {}, "Use rank() OVER (ORDER BY value) - 1 and count(*) OVER ().");
    }
    // below < n <= INT64_MAX and bins <= 100: compute in 128 bits to stay exact.
    const int128 score = 1 + (static_cast<int128>(below) * bins) / n;
    return static_cast<int>(score > bins ? bins : score);
}

const char* segment(int r, int f, int m) {
    if (r < 1 || r > 5 || f < 1 || f > 5 || m < 1 || m > 5) {
        fail(ErrorCode::InvalidParameter, "RFM scores must be between 1 and 5");
    }
    // First match wins; the table in docs/rfm.md lists the same rules.
    if (r >= 4 && f >= 4 && m >= 4) return "Champions";
    if (r >= 3 && f >= 4) return "Loyal Customers";
    if (r <= 2 && f >= 4 && m >= 4) return "Can't Lose Them";
    if (r <= 2 && f >= 3) return "At Risk";
    if (r >= 4 && f >= 2) return "Potential Loyalist";
    if (r == 5 && f == 1) return "New Customers";
    if (r >= 3 && f == 1) return "Promising";
    if (r == 3) return "Need Attention";           // f is 2 or 3 here
    if (r == 2) return "About To Sleep";           // f is 1 or 2 here
    if (f == 2) return "Hibernating";              // r == 1
    return "Lost";                                 // r == 1, f == 1
}

} // namespace c360::rfm
