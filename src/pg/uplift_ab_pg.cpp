// SQL glue for A/B statistics (src/core/uplift/ab, docs/uplift.md): assignment, the c360.ab_state
// type and the lift aggregates, the sample-ratio-mismatch test and the planning functions.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bridge.hpp"
#include "arrays.hpp"
#include "common_fixed_pg.hpp"
#include "tuples.hpp"
#include "uplift/ab.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"
}

using c360::ErrorCode;
namespace up = c360::uplift;

namespace {

std::string_view text_view(text* t) { return {VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)}; }

using c360::pg::float8_or_null;

// A one-dimensional float8[] without NULLs, copied into out (at most max values).
int float8_array_arg(FunctionCallInfo fcinfo, int argno, double* out, int max, const char* what) {
    const c360::pg::ArrayView<double> v = c360::pg::float8_view(PG_GETARG_ARRAYTYPE_P(argno), what);
    if (v.n > max) {
        c360::fail(ErrorCode::ProgramLimitExceeded, std::string(what) + ": at most " + std::to_string(max) + " values");
    }
    if (v.n > 0) {
        std::memcpy(out, v.data, static_cast<size_t>(v.n) * sizeof(double));
    }
    return v.n;
}

constexpr int kMaxArms = 100;

} // namespace

// ---- assignment ----------------------------------------------------------------------------

// c360.hash_bucket(salt text, id text, version int4) -> float8 in [0, 1)
C360_FUNCTION(hash_bucket, "c360.hash_bucket") {
    const int version = PG_GETARG_INT32(2);
    if (version != 1 && version != 2) {
        c360::fail(ErrorCode::InvalidParameter, "hash version must be 1 or 2");
    }
    const std::string_view salt = text_view(PG_GETARG_TEXT_PP(0));
    const std::string_view id = text_view(PG_GETARG_TEXT_PP(1));
    PG_RETURN_FLOAT8(version == 2 ? up::hash_v2(salt, id) : up::hash_v1(salt, id));
}

// c360.assign_group(customer_id text, salt text, control_share float8) -> 'control' | 'treatment'
C360_FUNCTION(assign_group, "c360.assign_group") {
    const double share = PG_GETARG_FLOAT8(2);
    if (!std::isfinite(share) || share < 0 || share > 1) {
        c360::fail(ErrorCode::InvalidParameter, "control_share must be between 0 and 1");
    }
    const double bucket = up::hash_v2(text_view(PG_GETARG_TEXT_PP(1)), text_view(PG_GETARG_TEXT_PP(0)));
    PG_RETURN_TEXT_P(cstring_to_text(bucket < share ? "control" : "treatment"));
}

// c360.assign_arm(customer_id text, salt text, arms text[], weights float8[]) -> text
C360_FUNCTION(assign_arm, "c360.assign_arm") {
    const c360::pg::TextArray arms = c360::pg::text_array(PG_GETARG_ARRAYTYPE_P(2), "arms", c360::pg::Nulls::Allow);
    const Datum* names = arms.items;
    const bool* nulls = arms.nulls;
    const int n = arms.n;
    double weights[kMaxArms];
    const int nw = float8_array_arg(fcinfo, 3, weights, kMaxArms, "weights");
    if (n == 0 || nw != n) {
        c360::fail(ErrorCode::InvalidParameter, "arms and weights must be non-empty and of the same length");
    }
    for (int i = 0; i < n; ++i) {
        if (nulls[i]) {
            c360::fail(ErrorCode::InvalidParameter, "arm names must not be NULL");
        }
    }
    const double bucket = up::hash_v2(text_view(PG_GETARG_TEXT_PP(1)), text_view(PG_GETARG_TEXT_PP(0)));
    int arm = 0;
    {
        const std::vector<double> w(weights, weights + nw);
        arm = up::choose_arm(bucket, w);
    }
    PG_RETURN_DATUM(names[arm]);
}

