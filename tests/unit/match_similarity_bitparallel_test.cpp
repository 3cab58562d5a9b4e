// The bit-parallel string similarities (src/core/match/similarity.cpp) against the plain dynamic
// programmes kept as c360::match::reference: equal distances (one word, and the blocked form past
// 64 symbols) and bit-identical Jaro and Jaro-Winkler doubles on random pairs (lengths 0..130,
// small and large alphabets, non-ASCII code points, lengths around the 64-symbol word), and the
// byte functions equal to the code-point ones on ASCII.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "match/similarity.hpp"
#include "test_util.hpp"

namespace m = c360::match;

namespace {

// Alphabets: tiny ones force many equal symbols (long runs of matches, transpositions, many
// Jaro window conflicts); the non-ASCII ones exercise the hash table of the code-point masks.
std::vector<std::u32string> alphabets() {
    std::vector<std::u32string> out = {U"ab", U"abc", U"abcd", U"abcdefghijklmnopqrstuvwxyz ",
                                       U"aé", U"eéèêë", U"aeiouéàüç-' ", U"a\u4E2D\U0001F600\u00E9"};
    std::u32string wide; // 200 code points spread over the planes: hash collisions, > 64 distinct
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) wide.push_back(static_cast<char32_t>(128 + rng() % 0x10FF00));
    out.push_back(wide);
    std::u32string mixed = U"abcdefghij"; // ASCII and non-ASCII together
    for (char32_t c = 0xC0; c < 0xD8; ++c) mixed.push_back(c);
    out.push_back(mixed);
    return out;
}

struct Generator {
    std::mt19937_64 rng{20261203};
    std::vector<std::u32string> alpha = alphabets();

    std::size_t uniform(std::size_t lo, std::size_t hi) { // [lo, hi]
        return lo + static_cast<std::size_t>(rng() % (hi - lo + 1));
    }
    std::size_t length() {
        switch (rng() % 8) {
        case 0:
        case 1: return uniform(0, 130);
        case 2:
        case 3: return uniform(58, 70); // around the 64-symbol word
        case 7: return uniform(120, 130); // two words and more
        default: return uniform(0, 20);  // names
        }
    }
    std::u32string random(const std::u32string& a, std::size_t n) {
        std::u32string s(n, U'\0');
        for (auto& c : s) c = a[rng() % a.size()];
        return s;
    }
    // b from a by a few edits (similar strings: common affixes, Jaro above 0.7, transpositions)
    std::u32string mutate(const std::u32string& alpha_, std::u32string s) {
        const std::size_t edits = uniform(0, 6);
        for (std::size_t e = 0; e < edits; ++e) {
            const std::size_t pos = s.empty() ? 0 : uniform(0, s.size() - 1);
            switch (rng() % 4) {
            case 0:
                if (!s.empty()) s[pos] = alpha_[rng() % alpha_.size()];
                break;
            case 1:
                if (!s.empty()) s.erase(pos, 1);
                break;
            case 2: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), alpha_[rng() % alpha_.size()]); break;
            default:
                if (s.size() >= 2 && pos + 1 < s.size()) std::swap(s[pos], s[pos + 1]);
                break;
            }
        }
        return s;
    }
    std::pair<std::u32string, std::u32string> pair() {
        const std::u32string& a = alpha[rng() % alpha.size()];
        std::u32string x = random(a, length());
        std::u32string y = rng() % 2 == 0 ? mutate(a, x) : random(a, length());
        return {std::move(x), std::move(y)};
    }
};

std::uint64_t bits(double d) { return std::bit_cast<std::uint64_t>(d); }

bool ascii(const std::u32string& s) {
    for (char32_t c : s) {
        if (c == 0 || c > 127) return false;
    }
    return true;
}

std::string narrow(const std::u32string& s) { return std::string(s.begin(), s.end()); }

constexpr int kPairs = 200'000;

} // namespace

