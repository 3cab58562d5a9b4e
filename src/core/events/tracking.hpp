// The lock order of real-time tracking (src/pg/events_tracking_pg.cpp): at commit, a transaction
// applies its noted changes customer by customer, each under a lock keyed by (table, hash of the
// customer's text), taking the locks in one total order shared by every backend, so that two
// transactions never wait for each other's locks in opposite orders (no deadlock). Pure C++.
#pragma once

#include <cstdint>
#include <string_view>

namespace c360::events {

// 32-bit FNV-1a of the customer's text form: the lock key (collisions only make two customers
// share a lock). Stable across backends, machines and versions: the order must not change
// between two backends of one server.
constexpr std::uint32_t customer_lock_hash(std::string_view text) noexcept {
    std::uint32_t h = 2166136261u;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return h;
}

struct LockKey {
    std::uint32_t table; // the tracked table's OID
    std::uint32_t hash;  // customer_lock_hash(text)
    std::string_view text;
};

// The total order of the apply: table, then hash (the two parts of the lock), then text (so that
// the order of the entries is deterministic, e.g. the order of the queued events). <0, 0, >0.
constexpr int lock_order(const LockKey& a, const LockKey& b) noexcept {
    if (a.table != b.table) return a.table < b.table ? -1 : 1;
    if (a.hash != b.hash) return a.hash < b.hash ? -1 : 1;
    const int c = a.text.compare(b.text);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

} // namespace c360::events
