// SQL glue for the packed value types of src/core/scoring/packed (c360.logit_model, c360.logit_rows,
// c360.logit_stats, c360.score_sample, c360.score_bins): their memory helpers and in/out/recv/send.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include "scoring_packed_pg.hpp"
#include "scoring/evaluate.hpp"
#include "scoring/logit.hpp"

extern "C" {
#include "libpq/pqformat.h"
#include "utils/memutils.h"
}

using c360::ErrorCode;
namespace sc = c360::scoring;

namespace c360::pg::scoring {

// palloc from C++ code that holds live objects: a PostgreSQL error becomes a C++ exception.
void* palloc_guarded(std::size_t bytes) {
    if (bytes > MaxAllocSize) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "value too large (over 1 GB)",
                   {}, "For large training sets use c360.logit_train, which keeps no rows in memory.");
    }
    void* mem = nullptr;
    c360::pg::pg_call([&]() noexcept { mem = palloc(bytes); });
    return mem;
}

// Copies a C++-owned packed value into a palloc'd varlena (only the used doubles).
void* to_datum_memory(const sc::PackedBuffer& b) {
    const sc::PackedView v = b.view();
    const std::size_t bytes = sc::packed_bytes(v.h->n_int, v.n_dbl());
    void* mem = palloc_guarded(bytes);
    std::memcpy(mem, b.data(), bytes);
    sc::mut_of(mem).h->cap_dbl = v.h->n_dbl;
    SET_VARSIZE(mem, bytes);
    return mem;
}

// A packed argument, detoasted and fully checked (a damaged stored value is XX001, not a crash).
const void* packed_arg(FunctionCallInfo fcinfo, int argno, const sc::TypeInfo& type) {
    struct varlena* v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
    sc::check_packed(v, VARSIZE(v), type, ErrorCode::DataCorrupted);
    return v;
}

// A state to update: in place inside an aggregate, a copy for plain calls.
void* writable_state(FunctionCallInfo fcinfo, int argno) {
    struct varlena* v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
    if (AggCheckCallContext(fcinfo, nullptr) && static_cast<void*>(v) == DatumGetPointer(PG_GETARG_DATUM(argno))) {
        return v;
    }
    void* copy = palloc(VARSIZE(v));
    std::memcpy(copy, v, VARSIZE(v));
    return copy;
}

// Room for `extra` more doubles. A larger state is allocated in the current (per-call) context
// and returned: the executor copies it into the aggregate context and frees the old one.
void* reserve(void* state, std::size_t extra) {
    sc::PackedMut m = sc::mut_of(state);
    const std::size_t used = m.view().n_dbl();
    if (used + extra <= m.h->cap_dbl) {
        return state;
    }
    std::size_t cap = std::max<std::size_t>({2 * m.h->cap_dbl, used + extra, 1024});
    if (sc::packed_bytes(m.h->n_int, cap) > MaxAllocSize) {
        cap = (MaxAllocSize - sc::packed_bytes(m.h->n_int, 0)) / 8;
        if (cap < used + extra) {
            c360::fail(ErrorCode::ProgramLimitExceeded, "too many rows to keep in memory (state over 1 GB)",
                       {}, "Use c360.logit_train (iterated, fixed-size statistics) for large tables.");
        }
    }
    const std::size_t bytes = sc::packed_bytes(m.h->n_int, cap);
    void* mem = palloc(bytes);
    std::memcpy(mem, state, sc::packed_bytes(m.h->n_int, used));
    sc::mut_of(mem).h->cap_dbl = cap;
    SET_VARSIZE(mem, bytes);
    return mem;
}

} // namespace c360::pg::scoring

using namespace c360::pg::scoring;

namespace {

Datum packed_in(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    const char* str = PG_GETARG_CSTRING(0);
    void* mem = nullptr;
    {
        const sc::PackedBuffer b = sc::from_text(str, type);
        mem = to_datum_memory(b);
    }
    PG_RETURN_POINTER(mem);
}

Datum packed_out(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    const void* v = packed_arg(fcinfo, 0, type);
    char* out = nullptr;
    {
        const std::string text = sc::to_text(sc::view_of(v), type);
        out = static_cast<char*>(palloc_guarded(text.size() + 1));
        std::memcpy(out, text.c_str(), text.size() + 1);
    }
    PG_RETURN_CSTRING(out);
}

Datum packed_recv(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    StringInfo msg = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const uint32 magic = pq_getmsgint(msg, 4);
    const uint32 version = pq_getmsgint(msg, 4);
    const uint32 n_int = pq_getmsgint(msg, 4);
    const uint64 n_dbl = static_cast<uint64>(pq_getmsgint64(msg));
    if (n_int != type.n_int || n_dbl > (MaxAllocSize - sc::packed_bytes(n_int, 0)) / 8 ||
        static_cast<uint64>(msg->len - msg->cursor) != 8 * (n_int + n_dbl)) {
        c360::fail(ErrorCode::InvalidBinaryRepresentation, std::string("invalid binary ") + type.sql_name + " value",
                   "sizes do not match the message length");
    }
    const std::size_t bytes = sc::packed_bytes(n_int, n_dbl);
    void* mem = palloc0(bytes);
    sc::PackedMut m = sc::mut_of(mem);
    m.h->magic = magic;
    m.h->version = version;
    m.h->n_int = n_int;
    m.h->n_dbl = n_dbl;
    m.h->cap_dbl = n_dbl;
    m = sc::mut_of(mem);
    for (uint32 i = 0; i < n_int; ++i) m.ints[i] = pq_getmsgint64(msg);
    for (uint64 i = 0; i < n_dbl; ++i) m.dbl[i] = pq_getmsgfloat8(msg);
    SET_VARSIZE(mem, bytes);
    sc::check_packed(mem, bytes, type, ErrorCode::InvalidBinaryRepresentation);
    PG_RETURN_POINTER(mem);
}

Datum packed_send(FunctionCallInfo fcinfo, const sc::TypeInfo& type) {
    const sc::PackedView v = sc::view_of(packed_arg(fcinfo, 0, type));
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint32(&buf, v.h->magic);
    pq_sendint32(&buf, v.h->version);
    pq_sendint32(&buf, v.h->n_int);
    pq_sendint64(&buf, static_cast<int64>(v.n_dbl()));
    for (uint32 i = 0; i < v.h->n_int; ++i) pq_sendint64(&buf, v.ints[i]);
    for (std::size_t i = 0; i < v.n_dbl(); ++i) pq_sendfloat8(&buf, v.dbl[i]);
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

} // namespace

// ---- type I/O -----------------------------------------------------------------------------------

#define C360_PACKED_IO(name, type)                                                           \
    C360_FUNCTION(name##_in, "c360." #name "_in") { return packed_in(fcinfo, type); }    \
    C360_FUNCTION(name##_out, "c360." #name "_out") { return packed_out(fcinfo, type); } \
    C360_FUNCTION(name##_recv, "c360." #name "_recv") { return packed_recv(fcinfo, type); } \
    C360_FUNCTION(name##_send, "c360." #name "_send") { return packed_send(fcinfo, type); }

C360_PACKED_IO(logit_model, sc::kModelType)
C360_PACKED_IO(logit_rows, sc::kRowsType)
C360_PACKED_IO(logit_stats, sc::kStatsType)
C360_PACKED_IO(score_sample, sc::kSampleType)
C360_PACKED_IO(score_bins, sc::kBinsType)