// ---- the c360.ab_state type ----------------------------------------------------------------

C360_STATE_TYPE_IO(ab_state, up::kAbStateType)

// ---- lift aggregates -------------------------------------------------------------------------

namespace {

// Transition (state, treated, outcome[, covariate][, confidence]): `kind` 1 binary, 2 mean, 3 CUPED.
Datum ab_add(FunctionCallInfo fcinfo, std::uint32_t kind) {
    const int covariate_arg = kind == 3 ? 3 : -1;
    const int conf_arg = kind == 3 ? 4 : 3;
    double confidence = 0.95;
    if (PG_NARGS() > conf_arg) {
        if (PG_ARGISNULL(conf_arg)) {
            c360::fail(ErrorCode::NullValueNotAllowed, "confidence must not be NULL");
        }
        confidence = PG_GETARG_FLOAT8(conf_arg);
    }
    up::AbState* s;
    if (PG_ARGISNULL(0)) {
        s = c360::pg::palloc_copy(up::make_state(confidence, kind));
    } else {
        s = c360::pg::writable_arg<up::AbState>(fcinfo, 0);
        if (s->confidence != confidence) {
            c360::fail(ErrorCode::InvalidParameter, "confidence must be the same for every row of a group");
        }
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || (covariate_arg > 0 && PG_ARGISNULL(covariate_arg))) {
        s->skipped += 1;
        PG_RETURN_POINTER(s);
    }
    const bool treated = PG_GETARG_BOOL(1);
    const double y = kind == 1 ? (PG_GETARG_BOOL(2) ? 1.0 : 0.0) : PG_GETARG_FLOAT8(2);
    const double x = covariate_arg > 0 ? PG_GETARG_FLOAT8(covariate_arg) : 0.0;
    up::add_row(*s, treated, y, x);
    PG_RETURN_POINTER(s);
}

const up::AbState* final_state(FunctionCallInfo fcinfo, std::uint32_t kind) {
    const up::AbState* s = c360::pg::const_arg<up::AbState>(fcinfo, 0);
    if (s->kind != kind) {
        c360::fail(ErrorCode::InvalidParameter, "the state was built by another lift aggregate");
    }
    return s;
}

constexpr int kBinaryFields = 22;
constexpr int kMeanFields = 23;

} // namespace

C360_FUNCTION(ab_add_binary, "c360.lift_binary") { return ab_add(fcinfo, 1); }
C360_FUNCTION(ab_add_mean, "c360.lift_mean") { return ab_add(fcinfo, 2); }
C360_FUNCTION(ab_add_cuped, "c360.lift_cuped") { return ab_add(fcinfo, 3); }

C360_FUNCTION(ab_merge, "c360.ab_merge") {
    up::AbState* a = c360::pg::writable_arg<up::AbState>(fcinfo, 0);
    up::merge(*a, *c360::pg::const_arg<up::AbState>(fcinfo, 1));
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(lift_binary_final, "c360.lift_binary") {
    const up::AbState* s = final_state(fcinfo, 1);
    const up::BinaryResult r = up::binary_result(*s);
    const double v[] = {r.n_control, r.n_treatment, r.conversions_control, r.conversions_treatment,
                        r.rate_control, r.rate_treatment, r.abs_lift, r.rel_lift, r.z, r.p_value,
                        r.wald_lower, r.wald_upper, r.newcombe_lower, r.newcombe_upper,
                        r.rel_lower, r.rel_upper, r.rel_p_value, r.incremental_conversions,
                        r.incremental_lower, r.incremental_upper, r.confidence, s->skipped};
    static_assert(sizeof v / sizeof v[0] == kBinaryFields);
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kBinaryFields, "c360.lift_binary_result");
    Datum values[kBinaryFields];
    bool nulls[kBinaryFields];
    for (int i = 0; i < kBinaryFields; ++i) {
        values[i] = float8_or_null(v[i], &nulls[i]);
        if (i < 4 || i == kBinaryFields - 1) { // counts are int8
            values[i] = Int64GetDatum(static_cast<int64>(v[i]));
        }
    }
    return c360::pg::composite_datum(td, values, nulls);
}

