// customer360 core, matching: string similarity on Unicode code points.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace c360::match {

// Edit distances on code points (arguments already decoded). Work is O(|a|·|b|) time and
// O(min) memory, except true Damerau-Levenshtein: O(|a|·|b|) memory, so it is bounded by
// kMaxDamerauCells.
inline constexpr std::uint64_t kMaxDamerauCells = 16u * 1024u * 1024u;

std::int64_t levenshtein(const std::u32string& a, const std::u32string& b);
// Optimal string alignment (restricted Damerau): adjacent transpositions, no substring edited twice.
std::int64_t osa_distance(const std::u32string& a, const std::u32string& b);
// True (unrestricted) Damerau-Levenshtein, Lowrance-Wagner: CA/ABC = 2 (OSA gives 3).
std::int64_t damerau_levenshtein(const std::u32string& a, const std::u32string& b);

// Jaro as in jellyfish/talisman: window max(⌊max/2⌋−1, 0), integer half-transpositions.
// Both empty: 1 (equal strings); one empty: 0.
double jaro(const std::u32string& a, const std::u32string& b);
// Jaro-Winkler: prefix (≤ 4 code points) boost p·ℓ·(1−J), applied when J > 0.7.
// prefix_scale must be in [0, 0.25]. long_tolerance: Winkler's long-string adjustment
// (strcmp95; jellyfish long_tolerance=True).
double jaro_winkler(const std::u32string& a, const std::u32string& b, double prefix_scale = 0.1,
                    bool long_tolerance = false);

// Token-based name similarity, order-insensitive: both names normalised (normalize_name), then
// the symmetric Monge-Elkan mean with Jaro-Winkler between tokens:
// ½·(mean_a max_b JW(a,b) + mean_b max_a JW(a,b)). "DUPONT Jean" / "Jean Dupont" = 1.
// Both names empty after normalisation: 1; one empty: 0.
double name_similarity(std::string_view a_utf8, std::string_view b_utf8);

} // namespace c360::match
