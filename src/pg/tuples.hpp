// The one builder of composite results: a composite value (result_tupdesc + composite_datum)
// and an array of composites (composite_array), shared by the SQL glue. PostgreSQL allocation
// throughout: call these with no C++ object alive (bridge.hpp, rule 2).
#pragma once

#include <cmath>
#include <string>

#include "bridge.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

namespace c360::pg {

// The catalog's row type must have the fields the glue fills.
inline void check_fields(TupleDesc td, int natts, const char* type_name) {
    if (td->natts != natts) {
        c360::fail(ErrorCode::DataCorrupted,
                   std::string(type_name) + " has " + std::to_string(td->natts) + " fields, expected " +
                       std::to_string(natts),
                   {}, "Reinstall the extension: ALTER EXTENSION customer360 UPDATE.");
    }
}

// The blessed result tuple descriptor of a function returning a composite type, cached in
// *slot, which lives as long as the call site (the function runs once per row or group: no
// catalog look-up after the first call).
inline TupleDesc result_tupdesc(FunctionCallInfo fcinfo, TupleDesc* slot, int natts, const char* type_name) {
    TupleDesc cached = *slot;
    if (cached != nullptr) {
        return cached;
    }
    TupleDesc td = nullptr;
    if (get_call_result_type(fcinfo, nullptr, &td) != TYPEFUNC_COMPOSITE) {
        c360::fail(ErrorCode::Internal, "function returning a composite called in a context that cannot accept it");
    }
    check_fields(td, natts, type_name);
    MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    cached = BlessTupleDesc(CreateTupleDescCopy(td));
    MemoryContextSwitchTo(old);
    *slot = cached;
    return cached;
}

// Same, cached in fn_extra (for functions that keep nothing else there).
inline TupleDesc cached_result_tupdesc(FunctionCallInfo fcinfo, int natts, const char* type_name) {
    TupleDesc slot = static_cast<TupleDesc>(fcinfo->flinfo->fn_extra);
    TupleDesc td = result_tupdesc(fcinfo, &slot, natts, type_name);
    fcinfo->flinfo->fn_extra = td;
    return td;
}

// A NaN of the core is SQL NULL.
inline Datum float8_or_null(double v, bool* isnull) {
    *isnull = std::isnan(v);
    return Float8GetDatum(*isnull ? 0.0 : v);
}

// A composite value of the (blessed) descriptor td.
inline Datum composite_datum(TupleDesc td, const Datum* values, const bool* nulls) {
    return HeapTupleGetDatum(heap_form_tuple(td, const_cast<Datum*>(values), const_cast<bool*>(nulls)));
}

// An array of composites, the result of a function returning c360.gain_row[], c360.uplift_bin[]...:
// composite_array() prepares `rows` rows of the function's element type, add() forms each row,
// finish() makes the array.
struct CompositeArray {
    Oid elem;
    TupleDesc td;
    Datum* items;
    int count;

    void add(const Datum* values, const bool* nulls) { items[count++] = composite_datum(td, values, nulls); }

    ArrayType* finish() const {
        int16 typlen;
        bool typbyval;
        char typalign;
        get_typlenbyvalalign(elem, &typlen, &typbyval, &typalign);
        return construct_array(items, count, elem, typlen, typbyval, typalign);
    }
};

// The declared type of argument `argno` of the function called, from its catalog entry (fn_oid): Citus
// calls transition and final functions without a call expression, so get_fn_expr_argtype cannot be used.
inline Oid declared_argtype(FunctionCallInfo fcinfo, int argno) {
    Oid* argtypes = nullptr;
    int nargs = 0;
    (void)get_func_signature(fcinfo->flinfo->fn_oid, &argtypes, &nargs);
    if (argno < 0 || argno >= nargs) elog(ERROR, "function %u has no argument %d", fcinfo->flinfo->fn_oid, argno + 1);
    const Oid t = argtypes[argno];
    pfree(argtypes);
    return t;
}

inline CompositeArray composite_array(FunctionCallInfo fcinfo, int rows, int natts, const char* type_name) {
    const Oid elem = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));
    if (elem == InvalidOid) {
        c360::fail(ErrorCode::Internal, "function must return an array of a composite type");
    }
    TupleDesc td = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elem, -1));
    check_fields(td, natts, type_name);
    Datum* items = static_cast<Datum*>(palloc(sizeof(Datum) * (rows > 0 ? rows : 1)));
    return {elem, td, items, 0};
}

} // namespace c360::pg
