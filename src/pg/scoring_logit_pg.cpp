// SQL glue for logistic regression (src/core/scoring/logit): c360.logit_fit, the iterated
// c360.logit_train path (c360.logit_step, c360.logit_update), scoring, summaries and c360.one_hot.
#include <algorithm>
#include <cstddef>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "common_packed_pg.hpp"
#include "tuples.hpp"
#include "scoring/logit.hpp"

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

namespace {

// ---- arguments ----------------------------------------------------------------------------------

// The features of a row (float8[]). Returns false when an element is NULL (the row is skipped).
bool float8_array(FunctionCallInfo fcinfo, int argno, const double*& data, int& k) {
    const c360::pg::ArrayView<double> v =
        c360::pg::float8_view(PG_GETARG_ARRAYTYPE_P(argno), "the feature array", c360::pg::Nulls::Allow, "one-dimensional");
    data = v.data;
    k = v.n;
    return !v.has_nulls();
}

sc::Options options_arg(FunctionCallInfo fcinfo, int argno) {
    sc::Options o;
    if (PG_NARGS() <= argno) {
        return o;
    }
    if (PG_ARGISNULL(argno)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "options must not be NULL", {}, "Use c360.logit_options().");
    }
    HeapTupleHeader t = PG_GETARG_HEAPTUPLEHEADER(argno);
    bool isnull[5];
    const Datum intercept = GetAttributeByNum(t, 1, &isnull[0]);
    const Datum l2 = GetAttributeByNum(t, 2, &isnull[1]);
    const Datum max_iter = GetAttributeByNum(t, 3, &isnull[2]);
    const Datum tol = GetAttributeByNum(t, 4, &isnull[3]);
    const Datum standardize = GetAttributeByNum(t, 5, &isnull[4]);
    for (bool n : isnull) {
        if (n) {
            c360::fail(ErrorCode::NullValueNotAllowed, "no field of c360.logit_options may be NULL");
        }
    }
    o.intercept = DatumGetBool(intercept);
    o.l2 = DatumGetFloat8(l2);
    o.max_iterations = DatumGetInt32(max_iter);
    o.tolerance = DatumGetFloat8(tol);
    o.standardize = DatumGetBool(standardize);
    sc::check_options(o);
    return o;
}

} // namespace

// ---- the types ----------------------------------------------------------------------------------

C360_STATE_TYPE_IO(logit_model, sc::kModelType)
C360_STATE_TYPE_IO(logit_rows, sc::kRowsType)
C360_STATE_TYPE_IO(logit_stats, sc::kStatsType)

// ---- c360.logit_fit: rows kept in the state, Newton in the final function -----------------------

// c360.logit_fit_add(state, y, x [, options])
C360_FUNCTION(logit_fit_add, "c360.logit_fit") {
    void* state;
    if (PG_ARGISNULL(0)) {
        const sc::Options o = options_arg(fcinfo, 3);
        state = new_state(sc::kRowsType, sc::kRowsHeaderDbl);
        sc::rows_init(state, o, 0, c360::view_of(state).h->cap_dbl);
    } else {
        state = writable_state(fcinfo, 0, sc::kRowsType);
    }
    const double* x = nullptr;
    int k = 0;
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || !float8_array(fcinfo, 2, x, k)) {
        ++c360::mut_of(state).ints[sc::kRNSkipped];
        PG_RETURN_POINTER(state);
    }
    sc::check_feature_count(k);
    if (!sc::rows_accept(c360::view_of(state), x, k)) {
        ++c360::mut_of(state).ints[sc::kRNSkipped];
        PG_RETURN_POINTER(state);
    }
    state = reserve(state, sc::kRowsType, static_cast<std::size_t>(k) + 1);
    c360::PackedMut m = c360::mut_of(state);
    double* row = m.dbl + m.h->n_dbl;
    row[0] = PG_GETARG_BOOL(1) ? 1.0 : 0.0;
    std::memcpy(row + 1, x, sizeof(double) * static_cast<std::size_t>(k));
    m.h->n_dbl += static_cast<std::uint64_t>(k) + 1;
    m.ints[sc::kRK] = k;
    ++m.ints[sc::kRNRows];
    PG_RETURN_POINTER(state);
}

