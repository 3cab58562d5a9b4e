// customer360 core, matching: the survivorship order of the golden-record aggregates (c360.survivor,
// c360.most_recent, c360.most_complete; docs/match.md "Golden records"). No PostgreSQL header here.
//
// A candidate is (value, rank, ts), each possibly missing. a wins over b when b has no value, or a has a
// value and: a lower rank; or the same rank and a later ts (a present ts beats a missing one); or the same
// ts (both missing included) and a value first in byte order. A comparison with a missing rank never
// wins (SQL's NULL), except against a b without value. Ranks compare as PostgreSQL's float8 does: NaN
// equals NaN and is above every number.
#pragma once

#include <cstdint>
#include <string_view>

namespace c360::match {

struct SurvivorCandidate {
    bool has_value = false;
    std::string_view value;
    bool has_rank = false;
    double rank = 0;
    bool has_ts = false;
    std::int64_t ts = 0;
};

bool survivor_better(const SurvivorCandidate& a, const SurvivorCandidate& b) noexcept;

// A value is blank when it is empty or only spaces (SQL btrim(value) = ''): blank values never survive.
bool survivor_blank(std::string_view value) noexcept;

} // namespace c360::match
