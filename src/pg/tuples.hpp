// Small helpers shared by the SQL glue for composite results.
#pragma once

#include <string>

#include "bridge.hpp"

extern "C" {
#include "funcapi.h"
}

namespace c360::pg {

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
    if (td->natts != natts) {
        c360::fail(ErrorCode::DataCorrupted,
                   std::string(type_name) + " has " + std::to_string(td->natts) + " fields, expected " +
                       std::to_string(natts),
                   {}, "Reinstall the extension: ALTER EXTENSION customer360 UPDATE.");
    }
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

} // namespace c360::pg