C360_FUNCTION(logit_rows_merge, "c360.logit_fit") {
    void* a = writable_state(fcinfo, 0, sc::kRowsType);
    const c360::PackedView b = c360::view_of(packed_arg(fcinfo, 1, sc::kRowsType));
    sc::rows_combine_check(c360::view_of(a), b);
    const std::size_t extra = b.n_dbl() - sc::kRowsHeaderDbl;
    a = reserve(a, sc::kRowsType, extra);
    c360::PackedMut m = c360::mut_of(a);
    std::memcpy(m.dbl + m.h->n_dbl, b.dbl + sc::kRowsHeaderDbl, sizeof(double) * extra);
    m.h->n_dbl += extra;
    if (m.ints[sc::kRK] == 0) m.ints[sc::kRK] = b.ints[sc::kRK];
    m.ints[sc::kRNRows] += b.ints[sc::kRNRows];
    m.ints[sc::kRNSkipped] += b.ints[sc::kRNSkipped];
    PG_RETURN_POINTER(a);
}

namespace {

// Raises the model's warnings (separation, aliasing, no convergence) as a WARNING.
void warn_about(const void* model) {
    char text[1024];
    text[0] = '\0';
    {
        const c360::PackedView v = c360::view_of(model);
        if (!sc::model_done(v)) return;
        const sc::Summary s = sc::summarize(v);
        std::string all;
        for (const auto& w : s.warnings) all += (all.empty() ? "" : "; ") + w;
        snprintf(text, sizeof text, "%s", all.c_str());
    }
    if (text[0] != '\0') {
        ereport(WARNING, (errmsg("c360 logistic regression: %s", text),
                          errhint("Add an L2 penalty (c360.logit_options(l2 => 1.0)) or drop redundant or "
                                  "separating features; see c360.logit_summary().")));
    }
}

} // namespace

C360_FUNCTION(logit_fit_final, "c360.logit_fit") {
    const c360::PackedView rows = c360::view_of(packed_arg(fcinfo, 0, sc::kRowsType));
    void* mem = nullptr;
    {
        const c360::PackedBuffer model = sc::fit_rows(rows);
        mem = packed_datum(model);
    }
    warn_about(mem);
    PG_RETURN_POINTER(mem);
}

// ---- the iterated path: c360.logit_step (fixed-size statistics) + c360.logit_update ------------

namespace {

void* new_stats(const c360::PackedView& model, int k, std::int64_t skipped) {
    const bool intercept = model.ints[sc::kMFlags] & sc::kFlagIntercept;
    const std::size_t bytes = c360::packed_bytes(sc::kStatsInts, sc::stats_n_dbl(k, intercept));
    void* mem = palloc0(bytes);
    sc::stats_init(mem, model, k);
    c360::mut_of(mem).ints[sc::kSNSkipped] = skipped;
    SET_VARSIZE(mem, bytes);
    return mem;
}

} // namespace

// c360.logit_step_add(state, y, x, model)
C360_FUNCTION(logit_step_add, "c360.logit_step") {
    if (PG_ARGISNULL(3)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "model must not be NULL", {}, "Start from c360.logit_start().");
    }
    const double* x = nullptr;
    int k = 0;
    const bool usable = !PG_ARGISNULL(1) && !PG_ARGISNULL(2) && float8_array(fcinfo, 2, x, k);
    void* state;
    if (PG_ARGISNULL(0)) {
        const c360::PackedView model = c360::view_of(packed_arg(fcinfo, 3, sc::kModelType));
        if (sc::model_done(model)) {
            c360::fail(ErrorCode::InvalidParameter, "the model is already trained");
        }
        const int mk = sc::model_features(model);
        state = new_stats(model, usable ? sc::stats_features_for(model, k) : mk, 0);
    } else {
        state = writable_state(fcinfo, 0, sc::kStatsType);
    }
    c360::PackedMut s = c360::mut_of(state);
    if (!usable) {
        sc::stats_skip(s);
        PG_RETURN_POINTER(state);
    }
    if (s.ints[sc::kSK] == 0) { // only skipped rows so far: the first real row fixes k
        const c360::PackedView model = c360::view_of(packed_arg(fcinfo, 3, sc::kModelType));
        state = new_stats(model, sc::stats_features_for(model, k), s.ints[sc::kSNSkipped]);
        s = c360::mut_of(state);
    }
    sc::stats_add(s, PG_GETARG_BOOL(1), x, k);
    PG_RETURN_POINTER(state);
}

