// Shared by the libFuzzer targets (tests/fuzz/*_fuzz.cpp, built with -DC360_BUILD_FUZZ=ON, run by
// `make fuzz`): what counts as a finding.
//  - a crash, a sanitizer report (address, undefined), a leak or a timeout, found by libFuzzer itself;
//  - any exception other than c360::Error (the bridge would report it as XX000 internal_error), or a
//    c360::Error with ErrorCode::Internal: rethrown / aborted here, so libFuzzer records the input;
//  - a round trip that does not hold (expect()).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"

namespace c360::fuzz {

[[noreturn]] inline void finding(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "c360 fuzz finding: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

inline void expect(bool ok, const char* what, std::string_view detail = {}) {
    if (!ok) finding(what, detail);
}

// Runs f; a c360::Error is an expected refusal (returns false), except ErrorCode::Internal.
template <class F>
bool refused(F&& f) {
    try {
        f();
        return false;
    } catch (const c360::Error& e) {
        if (e.code() == ErrorCode::Internal) finding("c360::Error with ErrorCode::Internal (XX000)", e.what());
        return true;
    }
}

} // namespace c360::fuzz
