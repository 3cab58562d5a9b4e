// SQL glue for model evaluation (src/core/scoring/evaluate): c360.auc and c360.gains (the
// c360.score_sample state), c360.log_loss, c360.brier and c360.calibration (c360.score_bins).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common_packed_pg.hpp"
#include "tuples.hpp"
#include "scoring/evaluate.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"
}

using c360::ErrorCode;
namespace sc = c360::scoring;
using namespace c360::pg;

using c360::pg::float8_or_null;

C360_STATE_TYPE_IO(score_sample, sc::kSampleType)
C360_STATE_TYPE_IO(score_bins, sc::kBinsType)

// ---- evaluation: c360.auc, c360.gains (score_sample) ---------------------------------------------

// c360.score_sample_add(state, score, label [, bins]): with bins, the state of c360.gains
C360_FUNCTION(score_sample_add, "c360.score_sample_add") {
    void* state;
    if (PG_ARGISNULL(0)) {
        const bool gains = PG_NARGS() > 3;
        if (gains && PG_ARGISNULL(3)) {
            c360::fail(ErrorCode::NullValueNotAllowed, "bins must not be NULL");
        }
        const int bins = gains ? PG_GETARG_INT32(3) : 0;
        state = new_state(sc::kSampleType, 0);
        sc::sample_init(state, gains ? sc::kSampleGains : sc::kSampleAuc, bins, c360::view_of(state).h->cap_dbl);
    } else {
        state = writable_state(fcinfo, 0, sc::kSampleType);
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        ++c360::mut_of(state).ints[sc::kENSkipped];
        PG_RETURN_POINTER(state);
    }
    const double score = PG_GETARG_FLOAT8(1);
    sc::check_score(score);
    state = reserve(state, sc::kSampleType, 2);
    c360::PackedMut m = c360::mut_of(state);
    m.dbl[m.h->n_dbl] = score;
    m.dbl[m.h->n_dbl + 1] = PG_GETARG_BOOL(2) ? 1.0 : 0.0;
    m.h->n_dbl += 2;
    ++m.ints[sc::kEN];
    PG_RETURN_POINTER(state);
}

C360_FUNCTION(score_sample_merge, "c360.score_sample_merge") {
    void* a = writable_state(fcinfo, 0, sc::kSampleType);
    const c360::PackedView b = c360::view_of(packed_arg(fcinfo, 1, sc::kSampleType));
    sc::sample_combine_check(c360::view_of(a), b);
    a = append_rows(a, sc::kSampleType, b);
    c360::PackedMut m = c360::mut_of(a);
    m.ints[sc::kEN] += b.ints[sc::kEN];
    m.ints[sc::kENSkipped] += b.ints[sc::kENSkipped];
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(auc_final, "c360.auc") {
    const c360::PackedView s = c360::view_of(packed_arg(fcinfo, 0, sc::kSampleType));
    double value = 0;
    bool defined = false;
    {
        const auto r = sc::auc(s);
        defined = r.has_value();
        value = defined ? *r : 0.0;
    }
    if (!defined) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(value);
}

C360_FUNCTION(gains_final, "c360.gains") {
    const c360::PackedView s = c360::view_of(packed_arg(fcinfo, 0, sc::kSampleType));
    sc::GainRow* rows = nullptr;
    int count = 0;
    {
        const auto g = sc::gains(s);
        rows = pod_copy(g);
        count = static_cast<int>(g.size());
    }
    c360::pg::CompositeArray out = c360::pg::composite_array(fcinfo, count, 12, "c360.gain_row");
    for (int i = 0; i < count; ++i) {
        const sc::GainRow& g = rows[i];
        Datum v[12];
        bool n[12] = {false};
        v[0] = Int32GetDatum(g.bin);
        v[1] = Int64GetDatum(g.customers);
        v[2] = Int64GetDatum(g.responders);
        v[3] = float8_or_null(g.response_rate, &n[3]);
        v[4] = float8_or_null(g.lift, &n[4]);
        v[5] = Int64GetDatum(g.cum_customers);
        v[6] = Int64GetDatum(g.cum_responders);
        v[7] = float8_or_null(g.cum_response_rate, &n[7]);
        v[8] = float8_or_null(g.cum_lift, &n[8]);
        v[9] = float8_or_null(g.cum_gain, &n[9]);
        v[10] = float8_or_null(g.min_score, &n[10]);
        v[11] = float8_or_null(g.max_score, &n[11]);
        out.add(v, n);
    }
    PG_RETURN_ARRAYTYPE_P(out.finish());
}

// ---- evaluation: c360.log_loss, c360.brier, c360.calibration (score_bins) -----------------------

namespace {

Datum bins_add(FunctionCallInfo fcinfo, std::int64_t kind) {
    void* state;
    if (PG_ARGISNULL(0)) {
        int bins = 0;
        if (kind == sc::kBinsCalibration) {
            if (PG_ARGISNULL(3)) c360::fail(ErrorCode::NullValueNotAllowed, "bins must not be NULL");
            bins = PG_GETARG_INT32(3);
            sc::check_bins(bins);
        }
        const std::size_t bytes = c360::packed_bytes(sc::kEvalInts, sc::bins_n_dbl(bins));
        state = palloc0(bytes);
        sc::bins_init(state, kind, bins);
        SET_VARSIZE(state, bytes);
    } else {
        state = writable_state(fcinfo, 0, sc::kBinsType);
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        ++c360::mut_of(state).ints[sc::kENSkipped];
    } else {
        sc::bins_add(c360::mut_of(state), PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2));
    }
    PG_RETURN_POINTER(state);
}

} // namespace

C360_FUNCTION(log_loss_add, "c360.log_loss") { return bins_add(fcinfo, sc::kBinsLogLoss); }
C360_FUNCTION(brier_add, "c360.brier") { return bins_add(fcinfo, sc::kBinsBrier); }
C360_FUNCTION(calibration_add, "c360.calibration") { return bins_add(fcinfo, sc::kBinsCalibration); }

C360_FUNCTION(score_bins_merge, "c360.score_bins_merge") {
    void* a = writable_state(fcinfo, 0, sc::kBinsType);
    sc::bins_combine(c360::mut_of(a), c360::view_of(packed_arg(fcinfo, 1, sc::kBinsType)));
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(score_bins_mean, "c360.score_bins_mean") {
    const auto m = sc::bins_mean(c360::view_of(packed_arg(fcinfo, 0, sc::kBinsType)));
    if (!m) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*m);
}

C360_FUNCTION(calibration_final, "c360.calibration") {
    const c360::PackedView s = c360::view_of(packed_arg(fcinfo, 0, sc::kBinsType));
    sc::CalibrationRow* rows = nullptr;
    int count = 0;
    {
        const auto c = sc::calibration(s);
        rows = pod_copy(c);
        count = static_cast<int>(c.size());
    }
    c360::pg::CompositeArray out = c360::pg::composite_array(fcinfo, count, 7, "c360.calibration_row");
    for (int i = 0; i < count; ++i) {
        const sc::CalibrationRow& r = rows[i];
        Datum v[7];
        bool n[7] = {false};
        v[0] = Int32GetDatum(r.bin);
        v[1] = Float8GetDatum(r.lower);
        v[2] = Float8GetDatum(r.upper);
        v[3] = Int64GetDatum(r.customers);
        v[4] = Int64GetDatum(r.responders);
        v[5] = float8_or_null(r.mean_score, &n[5]);
        v[6] = float8_or_null(r.observed_rate, &n[6]);
        out.add(v, n);
    }
    PG_RETURN_ARRAYTYPE_P(out.finish());
}
