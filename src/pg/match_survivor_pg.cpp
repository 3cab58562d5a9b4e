// SQL glue for the survivorship aggregates of golden records (src/core/match/survivor.hpp; docs/match.md):
// the transition and combine functions of c360.survivor, c360.most_recent, c360.most_complete
// (state c360.survivor_state) and c360.most_frequent (state c360.frequency_state). The states stay the
// composite SQL types of 0.1.0 (text in/out, dump and restore unchanged); these C functions replace the
// PL/pgSQL bodies with the same results (sql/match_checks.sql). They hold no C++ object: plain PostgreSQL
// calls, errors through c360::fail.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "bridge.hpp"
#include "match/survivor.hpp"
#include "tuples.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

using c360::ErrorCode;
namespace mt = c360::match;

namespace {

constexpr int kMaxFrequencyValues = 10000;

// The state's row type (the declared type of argument 0, from fn_oid), cached for the call site.
TupleDesc state_desc(FunctionCallInfo fcinfo) {
    if (fcinfo->flinfo->fn_extra == nullptr) {
        const Oid state_type = c360::pg::declared_argtype(fcinfo, 0);
        MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
        fcinfo->flinfo->fn_extra = lookup_rowtype_tupdesc_copy(state_type, -1);
        MemoryContextSwitchTo(old);
    }
    return static_cast<TupleDesc>(fcinfo->flinfo->fn_extra);
}

// The fields of a composite argument; false when the argument is NULL.
bool state_fields(FunctionCallInfo fcinfo, int argno, TupleDesc desc, Datum* values, bool* nulls) {
    if (PG_ARGISNULL(argno)) return false;
    HeapTupleHeader h = PG_GETARG_HEAPTUPLEHEADER(argno);
    HeapTupleData tuple;
    tuple.t_len = HeapTupleHeaderGetDatumLength(h);
    ItemPointerSetInvalid(&tuple.t_self);
    tuple.t_tableOid = InvalidOid;
    tuple.t_data = h;
    heap_deform_tuple(&tuple, desc, values, nulls);
    return true;
}

std::string_view text_view(Datum d) {
    const text* t = reinterpret_cast<const text*>(DatumGetPointer(d));
    return {VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t))};
}

// ---- c360.survivor_state: (value text, rank float8, ts timestamptz) ---------------------------------

struct SurvivorRow {
    bool present; // the argument is not NULL
    Datum values[3];
    bool nulls[3];
};

mt::SurvivorCandidate candidate_of(const SurvivorRow& r) {
    mt::SurvivorCandidate c;
    c.has_value = !r.nulls[0];
    if (c.has_value) c.value = text_view(r.values[0]);
    c.has_rank = !r.nulls[1];
    if (c.has_rank) c.rank = DatumGetFloat8(r.values[1]);
    c.has_ts = !r.nulls[2];
    if (c.has_ts) c.ts = DatumGetTimestampTz(r.values[2]);
    return c;
}

// SQL's "row IS NULL": the argument NULL or every field NULL.
bool row_is_null(const SurvivorRow& r) { return !r.present || (r.nulls[0] && r.nulls[1] && r.nulls[2]); }

SurvivorRow survivor_arg(FunctionCallInfo fcinfo, int argno) {
    SurvivorRow r;
    r.present = state_fields(fcinfo, argno, state_desc(fcinfo), r.values, r.nulls);
    if (!r.present) r.nulls[0] = r.nulls[1] = r.nulls[2] = true;
    return r;
}

