#include "bridge.hpp"

#include <cstdio>
#include <cstring>

extern "C" {
#include "nodes/primnodes.h"
#include "utils/lsyscache.h"
}

namespace c360::pg {

const char* PgError::what() const noexcept {
    return (data_ != nullptr && data_->message != nullptr) ? data_->message : "PostgreSQL error";
}

int sqlstate_of(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::InvalidParameter: return ERRCODE_INVALID_PARAMETER_VALUE;
    case ErrorCode::NumericOutOfRange: return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
    case ErrorCode::NullValueNotAllowed: return ERRCODE_NULL_VALUE_NOT_ALLOWED;
    case ErrorCode::DatetimeOutOfRange: return ERRCODE_DATETIME_VALUE_OUT_OF_RANGE;
    case ErrorCode::InvalidTextRepresentation: return ERRCODE_INVALID_TEXT_REPRESENTATION;
    case ErrorCode::InvalidBinaryRepresentation: return ERRCODE_INVALID_BINARY_REPRESENTATION;
    case ErrorCode::DataCorrupted: return ERRCODE_DATA_CORRUPTED;
    case ErrorCode::ProgramLimitExceeded: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
    case ErrorCode::OutOfMemory: return ERRCODE_OUT_OF_MEMORY;
    case ErrorCode::QueryCanceled: return ERRCODE_QUERY_CANCELED;
    case ErrorCode::Internal: return ERRCODE_INTERNAL_ERROR;
    }
    return ERRCODE_INTERNAL_ERROR;
}

namespace {
void copy_text(char* dst, std::size_t size, const char* src) noexcept {
    if (src == nullptr) {
        dst[0] = '\0';
        return;
    }
    strlcpy(dst, src, size);
}
} // namespace

void capture(PendingError& err, int sqlstate, const char* message, const char* detail, const char* hint) noexcept {
    err.set = true;
    err.sqlstate = sqlstate;
    err.pg_error = nullptr;
    copy_text(err.message, sizeof err.message, message);
    copy_text(err.detail, sizeof err.detail, detail);
    copy_text(err.hint, sizeof err.hint, hint);
}

// "schema.aggregate" of the aggregate whose support function fcinfo calls, when the executor
// calls it for an Aggref; else `where` (a plain call, a window aggregate, Citus combining partial
// states without an Aggref).
static const char* caller_name(FunctionCallInfo fcinfo, const char* where, char* buf, std::size_t size) {
    Aggref* aggref = fcinfo != nullptr ? AggGetAggref(fcinfo) : nullptr;
    if (aggref == nullptr) {
        return where;
    }
    const char* name = get_func_name(aggref->aggfnoid);
    const char* schema = get_namespace_name(get_func_namespace(aggref->aggfnoid));
    if (name == nullptr || schema == nullptr) {
        return where;
    }
    snprintf(buf, size, "%s.%s", schema, name);
    return buf;
}

void raise(const PendingError& err, const char* where, FunctionCallInfo fcinfo) {
    if (err.pg_error != nullptr) {
        ReThrowError(err.pg_error);
    }
    if (err.sqlstate == ERRCODE_QUERY_CANCELED) {
        // The core saw InterruptPending: let PostgreSQL report the real reason
        // (cancel, statement timeout, termination).
        CHECK_FOR_INTERRUPTS();
    }
    char name[2 * NAMEDATALEN + 2];
    where = caller_name(fcinfo, where, name, sizeof name);
    ereport(ERROR, (errcode(err.sqlstate), errmsg("%s: %s", where, err.message),
                    err.detail[0] != '\0' ? errdetail("%s", err.detail) : 0,
                    err.hint[0] != '\0' ? errhint("%s", err.hint) : 0));
    pg_unreachable();
}

// Only the interrupts that end the statement: InterruptPending is also set for harmless reasons
// (a parallel worker's message reaching the leader, a barrier, a memory-context dump request),
// which CHECK_FOR_INTERRUPTS() handles without an error.
bool interrupt_pending() noexcept { return InterruptPending && (QueryCancelPending || ProcDiePending); }

} // namespace c360::pg
