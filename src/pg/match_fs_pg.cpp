// SQL glue for the Fellegi-Sunter model: the c360.fs_patterns aggregate (float8[] state with a
// combine function), c360.fs_estimate (EM), c360.match_weight / match_probability, the
// per-field parameters behind c360.match_explain / match_parameters (c360.match_model_info) and
// the random-pairs model of c360.match_train (c360._fs_compared_pairs, c360._fs_combine_rules).
// The array layouts are src/core/match/fs.hpp's. docs/match.md.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "bridge.hpp"
#include "match/fs.hpp"
#include "tuples.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
}

using c360::ErrorCode;
namespace fs = c360::match;

namespace {

using F8 = c360::pg::ArrayView<double>;
using c360::pg::float8_view;

// Plain C arrays: safe across PostgreSQL calls.
struct Levels {
    int k;
    int v[fs::kMaxFields];
    bool null[fs::kMaxFields];
};

void read_levels(ArrayType* a, Levels& out, bool allow_nulls, const char* what) {
    const c360::pg::ArrayView<int32> v = c360::pg::array_arg<int32>(
        a, what, allow_nulls ? c360::pg::Nulls::Allow : c360::pg::Nulls::Refuse, "a non-empty one-dimensional int4[]");
    if (v.n < 1) {
        v.reject();
    }
    if (v.n > fs::kMaxFields) {
        c360::fail(ErrorCode::InvalidParameter, std::string(what) + " must have between 1 and " +
                                                    std::to_string(fs::kMaxFields) + " elements");
    }
    out.k = v.n;
    int next = 0;
    for (int i = 0; i < v.n; ++i) {
        const bool is_null = v.is_null(i);
        out.null[i] = is_null;
        out.v[i] = is_null ? -1 : v.data[next++];
        if (!is_null && out.v[i] == -1) out.null[i] = true;
    }
}

ArrayType* to_pg(const std::vector<double>& v) {
    ArrayType* out = nullptr;
    c360::pg::pg_call([&]() noexcept { out = c360::pg::new_float8_array(v.data(), static_cast<int>(v.size())); });
    return out;
}

} // namespace

// ---- the c360.fs_patterns aggregate --------------------------------------------------------