C360_FUNCTION(logit_stats_merge, "c360.logit_stats_merge") {
    const c360::PackedView b = c360::view_of(packed_arg(fcinfo, 1, sc::kStatsType));
    void* a = writable_state(fcinfo, 0, sc::kStatsType);
    c360::PackedMut m = c360::mut_of(a);
    if (m.ints[sc::kSK] == 0 && b.ints[sc::kSK] != 0) {
        // a has only counted skipped rows: the result is b plus those
        void* out = palloc(VARSIZE(b.h));
        std::memcpy(out, b.h, VARSIZE(b.h));
        c360::mut_of(out).ints[sc::kSNSkipped] += m.ints[sc::kSNSkipped];
        PG_RETURN_POINTER(out);
    }
    if (b.ints[sc::kSK] == 0) {
        m.ints[sc::kSNSkipped] += b.ints[sc::kSNSkipped];
    } else {
        sc::stats_combine(m, b);
    }
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(logit_start, "c360.logit_start") {
    const sc::Options o = options_arg(fcinfo, 0);
    void* mem = nullptr;
    {
        const c360::PackedBuffer model = sc::model_start(o);
        mem = packed_datum(model);
    }
    PG_RETURN_POINTER(mem);
}

C360_FUNCTION(logit_update, "c360.logit_update") {
    if (PG_ARGISNULL(0)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "model must not be NULL");
    }
    if (PG_ARGISNULL(1)) {
        c360::fail(ErrorCode::InvalidParameter, "no rows to fit", {}, "The training query returned no rows.");
    }
    const c360::PackedView model = c360::view_of(packed_arg(fcinfo, 0, sc::kModelType));
    const c360::PackedView stats = c360::view_of(packed_arg(fcinfo, 1, sc::kStatsType));
    void* mem = nullptr;
    {
        const c360::PackedBuffer next = sc::model_update(model, stats);
        mem = packed_datum(next);
    }
    warn_about(mem);
    PG_RETURN_POINTER(mem);
}

C360_FUNCTION(logit_done, "c360.logit_done") {
    PG_RETURN_BOOL(sc::model_done(c360::view_of(packed_arg(fcinfo, 0, sc::kModelType))));
}

// ---- scoring and reporting ----------------------------------------------------------------------

namespace {

// The last model validated by this call site (copied in fn_mcxt): scoring a table with one model
// checks it once, not once per row. A different model (other bytes) is checked again.
struct PredictCache {
    const void* source; // the argument's pointer when it is a constant or parameter of the query
    std::size_t bytes;
    char data[FLEXIBLE_ARRAY_MEMBER];
};

const void* predict_model(FunctionCallInfo fcinfo) {
    const void* raw = DatumGetPointer(PG_GETARG_DATUM(0));
    auto* cache = static_cast<PredictCache*>(fcinfo->flinfo->fn_extra);
    if (cache != nullptr && cache->source == raw && raw != nullptr) {
        return cache->data; // same Const/Param datum as before: already checked (and detoasted)
    }
    struct varlena* v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
    const std::size_t bytes = VARSIZE(v);
    if (cache != nullptr && cache->bytes == bytes && std::memcmp(cache->data, v, bytes) == 0) {
        return v;
    }
    c360::check_packed(v, bytes, sc::kModelType, ErrorCode::DataCorrupted);
    if (cache == nullptr || cache->bytes < bytes) {
        cache = static_cast<PredictCache*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, offsetof(PredictCache, data) + bytes));
        fcinfo->flinfo->fn_extra = cache;
    }
    cache->bytes = bytes;
    std::memcpy(cache->data, v, bytes);
    cache->source = get_fn_expr_arg_stable(fcinfo->flinfo, 0) ? raw : nullptr;
    return v;
}

} // namespace

