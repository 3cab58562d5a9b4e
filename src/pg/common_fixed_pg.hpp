// SQL glue of the fixed-size state types (src/core/common/fixed.hpp: c360.rfm_state,
// c360.ab_state, c360.slowdown_state, c360.basket_state): trivially copyable structs stored
// verbatim, updated in place inside aggregates, and their in/out/send/recv; C360_STATE_TYPE_IO,
// the one macro that defines the four I/O functions of every state type, packed (overloads in
// common_packed_pg.hpp) or fixed-size.
#pragma once

#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include "bridge.hpp"
#include "common/fixed.hpp"

extern "C" {
#include "lib/stringinfo.h"
}

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

// The unread part of a recv function's message; the caller then marks it read.
inline std::string_view message_rest(StringInfo msg) {
    return {msg->data + msg->cursor, static_cast<std::size_t>(msg->len - msg->cursor)};
}

// ---- in / out / recv / send -------------------------------------------------------------------
// Out and send print any bytes (a fixed-size value cannot be read out of bounds); in and recv
// validate.

template <class S>
Datum type_in(FunctionCallInfo fcinfo, const FixedType<S>& type) {
    const S s = from_text(PG_GETARG_CSTRING(0), type);
    PG_RETURN_POINTER(palloc_copy(s));
}

template <class S>
Datum type_out(FunctionCallInfo fcinfo, const FixedType<S>& type) {
    char buf[1024]; // the std::string dies before pstrdup
    {
        const std::string text = to_text(*const_arg<S>(fcinfo, 0), type);
        if (text.size() >= sizeof buf) {
            c360::fail(ErrorCode::Internal, "state text form too long");
        }
        std::memcpy(buf, text.c_str(), text.size() + 1);
    }
    PG_RETURN_CSTRING(pstrdup(buf));
}

template <class S>
Datum type_recv(FunctionCallInfo fcinfo, const FixedType<S>& type) {
    StringInfo msg = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const S s = from_binary(message_rest(msg), type);
    msg->cursor = msg->len;
    PG_RETURN_POINTER(palloc_copy(s));
}

template <class S>
Datum type_send(FunctionCallInfo fcinfo, const FixedType<S>& type) {
    bytea* out = static_cast<bytea*>(palloc(VARHDRSZ + sizeof(S)));
    SET_VARSIZE(out, VARHDRSZ + sizeof(S));
    write_binary(*const_arg<S>(fcinfo, 0), type, VARDATA(out));
    PG_RETURN_BYTEA_P(out);
}

} // namespace c360::pg

// The four I/O functions c360.<name>_in/_out/_recv/_send of a state type, from its core
// descriptor (a FixedType<S>, or a PackedType with common_packed_pg.hpp included).
#define C360_STATE_TYPE_IO(name, type)                                                                 \
    C360_FUNCTION(name##_in, "c360." #name "_in") { return ::c360::pg::type_in(fcinfo, type); }       \
    C360_FUNCTION(name##_out, "c360." #name "_out") { return ::c360::pg::type_out(fcinfo, type); }    \
    C360_FUNCTION(name##_recv, "c360." #name "_recv") { return ::c360::pg::type_recv(fcinfo, type); } \
    C360_FUNCTION(name##_send, "c360." #name "_send") { return ::c360::pg::type_send(fcinfo, type); }