C360_FUNCTION(fs_patterns_add, "c360.fs_patterns") {
    MemoryContext aggctx = nullptr;
    if (!AggCheckCallContext(fcinfo, &aggctx)) {
        c360::fail(ErrorCode::Internal, "the transition function c360.fs_patterns_add runs only inside the aggregate");
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    Levels lv;
    Levels nl;
    read_levels(PG_GETARG_ARRAYTYPE_P(1), lv, true, "levels");
    read_levels(PG_GETARG_ARRAYTYPE_P(2), nl, false, "nlevels");
    ArrayType* state = nullptr;
    if (PG_ARGISNULL(0)) {
        {
            const std::vector<double> empty = fs::empty_patterns(nl.v, nl.k);
            MemoryContext old = MemoryContextSwitchTo(aggctx);
            state = to_pg(empty);
            MemoryContextSwitchTo(old);
        }
    } else {
        state = PG_GETARG_ARRAYTYPE_P(0);
    }
    const F8 t = float8_view(state, "state");
    if (t.size() != fs::patterns_counts_at(nl.k) + fs::pattern_cells(nl.v, nl.k) ||
        static_cast<int>(t.data[fs::kFieldsAt]) != nl.k) {
        c360::fail(ErrorCode::InvalidParameter, "every row of c360.fs_patterns must have the same number of fields");
    }
    for (int i = 0; i < nl.k; ++i) {
        if (static_cast<int>(t.data[fs::kPatternsHeader + static_cast<std::size_t>(i)]) != nl.v[i]) {
            c360::fail(ErrorCode::InvalidParameter, "every row of c360.fs_patterns must have the same nlevels");
        }
    }
    if (lv.k != nl.k) {
        c360::fail(ErrorCode::InvalidParameter, "levels has " + std::to_string(lv.k) + " elements, nlevels " +
                                                    std::to_string(nl.k));
    }
    const std::size_t idx = fs::pattern_index(t.data, t.size(), lv.v, lv.null, lv.k);
    t.data[fs::patterns_counts_at(nl.k) + idx] += 1.0;
    PG_RETURN_ARRAYTYPE_P(state);
}

C360_FUNCTION(fs_patterns_merge, "c360.fs_patterns") {
    MemoryContext aggctx = nullptr;
    if (!AggCheckCallContext(fcinfo, &aggctx)) {
        c360::fail(ErrorCode::Internal, "the combine function c360.fs_patterns_merge runs only inside the aggregate");
    }
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    ArrayType* b = PG_GETARG_ARRAYTYPE_P(1);
    if (PG_ARGISNULL(0)) {
        MemoryContext old = MemoryContextSwitchTo(aggctx);
        ArrayType* copy = static_cast<ArrayType*>(palloc(VARSIZE(b)));
        std::memcpy(copy, b, VARSIZE(b));
        MemoryContextSwitchTo(old);
        PG_RETURN_ARRAYTYPE_P(copy);
    }
    ArrayType* a = PG_GETARG_ARRAYTYPE_P(0);
    const F8 ta = float8_view(a, "state");
    const F8 tb = float8_view(b, "state");
    const int k = fs::validate_patterns(ta.data, ta.size());
    fs::validate_patterns(tb.data, tb.size());
    if (ta.size() != tb.size() || std::memcmp(ta.data, tb.data, fs::patterns_counts_at(k) * sizeof(double)) != 0) {
        c360::fail(ErrorCode::InvalidParameter, "cannot merge pattern tables with different fields or levels");
    }
    for (std::size_t i = fs::patterns_counts_at(k); i < ta.size(); ++i) ta.data[i] += tb.data[i];
    PG_RETURN_ARRAYTYPE_P(a);
}

// ---- EM and scoring ------------------------------------------------------------------------

C360_FUNCTION(fs_estimate, "c360.fs_estimate") {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4)) {
        PG_RETURN_NULL();
    }
    const F8 t = float8_view(PG_GETARG_ARRAYTYPE_P(0), "patterns");
    F8 u{nullptr, 0, nullptr, {}};
    const bool has_u = !PG_ARGISNULL(1);
    if (has_u) u = float8_view(PG_GETARG_ARRAYTYPE_P(1), "random_pairs");
    fs::EmOptions opt;
    opt.max_iterations = PG_GETARG_INT32(2);
    opt.tolerance = PG_GETARG_FLOAT8(3);
    opt.initial_lambda = PG_GETARG_FLOAT8(4);
    opt.fix_u = has_u;
    ArrayType* out = nullptr;
    {
        const fs::FsModel m = fs::estimate(t.data, t.size(), has_u ? u.data : nullptr, u.size(), opt);
        out = to_pg(fs::to_array(m));
    }
    PG_RETURN_ARRAYTYPE_P(out);
}

C360_FUNCTION(fs_prior, "c360.fs_prior") {
    const F8 t = float8_view(PG_GETARG_ARRAYTYPE_P(0), "patterns");
    const F8 a = float8_view(PG_GETARG_ARRAYTYPE_P(1), "model");
    double lambda = 0.0;
    {
        const fs::FsModel m = fs::from_array(a.data, a.size());
        lambda = fs::estimate_prior(t.data, t.size(), m, PG_GETARG_INT32(2), PG_GETARG_FLOAT8(3));
    }
    PG_RETURN_FLOAT8(lambda);
}

