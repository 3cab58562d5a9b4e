// Helpers for aggregate states: fixed-size SQL types stored verbatim (c360.rfm_state,
// c360.slowdown_state, ...: trivially copyable structs, updated in place inside aggregates), and
// the growth rule of the growable varlena samples (c360.rfm_sample, c360.uplift_sample,
// c360.clv_sample: a header + rows, appended in place while capacity allows).
#pragma once

#include <cstring>
#include <new>
#include <string>
#include <type_traits>

#include "bridge.hpp"

namespace c360::pg {

template <class S>
S* palloc_copy(const S& from) {
    static_assert(std::is_trivially_copyable_v<S>);
    void* mem = palloc(sizeof(S));
    return new (mem) S(from);
}

// The state to modify: in place when called by an aggregate (allowed for transition and combine
// functions), otherwise a fresh copy so that plain calls never scribble on their input.
template <class S>
S* writable_arg(FunctionCallInfo fcinfo, int argno) {
    S* s = reinterpret_cast<S*>(PG_GETARG_POINTER(argno));
    if (AggCheckCallContext(fcinfo, nullptr)) {
        return s;
    }
    return palloc_copy(*s);
}

template <class S>
const S* const_arg(FunctionCallInfo fcinfo, int argno) {
    return reinterpret_cast<const S*>(PG_GETARG_POINTER(argno));
}

// Text output of a state through its core to_text(): the std::string dies before pstrdup.
template <class S>
Datum text_out(const S& s, std::string (*to_text)(const S&)) {
    char buf[1024];
    {
        const std::string text = to_text(s);
        if (text.size() >= sizeof buf) {
            c360::fail(ErrorCode::Internal, "state text form too long");
        }
        std::memcpy(buf, text.c_str(), text.size() + 1);
    }
    PG_RETURN_CSTRING(pstrdup(buf));
}

// A growable sample may take `extra` rows in place: only inside an aggregate (which owns its
// state) and when the capacity allows.
inline bool appendable_in_place(FunctionCallInfo fcinfo, int64 count, int64 extra, int64 capacity) {
    return AggCheckCallContext(fcinfo, nullptr) && count + extra <= capacity;
}

// Capacity of the copy that holds `needed` rows: doubles from at least 1024, never past `limit`
// unless the need itself is (the sample's constructor then refuses it with a clear error).
inline int64 grown_capacity(int64 capacity, int64 needed, int64 limit) {
    capacity = capacity > 1024 ? capacity : 1024;
    while (capacity < needed) {
        capacity = capacity * 2 > limit ? (needed <= limit ? limit : needed) : capacity * 2;
    }
    return capacity;
}

// A varlena argument, detoasted.
template <class H>
H* detoasted_arg(FunctionCallInfo fcinfo, int argno) {
    return reinterpret_cast<H*>(PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)));
}

} // namespace c360::pg
