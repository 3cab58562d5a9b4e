// SQL glue for scoring: the packed value types (c360.logit_model, c360.logit_rows, c360.logit_stats,
// c360.score_sample, c360.score_bins), logistic regression training / scoring / summary, and the
// evaluation aggregates. The math lives in src/core/scoring.
#include <algorithm>
#include <cstddef>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <string>
#include <vector>

#include "bridge.hpp"
#include "scoring/evaluate.hpp"
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

namespace {

// ---- memory and packed values ------------------------------------------------------------------

// palloc from C++ code that holds live objects: a PostgreSQL error becomes a C++ exception.
void* palloc_guarded(std::size_t bytes) {
    if (bytes > MaxAllocSize) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "value too large (over 1 GB)",
                   {}, "For large training sets use c360.logit_train, which keeps no rows in memory.");
    }
    void* mem = nullptr;
    c360::pg::pg_call([&]() noexcept { mem = palloc(bytes); });
    return mem;
}

// Copies a C++-owned packed value into a palloc'd varlena (only the used doubles).
void* to_datum_memory(const sc::PackedBuffer& b) {
    const sc::PackedView v = b.view();
    const std::size_t bytes = sc::packed_bytes(v.h->n_int, v.n_dbl());
    void* mem = palloc_guarded(bytes);
    std::memcpy(mem, b.data(), bytes);
    sc::mut_of(mem).h->cap_dbl = v.h->n_dbl;
    SET_VARSIZE(mem, bytes);
    return mem;
}

// A packed argument, detoasted and fully checked (a damaged stored value is XX001, not a crash).
const void* packed_arg(FunctionCallInfo fcinfo, int argno, const sc::TypeInfo& type) {
    struct varlena* v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
    sc::check_packed(v, VARSIZE(v), type, ErrorCode::DataCorrupted);
    return v;
}

// A state to update: in place inside an aggregate, a copy for plain calls.
void* writable_state(FunctionCallInfo fcinfo, int argno) {
    struct varlena* v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
    if (AggCheckCallContext(fcinfo, nullptr) && static_cast<void*>(v) == DatumGetPointer(PG_GETARG_DATUM(argno))) {
        return v;
    }
    void* copy = palloc(VARSIZE(v));
    std::memcpy(copy, v, VARSIZE(v));
    return copy;
}

// Room for `extra` more doubles. A larger state is allocated in the current (per-call) context
// and returned: the executor copies it into the aggregate context and frees the old one.
void* reserve(void* state, std::size_t extra) {
    sc::PackedMut m = sc::mut_of(state);
    const std::size_t used = m.view().n_dbl();
    if (used + extra <= m.h->cap_dbl) {
        return state;
    }
    std::size_t cap = std::max<std::size_t>({2 * m.h->cap_dbl, used + extra, 1024});
    if (sc::packed_bytes(m.h->n_int, cap) > MaxAllocSize) {
        cap = (MaxAllocSize - sc::packed_bytes(m.h->n_int, 0)) / 8;
        if (cap < used + extra) {
            c360::fail(ErrorCode::ProgramLimitExceeded, "too many rows to keep in memory (state over 1 GB)",
                       {}, "Use c360.logit_train (iterated, fixed-size statistics) for large tables.");
        }
    }
    const std::size_t bytes = sc::packed_bytes(m.h->n_int, cap);
    void* mem = palloc(bytes);
    std::memcpy(mem, state, sc::packed_bytes(m.h->n_int, used));
    sc::mut_of(mem).h->cap_dbl = cap;
    SET_VARSIZE(mem, bytes);
    return mem;
}

Datum packed_in(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    const char* str = PG_GETARG_CSTRING(0);
    void* mem = nullptr;
    {
        const sc::PackedBuffer b = sc::from_text(str, type);
        mem = to_datum_memory(b);
    }
    PG_RETURN_POINTER(mem);
}

Datum packed_out(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    const void* v = packed_arg(fcinfo, 0, type);
    char* out = nullptr;
    {
        const std::string text = sc::to_text(sc::view_of(v), type);
        out = static_cast<char*>(palloc_guarded(text.size() + 1));
        std::memcpy(out, text.c_str(), text.size() + 1);
    }
    PG_RETURN_CSTRING(out);
}

