// Array arguments and results of the SQL glue: the one reader of array arguments (float8[],
// int4[], int8[] read in place; text[] deconstructed), with one error for a wrong shape or a NULL
// element that names the argument, and the by-value array results (float8[], int4[]).
#pragma once

#include <cstring>
#include <string>

#include "bridge.hpp"

extern "C" {
#include "access/tupmacs.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
}

namespace c360::pg {

enum class Nulls { Refuse, Allow };

template <class T>
struct ArrayElement;
template <>
struct ArrayElement<double> {
    static constexpr Oid oid = FLOAT8OID;
    static constexpr const char* name = "float8";
};
template <>
struct ArrayElement<int32> {
    static constexpr Oid oid = INT4OID;
    static constexpr const char* name = "int4";
};
template <>
struct ArrayElement<int64> {
    static constexpr Oid oid = INT8OID;
    static constexpr const char* name = "int8";
};

// What an array argument must be. The error is "<what> must be <requirement>"; the default
// requirement is "a one-dimensional <type> array", plus " without NULLs" when NULLs are refused.
// A caller with a further condition (a length) raises the same error with reject().
struct ArrayShape {
    const char* what;
    const char* type;
    Nulls nulls;
    const char* requirement; // nullptr: the default

    [[noreturn]] void reject() const {
        std::string message = std::string(what) + " must be ";
        if (requirement != nullptr) {
            message += requirement;
        } else {
            message += std::string("a one-dimensional ") + type + " array";
            if (nulls == Nulls::Refuse) message += " without NULLs";
        }
        c360::fail(ErrorCode::InvalidParameter, message);
    }

    // One dimension at most (an empty array has none), the element type, NULLs if refused.
    void check(ArrayType* a, Oid elem) const {
        if (ARR_ELEMTYPE(a) != elem || ARR_NDIM(a) > 1 || (nulls == Nulls::Refuse && array_contains_nulls(a))) {
            reject();
        }
    }
};

// A one-dimensional array of fixed-size elements, read in place (an empty array has n = 0).
// data holds the non-NULL elements in order; with Nulls::Allow, is_null(i) tells the NULLs.
template <class T>
struct ArrayView {
    T* data;
    int n;
    const bits8* nullmap; // nullptr: no NULL (a bitmap may also mark none)
    ArrayShape shape;

    std::size_t size() const { return static_cast<std::size_t>(n); }
    bool has_nulls() const {
        for (int i = 0; nullmap != nullptr && i < n; ++i) {
            if (is_null(i)) return true;
        }
        return false;
    }
    bool is_null(int i) const { return nullmap != nullptr && att_isnull(i, nullmap); }
    [[noreturn]] void reject() const { shape.reject(); }
};

template <class T>
ArrayView<T> array_arg(ArrayType* a, const char* what, Nulls nulls = Nulls::Refuse, const char* requirement = nullptr) {
    const ArrayShape shape{what, ArrayElement<T>::name, nulls, requirement};
    shape.check(a, ArrayElement<T>::oid);
    const int n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
    return {reinterpret_cast<T*>(ARR_DATA_PTR(a)), n, ARR_NULLBITMAP(a), shape};
}

inline ArrayView<double> float8_view(ArrayType* a, const char* what, Nulls nulls = Nulls::Refuse,
                                     const char* requirement = nullptr) {
    return array_arg<double>(a, what, nulls, requirement);
}

// A one-dimensional text[], deconstructed: items[i] is a text Datum unless nulls[i].
// PostgreSQL allocation (deconstruct_array): call it with no C++ object alive.
struct TextArray {
    Datum* items;
    bool* nulls;
    int n;
    ArrayShape shape;

    [[noreturn]] void reject() const { shape.reject(); }
};

inline TextArray text_array(ArrayType* a, const char* what, Nulls nulls = Nulls::Refuse, const char* requirement = nullptr) {
    const ArrayShape shape{what, "text", nulls, requirement};
    shape.check(a, TEXTOID);
    TextArray t{nullptr, nullptr, 0, shape};
    deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &t.items, &t.nulls, &t.n);
    return t;
}

// A new one-dimensional array of n by-value elements (float8, int4) in CurrentMemoryContext,
// copied in one block (large arrays such as pattern tables are not passed through a Datum
// array); n = 0 gives the empty array. PostgreSQL allocation: call it with no C++ object alive,
// or through pg_call.
template <class T>
ArrayType* new_array(const T* v, int n) {
    if (n == 0) {
        return construct_empty_array(ArrayElement<T>::oid);
    }
    const Size bytes = ARR_OVERHEAD_NONULLS(1) + static_cast<Size>(n) * sizeof(T);
    ArrayType* a = static_cast<ArrayType*>(palloc0(bytes));
    SET_VARSIZE(a, bytes);
    a->ndim = 1;
    a->dataoffset = 0;
    a->elemtype = ArrayElement<T>::oid;
    ARR_DIMS(a)[0] = n;
    ARR_LBOUND(a)[0] = 1;
    std::memcpy(ARR_DATA_PTR(a), v, static_cast<std::size_t>(n) * sizeof(T));
    return a;
}

inline ArrayType* new_float8_array(const double* v, int n) { return new_array(v, n); }

} // namespace c360::pg