C360_FUNCTION(logit_predict, "c360.logit_predict") {
    const c360::PackedView model = c360::view_of(predict_model(fcinfo));
    const double* x = nullptr;
    int k = 0;
    if (!float8_array(fcinfo, 1, x, k)) {
        PG_RETURN_NULL();
    }
    const double p = sc::predict(model, x, k);
    if (std::isnan(p)) {
        PG_RETURN_NULL();
    }
    PG_RETURN_FLOAT8(p);
}

C360_FUNCTION(logit_coef, "c360.logit_coef") {
    const c360::PackedView model = c360::view_of(packed_arg(fcinfo, 0, sc::kModelType));
    const sc::ModelLayout l = sc::layout_of_model(model);
    PG_RETURN_ARRAYTYPE_P(c360::pg::new_float8_array(model.dbl + l.coef, l.p));
}

namespace {
constexpr int kTermColumns = 10;
constexpr int kInfoColumns = 17;
} // namespace

// c360.logit_terms(model, names text[]) -> SETOF (term_no, term, coef, std_err, z, p_value,
// odds_ratio, odds_ratio_lower, odds_ratio_upper, aliased)
C360_FUNCTION(logit_terms, "c360.logit_summary") {
    if (PG_ARGISNULL(0)) {
        InitMaterializedSRF(fcinfo, 0); // no model, no terms
        return (Datum)0;
    }
    const c360::PackedView model = c360::view_of(packed_arg(fcinfo, 0, sc::kModelType));
    const int k = sc::model_features(model);
    Datum* names = nullptr;
    bool* name_nulls = nullptr;
    if (!PG_ARGISNULL(1)) {
        const c360::pg::TextArray a = c360::pg::text_array(PG_GETARG_ARRAYTYPE_P(1), "names", c360::pg::Nulls::Allow);
        names = a.items;
        name_nulls = a.nulls;
        if (a.n != k) {
            c360::fail(ErrorCode::InvalidParameter, "names must have one entry per feature (" + std::to_string(k) + ")");
        }
    }
    sc::Term* terms = nullptr;
    int p = 0;
    bool intercept = false;
    {
        const sc::Summary s = sc::summarize(model);
        terms = pod_copy(s.terms);
        p = static_cast<int>(s.terms.size());
        intercept = s.intercept;
    }
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (int j = 0; j < p; ++j) {
        Datum v[kTermColumns];
        bool n[kTermColumns] = {false};
        const sc::Term& t = terms[j];
        const int feature = j - (intercept ? 1 : 0); // -1 for the intercept
        v[0] = Int32GetDatum(j);
        if (feature < 0) {
            v[1] = CStringGetTextDatum("(Intercept)");
        } else if (names != nullptr && !name_nulls[feature]) {
            v[1] = names[feature];
        } else {
            v[1] = CStringGetTextDatum(psprintf("x%d", feature + 1));
        }
        v[2] = Float8GetDatum(t.coef);
        v[3] = Float8GetDatum(t.std_err);
        v[4] = Float8GetDatum(t.z);
        v[5] = Float8GetDatum(t.p_value);
        v[6] = Float8GetDatum(t.odds_ratio);
        v[7] = Float8GetDatum(t.or_lower);
        v[8] = Float8GetDatum(t.or_upper);
        v[9] = BoolGetDatum(t.aliased);
        if (t.aliased) {
            for (int c = 2; c <= 8; ++c) n[c] = true; // like R's NA for aliased coefficients
        }
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
    }
    return (Datum)0;
}