namespace {

// The model parsed once per call site (fn_extra): a query scoring millions of pairs against one model
// validates it once and then only adds table entries. The cache is keyed by the model's bytes; when the
// planner says the argument cannot change during the query (a constant or a parameter), the bytes are
// compared once only (a model with term frequencies can be megabytes).
struct WeightCache {
    double* raw; // copy of the model array's values
    std::size_t len;
    bool stable;
    int k;
    int nlevels[fs::kMaxFields];
    int offset[fs::kMaxFields];               // index of level 0 of each field in w
    double w[1 + fs::kMaxFields * fs::kMaxLevels]; // w[0] = prior weight, then log2(m/u) per level
    // term frequencies of each field (tf_n < 0: no adjustment); the (hash, count) pairs are raw[tf_at..]
    long tf_n[fs::kMaxFields];
    std::size_t tf_at[fs::kMaxFields];
    double tf_records[fs::kMaxFields], tf_weight[fs::kMaxFields], tf_min_u[fs::kMaxFields], tf_log2_u[fs::kMaxFields];
    bool any_tf;
};

const WeightCache& weight_cache(FunctionCallInfo fcinfo, const F8& model) {
    auto* c = static_cast<WeightCache*>(fcinfo->flinfo->fn_extra);
    if (c == nullptr) {
        c = static_cast<WeightCache*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(WeightCache)));
        c->stable = get_fn_expr_arg_stable(fcinfo->flinfo, 0);
        fcinfo->flinfo->fn_extra = c;
    }
    if (c->raw != nullptr && c->len == model.size() &&
        (c->stable || std::memcmp(c->raw, model.data, model.size() * sizeof(double)) == 0)) {
        return *c;
    }
    c->raw = nullptr; // invalid until filled (from_array may throw)
    {
        const fs::FsModel m = fs::from_array(model.data, model.size());
        c->k = static_cast<int>(m.levels.size());
        c->w[0] = std::log2(m.lambda / (1.0 - m.lambda));
        int pos = 1;
        std::size_t at = 0; // where the next field's table starts in the array
        if (m.has_tf()) {
            at = fs::model_blocks_at(c->k) + 1;
            for (int i = 0; i < c->k; ++i) at += 2 * static_cast<std::size_t>(m.levels[static_cast<std::size_t>(i)]);
        }
        c->any_tf = m.has_tf();
        for (int i = 0; i < c->k; ++i) {
            const auto f = static_cast<std::size_t>(i);
            c->nlevels[i] = m.levels[f];
            c->offset[i] = pos;
            for (int l = 0; l < c->nlevels[i]; ++l) c->w[pos++] = fs::field_weight(m, i, l);
            c->tf_n[i] = -1;
            if (c->any_tf) {
                const fs::TermFrequencies& tf = m.tf[f];
                if (tf.enabled()) {
                    c->tf_n[i] = static_cast<long>(tf.counts.size());
                    c->tf_at[i] = at + 2 + fs::kTfTableHeader;
                    c->tf_records[i] = tf.records;
                    c->tf_weight[i] = tf.weight;
                    c->tf_min_u[i] = tf.min_u;
                    c->tf_log2_u[i] = std::log2(m.u[f].back());
                }
                at += 2 + fs::kTfTableHeader + 2 * tf.counts.size();
            }
        }
    }
    double* raw = static_cast<double*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, model.size() * sizeof(double)));
    std::memcpy(raw, model.data, model.size() * sizeof(double));
    c->raw = raw;
    c->len = model.size();
    return *c;
}

// Share of the records holding a value, from the cached table of field i.
double cached_frequency(const WeightCache& c, int i, Datum value) {
    text* v = reinterpret_cast<text*>(PG_DETOAST_DATUM_PACKED(value));
    const double h = static_cast<double>(fs::tf_hash({VARDATA_ANY(v), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(v))}));
    const double* pairs = c.raw + c.tf_at[i];
    long lo = 0, hi = c.tf_n[i];
    while (lo < hi) {
        const long mid = (lo + hi) / 2;
        if (pairs[2 * mid] < h) lo = mid + 1; else hi = mid;
    }
    const double count = (lo < c.tf_n[i] && pairs[2 * lo] == h) ? pairs[2 * lo + 1] : 1.0;
    return count / c.tf_records[i];
}

