// The error bridge: the one way SQL entry points run C++ code.
//
// Rules (see docs/architecture.md):
//  1. Every SQL-callable function is defined with C360_FUNCTION(name, "sql name") (symbol c360_<name>). Its body
//     runs inside c360::pg::guarded(), which catches every C++ exception, copies the message
//     into a plain buffer, leaves the catch scope and only then calls ereport(ERROR). No C++
//     exception ever reaches a PostgreSQL frame.
//  2. ereport(ERROR) longjmps. A body may call PostgreSQL functions (argument fetch, palloc,
//     detoast, heap_form_tuple, CHECK_FOR_INTERRUPTS) only while it holds no C++ object with a
//     non-trivial destructor. Work with std::string, std::vector, Eigen... happens in the core
//     (src/core), which never calls PostgreSQL.
//  3. Deep C++ code that must call PostgreSQL wraps the call in pg_call(), which turns a
//     PostgreSQL error into a C++ exception (PgError) and re-throws it as the same error at
//     the bridge. The wrapped code must be noexcept (no throw inside PG_TRY).
//  4. std::bad_alloc -> 53200, c360::Error -> its SQLSTATE, std::invalid_argument and
//     std::domain_error -> 22023, std::overflow_error/range_error/underflow_error -> 22003,
//     anything else -> XX000 with the message.
#pragma once

// C++ headers first, then PostgreSQL's (port.h redefines printf & co.).
#include <exception>
#include <new>
#include <stdexcept>
#include <type_traits>

#include "common/error.hpp"

extern "C" {
#include "postgres.h"

#include "pg_version_compat.hpp"

#include "fmgr.h"
#include "miscadmin.h"
}

namespace c360::pg {

// Plain old data: safe to keep on the stack across ereport's longjmp.
struct PendingError {
    bool set;
    int sqlstate;
    ErrorData* pg_error; // a PostgreSQL error captured by pg_call, re-thrown as is
    char message[1024];
    char detail[1024];
    char hint[512];
};
static_assert(std::is_trivial_v<PendingError>);

// A PostgreSQL error caught by pg_call(), carried through C++ frames.
class PgError : public std::exception {
public:
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    ErrorData* data() const noexcept { return data_; }
    const char* what() const noexcept override;

private:
    ErrorData* data_;
};

int sqlstate_of(ErrorCode code) noexcept;
void capture(PendingError& err, int sqlstate, const char* message, const char* detail = nullptr,
             const char* hint = nullptr) noexcept;
// Raises the captured error; called with no C++ object alive in the caller's scope. The message
// starts with the SQL function the user called: the aggregate when fcinfo is a call of one of its
// support functions by the executor (resolved here, on the error path only), else `where`.
[[noreturn]] void raise(const PendingError& err, const char* where, FunctionCallInfo fcinfo);

template <class Fn>
inline void guarded(FunctionCallInfo fcinfo, const char* where, Fn&& fn) {
    PendingError err;
    err.set = false;
    err.pg_error = nullptr;
    try {
        fn();
    } catch (const Error& e) {
        capture(err, sqlstate_of(e.code()), e.what(), e.detail().empty() ? nullptr : e.detail().c_str(),
                e.hint().empty() ? nullptr : e.hint().c_str());
    } catch (const PgError& e) {
        err.set = true;
        err.pg_error = e.data();
    } catch (const std::bad_alloc&) {
        capture(err, ERRCODE_OUT_OF_MEMORY, "out of memory", "A C++ allocation failed.");
    } catch (const std::invalid_argument& e) {
        capture(err, ERRCODE_INVALID_PARAMETER_VALUE, e.what());
    } catch (const std::domain_error& e) {
        capture(err, ERRCODE_INVALID_PARAMETER_VALUE, e.what());
    } catch (const std::overflow_error& e) {
        capture(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, e.what());
    } catch (const std::range_error& e) {
        capture(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, e.what());
    } catch (const std::underflow_error& e) {
        capture(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, e.what());
    } catch (const std::exception& e) {
        capture(err, ERRCODE_INTERNAL_ERROR, e.what());
    } catch (...) {
        capture(err, ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
    }
    // The catch scope is closed: the exception object is destroyed, only POD is left.
    if (err.set) {
        raise(err, where, fcinfo);
    }
}

// Calls PostgreSQL from C++ code: a PostgreSQL error becomes a PgError exception.
template <class Fn>
inline void pg_call(Fn&& fn) {
    static_assert(std::is_nothrow_invocable_v<Fn&>, "pg_call body must be noexcept: never throw inside PG_TRY");
    MemoryContext volatile oldcxt = CurrentMemoryContext;
    ErrorData* volatile edata = nullptr;
    PG_TRY();
    {
        fn();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(oldcxt);
        edata = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    if (edata != nullptr) {
        throw PgError(edata);
    }
}

// Installed by _PG_init: lets the core's check_interrupts() see PostgreSQL's InterruptPending.
bool interrupt_pending() noexcept;

} // namespace c360::pg

// Defines the SQL-callable function `c360_<name>` (the C symbol is derived, never spelled out):
// C360_FUNCTION(rfm_merge, "c360.rfm_merge") defines c360_rfm_merge. `name` is the SQL function's
// name, with a tag for overloads served by different C functions (rfm_add_date) and without the
// leading '_' of internal functions (fired_rules for c360._fired_rules): docs/architecture.md,
// "Naming contract"; tests/unit/naming_test.cpp checks it. `sqlname` prefixes the function's
// error messages: the SQL function the user called (the aggregate, for a support function).
// The body sees `fcinfo` (use PG_GETARG_* / PG_RETURN_*).
#define C360_FUNCTION(name, sqlname)                                                          \
    static Datum c360_##name##_body(FunctionCallInfo fcinfo);                                 \
    extern "C" {                                                                              \
    PG_FUNCTION_INFO_V1(c360_##name);                                                         \
    Datum c360_##name(PG_FUNCTION_ARGS) {                                                     \
        Datum result_ = (Datum)0;                                                             \
        ::c360::pg::guarded(fcinfo, sqlname, [&]() { result_ = c360_##name##_body(fcinfo); }); \
        return result_;                                                                       \
    }                                                                                         \
    }                                                                                         \
    static Datum c360_##name##_body(FunctionCallInfo fcinfo)
