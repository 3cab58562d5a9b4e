// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "common/error.hpp"

namespace c360::test {

// The ErrorCode of the c360::Error that f throws (a test failure when it throws none).
inline ErrorCode code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no c360::Error thrown";
    return ErrorCode::Internal;
}

} // namespace c360::test
