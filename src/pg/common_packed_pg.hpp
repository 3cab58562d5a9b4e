// SQL glue of the variable-length state and model types (src/core/common/packed.hpp: the scoring
// types, c360.rfm_sample, c360.uplift_sample, c360.clv_sample) held in PostgreSQL memory, and their
// in/out/recv/send (the overloads of type_in & co. that C360_STATE_TYPE_IO calls for a PackedType).
//
// Reading rule: inside an aggregate a state to update has its layout checked (O(1) per row: enough
// to append safely); every other argument is checked fully (check_packed: the second argument of
// a merge, final functions, out/send, plain calls), so that a damaged stored value is XX001, never
// a crash. A stored 0.1.0 value of c360.rfm_sample, c360.uplift_sample or c360.clv_sample is
// converted to the current layout on the way in (check_stored), so no caller sees the old layout.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "bridge.hpp"
#include "common/packed.hpp"
#include "common_fixed_pg.hpp"

namespace c360::pg {

// palloc from C++ code that holds live objects: a PostgreSQL error becomes a C++ exception.
void* palloc_guarded(std::size_t bytes);

// Copies a C++-owned packed value into a palloc'd varlena (only the used doubles).
void* packed_datum(const PackedBuffer& b);

// A packed argument, detoasted and fully checked.
const void* packed_arg(FunctionCallInfo fcinfo, int argno, const PackedType& type);

// A new state of n_dbl doubles (zeroed) with room for initial_capacity(type) doubles.
void* new_state(const PackedType& type, std::size_t n_dbl);

// A state to update (checked as above): in place inside an aggregate, a copy for plain calls.
void* writable_state(FunctionCallInfo fcinfo, int argno, const PackedType& type);

// Room for `extra` more doubles (grown_capacity). A larger state is allocated in the current
// (per-call) context and returned: the executor copies it into the aggregate context and frees
// the old one.
void* reserve(void* state, const PackedType& type, std::size_t extra);

// Appends n doubles (whole rows) to a state; returns the state, moved when it had to grow.
void* append_values(void* state, const PackedType& type, const double* values, std::size_t n);
// Appends the rows of `from`, a checked value of the same type.
inline void* append_rows(void* state, const PackedType& type, const PackedView& from) {
    return append_values(state, type, packed_row_data(from, type), from.n_dbl() - type.n_fixed);
}

template <class T>
T* pod_copy(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    T* out = static_cast<T*>(palloc_guarded(sizeof(T) * std::max<std::size_t>(v.size(), 1)));
    if (!v.empty()) std::memcpy(out, v.data(), sizeof(T) * v.size());
    return out;
}

Datum type_in(FunctionCallInfo fcinfo, const PackedType& type);
Datum type_out(FunctionCallInfo fcinfo, const PackedType& type);
Datum type_recv(FunctionCallInfo fcinfo, const PackedType& type);
Datum type_send(FunctionCallInfo fcinfo, const PackedType& type);

} // namespace c360::pg
