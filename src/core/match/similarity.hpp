// customer360 core, matching: string similarity on Unicode code points.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "match/text.hpp"

namespace c360::match {

// Edit distances on code points (arguments already decoded). Work is O(|a|·|b|) time and
// O(min) memory, except true Damerau-Levenshtein: O(|a|·|b|) memory, so it is bounded by
// kMaxDamerauCells.
// Levenshtein and OSA: after the common prefix and suffix are dropped, bit-parallel (Myers 1999,
// Hyyrö 2003: one 64-bit word per text character) when the shorter rest has at most 64 code
// points, Hyyrö's blocked form (⌈m/64⌉ words per character) beyond.
inline constexpr std::uint64_t kMaxDamerauCells = 16u * 1024u * 1024u;
inline constexpr std::size_t kBitParallelMax = 64;

std::int64_t levenshtein(std::u32string_view a, std::u32string_view b);
// Optimal string alignment (restricted Damerau): adjacent transpositions, no substring edited twice.
std::int64_t osa_distance(std::u32string_view a, std::u32string_view b);
// True (unrestricted) Damerau-Levenshtein, Lowrance-Wagner: CA/ABC = 2 (OSA gives 3).
std::int64_t damerau_levenshtein(const std::u32string& a, const std::u32string& b);

// Jaro as in jellyfish/talisman: window max(⌊max/2⌋−1, 0), integer half-transpositions.
// Both empty: 1 (equal strings); one empty: 0. Bit-parallel matching when the second string has
// at most 64 code points (same greedy matches, same arithmetic: bit-identical results).
double jaro(std::u32string_view a, std::u32string_view b);
// Jaro-Winkler: prefix (≤ 4 code points) boost p·ℓ·(1−J), applied when J > 0.7.
// prefix_scale must be in [0, 0.25]. long_tolerance: Winkler's long-string adjustment
// (strcmp95; jellyfish long_tolerance=True).
double jaro_winkler(std::u32string_view a, std::u32string_view b, double prefix_scale = 0.1,
                    bool long_tolerance = false);

// The same four on bytes, each byte one symbol: equal to the code-point functions on ASCII
// arguments, and on Latin-1 bytes for code points up to U+00FF (with_symbols below).
std::int64_t levenshtein_bytes(std::string_view a, std::string_view b);
std::int64_t osa_distance_bytes(std::string_view a, std::string_view b);
double jaro_bytes(std::string_view a, std::string_view b);
double jaro_winkler_bytes(std::string_view a, std::string_view b, double prefix_scale = 0.1,
                          bool long_tolerance = false);

// Two UTF-8 arguments in the cheapest form for the functions above: as they are when both are
// ASCII; one byte per code point when both have only code points up to U+00FF (latin1_into);
// else decoded to code points (bounded: decode_bounded_into, which refuses invalid UTF-8 and
// arguments past kMaxSimilarityChars). Calls bytes(string_view, string_view) or
// points(u32string_view, u32string_view). The buffers are the caller's, reused across calls.
struct SymbolBuffers {
    std::string a8, b8;
    std::u32string a32, b32;
};
template <class Bytes, class Points>
auto with_symbols(std::string_view a, std::string_view b, SymbolBuffers& buf, const char* what_a, const char* what_b,
                  Bytes&& bytes, Points&& points) {
    if (a.size() <= kMaxSimilarityChars && b.size() <= kMaxSimilarityChars && is_ascii(a) && is_ascii(b)) {
        return bytes(a, b);
    }
    if (latin1_into(buf.a8, a) && latin1_into(buf.b8, b)) {
        return bytes(std::string_view(buf.a8), std::string_view(buf.b8));
    }
    decode_bounded_into(buf.a32, a, what_a);
    decode_bounded_into(buf.b32, b, what_b);
    return points(std::u32string_view(buf.a32), std::u32string_view(buf.b32));
}

// The plain dynamic programmes (no bit-parallelism, no trimming, no shortcut): the reference the
// fast paths above are tested against (tests/unit/match_similarity_bitparallel_test.cpp).
namespace reference {
std::int64_t levenshtein(std::u32string_view a, std::u32string_view b);
std::int64_t osa_distance(std::u32string_view a, std::u32string_view b);
double jaro(std::u32string_view a, std::u32string_view b);
double jaro_winkler(std::u32string_view a, std::u32string_view b, double prefix_scale = 0.1,
                    bool long_tolerance = false);
} // namespace reference

// Token-based name similarity, order-insensitive: both names normalised (normalize_name), then
// the symmetric Monge-Elkan mean with Jaro-Winkler between tokens:
// ½·(mean_a max_b JW(a,b) + mean_b max_a JW(a,b)). "DUPONT Jean" / "Jean Dupont" = 1.
// Both names empty after normalisation: 1; one empty: 0.
double name_similarity(std::string_view a_utf8, std::string_view b_utf8);

} // namespace c360::match
