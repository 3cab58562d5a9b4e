// Shared by the scoring glue (scoring_packed_pg.cpp, scoring_logit_pg.cpp, scoring_evaluate_pg.cpp):
// the packed varlena values of src/core/scoring/packed.hpp held in PostgreSQL memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "bridge.hpp"
#include "scoring/packed.hpp"

namespace c360::pg::scoring {

namespace sc = c360::scoring;

// palloc from C++ code that holds live objects: a PostgreSQL error becomes a C++ exception.
void* palloc_guarded(std::size_t bytes);

// Copies a C++-owned packed value into a palloc'd varlena (only the used doubles).
void* to_datum_memory(const sc::PackedBuffer& b);

// A packed argument, detoasted and fully checked (a damaged stored value is XX001, not a crash).
const void* packed_arg(FunctionCallInfo fcinfo, int argno, const sc::TypeInfo& type);

// A state to update: in place inside an aggregate, a copy for plain calls.
void* writable_state(FunctionCallInfo fcinfo, int argno);

// Room for `extra` more doubles. A larger state is allocated in the current (per-call) context
// and returned: the executor copies it into the aggregate context and frees the old one.
void* reserve(void* state, std::size_t extra);

template <class T>
T* pod_copy(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    T* out = static_cast<T*>(palloc_guarded(sizeof(T) * std::max<std::size_t>(v.size(), 1)));
    if (!v.empty()) std::memcpy(out, v.data(), sizeof(T) * v.size());
    return out;
}

} // namespace c360::pg::scoring
