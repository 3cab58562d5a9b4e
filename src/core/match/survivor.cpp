// customer360 core, matching: survivorship order (survivor.hpp).
#include "match/survivor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace c360::match {

namespace {

// PostgreSQL's float8 order: NaN = NaN, NaN above every number.
int rank_cmp(double a, double b) noexcept {
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
    return a < b ? -1 : (a > b ? 1 : 0);
}

// COLLATE "C": bytes, then length.
bool bytes_less(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
    return c < 0 || (c == 0 && a.size() < b.size());
}

} // namespace

bool survivor_better(const SurvivorCandidate& a, const SurvivorCandidate& b) noexcept {
    if (!b.has_value) return true;
    if (!a.has_value || !a.has_rank || !b.has_rank) return false;
    const int r = rank_cmp(a.rank, b.rank);
    if (r != 0) return r < 0;
    if (a.has_ts && b.has_ts) {
        if (a.ts != b.ts) return a.ts > b.ts;
        return bytes_less(a.value, b.value);
    }
    if (a.has_ts) return true;  // b's ts missing
    if (b.has_ts) return false; // a's ts missing
    return bytes_less(a.value, b.value);
}

bool survivor_blank(std::string_view value) noexcept {
    return value.find_first_not_of(' ') == std::string_view::npos;
}

} // namespace c360::match
