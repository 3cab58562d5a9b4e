// SQL glue for RFM: the c360.rfm_state type, the aggregates' support functions, scores, segments.
#include <cstring>
#include <new>
#include <optional>
#include <string>

#include "bridge.hpp"
#include "common_fixed_pg.hpp"
#include "tuples.hpp"
#include "rfm/rfm.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"
}

using c360::ErrorCode;
using c360::rfm::State;

namespace {

constexpr int kSummaryFields = 10;

} // namespace

// ---- the c360.rfm_state type -------------------------------------------------------------

C360_STATE_TYPE_IO(rfm_state, c360::rfm::kStateType)

// ---- aggregate support ---------------------------------------------------------------------

namespace {

// The transition step shared by the timestamptz and date forms: arguments (state, order, amount,
// as_of), with the order and as_of already converted to microseconds.
Datum add_order(FunctionCallInfo fcinfo, std::int64_t as_of, std::optional<std::int64_t> ts) {
    State* s;
    if (PG_ARGISNULL(0)) {
        // Allocated in the per-call context: the executor copies a new transition value into
        // the aggregate's context itself.
        s = c360::pg::palloc_copy(c360::rfm::make_state(as_of));
    } else {
        s = c360::pg::writable_arg<State>(fcinfo, 0);
    }
    std::optional<double> amount;
    if (!PG_ARGISNULL(2)) {
        amount = PG_GETARG_FLOAT8(2);
    }
    c360::rfm::add_order(*s, ts, amount, as_of);
    PG_RETURN_POINTER(s);
}

void require_as_of(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(3)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "as_of must not be NULL",
                   {}, "Pass the analysis date, e.g. TIMESTAMPTZ '1998-07-01 00:00+00'.");
    }
}

// A date as the microseconds of its midnight UTC (so that date differences are whole days in
// every session time zone); +-infinity map to the timestamp infinities.
std::int64_t date_micros(DateADT d) {
    if (DATE_IS_NOBEGIN(d)) {
        return c360::rfm::kMinusInfinity;
    }
    if (DATE_IS_NOEND(d)) {
        return c360::rfm::kPlusInfinity;
    }
    return static_cast<std::int64_t>(d) * USECS_PER_DAY;
}

} // namespace

// c360.rfm_add(state, order_ts, amount, as_of): transition function (not strict).
C360_FUNCTION(rfm_add, "c360.rfm") {
    require_as_of(fcinfo);
    std::optional<std::int64_t> ts;
    if (!PG_ARGISNULL(1)) {
        ts = PG_GETARG_TIMESTAMPTZ(1);
    }
    return add_order(fcinfo, PG_GETARG_TIMESTAMPTZ(3), ts);
}

// c360.rfm_add(state, order_date, amount, as_of_date): the date form.
C360_FUNCTION(rfm_add_date, "c360.rfm") {
    require_as_of(fcinfo);
    std::optional<std::int64_t> ts;
    if (!PG_ARGISNULL(1)) {
        ts = date_micros(PG_GETARG_DATEADT(1));
    }
    return add_order(fcinfo, date_micros(PG_GETARG_DATEADT(3)), ts);
}

// c360.rfm_merge(state, state): combine function (strict: the executor handles NULL states).
C360_FUNCTION(rfm_merge, "c360.rfm_merge") {
    State* a = c360::pg::writable_arg<State>(fcinfo, 0);
    const State* b = reinterpret_cast<const State*>(PG_GETARG_POINTER(1));
    c360::rfm::combine(*a, *b);
    PG_RETURN_POINTER(a);
}

// c360.rfm_final(state) -> c360.rfm_summary
C360_FUNCTION(rfm_final, "c360.rfm") {
    const State* s = reinterpret_cast<const State*>(PG_GETARG_POINTER(0));
    const c360::rfm::Summary r = c360::rfm::summarize(*s);
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kSummaryFields, "c360.rfm_summary");
    Datum values[kSummaryFields];
    bool nulls[kSummaryFields] = {false};
    values[0] = Float8GetDatum(r.recency_days);
    nulls[0] = !r.has_orders;
    values[1] = Int64GetDatum(r.frequency);
    values[2] = Float8GetDatum(r.monetary);
    values[3] = Float8GetDatum(r.avg_order_value);
    nulls[3] = !r.has_orders;
    values[4] = TimestampTzGetDatum(r.first_ts);
    nulls[4] = !r.has_orders;
    values[5] = TimestampTzGetDatum(r.last_ts);
    nulls[5] = !r.has_orders;
    values[6] = Float8GetDatum(r.tenure_days);
    nulls[6] = !r.has_orders;
    values[7] = Float8GetDatum(r.first_order_value);
    nulls[7] = !r.has_orders;
    values[8] = Float8GetDatum(r.avg_repeat_value);
    nulls[8] = !r.has_repeat;
    values[9] = Int64GetDatum(r.ignored);
    return c360::pg::composite_datum(td, values, nulls);
}

// ---- scores and segments -------------------------------------------------------------------

C360_FUNCTION(quantile_score, "c360.quantile_score") {
    PG_RETURN_INT32(c360::rfm::quantile_score(PG_GETARG_INT64(0), PG_GETARG_INT64(1), PG_GETARG_INT32(2)));
}

C360_FUNCTION(rfm_segment, "c360.rfm_segment") {
    const char* name = c360::rfm::segment(PG_GETARG_INT32(0), PG_GETARG_INT32(1), PG_GETARG_INT32(2));
    PG_RETURN_TEXT_P(cstring_to_text(name));
}
