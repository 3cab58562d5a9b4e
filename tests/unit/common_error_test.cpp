// Unit tests of the core's error model and cancellation hook.
#include <gtest/gtest.h>

#include "common/error.hpp"

namespace {
bool g_pending = false;
bool poll() noexcept { return g_pending; }
} // namespace

TEST(Error, CarriesCodeDetailAndHint) {
    try {
        c360::fail(c360::ErrorCode::NumericOutOfRange, "too big", "the detail", "the hint");
        FAIL();
    } catch (const c360::Error& e) {
        EXPECT_EQ(e.code(), c360::ErrorCode::NumericOutOfRange);
        EXPECT_STREQ(e.what(), "too big");
        EXPECT_EQ(e.detail(), "the detail");
        EXPECT_EQ(e.hint(), "the hint");
    }
}

TEST(Error, CheckInterruptsThrowsOnlyWhenPending) {
    c360::set_interrupt_poll(&poll);
    g_pending = false;
    EXPECT_NO_THROW(c360::check_interrupts());
    g_pending = true;
    try {
        c360::check_interrupts();
        FAIL();
    } catch (const c360::Error& e) {
        EXPECT_EQ(e.code(), c360::ErrorCode::QueryCanceled);
    }
    c360::set_interrupt_poll(nullptr);
    EXPECT_NO_THROW(c360::check_interrupts());
}