// The transition: value (argument 1, not blank) with its rank and ts against the state (argument 0).
Datum survivor_step(FunctionCallInfo fcinfo, double rank, bool has_rank, bool has_ts, TimestampTz ts) {
    text* value = PG_GETARG_TEXT_PP(1);
    if (has_rank && std::isnan(rank)) {
        c360::fail(ErrorCode::InvalidParameter, "priority must be a number (NULL = lowest priority), not NaN");
    }
    SurvivorRow cand;
    cand.present = true;
    cand.values[0] = PointerGetDatum(value);
    cand.nulls[0] = false;
    cand.values[1] = Float8GetDatum(has_rank ? rank : get_float8_infinity());
    cand.nulls[1] = false;
    cand.values[2] = TimestampTzGetDatum(ts);
    cand.nulls[2] = !has_ts;
    const SurvivorRow state = survivor_arg(fcinfo, 0);
    if (!row_is_null(state) && !mt::survivor_better(candidate_of(cand), candidate_of(state))) {
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    HeapTuple t = heap_form_tuple(state_desc(fcinfo), cand.values, cand.nulls);
    PG_RETURN_DATUM(HeapTupleGetDatum(t));
}

// NULL or blank value: the state unchanged (NULL stays NULL).
bool skip_value(FunctionCallInfo fcinfo) {
    return PG_ARGISNULL(1) || mt::survivor_blank(text_view(PG_GETARG_DATUM(1)));
}

Datum state_unchanged(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

} // namespace

// c360.survivor_add(state, value, priority, ts): NULL priority ranks last, NaN is an error.
C360_FUNCTION(survivor_add, "c360.survivor") {
    if (skip_value(fcinfo)) {
        if (!PG_ARGISNULL(2) && std::isnan(PG_GETARG_FLOAT8(2))) {
            c360::fail(ErrorCode::InvalidParameter, "priority must be a number (NULL = lowest priority), not NaN");
        }
        return state_unchanged(fcinfo);
    }
    const bool has_rank = !PG_ARGISNULL(2);
    const bool has_ts = !PG_ARGISNULL(3);
    return survivor_step(fcinfo, has_rank ? PG_GETARG_FLOAT8(2) : 0.0, has_rank, has_ts, has_ts ? PG_GETARG_TIMESTAMPTZ(3) : 0);
}

// c360.most_recent_add(state, value, ts): every value at rank 0.
C360_FUNCTION(most_recent_add, "c360.most_recent") {
    if (skip_value(fcinfo)) return state_unchanged(fcinfo);
    const bool has_ts = !PG_ARGISNULL(2);
    return survivor_step(fcinfo, 0.0, true, has_ts, has_ts ? PG_GETARG_TIMESTAMPTZ(2) : 0);
}

// c360.most_complete_add(state, value): rank = minus the characters of the value trimmed of spaces.
C360_FUNCTION(most_complete_add, "c360.most_complete") {
    if (skip_value(fcinfo)) return state_unchanged(fcinfo);
    const std::string_view v = text_view(PG_GETARG_DATUM(1));
    const std::size_t first = v.find_first_not_of(' ');
    const std::size_t last = v.find_last_not_of(' ');
    const int chars = pg_mbstrlen_with_len(v.data() + first, static_cast<int>(last - first + 1));
    return survivor_step(fcinfo, -static_cast<double>(chars), true, false, 0);
}

// c360.survivor_merge(a, b): the better of two states (b when a is NULL, a when b is).
C360_FUNCTION(survivor_merge, "c360.survivor_merge") {
    const SurvivorRow a = survivor_arg(fcinfo, 0);
    const SurvivorRow b = survivor_arg(fcinfo, 1);
    int pick = 0;
    if (row_is_null(b)) {
        pick = 0;
    } else if (row_is_null(a)) {
        pick = 1;
    } else {
        pick = mt::survivor_better(candidate_of(b), candidate_of(a)) ? 1 : 0;
    }
    if (PG_ARGISNULL(pick)) PG_RETURN_NULL();
    PG_RETURN_DATUM(PG_GETARG_DATUM(pick));
}

// c360.survivor_final(state): the winning value (NULL for a NULL state).
C360_FUNCTION(survivor_final, "c360.survivor_final") {
    const SurvivorRow s = survivor_arg(fcinfo, 0);
    if (s.nulls[0]) PG_RETURN_NULL();
    PG_RETURN_DATUM(s.values[0]);
}

// ---- c360.frequency_state: (vals text[], counts int8[]) ---------------------------------------------

namespace {

struct Frequencies {
    Datum* vals;
    bool* val_nulls;
    Datum* counts;
    int n;
};

// The state's arrays (n = 0 for a NULL state or NULL vals); a damaged state (counts missing, NULL or of
// another length) is an error.
Frequencies frequencies_of(FunctionCallInfo fcinfo, int argno) {
    Frequencies f{nullptr, nullptr, nullptr, 0};
    Datum fields[2];
    bool nulls[2];
    if (!state_fields(fcinfo, argno, state_desc(fcinfo), fields, nulls) || nulls[0]) return f;
    int nv = 0, nc = 0;
    bool* count_nulls = nullptr;
    deconstruct_array(DatumGetArrayTypeP(fields[0]), TEXTOID, -1, false, TYPALIGN_INT, &f.vals, &f.val_nulls, &nv);
    if (!nulls[1]) {
        deconstruct_array(DatumGetArrayTypeP(fields[1]), INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &f.counts,
                          &count_nulls, &nc);
    }
    bool damaged = nulls[1] || nc != nv;
    for (int i = 0; !damaged && i < nc; ++i) damaged = count_nulls[i];
    if (damaged) {
        c360::fail(ErrorCode::InvalidParameter, "damaged c360.frequency_state: counts must be one non-NULL count per value");
    }
    f.n = nv;
    return f;
}

// Adds `count` occurrences of a value (palloc'd arrays grown by one when the value is new).
void frequencies_add(Frequencies& f, int& capacity, Datum value, int64 count) {
    const std::string_view v = text_view(value);
    for (int i = 0; i < f.n; ++i) {
        if (!f.val_nulls[i] && text_view(f.vals[i]) == v) {
            int64 sum = 0;
            if (pg_add_s64_overflow(DatumGetInt64(f.counts[i]), count, &sum)) {
                c360::fail(ErrorCode::NumericOutOfRange, "bigint out of range");
            }
            f.counts[i] = Int64GetDatum(sum);
            return;
        }
    }
    if (f.n >= kMaxFrequencyValues) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "more than 10000 distinct values in one group", "",
                   "It is meant for the records of one cluster; GROUP BY the cluster id.");
    }
    if (f.n >= capacity) {
        capacity = capacity * 2 + 4;
        Datum* vals = static_cast<Datum*>(palloc(sizeof(Datum) * capacity));
        bool* val_nulls = static_cast<bool*>(palloc(sizeof(bool) * capacity));
        Datum* counts = static_cast<Datum*>(palloc(sizeof(Datum) * capacity));
        if (f.n > 0) {
            std::memcpy(vals, f.vals, sizeof(Datum) * f.n);
            std::memcpy(val_nulls, f.val_nulls, sizeof(bool) * f.n);
            std::memcpy(counts, f.counts, sizeof(Datum) * f.n);
        }
        f.vals = vals;
        f.val_nulls = val_nulls;
        f.counts = counts;
    }
    f.vals[f.n] = value;
    f.val_nulls[f.n] = false;
    f.counts[f.n] = Int64GetDatum(count);
    ++f.n;
}