double weight_of(FunctionCallInfo fcinfo) {
    const F8 model = float8_view(PG_GETARG_ARRAYTYPE_P(0), "model");
    Levels lv;
    read_levels(PG_GETARG_ARRAYTYPE_P(1), lv, true, "levels");
    const WeightCache& c = weight_cache(fcinfo, model);
    if (lv.k != c.k) {
        c360::fail(ErrorCode::InvalidParameter, "comparison vector has " + std::to_string(lv.k) + " levels, the model has " +
                                                    std::to_string(c.k) + " fields");
    }
    // with values (4 arguments): the term-frequency adjustments of the exact levels
    c360::pg::TextArray vl{nullptr, nullptr, 0, {}}, vr{nullptr, nullptr, 0, {}};
    const bool with_values = PG_NARGS() == 4 && c.any_tf;
    if (with_values) {
        vl = c360::pg::text_array(PG_GETARG_ARRAYTYPE_P(2), "values_l", c360::pg::Nulls::Allow);
        vr = c360::pg::text_array(PG_GETARG_ARRAYTYPE_P(3), "values_r", c360::pg::Nulls::Allow);
        if (vl.n != c.k || vr.n != c.k) {
            c360::fail(ErrorCode::InvalidParameter, "values_l and values_r must have one element per field (" +
                                                        std::to_string(c.k) + ")");
        }
    }
    double w = c.w[0];
    for (int i = 0; i < lv.k; ++i) {
        if (lv.null[i]) continue; // the null level contributes 0
        if (lv.v[i] < 0 || lv.v[i] >= c.nlevels[i]) {
            c360::fail(ErrorCode::InvalidParameter, "level " + std::to_string(lv.v[i]) + " of field " + std::to_string(i + 1) +
                                                        " is out of range -1.." + std::to_string(c.nlevels[i] - 1));
        }
        w += c.w[c.offset[i] + lv.v[i]];
        if (with_values && c.tf_n[i] >= 0 && lv.v[i] == c.nlevels[i] - 1 && !vl.nulls[i] && !vr.nulls[i]) {
            const double f = std::max({cached_frequency(c, i, vl.items[i]), cached_frequency(c, i, vr.items[i]), c.tf_min_u[i]});
            w += c.tf_weight[i] * (c.tf_log2_u[i] - std::log2(f));
        }
    }
    return w;
}

} // namespace

C360_FUNCTION(match_weight, "c360.match_weight") { PG_RETURN_FLOAT8(weight_of(fcinfo)); }

C360_FUNCTION(match_probability, "c360.match_probability") {
    PG_RETURN_FLOAT8(fs::probability_of_weight(weight_of(fcinfo)));
}

// {m, u, weight} of one field's level; field 0 = the prior {λ, 1−λ, log2(λ/(1−λ))}.
C360_FUNCTION(match_level_params, "c360.match_level_params") {
    const F8 model = float8_view(PG_GETARG_ARRAYTYPE_P(0), "model");
    const int field = PG_GETARG_INT32(1);
    const int level = PG_GETARG_INT32(2);
    ArrayType* out = nullptr;
    {
        const fs::FsModel m = fs::from_array(model.data, model.size());
        std::vector<double> r;
        if (field == 0) {
            r = {m.lambda, 1.0 - m.lambda, std::log2(m.lambda / (1.0 - m.lambda))};
        } else {
            const double w = fs::field_weight(m, field - 1, level);
            if (level == -1) {
                r = {1.0, 1.0, 0.0};
            } else {
                r = {m.m[static_cast<std::size_t>(field - 1)][static_cast<std::size_t>(level)],
                     m.u[static_cast<std::size_t>(field - 1)][static_cast<std::size_t>(level)], w};
            }
        }
        out = to_pg(r);
    }
    PG_RETURN_ARRAYTYPE_P(out);
}

// c360.match_model_info(model) -> (fields, levels, lambda, iterations): the header of a model.
C360_FUNCTION(match_model_info, "c360.match_model_info") {
    const F8 model = float8_view(PG_GETARG_ARRAYTYPE_P(0), "model");
    int k = 0;
    int32 levels[fs::kMaxFields];
    double lambda = 0.0;
    int iterations = 0;
    {
        const fs::FsModel m = fs::from_array(model.data, model.size());
        k = static_cast<int>(m.levels.size());
        for (int i = 0; i < k; ++i) levels[i] = m.levels[static_cast<std::size_t>(i)];
        lambda = m.lambda;
        iterations = m.iterations;
    }
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, 4, "c360.match_model_info");
    const Datum v[4] = {Int32GetDatum(k), PointerGetDatum(c360::pg::new_array(levels, k)), Float8GetDatum(lambda),
                        Int32GetDatum(iterations)};
    const bool nulls[4] = {false, false, false, false};
    return c360::pg::composite_datum(td, v, nulls);
}

