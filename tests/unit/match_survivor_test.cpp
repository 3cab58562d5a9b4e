// Survivorship order (src/core/match/survivor.hpp) against the SQL definition of c360.survivor_better,
// case by case (three-valued logic: a comparison with a NULL is not a win).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "match/survivor.hpp"

using c360::match::SurvivorCandidate;
using c360::match::survivor_better;
using c360::match::survivor_blank;

namespace {

SurvivorCandidate cand(const char* v, double rank, bool has_ts = false, long ts = 0) {
    SurvivorCandidate c;
    c.has_value = v != nullptr;
    if (v) c.value = v;
    c.has_rank = true;
    c.rank = rank;
    c.has_ts = has_ts;
    c.ts = ts;
    return c;
}

} // namespace

TEST(MatchSurvivor, NoValueLosesToAnything) {
    const SurvivorCandidate none;
    EXPECT_TRUE(survivor_better(cand("a", 5), none));
    EXPECT_TRUE(survivor_better(none, none)); // SQL: b.value IS NULL is true whatever a is
    EXPECT_FALSE(survivor_better(none, cand("a", 5)));
}

TEST(MatchSurvivor, RankThenTsThenBytes) {
    EXPECT_TRUE(survivor_better(cand("z", 1), cand("a", 2)));
    EXPECT_FALSE(survivor_better(cand("a", 2), cand("z", 1)));
    EXPECT_TRUE(survivor_better(cand("z", 1, true, 20), cand("a", 1, true, 10)));  // later ts
    EXPECT_FALSE(survivor_better(cand("a", 1, true, 10), cand("z", 1, true, 20)));
    EXPECT_TRUE(survivor_better(cand("a", 1, true, 10), cand("b", 1, true, 10)));  // same ts: bytes
    EXPECT_FALSE(survivor_better(cand("b", 1, true, 10), cand("a", 1, true, 10)));
    EXPECT_FALSE(survivor_better(cand("a", 1, true, 10), cand("a", 1, true, 10))); // equal: not a win
    EXPECT_TRUE(survivor_better(cand("ab", 1), cand("b", 1)));                     // both ts missing: bytes
    EXPECT_TRUE(survivor_better(cand("a", 1), cand("ab", 1)));                     // prefix first
}

TEST(MatchSurvivor, MissingTs) {
    EXPECT_TRUE(survivor_better(cand("z", 1, true, 10), cand("a", 1)));  // a present ts beats a missing one
    EXPECT_FALSE(survivor_better(cand("a", 1), cand("z", 1, true, 10))); // SQL: NULL, not a win
}

TEST(MatchSurvivor, BytesNotLocale) {
    // COLLATE "C": 'B' (0x42) before 'a' (0x61); 'é' (0xC3 0xA9) after 'z'
    EXPECT_TRUE(survivor_better(cand("B", 0), cand("a", 0)));
    EXPECT_TRUE(survivor_better(cand("z", 0), cand("\xC3\xA9", 0)));
}

TEST(MatchSurvivor, InfiniteAndNanRanks) {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_TRUE(survivor_better(cand("z", 1e300), cand("a", inf))); // NULL priority ranks last
    EXPECT_TRUE(survivor_better(cand("z", -inf), cand("a", -1e300)));
    // float8 order: NaN above every number, NaN = NaN (then bytes)
    EXPECT_TRUE(survivor_better(cand("z", inf), cand("a", nan)));
    EXPECT_FALSE(survivor_better(cand("a", nan), cand("z", inf)));
    EXPECT_TRUE(survivor_better(cand("a", nan), cand("b", nan)));
}

TEST(MatchSurvivor, MissingRankNeverWins) {
    SurvivorCandidate a = cand("a", 0), b = cand("b", 1);
    a.has_rank = false;
    EXPECT_FALSE(survivor_better(a, b));
    EXPECT_FALSE(survivor_better(b, a));
    EXPECT_TRUE(survivor_better(a, SurvivorCandidate{}));
}

TEST(MatchSurvivor, Blank) {
    EXPECT_TRUE(survivor_blank(""));
    EXPECT_TRUE(survivor_blank("   "));
    EXPECT_FALSE(survivor_blank(" a "));
    EXPECT_FALSE(survivor_blank("\t")); // btrim trims spaces only
}
