// SQL glue for term frequencies (src/core/match/tf.hpp): the c360.term_frequencies aggregate (float8[]
// counting state updated in place, combine function, float8[] table as result), c360.tf_frequency,
// c360.match_with_tf (a model with a field's adjustment) and c360.match_tf_info. docs/match.md.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "bridge.hpp"
#include "match/fs.hpp"
#include "match/tf.hpp"
#include "tuples.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

using c360::ErrorCode;
namespace mt = c360::match;

namespace {

using F8 = c360::pg::ArrayView<double>;
using c360::pg::float8_view;

ArrayType* to_pg_in(const std::vector<double>& v, MemoryContext cxt) {
    ArrayType* out = nullptr;
    c360::pg::pg_call([&]() noexcept {
        MemoryContext old = MemoryContextSwitchTo(cxt);
        out = c360::pg::new_float8_array(v.data(), static_cast<int>(v.size()));
        MemoryContextSwitchTo(old);
    });
    return out;
}

ArrayType* copy_in(ArrayType* a, MemoryContext cxt) {
    auto* copy = static_cast<ArrayType*>(MemoryContextAlloc(cxt, VARSIZE(a)));
    std::memcpy(copy, a, VARSIZE(a));
    return copy;
}

// The state to update: in place inside the aggregate, a copy in a plain call.
ArrayType* writable_state(FunctionCallInfo fcinfo, MemoryContext* cxt) {
    MemoryContext aggctx = nullptr;
    const bool in_agg = AggCheckCallContext(fcinfo, &aggctx) != 0;
    *cxt = in_agg ? aggctx : CurrentMemoryContext;
    if (PG_ARGISNULL(0)) {
        const std::vector<double> empty = mt::tf_empty_state(mt::kTfMinCapacity);
        return to_pg_in(empty, *cxt);
    }
    ArrayType* s = PG_GETARG_ARRAYTYPE_P(0);
    return in_agg ? s : copy_in(s, *cxt);
}

// Adds (h, count) to the state, growing it when full; returns the state to keep.
ArrayType* add_to(ArrayType* state, std::uint64_t h, double count, MemoryContext cxt) {
    F8 s = float8_view(state, "state");
    mt::tf_validate_state(s.data, s.size());
    if (mt::tf_state_add(s.data, h, count)) return state;
    ArrayType* grown = nullptr;
    {
        const std::vector<double> g = mt::tf_state_grow(s.data, s.size());
        grown = to_pg_in(g, cxt);
    }
    F8 gs = float8_view(grown, "state");
    mt::tf_state_add(gs.data, h, count);
    return grown;
}

} // namespace

// c360.tf_add(state, value): one record's value; NULL is skipped (frequencies are shares of the records
// holding a value, as in Splink).
C360_FUNCTION(tf_add, "c360.term_frequencies") {
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    text* v = PG_GETARG_TEXT_PP(1);
    const std::uint64_t h = mt::tf_hash({VARDATA_ANY(v), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(v))});
    MemoryContext cxt = nullptr;
    ArrayType* state = writable_state(fcinfo, &cxt);
    PG_RETURN_ARRAYTYPE_P(add_to(state, h, 1.0, cxt));
}

C360_FUNCTION(tf_merge, "c360.term_frequencies") {
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    ArrayType* b = PG_GETARG_ARRAYTYPE_P(1);
    const F8 tb = float8_view(b, "state");
    const std::size_t cap_b = mt::tf_validate_state(tb.data, tb.size());
    MemoryContext cxt = nullptr;
    ArrayType* state = writable_state(fcinfo, &cxt);
    const double* slots = tb.data + mt::kTfStateHeader;
    for (std::size_t i = 0; i < cap_b; ++i) {
        if (slots[2 * i] == 0.0) continue;
        if ((i & 0xFFFF) == 0) c360::check_interrupts();
        state = add_to(state, static_cast<std::uint64_t>(slots[2 * i]), slots[2 * i + 1], cxt);
    }
    PG_RETURN_ARRAYTYPE_P(state);
}

C360_FUNCTION(tf_final, "c360.term_frequencies") {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    const F8 s = float8_view(PG_GETARG_ARRAYTYPE_P(0), "state");
    ArrayType* out = nullptr;
    {
        const std::vector<double> t = mt::tf_table_of_state(s.data, s.size());
        out = to_pg_in(t, CurrentMemoryContext);
    }
    PG_RETURN_ARRAYTYPE_P(out);
}

