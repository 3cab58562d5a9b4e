// SQL glue for the uplift curves (src/core/uplift/curves, docs/uplift.md): the c360.uplift_sample
// type (the scored rows of a group) and the qini / uplift AUC, uplift@k, per-percentile and curve
// aggregates.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bridge.hpp"
#include "common_packed_pg.hpp"
#include "tuples.hpp"
#include "uplift/curves.hpp"

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
using namespace c360::pg;

// ---- c360.uplift_sample: the rows behind the uplift curves -----------------------------------

namespace {

const c360::PackedType& kSample = up::kSampleType;

Datum uplift_add(FunctionCallInfo fcinfo, double param) {
    void* s;
    if (PG_ARGISNULL(0)) {
        s = new_state(kSample, 1);
        c360::mut_of(s).dbl[up::kSampleParam] = param;
    } else {
        s = writable_state(fcinfo, 0, kSample);
        if (c360::view_of(s).dbl[up::kSampleParam] != param) {
            c360::fail(ErrorCode::InvalidParameter, "k, bins or points must be the same for every row of a group");
        }
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
        PG_RETURN_POINTER(s); // rows without a score, a group or an outcome are not evaluated
    }
    const up::UpliftRow row{PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2) ? 1.0 : 0.0, PG_GETARG_BOOL(3) ? 1.0 : 0.0};
    up::check_row(row);
    PG_RETURN_POINTER(append_values(s, kSample, &row.score, 3));
}

// The declared type of the fifth argument (int4 bins / points, float8 k), read from the catalog entry
// of the function called (fn_oid), once per call site: Citus calls a transition function for a
// partial aggregate without an expression, so get_fn_expr_argtype would say nothing.
Oid param_type(FunctionCallInfo fcinfo) {
    auto* cached = static_cast<Oid*>(fcinfo->flinfo->fn_extra);
    if (cached == nullptr) {
        const Oid t = declared_argtype(fcinfo, 4);
        cached = static_cast<Oid*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid)));
        *cached = t;
        fcinfo->flinfo->fn_extra = cached;
    }
    return *cached;
}

double param_arg(FunctionCallInfo fcinfo, const char* what) {
    if (PG_NARGS() < 5) {
        return 0;
    }
    if (PG_ARGISNULL(4)) {
        c360::fail(ErrorCode::NullValueNotAllowed, std::string(what) + " must not be NULL");
    }
    const double param = param_type(fcinfo) == INT4OID ? static_cast<double>(PG_GETARG_INT32(4)) : PG_GETARG_FLOAT8(4);
    if (!std::isfinite(param)) {
        // a non-finite k would be stored in the sample, which its final function then refuses
        c360::fail(ErrorCode::InvalidParameter, std::string(what) + " must be finite (k, bins or points)");
    }
    return param;
}

} // namespace

C360_STATE_TYPE_IO(uplift_sample, up::kSampleType)

C360_FUNCTION(uplift_add, "c360.uplift_add") { return uplift_add(fcinfo, param_arg(fcinfo, "parameter")); }

C360_FUNCTION(uplift_merge, "c360.uplift_merge") {
    void* a = writable_state(fcinfo, 0, kSample);
    const c360::PackedView b = c360::view_of(packed_arg(fcinfo, 1, kSample));
    if (c360::view_of(a).dbl[up::kSampleParam] != b.dbl[up::kSampleParam]) {
        c360::fail(ErrorCode::InvalidParameter, "cannot merge uplift samples with different parameters");
    }
    PG_RETURN_POINTER(append_rows(a, kSample, b));
}

