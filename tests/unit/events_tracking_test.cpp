// The lock order of real-time tracking (src/core/events/tracking.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "events/tracking.hpp"

namespace ev = c360::events;

// FNV-1a 32-bit test vectors (Fowler, Noll, Vo: "FNV hash" reference test suite, fnv1a32 of "", "a", "foobar")
TEST(EventsTracking, LockHashIsFnv1a32) {
    EXPECT_EQ(ev::customer_lock_hash(""), 0x811c9dc5u);
    EXPECT_EQ(ev::customer_lock_hash("a"), 0xe40c292cu);
    EXPECT_EQ(ev::customer_lock_hash("foobar"), 0xbf9cf968u);
}

TEST(EventsTracking, LockOrderIsTotalAndKeyedByTableThenHash) {
    std::vector<std::string> names;
    for (int i = 0; i < 200; ++i) names.push_back("customer-" + std::to_string(i));
    std::vector<ev::LockKey> keys;
    for (std::uint32_t table : {16384u, 16390u}) {
        for (const auto& n : names) keys.push_back({table, ev::customer_lock_hash(n), n});
    }
    // two backends sorting the same keys from different starting orders agree
    auto a = keys;
    auto b = keys;
    std::reverse(b.begin(), b.end());
    const auto less = [](const ev::LockKey& x, const ev::LockKey& y) { return ev::lock_order(x, y) < 0; };
    std::sort(a.begin(), a.end(), less);
    std::sort(b.begin(), b.end(), less);
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].table, b[i].table);
        EXPECT_EQ(a[i].text, b[i].text);
    }
    // the locks (table, hash) come in non-decreasing order: no two transactions take two locks in opposite orders
    for (size_t i = 1; i < a.size(); ++i) {
        EXPECT_TRUE(a[i - 1].table < a[i].table || (a[i - 1].table == a[i].table && a[i - 1].hash <= a[i].hash));
        EXPECT_LT(ev::lock_order(a[i - 1], a[i]), 0);
        EXPECT_GT(ev::lock_order(a[i], a[i - 1]), 0);
    }
    EXPECT_EQ(ev::lock_order(a[0], a[0]), 0);
}
