// Module entry: PG_MODULE_MAGIC, _PG_init, version and the bridge self-test.
#include <chrono>
#include <cstdio>
#include <cstddef>
#include <string>
#include <string_view>

#include "bridge.hpp"

extern "C" {
#include "utils/builtins.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

#ifndef C360_VERSION
#define C360_VERSION "unknown"
#endif

void _PG_init(void) { c360::set_interrupt_poll(&c360::pg::interrupt_pending); }

C360_FUNCTION(version, "c360.version") {
    PG_RETURN_TEXT_P(cstring_to_text("customer360 " C360_VERSION));
}

namespace {

int g_destructors_run = 0;

struct CountsDestruction {
    std::string payload = std::string(64, 'x'); // a heap allocation that must be released
    ~CountsDestruction() { ++g_destructors_run; }
};

// Every failure mode of the bridge, on purpose. Returns a short text when nothing fails.
const char* selftest(std::string_view kind) {
    using c360::ErrorCode;
    if (kind == "ok") {
        return "ok";
    }
    if (kind == "invalid_parameter") {
        c360::fail(ErrorCode::InvalidParameter, "deliberate invalid parameter", "detail text", "hint text");
    }
    if (kind == "out_of_range") {
        throw std::overflow_error("deliberate overflow");
    }
    if (kind == "bad_alloc") {
        // A real allocation failure: 2^62 bytes cannot be had.
        static void* volatile sink = nullptr; // volatile: the allocation cannot be elided
        sink = ::operator new(std::size_t{1} << 62);
        ::operator delete(sink);
        return "allocated?";
    }
    if (kind == "std_exception") {
        throw std::runtime_error("deliberate std::runtime_error");
    }
    if (kind == "unknown") {
        throw 42;
    }
    if (kind == "raii") {
        CountsDestruction guard;
        c360::fail(ErrorCode::InvalidParameter, "deliberate error with a live C++ object");
    }
    if (kind == "destructors_run") {
        static char buf[32];
        snprintf(buf, sizeof buf, "%d", g_destructors_run);
        return buf;
    }
    if (kind == "pg_error") {
        c360::pg::pg_call([]() noexcept {
            ereport(ERROR, (errcode(ERRCODE_DIVISION_BY_ZERO), errmsg("deliberate PostgreSQL error")));
        });
        return "not reached";
    }
    if (kind == "spin") {
        // Polls for interrupts for at most 30 seconds: cancel it or set statement_timeout.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < until) {
            c360::check_interrupts();
        }
        return "spun 30 s without interrupt";
    }
    c360::fail(ErrorCode::InvalidParameter, "unknown self-test kind",
               "Known kinds: ok, invalid_parameter, out_of_range, bad_alloc, std_exception, unknown, raii, "
               "destructors_run, pg_error, spin.");
}

} // namespace

C360_FUNCTION(bridge_selftest, "c360.bridge_selftest") {
    text* arg = PG_GETARG_TEXT_PP(0);
    const char* kind = VARDATA_ANY(arg);
    const std::size_t len = VARSIZE_ANY_EXHDR(arg);
    const char* result = selftest(std::string_view(kind, len));
    PG_RETURN_TEXT_P(cstring_to_text(result));
}
