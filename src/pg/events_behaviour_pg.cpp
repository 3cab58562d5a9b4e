// SQL glue for behaviour-change detection: c360.purchase_slowdown and c360.basket_shift aggregates.
#include <optional>

#include "bridge.hpp"
#include "events/behaviour.hpp"
#include "common_fixed_pg.hpp"
#include "tuples.hpp"

extern "C" {
#include "access/htup_details.h"
#include "utils/timestamp.h"
}

using c360::ErrorCode;
namespace ev = c360::events;
using c360::pg::const_arg;
using c360::pg::palloc_copy;
using c360::pg::writable_arg;

// ---- purchase slowdown -----------------------------------------------------------------------

C360_STATE_TYPE_IO(slowdown_state, ev::kSlowdownStateType)

// c360.slowdown_add(state, order_ts, as_of, recent_days)
C360_FUNCTION(slowdown_add, "c360.purchase_slowdown") {
    if (PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "as_of and recent_days must not be NULL");
    }
    const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(2);
    const int32 recent_days = PG_GETARG_INT32(3);
    ev::SlowdownState* s = PG_ARGISNULL(0) ? palloc_copy(ev::make_slowdown(as_of, recent_days))
                                           : writable_arg<ev::SlowdownState>(fcinfo, 0);
    std::optional<std::int64_t> ts;
    if (!PG_ARGISNULL(1)) {
        ts = PG_GETARG_TIMESTAMPTZ(1);
    }
    ev::add_order(*s, ts, as_of, recent_days);
    PG_RETURN_POINTER(s);
}

C360_FUNCTION(slowdown_merge, "c360.purchase_slowdown") {
    ev::SlowdownState* a = writable_arg<ev::SlowdownState>(fcinfo, 0);
    ev::combine(*a, *const_arg<ev::SlowdownState>(fcinfo, 1));
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(slowdown_final, "c360.purchase_slowdown") {
    constexpr int kFields = 8;
    const ev::Slowdown r = ev::evaluate(*const_arg<ev::SlowdownState>(fcinfo, 0));
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kFields, "c360.slowdown");
    Datum v[kFields];
    bool n[kFields] = {false};
    v[0] = Int64GetDatum(r.history_orders);
    v[1] = Float8GetDatum(r.history_days);
    v[2] = Int64GetDatum(r.recent_orders);
    v[3] = Float8GetDatum(r.expected_recent);
    v[4] = Float8GetDatum(r.rate_ratio);
    v[5] = Float8GetDatum(r.p_value);
    n[3] = n[4] = n[5] = !r.has_test;
    v[6] = Float8GetDatum(r.days_since_last);
    n[6] = r.history_orders + r.recent_orders == 0;
    v[7] = Float8GetDatum(r.p_silence);
    n[7] = !r.has_silence;
    return c360::pg::composite_datum(td, v, n);
}

// ---- basket shift ----------------------------------------------------------------------------

C360_STATE_TYPE_IO(basket_state, ev::kBasketStateType)

// c360.basket_add(state, past_count, recent_count): one category; a NULL count is 0.
C360_FUNCTION(basket_add, "c360.basket_shift") {
    ev::BasketState* s = PG_ARGISNULL(0) ? palloc_copy(ev::BasketState{}) : writable_arg<ev::BasketState>(fcinfo, 0);
    ev::add_category(*s, PG_ARGISNULL(1) ? 0.0 : PG_GETARG_FLOAT8(1), PG_ARGISNULL(2) ? 0.0 : PG_GETARG_FLOAT8(2));
    PG_RETURN_POINTER(s);
}

C360_FUNCTION(basket_merge, "c360.basket_shift") {
    ev::BasketState* a = writable_arg<ev::BasketState>(fcinfo, 0);
    ev::combine(*a, *const_arg<ev::BasketState>(fcinfo, 1));
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(basket_final, "c360.basket_shift") {
    constexpr int kFields = 7;
    const ev::BasketShift r = ev::evaluate(*const_arg<ev::BasketState>(fcinfo, 0));
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kFields, "c360.basket_change");
    Datum v[kFields];
    bool n[kFields] = {false};
    v[0] = Int64GetDatum(r.categories);
    v[1] = Float8GetDatum(r.past_total);
    v[2] = Float8GetDatum(r.recent_total);
    v[3] = Float8GetDatum(r.hellinger);
    v[4] = Float8GetDatum(r.chi2);
    v[5] = Int64GetDatum(r.df);
    v[6] = Float8GetDatum(r.p_value);
    n[3] = n[4] = n[6] = !r.defined;
    n[5] = !r.defined || r.df < 1;
    if (r.df < 1) n[6] = true;
    return c360::pg::composite_datum(td, v, n);
}