Datum packed_recv(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    StringInfo msg = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const uint32 magic = pq_getmsgint(msg, 4);
    const uint32 version = pq_getmsgint(msg, 4);
    const uint32 n_int = pq_getmsgint(msg, 4);
    const uint64 n_dbl = static_cast<uint64>(pq_getmsgint64(msg));
    if (n_int != type.n_int || n_dbl > (MaxAllocSize - sc::packed_bytes(n_int, 0)) / 8 ||
        static_cast<uint64>(msg->len - msg->cursor) != 8 * (n_int + n_dbl)) {
        c360::fail(ErrorCode::InvalidBinaryRepresentation, std::string("invalid binary ") + type.sql_name + " value",
                   "sizes do not match the message length");
    }
    const std::size_t bytes = sc::packed_bytes(n_int, n_dbl);
    void* mem = palloc0(bytes);
    sc::PackedMut m = sc::mut_of(mem);
    m.h->magic = magic;
    m.h->version = version;
    m.h->n_int = n_int;
    m.h->n_dbl = n_dbl;
    m.h->cap_dbl = n_dbl;
    m = sc::mut_of(mem);
    for (uint32 i = 0; i < n_int; ++i) m.ints[i] = pq_getmsgint64(msg);
    for (uint64 i = 0; i < n_dbl; ++i) m.dbl[i] = pq_getmsgfloat8(msg);
    SET_VARSIZE(mem, bytes);
    sc::check_packed(mem, bytes, type, ErrorCode::InvalidBinaryRepresentation);
    PG_RETURN_POINTER(mem);
}

Datum packed_send(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    const sc::PackedView v = sc::view_of(packed_arg(fcinfo, 0, type));
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint32(&buf, v.h->magic);
    pq_sendint32(&buf, v.h->version);
    pq_sendint32(&buf, v.h->n_int);
    pq_sendint64(&buf, static_cast<int64>(v.n_dbl()));
    for (uint32 i = 0; i < v.h->n_int; ++i) pq_sendint64(&buf, v.ints[i]);
    for (std::size_t i = 0; i < v.n_dbl(); ++i) pq_sendfloat8(&buf, v.dbl[i]);
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// ---- arguments ----------------------------------------------------------------------------------

// A one-dimensional float8[] argument. Returns false when an element is NULL.
bool float8_array(FunctionCallInfo fcinfo, int argno, const double*& data, int& k) {
    ArrayType* a = PG_GETARG_ARRAYTYPE_P(argno);
    if (ARR_ELEMTYPE(a) != FLOAT8OID) {
        c360::fail(ErrorCode::InvalidParameter, "features must be a float8[] array");
    }
    if (ARR_NDIM(a) > 1) {
        c360::fail(ErrorCode::InvalidParameter, "the feature array must be one-dimensional");
    }
    k = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
    data = reinterpret_cast<const double*>(ARR_DATA_PTR(a));
    if (ARR_HASNULL(a)) {
        for (int j = 0; j < k; ++j) {
            if (att_isnull(j, ARR_NULLBITMAP(a))) {
                return false;
            }
        }
    }
    return true;
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

// Tuple descriptor of the element type of the function's array result (c360.gain_row[] ...).
TupleDesc result_element_tupdesc(FunctionCallInfo fcinfo, Oid* elem) {
    *elem = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));
    if (*elem == InvalidOid) {
        c360::fail(ErrorCode::Internal, "function must return an array of a composite type");
    }
    return BlessTupleDesc(lookup_rowtype_tupdesc_copy(*elem, -1));
}

Datum float8_or_null(double v, bool* isnull) {
    *isnull = std::isnan(v);
    return Float8GetDatum(v);
}

template <class T>
T* pod_copy(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    T* out = static_cast<T*>(palloc_guarded(sizeof(T) * std::max<std::size_t>(v.size(), 1)));
    if (!v.empty()) std::memcpy(out, v.data(), sizeof(T) * v.size());
    return out;
}

} // namespace

// ---- type I/O -----------------------------------------------------------------------------------