TEST(MatchSimilarityBitParallel, DistancesEqualTheDynamicProgramme) {
    Generator g;
    int ascii_pairs = 0, bit_parallel = 0, blocks = 0;
    for (int n = 0; n < kPairs; ++n) {
        const auto [x, y] = g.pair();
        const std::int64_t lev = m::reference::levenshtein(x, y);
        const std::int64_t osa = m::reference::osa_distance(x, y);
        ASSERT_EQ(m::levenshtein(x, y), lev) << n << ": " << x.size() << "/" << y.size();
        ASSERT_EQ(m::levenshtein(y, x), lev) << n;
        ASSERT_EQ(m::osa_distance(x, y), osa) << n << ": " << x.size() << "/" << y.size();
        ASSERT_EQ(m::osa_distance(y, x), osa) << n;
        bit_parallel += std::min(x.size(), y.size()) <= m::kBitParallelMax;
        blocks += std::min(x.size(), y.size()) > 2 * m::kBitParallelMax; // three words at least
        if (ascii(x) && ascii(y)) {
            ++ascii_pairs;
            const std::string bx = narrow(x), by = narrow(y);
            ASSERT_EQ(m::levenshtein_bytes(bx, by), lev) << n;
            ASSERT_EQ(m::osa_distance_bytes(bx, by), osa) << n;
        }
    }
    // the mix covers both paths and both representations
    EXPECT_GT(ascii_pairs, kPairs / 4);
    EXPECT_GT(bit_parallel, kPairs / 2);
    EXPECT_LT(bit_parallel, kPairs);
    EXPECT_GT(blocks, kPairs / 100);
}

TEST(MatchSimilarityBitParallel, JaroBitIdenticalToTheDefinition) {
    Generator g;
    g.rng.seed(42);
    int above_07 = 0;
    for (int n = 0; n < kPairs; ++n) {
        const auto [x, y] = g.pair();
        for (int order = 0; order < 2; ++order) {
            const std::u32string& a = order == 0 ? x : y;
            const std::u32string& b = order == 0 ? y : x;
            const double j = m::reference::jaro(a, b);
            ASSERT_EQ(bits(m::jaro(a, b)), bits(j)) << n << ": " << a.size() << "/" << b.size();
            above_07 += j > 0.7;
            for (const auto& [p, lt] : {std::pair{0.1, false}, std::pair{0.25, true}}) {
                {
                    const double w = m::reference::jaro_winkler(a, b, p, lt);
                    ASSERT_EQ(bits(m::jaro_winkler(a, b, p, lt)), bits(w)) << n << " lt=" << lt << " p=" << p;
                    if (ascii(a) && ascii(b)) {
                        ASSERT_EQ(bits(m::jaro_winkler_bytes(narrow(a), narrow(b), p, lt)), bits(w)) << n;
                    }
                }
            }
            if (ascii(a) && ascii(b)) ASSERT_EQ(bits(m::jaro_bytes(narrow(a), narrow(b))), bits(j)) << n;
        }
    }
    EXPECT_GT(above_07, kPairs / 4); // the Winkler boost is exercised
}

// The edges: empty, equal, exactly 63/64/65 symbols, all one symbol, 64 distinct non-ASCII.
TEST(MatchSimilarityBitParallel, WordBoundaries) {
    std::u32string distinct;
    for (char32_t c = 0x100; c < 0x100 + 64; ++c) distinct.push_back(c);
    for (const std::size_t n : {0u, 1u, 2u, 63u, 64u, 65u, 128u, 129u}) {
        for (const std::size_t k : {0u, 1u, 63u, 64u, 65u}) {
            const std::u32string a(n, U'a');
            const std::u32string b(k, U'a');
            std::u32string c = distinct.substr(0, std::min<std::size_t>(n, 64));
            std::u32string d = distinct.substr(64 - std::min<std::size_t>(k, 64));
            std::reverse(d.begin(), d.end());
            for (const auto& [x, y] : {std::pair{a, b}, std::pair{c, d}, std::pair{a + c, d + b}, std::pair{c, c + b}}) {
                EXPECT_EQ(m::levenshtein(x, y), m::reference::levenshtein(x, y)) << n << "/" << k;
                EXPECT_EQ(m::osa_distance(x, y), m::reference::osa_distance(x, y)) << n << "/" << k;
                EXPECT_EQ(bits(m::jaro(x, y)), bits(m::reference::jaro(x, y))) << n << "/" << k;
                EXPECT_EQ(bits(m::jaro_winkler(x, y, 0.1, true)), bits(m::reference::jaro_winkler(x, y, 0.1, true)));
            }
        }
    }
    EXPECT_EQ(m::levenshtein_bytes("", ""), 0);
    EXPECT_EQ(m::levenshtein_bytes("kitten", "sitting"), 3);
    EXPECT_EQ(m::osa_distance_bytes("CA", "ABC"), 3);
    EXPECT_EQ(m::jaro_winkler_bytes("MARTHA", "MARHTA"), m::jaro_winkler(U"MARTHA", U"MARHTA"));
    EXPECT_EQ(m::jaro_bytes("", ""), 1.0);
    EXPECT_EQ(m::jaro_bytes("abc", ""), 0.0);
    EXPECT_EQ(m::jaro_winkler_bytes("same", "same", 0.25, true), 1.0);
    EXPECT_EQ(c360::test::code_of([] { m::jaro_winkler_bytes("a", "a", 0.3); }), c360::ErrorCode::InvalidParameter);
    EXPECT_TRUE(m::is_ascii("Jean Dupont ~"));
    EXPECT_TRUE(m::is_ascii(""));
    EXPECT_FALSE(m::is_ascii("Hélène"));
    EXPECT_FALSE(m::is_ascii(std::string_view("a\0b", 3)));
}