// c360.logit_info(model) -> c360.logit_info (model-level statistics)
C360_FUNCTION(logit_info, "c360.logit_info") {
    const c360::PackedView model = c360::view_of(packed_arg(fcinfo, 0, sc::kModelType));
    Datum v[kInfoColumns];
    bool n[kInfoColumns] = {false};
    char status[32];
    char warnings[1024];
    double dbl[6];
    std::int64_t ints[7];
    bool flags[3];
    {
        const sc::Summary s = sc::summarize(model);
        snprintf(status, sizeof status, "%s", s.status.c_str());
        std::string all;
        for (const auto& w : s.warnings) all += (all.empty() ? "" : "; ") + w;
        snprintf(warnings, sizeof warnings, "%s", all.c_str());
        const double d[6] = {s.log_likelihood, s.null_deviance, s.deviance, s.aic, s.condition_number, s.l2};
        std::memcpy(dbl, d, sizeof d);
        const std::int64_t i[7] = {s.features, s.iterations, s.n_used, s.n_skipped, s.n_positive, s.n_aliased,
                                   s.n_extreme};
        std::memcpy(ints, i, sizeof i);
        flags[0] = s.intercept;
        flags[1] = s.standardized;
        flags[2] = s.converged;
    }
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kInfoColumns, "c360.logit_info");
    v[0] = Int32GetDatum(static_cast<int32>(ints[0]));
    v[1] = BoolGetDatum(flags[0]);
    v[2] = BoolGetDatum(flags[1]);
    v[3] = Float8GetDatum(dbl[5]);
    v[4] = CStringGetTextDatum(status);
    v[5] = BoolGetDatum(flags[2]);
    v[6] = Int32GetDatum(static_cast<int32>(ints[1]));
    v[7] = Int64GetDatum(ints[2]);
    v[8] = Int64GetDatum(ints[3]);
    v[9] = Int64GetDatum(ints[4]);
    v[10] = Float8GetDatum(dbl[0]);
    v[11] = Float8GetDatum(dbl[1]);
    v[12] = Float8GetDatum(dbl[2]);
    v[13] = Float8GetDatum(dbl[3]);
    v[14] = Float8GetDatum(dbl[4]);
    v[15] = Int32GetDatum(static_cast<int32>(ints[5]));
    v[16] = CStringGetTextDatum(warnings);
    n[16] = warnings[0] == '\0';
    return c360::pg::composite_datum(td, v, n);
}

// ---- feature helpers ----------------------------------------------------------------------------

// c360.one_hot(value text, vocabulary text[], drop_first boolean) -> float8[]
// One indicator per vocabulary entry (the first one left out when drop_first: the reference
// level). NULL value -> NULL (the row is skipped by training); a value outside the vocabulary is
// an error.
C360_FUNCTION(one_hot, "c360.one_hot") {
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "vocabulary and drop_first must not be NULL");
    }
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    text* value = PG_GETARG_TEXT_PP(0);
    ArrayType* vocab = PG_GETARG_ARRAYTYPE_P(1);
    const bool drop_first = PG_GETARG_BOOL(2);
    const c360::pg::TextArray vocabulary = c360::pg::text_array(vocab, "the vocabulary", c360::pg::Nulls::Allow,
                                                                "a one-dimensional array of at least 2 values");
    const Datum* items = vocabulary.items;
    const bool* nulls = vocabulary.nulls;
    const int n = vocabulary.n;
    if (n == 0 || (drop_first && n < 2)) {
        vocabulary.reject();
    }
    if (n - 1 > sc::kMaxFeatures) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "vocabulary too large (over " + std::to_string(sc::kMaxFeatures) + " values)");
    }
    const char* v = VARDATA_ANY(value);
    const int vlen = VARSIZE_ANY_EXHDR(value);
    int found = -1;
    for (int i = 0; i < n; ++i) {
        if (nulls[i]) c360::fail(ErrorCode::NullValueNotAllowed, "the vocabulary must not contain NULL");
        text* t = DatumGetTextPP(items[i]);
        if (static_cast<int>(VARSIZE_ANY_EXHDR(t)) == vlen && std::memcmp(VARDATA_ANY(t), v, vlen) == 0) {
            if (found >= 0) c360::fail(ErrorCode::InvalidParameter, "the vocabulary has duplicate values");
            found = i;
        }
    }
    if (found < 0) {
        c360::fail(ErrorCode::InvalidParameter, "value \"" + std::string(v, static_cast<std::size_t>(std::min(vlen, 100))) +
                                                    "\" is not in the vocabulary",
                   {}, "Rebuild the vocabulary from the training data, or map unseen values to a known level.");
    }
    const int width = drop_first ? n - 1 : n;
    double* out = static_cast<double*>(palloc0(sizeof(double) * width));
    const int hot = drop_first ? found - 1 : found;
    if (hot >= 0) out[hot] = 1.0;
    PG_RETURN_ARRAYTYPE_P(c360::pg::new_float8_array(out, width));
}
