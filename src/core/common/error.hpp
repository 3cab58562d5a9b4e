// customer360 core: error model shared by every capability.
//
// The core never includes a PostgreSQL header. It reports problems by throwing
// c360::Error with an ErrorCode; the SQL glue (src/pg/bridge.hpp) maps each code
// to a SQLSTATE and re-raises it as ereport(ERROR) once the C++ scope is left.
#pragma once

#include <stdexcept>
#include <string>

namespace c360 {

enum class ErrorCode {
    InvalidParameter,          // 22023 invalid_parameter_value
    NumericOutOfRange,         // 22003 numeric_value_out_of_range
    NullValueNotAllowed,       // 22004 null_value_not_allowed
    DatetimeOutOfRange,        // 22008 datetime_field_overflow
    InvalidTextRepresentation, // 22P02 invalid_text_representation
    InvalidBinaryRepresentation, // 22P03 invalid_binary_representation
    DataCorrupted,             // XX001 data_corrupted
    ProgramLimitExceeded,      // 54000 program_limit_exceeded
    OutOfMemory,               // 53200 out_of_memory
    QueryCanceled,             // 57014 query_canceled (raised via CHECK_FOR_INTERRUPTS)
    Internal,                  // XX000 internal_error
};

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message, std::string detail = {}, std::string hint = {})
        : std::runtime_error(message), code_(code), detail_(std::move(detail)), hint_(std::move(hint)) {}
    ErrorCode code() const noexcept { return code_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorCode code_;
    std::string detail_;
    std::string hint_;
};

[[noreturn]] void fail(ErrorCode code, const std::string& message, const std::string& detail = {},
                       const std::string& hint = {});

// Cancellation. Long loops in the core call check_interrupts(); the SQL glue installs a
// poll function that reads PostgreSQL's InterruptPending flag. When it reports a pending
// interrupt, check_interrupts() throws Error(QueryCanceled); the bridge unwinds the C++
// frames and then lets PostgreSQL process the interrupt (CHECK_FOR_INTERRUPTS()).
using InterruptPoll = bool (*)() noexcept;
void set_interrupt_poll(InterruptPoll poll) noexcept;
void check_interrupts();

} // namespace c360