#define C360_PACKED_IO(name, type)                                                           \
    C360_FUNCTION(c360_##name##_in, "c360." #name "_in") { return packed_in(fcinfo, type); }    \
    C360_FUNCTION(c360_##name##_out, "c360." #name "_out") { return packed_out(fcinfo, type); } \
    C360_FUNCTION(c360_##name##_recv, "c360." #name "_recv") { return packed_recv(fcinfo, type); } \
    C360_FUNCTION(c360_##name##_send, "c360." #name "_send") { return packed_send(fcinfo, type); }

C360_PACKED_IO(logit_model, sc::kModelType)
C360_PACKED_IO(logit_rows, sc::kRowsType)
C360_PACKED_IO(logit_stats, sc::kStatsType)
C360_PACKED_IO(score_sample, sc::kSampleType)
C360_PACKED_IO(score_bins, sc::kBinsType)

// ---- c360.logit_fit: rows kept in the state, Newton in the final function -----------------------

// c360.logit_fit_add(state, y, x [, options])
C360_FUNCTION(c360_logit_fit_add, "c360.logit_fit") {
    void* state;
    if (PG_ARGISNULL(0)) {
        const sc::Options o = options_arg(fcinfo, 3);
        const std::size_t cap = 1024;
        state = palloc0(sc::packed_bytes(sc::kRowsInts, cap));
        sc::rows_init(state, o, 0, cap);
        SET_VARSIZE(state, sc::packed_bytes(sc::kRowsInts, cap));
    } else {
        state = writable_state(fcinfo, 0);
    }
    const double* x = nullptr;
    int k = 0;
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || !float8_array(fcinfo, 2, x, k)) {
        ++sc::mut_of(state).ints[sc::kRNSkipped];
        PG_RETURN_POINTER(state);
    }
    sc::check_feature_count(k);
    if (!sc::rows_accept(sc::view_of(state), x, k)) {
        ++sc::mut_of(state).ints[sc::kRNSkipped];
        PG_RETURN_POINTER(state);
    }
    state = reserve(state, static_cast<std::size_t>(k) + 1);
    sc::PackedMut m = sc::mut_of(state);
    double* row = m.dbl + m.h->n_dbl;
    row[0] = PG_GETARG_BOOL(1) ? 1.0 : 0.0;
    std::memcpy(row + 1, x, sizeof(double) * static_cast<std::size_t>(k));
    m.h->n_dbl += static_cast<std::uint64_t>(k) + 1;
    m.ints[sc::kRK] = k;
    ++m.ints[sc::kRNRows];
    PG_RETURN_POINTER(state);
}

C360_FUNCTION(c360_logit_rows_merge, "c360.logit_rows_merge") {
    void* a = writable_state(fcinfo, 0);
    const sc::PackedView b = sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(1)));
    sc::rows_combine_check(sc::view_of(a), b);
    const std::size_t extra = b.n_dbl() - sc::kRowsHeaderDbl;
    a = reserve(a, extra);
    sc::PackedMut m = sc::mut_of(a);
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
        const sc::PackedView v = sc::view_of(model);
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

C360_FUNCTION(c360_logit_fit_final, "c360.logit_fit") {
    const sc::PackedView rows = sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
    void* mem = nullptr;
    {
        const sc::PackedBuffer model = sc::fit_rows(rows);
        mem = to_datum_memory(model);
    }
    warn_about(mem);
    PG_RETURN_POINTER(mem);
}

// ---- the iterated path: c360.logit_step (fixed-size statistics) + c360.logit_update ------------

namespace {

void* new_stats(const sc::PackedView& model, int k, std::int64_t skipped) {
    const bool intercept = model.ints[sc::kMFlags] & sc::kFlagIntercept;
    const std::size_t bytes = sc::packed_bytes(sc::kStatsInts, sc::stats_n_dbl(k, intercept));
    void* mem = palloc0(bytes);
    sc::stats_init(mem, model, k);
    sc::mut_of(mem).ints[sc::kSNSkipped] = skipped;
    SET_VARSIZE(mem, bytes);
    return mem;
}

} // namespace

// c360.logit_step_add(state, y, x, model)
C360_FUNCTION(c360_logit_step_add, "c360.logit_step") {
    if (PG_ARGISNULL(3)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "model must not be NULL", {}, "Start from c360.logit_start().");
    }
    const double* x = nullptr;
    int k = 0;
    const bool usable = !PG_ARGISNULL(1) && !PG_ARGISNULL(2) && float8_array(fcinfo, 2, x, k);
    void* state;
    if (PG_ARGISNULL(0)) {
        const sc::PackedView model = sc::view_of(packed_arg(fcinfo, 3, sc::kModelType));
        if (sc::model_done(model)) {
            c360::fail(ErrorCode::InvalidParameter, "the model is already trained");
        }
        const int mk = sc::model_features(model);
        state = new_stats(model, usable ? sc::stats_features_for(model, k) : mk, 0);
    } else {
        state = writable_state(fcinfo, 0);
    }
    sc::PackedMut s = sc::mut_of(state);
    if (!usable) {
        sc::stats_skip(s);
        PG_RETURN_POINTER(state);
    }
    if (s.ints[sc::kSK] == 0) { // only skipped rows so far: the first real row fixes k
        const sc::PackedView model = sc::view_of(packed_arg(fcinfo, 3, sc::kModelType));
        state = new_stats(model, sc::stats_features_for(model, k), s.ints[sc::kSNSkipped]);
        s = sc::mut_of(state);
    }
    sc::stats_add(s, PG_GETARG_BOOL(1), x, k);
    PG_RETURN_POINTER(state);
}

C360_FUNCTION(c360_logit_stats_merge, "c360.logit_stats_merge") {
    const sc::PackedView b = sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(1)));
    struct varlena* a0 = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
    if (sc::view_of(a0).ints[sc::kSK] == 0 && b.ints[sc::kSK] != 0) {
        // a has only counted skipped rows: the result is b plus those
        void* out = palloc(VARSIZE(PG_DETOAST_DATUM(PG_GETARG_DATUM(1))));
        std::memcpy(out, b.h, sc::packed_bytes(b.h->n_int, b.h->cap_dbl));
        sc::mut_of(out).ints[sc::kSNSkipped] += sc::view_of(a0).ints[sc::kSNSkipped];
        PG_RETURN_POINTER(out);
    }
    void* a = writable_state(fcinfo, 0);
    sc::PackedMut m = sc::mut_of(a);
    if (b.ints[sc::kSK] == 0) {
        m.ints[sc::kSNSkipped] += b.ints[sc::kSNSkipped];
    } else {
        sc::stats_combine(m, b);
    }
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(c360_logit_start, "c360.logit_start") {
    const sc::Options o = options_arg(fcinfo, 0);
    void* mem = nullptr;
    {
        const sc::PackedBuffer model = sc::model_start(o);
        mem = to_datum_memory(model);
    }
    PG_RETURN_POINTER(mem);
}