Datum frequencies_datum(FunctionCallInfo fcinfo, const Frequencies& f) {
    int dims[1] = {f.n};
    int lbs[1] = {1};
    Datum fields[2];
    bool nulls[2] = {false, false};
    fields[0] = PointerGetDatum(construct_md_array(f.vals, f.val_nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
    fields[1] = PointerGetDatum(construct_array(f.counts, f.n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
    return HeapTupleGetDatum(heap_form_tuple(state_desc(fcinfo), fields, nulls));
}

Datum frequency_step(FunctionCallInfo fcinfo, int64 count) {
    if (skip_value(fcinfo) || count == 0) return state_unchanged(fcinfo);
    Frequencies f = frequencies_of(fcinfo, 0);
    int capacity = f.n;
    frequencies_add(f, capacity, PointerGetDatum(PG_GETARG_TEXT_PP(1)), count);
    return frequencies_datum(fcinfo, f);
}

} // namespace

// c360.frequency_add(state, value, n): NULL and blank values, n = 0 and NULL n add nothing.
C360_FUNCTION(frequency_add, "c360.frequency_add") {
    if (PG_ARGISNULL(2)) return state_unchanged(fcinfo);
    return frequency_step(fcinfo, PG_GETARG_INT64(2));
}

// c360.frequency_add1(state, value): one occurrence.
C360_FUNCTION(frequency_add1, "c360.most_frequent") {
    return frequency_step(fcinfo, 1);
}

// c360.frequency_merge(a, b): the counts of b added to a, value by value in b's order.
C360_FUNCTION(frequency_merge, "c360.most_frequent") {
    const Frequencies b = frequencies_of(fcinfo, 1);
    if (b.n == 0) {
        // b NULL, without values or with an empty vals array: a (an empty b adds nothing either)
        return state_unchanged(fcinfo);
    }
    Frequencies a = frequencies_of(fcinfo, 0);
    int capacity = a.n;
    bool changed = false;
    for (int i = 0; i < b.n; ++i) {
        const int64 count = DatumGetInt64(b.counts[i]);
        if (b.val_nulls[i] || count == 0 || mt::survivor_blank(text_view(b.vals[i]))) continue;
        frequencies_add(a, capacity, b.vals[i], count);
        changed = true;
    }
    if (!changed) return state_unchanged(fcinfo);
    return frequencies_datum(fcinfo, a);
}

// c360.frequency_final(state): the most frequent value, ties to the first in byte order (COLLATE "C");
// NULL for a state without values.
C360_FUNCTION(frequency_final, "c360.most_frequent") {
    const Frequencies f = frequencies_of(fcinfo, 0);
    int best = -1;
    for (int i = 0; i < f.n; ++i) {
        if (f.val_nulls[i]) continue;
        if (best < 0) {
            best = i;
            continue;
        }
        const int64 c = DatumGetInt64(f.counts[i]), cb = DatumGetInt64(f.counts[best]);
        if (c > cb || (c == cb && text_view(f.vals[i]) < text_view(f.vals[best]))) best = i;
    }
    if (best < 0) PG_RETURN_NULL();
    PG_RETURN_DATUM(f.vals[best]);
}
