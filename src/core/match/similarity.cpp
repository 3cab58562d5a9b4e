#include "match/similarity.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <stdexcept>
#include <vector>

#include "common/error.hpp"
#include "match/text.hpp"

namespace c360::match {

namespace {

// Interrupt polling every `kPoll` DP rows keeps the check cheap for short strings.
constexpr std::size_t kPoll = 256;

} // namespace

std::int64_t levenshtein(const std::u32string& a, const std::u32string& b) {
    // a common prefix and suffix cost nothing: drop them (most compared names share much)
    std::size_t lo = 0, ha = a.size(), hb = b.size();
    while (lo < ha && lo < hb && a[lo] == b[lo]) ++lo;
    while (ha > lo && hb > lo && a[ha - 1] == b[hb - 1]) --ha, --hb;
    const bool a_longer = ha - lo >= hb - lo;
    const char32_t* s = (a_longer ? a.data() : b.data()) + lo; // rows: the longer rest
    const char32_t* t = (a_longer ? b.data() : a.data()) + lo;
    const std::size_t n = (a_longer ? ha : hb) - lo;
    const std::size_t m = (a_longer ? hb : ha) - lo;
    if (m == 0) return static_cast<std::int64_t>(n);
    // lengths are bounded (kMaxSimilarityChars), so 32-bit cells; short strings use the stack
    std::uint32_t small[128];
    std::vector<std::uint32_t> large;
    std::uint32_t* row = small;
    if (m + 1 > std::size(small)) {
        large.resize(m + 1);
        row = large.data();
    }
    for (std::size_t j = 0; j <= m; ++j) row[j] = static_cast<std::uint32_t>(j);
    for (std::size_t i = 1; i <= n; ++i) {
        if (i % kPoll == 0) check_interrupts();
        std::uint32_t diag = row[0];
        row[0] = static_cast<std::uint32_t>(i);
        const char32_t si = s[i - 1];
        for (std::size_t j = 1; j <= m; ++j) {
            const std::uint32_t up = row[j];
            row[j] = std::min({up + 1, row[j - 1] + 1, diag + (si == t[j - 1] ? 0u : 1u)});
            diag = up;
        }
    }
    return row[m];
}

std::int64_t osa_distance(const std::u32string& a, const std::u32string& b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::int64_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = static_cast<std::int64_t>(j);
    for (std::size_t i = 1; i <= n; ++i) {
        if (i % kPoll == 0) check_interrupts();
        cur[0] = static_cast<std::int64_t>(i);
        for (std::size_t j = 1; j <= m; ++j) {
            const std::int64_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            std::int64_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                v = std::min(v, prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::swap(prev2, prev);
        std::swap(prev, cur);
    }
    return prev[m];
}

std::int64_t damerau_levenshtein(const std::u32string& a, const std::u32string& b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    const std::uint64_t cells = static_cast<std::uint64_t>(n + 2) * static_cast<std::uint64_t>(m + 2);
    if (cells > kMaxDamerauCells) {
        fail(ErrorCode::ProgramLimitExceeded,
             "(|a|+2)·(|b|+2) = " + std::to_string(cells) + " cells, more than the limit of " +
                 std::to_string(kMaxDamerauCells),
             "True Damerau-Levenshtein keeps the whole matrix in memory.",
             "Use c360.osa_distance (linear memory) for long strings.");
    }
    const std::int64_t inf = static_cast<std::int64_t>(n + m);
    const std::size_t w = m + 2;
    std::vector<std::int32_t> d(cells);
    auto at = [&](std::size_t i, std::size_t j) -> std::int32_t& { return d[i * w + j]; };
    at(0, 0) = static_cast<std::int32_t>(inf);
    for (std::size_t i = 0; i <= n; ++i) {
        at(i + 1, 0) = static_cast<std::int32_t>(inf);
        at(i + 1, 1) = static_cast<std::int32_t>(i);
    }
    for (std::size_t j = 0; j <= m; ++j) {
        at(0, j + 1) = static_cast<std::int32_t>(inf);
        at(1, j + 1) = static_cast<std::int32_t>(j);
    }
    std::map<char32_t, std::size_t> last_row; // last row where each code point of a was seen
    for (std::size_t i = 1; i <= n; ++i) {
        if (i % kPoll == 0) check_interrupts();
        std::size_t db = 0;
        for (std::size_t j = 1; j <= m; ++j) {
            const auto it = last_row.find(b[j - 1]);
            const std::size_t i1 = it == last_row.end() ? 0 : it->second;
            const std::size_t j1 = db;
            std::int32_t cost = 1;
            if (a[i - 1] == b[j - 1]) {
                cost = 0;
                db = j;
            }
            const std::int32_t trans = at(i1, j1) + static_cast<std::int32_t>((i - i1 - 1) + 1 + (j - j1 - 1));
            at(i + 1, j + 1) = std::min({at(i, j) + cost, at(i + 1, j) + 1, at(i, j + 1) + 1, trans});
        }
        last_row[a[i - 1]] = i;
    }
    return at(n + 1, m + 1);
}

namespace {

struct JaroParts {
    double jaro;
    std::size_t common;
};

JaroParts jaro_parts(const std::u32string& a, const std::u32string& b) {
    const std::size_t la = a.size();
    const std::size_t lb = b.size();
    if (la == 0 && lb == 0) return {1.0, 0};
    if (la == 0 || lb == 0) return {0.0, 0};
    const std::size_t longer = std::max(la, lb);
    const std::size_t range = longer / 2 >= 1 ? longer / 2 - 1 : 0;
    std::vector<char> fa(la, 0), fb(lb, 0);
    std::size_t common = 0;
    for (std::size_t i = 0; i < la; ++i) {
        if (i % (kPoll * 16) == 0 && i != 0) check_interrupts();
        const std::size_t lo = i > range ? i - range : 0;
        const std::size_t hi = std::min(i + range, lb - 1);
        for (std::size_t j = lo; j <= hi && lo <= hi; ++j) {
            if (!fb[j] && a[i] == b[j]) {
                fa[i] = fb[j] = 1;
                ++common;
                break;
            }
        }
    }
    if (common == 0) return {0.0, 0};
    std::size_t k = 0;
    std::size_t half = 0;
    for (std::size_t i = 0; i < la; ++i) {
        if (!fa[i]) continue;
        while (!fb[k]) ++k;
        if (a[i] != b[k]) ++half;
        ++k;
    }
    const std::size_t trans = half / 2;
    const double c = static_cast<double>(common);
    const double j = (c / static_cast<double>(la) + c / static_cast<double>(lb) + (c - static_cast<double>(trans)) / c) / 3.0;
    return {j, common};
}

} // namespace

double jaro(const std::u32string& a, const std::u32string& b) { return jaro_parts(a, b).jaro; }

double jaro_winkler(const std::u32string& a, const std::u32string& b, double prefix_scale, bool long_tolerance) {
    if (!(prefix_scale >= 0.0 && prefix_scale <= 0.25)) {
        fail(ErrorCode::InvalidParameter, "prefix_scale must be between 0 and 0.25",
             "With p > 0.25 the score can exceed 1 (4 prefix characters at most).");
    }
    const JaroParts p = jaro_parts(a, b);
    double w = p.jaro;
    if (w <= 0.7 || p.common == 0) {
        return w;
    }
    const std::size_t limit = std::min<std::size_t>({a.size(), b.size(), 4});
    std::size_t ell = 0;
    while (ell < limit && a[ell] == b[ell]) ++ell;
    w += static_cast<double>(ell) * prefix_scale * (1.0 - w);
    const std::size_t min_len = std::min(a.size(), b.size());
    // As jellyfish (Rust): applied whatever the first character (1abcdefg/1abcdefh = 0.96).
    if (long_tolerance && min_len > 4 && p.common > ell + 1 && 2 * p.common >= min_len + ell) {
        w += (1.0 - w) * static_cast<double>(p.common - ell - 1) /
             static_cast<double>(a.size() + b.size() - 2 * ell + 2);
    }
    return w;
}

double name_similarity(std::string_view a_utf8, std::string_view b_utf8) {
    std::vector<std::u32string> ta, tb;
    std::size_t na = 0, nb = 0;
    for (const std::string& t : name_tokens(a_utf8)) {
        ta.push_back(decode_utf8(t));
        na += ta.back().size();
    }
    for (const std::string& t : name_tokens(b_utf8)) {
        tb.push_back(decode_utf8(t));
        nb += tb.back().size();
    }
    if (na > kMaxSimilarityChars || nb > kMaxSimilarityChars) {
        fail(ErrorCode::ProgramLimitExceeded,
             "name_similarity: a name has more than " + std::to_string(kMaxSimilarityChars) + " characters");
    }
    if (ta.empty() && tb.empty()) return 1.0;
    if (ta.empty() || tb.empty()) return 0.0;
    auto directed = [](const std::vector<std::u32string>& x, const std::vector<std::u32string>& y) {
        double sum = 0.0;
        for (const std::u32string& s : x) {
            check_interrupts();
            double best = 0.0;
            for (const std::u32string& t : y) best = std::max(best, jaro_winkler(s, t));
            sum += best;
        }
        return sum / static_cast<double>(x.size());
    };
    return 0.5 * (directed(ta, tb) + directed(tb, ta));
}

} // namespace c360::match
