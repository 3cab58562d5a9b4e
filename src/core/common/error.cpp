#include "common/error.hpp"

namespace c360 {

namespace {
InterruptPoll g_poll = nullptr;
}

void fail(ErrorCode code, const std::string& message, const std::string& detail, const std::string& hint) {
    throw Error(code, message, detail, hint);
}

void set_interrupt_poll(InterruptPoll poll) noexcept { g_poll = poll; }

void check_interrupts() {
    if (g_poll != nullptr && g_poll()) {
        throw Error(ErrorCode::QueryCanceled, "canceling statement due to user request");
    }
}

} // namespace c360
