// Micro-benchmarks of the string similarities (no PostgreSQL): the bit-parallel functions against
// the plain dynamic programmes (c360::match::reference) on full-name-like pairs of ~15 code
// points (one set ASCII, one with accents), as in bench/match/strings.sql.
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DC360_BUILD_TESTS=OFF
//   && cmake --build build/bench --target c360_micro_bench
//   && build/bench/c360_micro_bench --benchmark_filter=Similarity
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "match/similarity.hpp"
#include "match/text.hpp"

namespace m = c360::match;

namespace {

struct Pairs {
    std::vector<std::string> a8, b8;       // UTF-8
    std::vector<std::u32string> a32, b32;  // decoded
};

// first name, space, last name from syllables; the second of a pair is a copy with a typo, or
// another name
const Pairs& pairs(bool accents) {
    static Pairs with[2];
    Pairs& p = with[accents ? 1 : 0];
    if (!p.a8.empty()) return p;
    std::mt19937_64 rng(accents ? 11 : 12);
    const std::vector<std::string> syl = {"ma", "ri", "jean", "du", "pont", "lu", "cas", "ber", "nard", "to",
                                          "mas", "ro", "bert", "an", "ne", "so", "phie", "cla", "ra", "vin"};
    const std::vector<std::string> acc = {"é", "è", "ë", "ç", "ô"};
    auto word = [&](int n) {
        std::string w;
        for (int i = 0; i < n; ++i) w += syl[rng() % syl.size()];
        if (accents && rng() % 2 == 0) w += acc[rng() % acc.size()];
        return w;
    };
    for (int i = 0; i < 4096; ++i) {
        std::string a = word(2) + " " + word(2 + static_cast<int>(rng() % 2));
        std::string b = a;
        if (rng() % 2 == 0) {
            b = word(2) + " " + word(2);
        } else if (b.size() > 2) {
            const std::size_t k = rng() % (b.size() - 1);
            if ((static_cast<unsigned char>(b[k]) & 0xC0) != 0x80 && static_cast<unsigned char>(b[k]) < 0x80) b[k] = 'x';
        }
        p.a32.push_back(m::decode_utf8(a));
        p.b32.push_back(m::decode_utf8(b));
        p.a8.push_back(std::move(a));
        p.b8.push_back(std::move(b));
    }
    return p;
}

template <class Fn>
void run(benchmark::State& st, bool accents, Fn fn) {
    const Pairs& p = pairs(accents);
    std::size_t i = 0;
    for (auto _ : st) {
        benchmark::DoNotOptimize(fn(p, i & 4095));
        ++i;
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

using Fn = std::size_t (*)(const Pairs&, std::size_t);

// name, function (its result scaled by 1000 to an integer, kept from being optimised away),
// whether it runs on both sets of pairs (with and without accents) or on the ASCII set only
struct Case {
    const char* name;
    Fn fn;
    bool both_sets;
};

// the SQL glue's path: UTF-8 arguments, with_symbols picks bytes, Latin-1 bytes or code points
m::SymbolBuffers glue_buffers;
template <class Bytes, class Points>
double glue(const Pairs& p, std::size_t i, Bytes bytes, Points points) {
    return m::with_symbols(p.a8[i], p.b8[i], glue_buffers, "a", "b", bytes, points);
}

#define C360_CASE(name, call, cp) \
    Case { name, [](const Pairs& p, std::size_t i) { return static_cast<std::size_t>(call * 1000.0); }, cp }

const Case kCases[] = {
    C360_CASE("SimilarityLevenshteinReference", m::reference::levenshtein(p.a32[i], p.b32[i]), true),
    C360_CASE("SimilarityLevenshtein", m::levenshtein(p.a32[i], p.b32[i]), true),
    C360_CASE("SimilarityLevenshteinBytes", m::levenshtein_bytes(p.a8[i], p.b8[i]), false),
    C360_CASE("SimilarityOsaReference", m::reference::osa_distance(p.a32[i], p.b32[i]), true),
    C360_CASE("SimilarityOsa", m::osa_distance(p.a32[i], p.b32[i]), true),
    C360_CASE("SimilarityJaroWinklerReference", m::reference::jaro_winkler(p.a32[i], p.b32[i]), true),
    C360_CASE("SimilarityJaroWinkler", m::jaro_winkler(p.a32[i], p.b32[i]), true),
    C360_CASE("SimilarityJaroWinklerBytes", m::jaro_winkler_bytes(p.a8[i], p.b8[i]), false),
    C360_CASE("SimilarityGlueLevenshtein",
              glue(p, i, [](std::string_view x, std::string_view y) { return double(m::levenshtein_bytes(x, y)); },
                   [](std::u32string_view x, std::u32string_view y) { return double(m::levenshtein(x, y)); }),
              true),
    C360_CASE("SimilarityGlueJaroWinkler",
              glue(p, i, [](std::string_view x, std::string_view y) { return m::jaro_winkler_bytes(x, y); },
                   [](std::u32string_view x, std::u32string_view y) { return m::jaro_winkler(x, y); }),
              true),
};

// decoding both arguments (the glue's cost for non-ASCII names)
std::size_t decode_both(const Pairs& p, std::size_t i) {
    thread_local std::u32string x, y;
    m::decode_bounded_into(x, p.a8[i], "a");
    m::decode_bounded_into(y, p.b8[i], "b");
    return x.size() + y.size();
}

const bool registered = [] {
    for (const Case& c : kCases) {
        for (const bool accents : {false, true}) {
            if (accents && !c.both_sets) continue;
            const std::string name = std::string("BM_") + c.name + (accents ? "/accents" : "/ascii");
            benchmark::RegisterBenchmark(name.c_str(), [c, accents](benchmark::State& st) { run(st, accents, c.fn); });
        }
    }
    benchmark::RegisterBenchmark("BM_SimilarityDecodeBoth/accents", [](benchmark::State& st) { run(st, true, decode_both); });
    return true;
}();

} // namespace