// Several threads at once: one takes the shared mask table, the others use their own.
TEST(MatchSimilarityBitParallel, ConcurrentCallsAgree) {
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([t, &wrong] {
            Generator g;
            g.rng.seed(1000 + static_cast<std::uint64_t>(t));
            for (int n = 0; n < 5000; ++n) {
                const auto [x, y] = g.pair();
                wrong += m::levenshtein(x, y) != m::reference::levenshtein(x, y);
                wrong += bits(m::jaro_winkler(x, y)) != bits(m::reference::jaro_winkler(x, y));
                if (ascii(x) && ascii(y)) wrong += m::osa_distance_bytes(narrow(x), narrow(y)) != m::reference::osa_distance(x, y);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
}

// The representation chosen for two UTF-8 arguments gives the code-point answer in every case.
TEST(MatchSimilarityBitParallel, WithSymbolsPicksAnEquivalentForm) {
    m::SymbolBuffers buf;
    auto forms = [&](std::string_view a, std::string_view b) {
        return m::with_symbols(
            a, b, buf, "a", "b", [](std::string_view x, std::string_view y) { return std::pair{1, m::jaro_winkler_bytes(x, y)}; },
            [](std::u32string_view x, std::u32string_view y) { return std::pair{2, m::jaro_winkler(x, y)}; });
    };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"Jean Dupont", "Jean Dupond"}, {"Hélène Noël", "Helene Noel"}, {"ÿÀ", "Àÿ"}, {"Łukasz", "Lukasz"},
        {"中文", "中"}, {"", "é"}, {"façade", "facade"}};
    const int expected_form[] = {1, 1, 1, 2, 2, 1, 1};
    for (std::size_t k = 0; k < cases.size(); ++k) {
        const auto& [a, b] = cases[k];
        const auto [form, w] = forms(a, b);
        EXPECT_EQ(form, expected_form[k]) << a << "/" << b;
        EXPECT_EQ(bits(w), bits(m::reference::jaro_winkler(m::decode_utf8(a), m::decode_utf8(b)))) << a << "/" << b;
    }
    std::string s;
    EXPECT_TRUE(m::latin1_into(s, "café"));
    EXPECT_EQ(s, std::string("caf\xE9"));
    EXPECT_FALSE(m::latin1_into(s, "\xC3"));          // truncated
    EXPECT_FALSE(m::latin1_into(s, "\xC1\xA9"));      // overlong
    EXPECT_FALSE(m::latin1_into(s, "\xC3\x28"));      // bad continuation
    EXPECT_FALSE(m::latin1_into(s, std::string_view("a\0", 2)));
    EXPECT_FALSE(m::latin1_into(s, "\xC4\x81"));      // U+0101: beyond Latin-1
    // invalid UTF-8 is still refused, by the full decoder
    EXPECT_EQ(c360::test::code_of([&] { forms("ok", "\xC3"); }), c360::ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(c360::test::code_of([&] { forms(std::string(65536, 'a'), "a"); }), c360::ErrorCode::ProgramLimitExceeded);
}