C360_FUNCTION(c360_logit_update, "c360.logit_update") {
    if (PG_ARGISNULL(0)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "model must not be NULL");
    }
    if (PG_ARGISNULL(1)) {
        c360::fail(ErrorCode::InvalidParameter, "no rows to fit", {}, "The training query returned no rows.");
    }
    const sc::PackedView model = sc::view_of(packed_arg(fcinfo, 0, sc::kModelType));
    const sc::PackedView stats = sc::view_of(packed_arg(fcinfo, 1, sc::kStatsType));
    void* mem = nullptr;
    {
        const sc::PackedBuffer next = sc::model_update(model, stats);
        mem = to_datum_memory(next);
    }
    warn_about(mem);
    PG_RETURN_POINTER(mem);
}

C360_FUNCTION(c360_logit_done, "c360.logit_done") {
    PG_RETURN_BOOL(sc::model_done(sc::view_of(packed_arg(fcinfo, 0, sc::kModelType))));
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
    sc::check_packed(v, bytes, sc::kModelType, ErrorCode::DataCorrupted);
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

C360_FUNCTION(c360_logit_predict, "c360.logit_predict") {
    const sc::PackedView model = sc::view_of(predict_model(fcinfo));
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

C360_FUNCTION(c360_logit_coef, "c360.logit_coef") {
    const sc::PackedView model = sc::view_of(packed_arg(fcinfo, 0, sc::kModelType));
    const sc::ModelLayout l = sc::layout_of_model(model);
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * std::max(l.p, 1)));
    for (int j = 0; j < l.p; ++j) elems[j] = Float8GetDatum(model.dbl[l.coef + j]);
    PG_RETURN_ARRAYTYPE_P(construct_array(elems, l.p, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

namespace {
constexpr int kTermColumns = 10;
constexpr int kInfoColumns = 17;
} // namespace

// c360.logit_terms(model, names text[]) -> SETOF (term_no, term, coef, std_err, z, p_value,
// odds_ratio, odds_ratio_lower, odds_ratio_upper, aliased)
C360_FUNCTION(c360_logit_terms, "c360.logit_summary") {
    if (PG_ARGISNULL(0)) {
        InitMaterializedSRF(fcinfo, 0); // no model, no terms
        return (Datum)0;
    }
    const sc::PackedView model = sc::view_of(packed_arg(fcinfo, 0, sc::kModelType));
    const int k = sc::model_features(model);
    Datum* names = nullptr;
    bool* name_nulls = nullptr;
    int n_names = 0;
    if (!PG_ARGISNULL(1)) {
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &names, &name_nulls, &n_names);
        if (n_names != k) {
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
C360_FUNCTION(c360_logit_info, "c360.logit_info") {
    const sc::PackedView model = sc::view_of(packed_arg(fcinfo, 0, sc::kModelType));
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
    TupleDesc td = nullptr;
    if (get_call_result_type(fcinfo, nullptr, &td) != TYPEFUNC_COMPOSITE || td->natts != kInfoColumns) {
        c360::fail(ErrorCode::Internal, "c360.logit_info: unexpected result type");
    }
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
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), v, n)));
}

// ---- evaluation: c360.auc, c360.gains (score_sample) ---------------------------------------------

// c360.score_sample_add(state, score, label [, bins]): with bins, the state of c360.gains
C360_FUNCTION(c360_score_sample_add, "c360.score_sample_add") {
    void* state;
    if (PG_ARGISNULL(0)) {
        const bool gains = PG_NARGS() > 3;
        if (gains && PG_ARGISNULL(3)) {
            c360::fail(ErrorCode::NullValueNotAllowed, "bins must not be NULL");
        }
        const int bins = gains ? PG_GETARG_INT32(3) : 0;
        const std::size_t cap = 1024;
        state = palloc0(sc::packed_bytes(sc::kEvalInts, cap));
        sc::sample_init(state, gains ? sc::kSampleGains : sc::kSampleAuc, bins, cap);
        SET_VARSIZE(state, sc::packed_bytes(sc::kEvalInts, cap));
    } else {
        state = writable_state(fcinfo, 0);
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        ++sc::mut_of(state).ints[sc::kENSkipped];
        PG_RETURN_POINTER(state);
    }
    const double score = PG_GETARG_FLOAT8(1);
    sc::check_score(score);
    state = reserve(state, 2);
    sc::PackedMut m = sc::mut_of(state);
    m.dbl[m.h->n_dbl] = score;
    m.dbl[m.h->n_dbl + 1] = PG_GETARG_BOOL(2) ? 1.0 : 0.0;
    m.h->n_dbl += 2;
    ++m.ints[sc::kEN];
    PG_RETURN_POINTER(state);
}

C360_FUNCTION(c360_score_sample_merge, "c360.score_sample_merge") {
    void* a = writable_state(fcinfo, 0);
    const sc::PackedView b = sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(1)));
    sc::sample_combine_check(sc::view_of(a), b);
    a = reserve(a, b.n_dbl());
    sc::PackedMut m = sc::mut_of(a);
    std::memcpy(m.dbl + m.h->n_dbl, b.dbl, sizeof(double) * b.n_dbl());
    m.h->n_dbl += b.n_dbl();
    m.ints[sc::kEN] += b.ints[sc::kEN];
    m.ints[sc::kENSkipped] += b.ints[sc::kENSkipped];
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(c360_auc_final, "c360.auc") {
    const sc::PackedView s = sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
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

C360_FUNCTION(c360_gains_final, "c360.gains") {
    const sc::PackedView s = sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
    sc::GainRow* rows = nullptr;
    int count = 0;
    {
        const auto g = sc::gains(s);
        rows = pod_copy(g);
        count = static_cast<int>(g.size());
    }
    Oid elem;
    TupleDesc td = result_element_tupdesc(fcinfo, &elem);
    Datum* items = static_cast<Datum*>(palloc(sizeof(Datum) * std::max(count, 1)));
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
        items[i] = HeapTupleGetDatum(heap_form_tuple(td, v, n));
    }
    PG_RETURN_ARRAYTYPE_P(construct_array(items, count, elem, -1, false, TYPALIGN_DOUBLE));
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
        const std::size_t bytes = sc::packed_bytes(sc::kEvalInts, sc::bins_n_dbl(bins));
        state = palloc0(bytes);
        sc::bins_init(state, kind, bins);
        SET_VARSIZE(state, bytes);
    } else {
        state = writable_state(fcinfo, 0);
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        ++sc::mut_of(state).ints[sc::kENSkipped];
    } else {
        sc::bins_add(sc::mut_of(state), PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2));
    }
    PG_RETURN_POINTER(state);
}

} // namespace