// c360.tf_frequency(tf, value): share of the records holding the value.
C360_FUNCTION(tf_frequency, "c360.tf_frequency") {
    const F8 t = float8_view(PG_GETARG_ARRAYTYPE_P(0), "tf");
    text* v = PG_GETARG_TEXT_PP(1);
    const std::uint64_t h = mt::tf_hash({VARDATA_ANY(v), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(v))});
    double f = 0.0;
    {
        const mt::TermFrequencies tf = mt::tf_from_table(t.data, t.size(), "term-frequency table");
        f = tf.frequency(h);
    }
    PG_RETURN_FLOAT8(f);
}

// c360.match_with_tf(model, field, tf, weight, min_u): the model with the field's adjustment.
C360_FUNCTION(match_with_tf, "c360.match_with_tf") {
    const F8 model = float8_view(PG_GETARG_ARRAYTYPE_P(0), "model");
    const int field = PG_GETARG_INT32(1);
    const F8 t = float8_view(PG_GETARG_ARRAYTYPE_P(2), "tf");
    const double weight = PG_GETARG_FLOAT8(3);
    const double min_u = PG_GETARG_FLOAT8(4);
    ArrayType* out = nullptr;
    {
        mt::FsModel m = mt::from_array(model.data, model.size());
        mt::set_term_frequencies(m, field - 1, mt::tf_from_table(t.data, t.size(), "term-frequency table"), weight, min_u);
        out = to_pg_in(mt::to_array(m), CurrentMemoryContext);
    }
    PG_RETURN_ARRAYTYPE_P(out);
}

// c360.match_tf_info(model, field) -> (weight, min_u, records, frequent_values, u_exact): a field's
// adjustment (weight 0 and NULLs when the field has none).
C360_FUNCTION(match_tf_info, "c360.match_tf_info") {
    const F8 model = float8_view(PG_GETARG_ARRAYTYPE_P(0), "model");
    const int field = PG_GETARG_INT32(1);
    Datum v[5];
    bool n[5] = {false, false, false, false, false};
    {
        const mt::FsModel m = mt::from_array(model.data, model.size());
        if (field < 1 || field > static_cast<int>(m.levels.size())) {
            c360::fail(ErrorCode::InvalidParameter, "field " + std::to_string(field) + " does not exist in the model (it has " +
                                                        std::to_string(m.levels.size()) + " fields)");
        }
        const auto f = static_cast<std::size_t>(field - 1);
        const bool on = !m.tf.empty() && m.tf[f].enabled();
        v[0] = Float8GetDatum(on ? m.tf[f].weight : 0.0);
        v[1] = Float8GetDatum(on ? m.tf[f].min_u : 0.0);
        v[2] = Float8GetDatum(on ? m.tf[f].records : 0.0);
        v[3] = Int64GetDatum(on ? static_cast<int64>(m.tf[f].counts.size()) : 0);
        v[4] = Float8GetDatum(m.u[f].back());
        n[2] = n[3] = !on;
    }
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, 5, "c360.match_tf_info");
    return c360::pg::composite_datum(td, v, n);
}

// c360.match_tf_term(model, field, level, value_l, value_r) -> {frequency, adjustment}: the term-frequency
// part of one field's weight in a pair; NULL when none applies (no adjustment on the field, not the exact
// level, a value missing, or a NULL argument).
C360_FUNCTION(match_tf_term, "c360.match_tf_term") {
    for (int i = 0; i < 5; ++i) {
        if (PG_ARGISNULL(i)) PG_RETURN_NULL();
    }
    const F8 model = float8_view(PG_GETARG_ARRAYTYPE_P(0), "model");
    const int field = PG_GETARG_INT32(1);
    const int level = PG_GETARG_INT32(2);
    text* l = PG_GETARG_TEXT_PP(3);
    text* r = PG_GETARG_TEXT_PP(4);
    const std::uint64_t hl = mt::tf_hash({VARDATA_ANY(l), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(l))});
    const std::uint64_t hr = mt::tf_hash({VARDATA_ANY(r), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(r))});
    double out[2];
    bool applies = false;
    {
        const mt::FsModel m = mt::from_array(model.data, model.size());
        mt::field_weight(m, field - 1, level); // validates field and level
        const auto f = static_cast<std::size_t>(field - 1);
        if (!m.tf.empty() && m.tf[f].enabled() && level == m.levels[f] - 1) {
            const mt::TermFrequencies& tf = m.tf[f];
            const double fl = tf.frequency(hl);
            const double fr = tf.frequency(hr);
            out[0] = std::max(fl, fr);
            out[1] = mt::tf_adjustment(tf, m.u[f].back(), fl, fr);
            applies = true;
        }
    }
    if (!applies) PG_RETURN_NULL();
    ArrayType* a = nullptr;
    c360::pg::pg_call([&]() noexcept { a = c360::pg::new_float8_array(out, 2); });
    PG_RETURN_ARRAYTYPE_P(a);
}