namespace {

// The rows of a final state, validated (a state can come from text input or from disk).
struct Sample {
    std::size_t count;
    const up::UpliftRow* rows;
    double param;
};

Sample final_sample(FunctionCallInfo fcinfo) {
    const c360::PackedView v = c360::view_of(packed_arg(fcinfo, 0, kSample));
    return {c360::packed_rows(v, kSample), up::sample_rows(v), v.dbl[up::kSampleParam]};
}

enum class Metric { Qini, Uplift, AtK };

Datum scalar_metric(FunctionCallInfo fcinfo, Metric metric) {
    const Sample s = final_sample(fcinfo);
    if (s.count == 0) {
        PG_RETURN_NULL();
    }
    double v;
    {
        std::vector<up::UpliftRow> rows(s.rows, s.rows + s.count);
        v = metric == Metric::Qini     ? up::qini_auc(rows)
            : metric == Metric::Uplift ? up::uplift_auc(rows)
                                       : up::uplift_at_k(rows, s.param);
    }
    if (std::isnan(v)) {
        PG_RETURN_NULL();
    }
    PG_RETURN_FLOAT8(v);
}

constexpr int kMaxFields = 10;

// Rows of `fields` doubles (NaN: NULL), the first `int_fields` of them int4, as an array of the
// function's composite element type.
Datum rows_of_doubles(FunctionCallInfo fcinfo, const double* values, int rows, int fields, int int_fields,
                      const char* type_name) {
    c360::pg::CompositeArray out = c360::pg::composite_array(fcinfo, rows, fields, type_name);
    Datum v[kMaxFields];
    bool n[kMaxFields];
    for (int r = 0; r < rows; ++r) {
        for (int f = 0; f < fields; ++f) {
            const double x = values[r * fields + f];
            v[f] = c360::pg::float8_or_null(x, &n[f]);
            if (f < int_fields && !n[f]) {
                v[f] = Int32GetDatum(static_cast<int32>(x));
            }
        }
        out.add(v, n);
    }
    PG_RETURN_ARRAYTYPE_P(out.finish());
}

constexpr int kBinFields = 10;
constexpr int kPointFields = 10;
static_assert(kBinFields <= kMaxFields && kPointFields <= kMaxFields);

} // namespace

C360_FUNCTION(qini_auc_final, "c360.qini_auc") { return scalar_metric(fcinfo, Metric::Qini); }
C360_FUNCTION(uplift_auc_final, "c360.uplift_auc") { return scalar_metric(fcinfo, Metric::Uplift); }
C360_FUNCTION(uplift_at_k_final, "c360.uplift_at_k") { return scalar_metric(fcinfo, Metric::AtK); }

C360_FUNCTION(uplift_by_percentile_final, "c360.uplift_by_percentile") {
    const Sample s = final_sample(fcinfo);
    if (s.count == 0) {
        PG_RETURN_NULL();
    }
    const int bins = static_cast<int>(s.param);
    if (bins < 1 || bins > 1000) {
        c360::fail(ErrorCode::InvalidParameter, "bins must be between 1 and 1000");
    }
    double* out = static_cast<double*>(palloc(sizeof(double) * kBinFields * bins));
    {
        std::vector<up::UpliftRow> rows(s.rows, s.rows + s.count);
        const auto result = up::by_percentile(rows, bins);
        for (int b = 0; b < bins; ++b) {
            const up::PercentileBin& p = result[static_cast<size_t>(b)];
            const double v[kBinFields] = {static_cast<double>(p.bin), p.counts.n_treatment, p.counts.n_control,
                                          p.counts.conv_treatment, p.counts.conv_control, p.rate_treatment,
                                          p.rate_control, p.uplift, p.std_err,
                                          p.counts.n_treatment + p.counts.n_control};
            std::memcpy(out + b * kBinFields, v, sizeof v);
        }
    }
    return rows_of_doubles(fcinfo, out, bins, kBinFields, 1, "c360.uplift_bin");
}

C360_FUNCTION(uplift_curve_final, "c360.uplift_curve") {
    const Sample s = final_sample(fcinfo);
    if (s.count == 0) {
        PG_RETURN_NULL();
    }
    const int points = static_cast<int>(s.param);
    if (points < 1 || points > 100000) {
        c360::fail(ErrorCode::InvalidParameter, "points must be between 1 and 100000");
    }
    double* out = static_cast<double*>(palloc(sizeof(double) * kPointFields * (points + 1)));
    const double n = static_cast<double>(s.count);
    {
        std::vector<up::UpliftRow> rows(s.rows, s.rows + s.count);
        const auto result = up::curve(rows, points);
        for (int i = 0; i <= points; ++i) {
            const up::CurvePoint& p = result[static_cast<size_t>(i)];
            const double v[kPointFields] = {static_cast<double>(i), p.position / n, p.position,
                                            p.counts.n_treatment, p.counts.n_control, p.counts.conv_treatment,
                                            p.counts.conv_control, p.qini, p.uplift_gain, p.random_qini};
            std::memcpy(out + i * kPointFields, v, sizeof v);
        }
    }
    return rows_of_doubles(fcinfo, out, points + 1, kPointFields, 1, "c360.uplift_point");
}