C360_FUNCTION(c360_log_loss_add, "c360.log_loss") { return bins_add(fcinfo, sc::kBinsLogLoss); }
C360_FUNCTION(c360_brier_add, "c360.brier") { return bins_add(fcinfo, sc::kBinsBrier); }
C360_FUNCTION(c360_calibration_add, "c360.calibration") { return bins_add(fcinfo, sc::kBinsCalibration); }

C360_FUNCTION(c360_score_bins_merge, "c360.score_bins_merge") {
    void* a = writable_state(fcinfo, 0);
    sc::bins_combine(sc::mut_of(a), sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(1))));
    PG_RETURN_POINTER(a);
}

C360_FUNCTION(c360_score_bins_mean, "c360.score_bins_mean") {
    const auto m = sc::bins_mean(sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(0))));
    if (!m) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*m);
}

C360_FUNCTION(c360_calibration_final, "c360.calibration") {
    const sc::PackedView s = sc::view_of(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
    sc::CalibrationRow* rows = nullptr;
    int count = 0;
    {
        const auto c = sc::calibration(s);
        rows = pod_copy(c);
        count = static_cast<int>(c.size());
    }
    Oid elem;
    TupleDesc td = result_element_tupdesc(fcinfo, &elem);
    Datum* items = static_cast<Datum*>(palloc(sizeof(Datum) * std::max(count, 1)));
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
        items[i] = HeapTupleGetDatum(heap_form_tuple(td, v, n));
    }
    PG_RETURN_ARRAYTYPE_P(construct_array(items, count, elem, -1, false, TYPALIGN_DOUBLE));
}