// ---- the random-pairs training of c360.match_train -----------------------------------------

// c360._fs_compared_pairs(patterns): the pairs of a pattern table with at least one field compared.
C360_FUNCTION(fs_compared_pairs, "c360._fs_compared_pairs") {
    const F8 t = float8_view(PG_GETARG_ARRAYTYPE_P(0), "patterns");
    PG_RETURN_FLOAT8(fs::pattern_pairs(t.data, t.size()).compared);
}

namespace {

// A two-dimensional array of `rows` rows without NULLs (an empty array when rows = 0), read in
// place; *width = 0 takes the row length from the array, else it must be that.
template <class T>
const T* rows_arg(ArrayType* a, Oid elem, const char* type, int rows, int* width, const char* what) {
    const c360::pg::ArrayShape shape{what, type, c360::pg::Nulls::Refuse,
                                     "a two-dimensional array without NULLs, one row per blocking rule"};
    const bool empty = ARR_NDIM(a) == 0 && rows == 0;
    const bool shaped = ARR_NDIM(a) == 2 && ARR_DIMS(a)[0] == rows && (*width == 0 || ARR_DIMS(a)[1] == *width);
    if (ARR_ELEMTYPE(a) != elem || array_contains_nulls(a) || !(empty || shaped)) shape.reject();
    if (shaped) *width = ARR_DIMS(a)[1];
    return reinterpret_cast<const T*>(ARR_DATA_PTR(a));
}

} // namespace

// c360._fs_combine_rules(rule_models, rule_masks, rule_pairs, random_pairs, candidates, records):
// the model of the random-pairs mode from one c360.fs_estimate fit per blocking rule (a row of
// rule_models), the fields each rule left out (a row of rule_masks) and its pairs with a field
// compared; u from the random pairs, the prior spread over the records' pairs.
C360_FUNCTION(fs_combine_rules, "c360._fs_combine_rules") {
    const F8 pairs = float8_view(PG_GETARG_ARRAYTYPE_P(2), "rule_pairs");
    const int rules = pairs.n;
    int model_len = 0;
    const double* models = rows_arg<double>(PG_GETARG_ARRAYTYPE_P(0), FLOAT8OID, "float8", rules, &model_len, "rule_models");
    int k = 0;
    const bool* masks = rows_arg<bool>(PG_GETARG_ARRAYTYPE_P(1), BOOLOID, "bool", rules, &k, "rule_masks");
    const F8 sample = float8_view(PG_GETARG_ARRAYTYPE_P(3), "random_pairs");
    const F8 candidates = float8_view(PG_GETARG_ARRAYTYPE_P(4), "candidates");
    const double records = PG_GETARG_FLOAT8(5);
    ArrayType* out = nullptr;
    {
        std::vector<fs::RuleFit> fits(static_cast<std::size_t>(rules));
        for (int r = 0; r < rules; ++r) {
            fs::RuleFit& f = fits[static_cast<std::size_t>(r)];
            f.model = fs::from_array(models + static_cast<std::size_t>(r) * model_len, static_cast<std::size_t>(model_len));
            f.masked.assign(masks + static_cast<std::size_t>(r) * k, masks + static_cast<std::size_t>(r + 1) * k);
            f.compared = pairs.data[r];
        }
        fs::FsModel m = fs::combine_rule_fits(fits, fs::pattern_pairs(sample.data, sample.size()).total);
        fs::spread_prior(m, candidates.data, candidates.size(), records);
        out = to_pg(fs::to_array(m));
    }
    PG_RETURN_ARRAYTYPE_P(out);
}
