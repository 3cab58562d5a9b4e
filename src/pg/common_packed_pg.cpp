// SQL glue of the packed value types: memory helpers and the one in/out/recv/send.
#include "common_packed_pg.hpp"

extern "C" {
#include "utils/memutils.h"
}

static_assert(c360::kMaxPackedBytes <= MaxAllocSize, "a packed value must fit one palloc");

namespace c360::pg {

void* palloc_guarded(std::size_t bytes) {
    if (bytes > MaxAllocSize) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "value too large (over 1 GB)");
    }
    void* mem = nullptr;
    c360::pg::pg_call([&]() noexcept { mem = palloc(bytes); });
    return mem;
}

void* packed_datum(const PackedBuffer& b) {
    const PackedView v = b.view();
    const std::size_t bytes = packed_bytes(v.h->n_int, v.n_dbl());
    void* mem = palloc_guarded(bytes);
    std::memcpy(mem, b.data(), bytes);
    mut_of(mem).h->cap_dbl = v.h->n_dbl;
    SET_VARSIZE(mem, bytes);
    return mem;
}

namespace {

// Memory of a value converted from its 0.1.0 layout (check_stored), in the current context.
void* varlena_alloc(std::size_t bytes) {
    void* mem = palloc_guarded(bytes);
    SET_VARSIZE(mem, bytes);
    return mem;
}

} // namespace

const void* packed_arg(FunctionCallInfo fcinfo, int argno, const PackedType& type) {
    struct varlena* v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
    const void* converted = check_stored(v, VARSIZE(v), type, ErrorCode::DataCorrupted, true, &varlena_alloc);
    return converted != nullptr ? converted : v;
}

void* new_state(const PackedType& type, std::size_t n_dbl) {
    const std::size_t cap = std::max(initial_capacity(type), n_dbl);
    const std::size_t bytes = packed_bytes(type.n_int, cap);
    void* mem = palloc0(bytes);
    init_packed(mem, type, n_dbl, cap);
    SET_VARSIZE(mem, bytes);
    return mem;
}

void* writable_state(FunctionCallInfo fcinfo, int argno, const PackedType& type) {
    struct varlena* v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
    const bool aggregate = AggCheckCallContext(fcinfo, nullptr);
    // an aggregate's own state: its layout (O(1) per row); a value from elsewhere: all of it; a
    // 0.1.0 value: a fresh copy in the current layout (the executor keeps the returned state)
    if (void* converted = check_stored(v, VARSIZE(v), type, ErrorCode::DataCorrupted, !aggregate, &varlena_alloc)) {
        return converted;
    }
    // in place: the aggregate's own state, or the private copy detoasting made
    if (aggregate || static_cast<void*>(v) != DatumGetPointer(PG_GETARG_DATUM(argno))) {
        return v;
    }
    void* copy = palloc(VARSIZE(v));
    std::memcpy(copy, v, VARSIZE(v));
    return copy;
}

void* reserve(void* state, const PackedType& type, std::size_t extra) {
    const PackedView v = view_of(state);
    const std::size_t used = v.n_dbl();
    if (used + extra <= v.h->cap_dbl) {
        return state;
    }
    const std::size_t cap = grown_capacity(type, static_cast<std::size_t>(v.h->cap_dbl), used + extra);
    const std::size_t bytes = packed_bytes(type.n_int, cap);
    void* mem = palloc(bytes);
    std::memcpy(mem, state, packed_bytes(type.n_int, used));
    mut_of(mem).h->cap_dbl = cap;
    SET_VARSIZE(mem, bytes);
    return mem;
}

void* append_values(void* state, const PackedType& type, const double* values, std::size_t n) {
    state = reserve(state, type, n);
    PackedMut m = mut_of(state);
    if (n > 0) {
        std::memcpy(m.dbl + m.h->n_dbl, values, sizeof(double) * n);
    }
    m.h->n_dbl += n;
    return state;
}

// ---- in / out / recv / send -------------------------------------------------------------------

Datum type_in(FunctionCallInfo fcinfo, const PackedType& type) {
    const char* str = PG_GETARG_CSTRING(0);
    void* mem = nullptr;
    {
        const PackedBuffer b = from_text(str, type);
        mem = packed_datum(b);
    }
    PG_RETURN_POINTER(mem);
}

Datum type_out(FunctionCallInfo fcinfo, const PackedType& type) {
    const PackedView v = view_of(packed_arg(fcinfo, 0, type));
    char* out = static_cast<char*>(palloc_guarded(text_bound(v, type) + 1));
    write_text(v, type, out);
    PG_RETURN_CSTRING(out);
}

Datum type_recv(FunctionCallInfo fcinfo, const PackedType& type) {
    StringInfo msg = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    void* mem = nullptr;
    {
        const PackedBuffer b = from_binary(message_rest(msg), type);
        mem = packed_datum(b);
    }
    msg->cursor = msg->len;
    PG_RETURN_POINTER(mem);
}

Datum type_send(FunctionCallInfo fcinfo, const PackedType& type) {
    const PackedView v = view_of(packed_arg(fcinfo, 0, type));
    const std::size_t bytes = VARHDRSZ + binary_size(v);
    bytea* out = static_cast<bytea*>(palloc_guarded(bytes));
    SET_VARSIZE(out, bytes);
    write_binary(v, VARDATA(out));
    PG_RETURN_BYTEA_P(out);
}

} // namespace c360::pg