// ---- feature helpers ----------------------------------------------------------------------------

// c360.one_hot(value text, vocabulary text[], drop_first boolean) -> float8[]
// One indicator per vocabulary entry (the first one left out when drop_first: the reference
// level). NULL value -> NULL (the row is skipped by training); a value outside the vocabulary is
// an error.
C360_FUNCTION(c360_one_hot, "c360.one_hot") {
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "vocabulary and drop_first must not be NULL");
    }
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    text* value = PG_GETARG_TEXT_PP(0);
    ArrayType* vocab = PG_GETARG_ARRAYTYPE_P(1);
    const bool drop_first = PG_GETARG_BOOL(2);
    Datum* items;
    bool* nulls;
    int n;
    deconstruct_array(vocab, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, &n);
    if (ARR_NDIM(vocab) > 1 || n == 0 || (drop_first && n < 2)) {
        c360::fail(ErrorCode::InvalidParameter, "the vocabulary must be a one-dimensional array of at least 2 values");
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
    Datum* out = static_cast<Datum*>(palloc(sizeof(Datum) * width));
    for (int i = 0; i < width; ++i) out[i] = Float8GetDatum(0.0);
    const int hot = drop_first ? found - 1 : found;
    if (hot >= 0) out[hot] = Float8GetDatum(1.0);
    PG_RETURN_ARRAYTYPE_P(construct_array(out, width, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
