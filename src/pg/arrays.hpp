// float8[] arguments and results, shared by the SQL glue.
#pragma once

#include <cstring>
#include <string>

#include "bridge.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

namespace c360::pg {

// A one-dimensional float8[] without NULLs, read in place (an empty array has n = 0).
struct Float8View {
    double* data;
    int n;
};

inline Float8View float8_view(ArrayType* a, const char* what) {
    if (ARR_ELEMTYPE(a) != FLOAT8OID || ARR_NDIM(a) > 1 || ARR_HASNULL(a)) {
        c360::fail(ErrorCode::InvalidParameter, std::string(what) + " must be a one-dimensional float8 array without NULLs");
    }
    if (ARR_NDIM(a) == 0) {
        return {nullptr, 0};
    }
    return {reinterpret_cast<double*>(ARR_DATA_PTR(a)), ARR_DIMS(a)[0]};
}

// A new float8[] of n values in CurrentMemoryContext, copied in one block (large arrays such as
// pattern tables are not passed through a Datum array). PostgreSQL allocation: call it with no C++
// object alive, or through pg_call.
inline ArrayType* new_float8_array(const double* v, int n) {
    const Size bytes = ARR_OVERHEAD_NONULLS(1) + static_cast<Size>(n) * sizeof(double);
    ArrayType* a = static_cast<ArrayType*>(palloc0(bytes));
    SET_VARSIZE(a, bytes);
    a->ndim = 1;
    a->dataoffset = 0;
    a->elemtype = FLOAT8OID;
    ARR_DIMS(a)[0] = n;
    ARR_LBOUND(a)[0] = 1;
    if (n > 0) {
        std::memcpy(ARR_DATA_PTR(a), v, static_cast<std::size_t>(n) * sizeof(double));
    }
    return a;
}

} // namespace c360::pg