namespace {

Datum mean_final(FunctionCallInfo fcinfo, bool cuped) {
    const up::AbState* s = final_state(fcinfo, cuped ? 3 : 2);
    const up::MeanResult r = up::mean_result(*s, cuped);
    const double v[] = {r.n_control, r.n_treatment, r.mean_control, r.mean_treatment, r.sd_control, r.sd_treatment,
                        r.diff, r.std_err, r.t, r.df, r.p_value, r.lower, r.upper,
                        r.rel_lift, r.rel_lower, r.rel_upper, r.rel_p_value,
                        r.incremental_total, r.incremental_lower, r.incremental_upper,
                        r.theta, r.variance_reduction, r.confidence};
    static_assert(sizeof v / sizeof v[0] == kMeanFields);
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kMeanFields + 1, "c360.lift_mean_result");
    Datum values[kMeanFields + 1];
    bool nulls[kMeanFields + 1];
    for (int i = 0; i < kMeanFields; ++i) {
        values[i] = float8_or_null(v[i], &nulls[i]);
        if (i < 2) {
            values[i] = Int64GetDatum(static_cast<int64>(v[i]));
        }
    }
    values[kMeanFields] = Int64GetDatum(static_cast<int64>(s->skipped));
    nulls[kMeanFields] = false;
    return c360::pg::composite_datum(td, values, nulls);
}

} // namespace

C360_FUNCTION(lift_mean_final, "c360.lift_mean") { return mean_final(fcinfo, false); }
C360_FUNCTION(lift_cuped_final, "c360.lift_cuped") { return mean_final(fcinfo, true); }

// ---- checks and planning ---------------------------------------------------------------------

// c360.srm_test(observed int8[], weights float8[]) -> (chi2, df, p_value)
C360_FUNCTION(srm_test, "c360.srm_test") {
    // not STRICT (weights may be NULL: equal weights): the counts are checked here
    if (PG_ARGISNULL(0)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "observed must not be NULL");
    }
    const c360::pg::ArrayView<int64> counts = c360::pg::array_arg<int64>(PG_GETARG_ARRAYTYPE_P(0), "observed");
    const int n = counts.n;
    if (n > kMaxArms) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "at most 100 arms");
    }
    double observed[kMaxArms];
    for (int i = 0; i < n; ++i) {
        observed[i] = static_cast<double>(counts.data[i]);
    }
    double weights[kMaxArms];
    const int nw = PG_ARGISNULL(1) ? 0 : float8_array_arg(fcinfo, 1, weights, kMaxArms, "weights");
    up::SrmResult r{};
    {
        const std::vector<double> o(observed, observed + n);
        const std::vector<double> w(weights, weights + nw);
        r = up::srm(o, w);
    }
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, 3, "c360.srm_result");
    Datum values[3] = {Float8GetDatum(r.chi2), Int32GetDatum(static_cast<int32>(r.df)), Float8GetDatum(r.p_value)};
    bool nulls[3] = {false, false, false};
    return c360::pg::composite_datum(td, values, nulls);
}

C360_FUNCTION(sample_size, "c360.sample_size") {
    PG_RETURN_FLOAT8(up::sample_size(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
                                     PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4)));
}

C360_FUNCTION(power, "c360.power") {
    PG_RETURN_FLOAT8(up::power_of(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
                                  PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4)));
}

C360_FUNCTION(mde, "c360.mde") {
    const double v = up::minimum_detectable_effect(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
                                                   PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4));
    if (std::isnan(v)) {
        PG_RETURN_NULL();
    }
    PG_RETURN_FLOAT8(v);
}
