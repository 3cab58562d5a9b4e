#include "match/similarity.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <map>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "match/text.hpp"

namespace c360::match {

namespace {

// Interrupt polling every `kPoll` DP rows keeps the check cheap for short strings.
constexpr std::size_t kPoll = 256;

template <class C>
using View = std::basic_string_view<C>;

// ---- pattern masks: symbol -> the bit mask of its positions in a pattern of <= 64 symbols ----

// Calls add(symbol, its bit) for each pattern position.
template <class C, class Add>
[[gnu::always_inline]] inline void for_each_position(View<C> pattern, Add&& add) noexcept {
    std::uint64_t bit = 1;
    for (const C c : pattern) {
        add(c, bit);
        bit <<= 1;
    }
}

// A table of masks is all zero between uses: a pattern sets its entries and clears exactly those
// afterwards (a few stores instead of clearing kilobytes on every call). One shared instance per
// kind, taken with an atomic flag; a call that finds it taken (by another thread, should the core
// be called from several) uses a table of its own on the stack, cleared in full. (A thread_local
// table costs a __tls_get_addr call per use in the dlopen'ed extension: more than the whole
// bit-parallel work on a short name.)
template <class Table>
class TableLease {
public:
    TableLease() noexcept {
        if (!busy_.test_and_set(std::memory_order_acquire)) {
            table_ = &shared_;
        } else {
            own_ = Table{};
            table_ = &own_;
        }
    }
    ~TableLease() {
        if (table_ == &shared_) busy_.clear(std::memory_order_release);
    }
    TableLease(const TableLease&) = delete;
    TableLease& operator=(const TableLease&) = delete;
    Table& get() const noexcept { return *table_; }

private:
    static inline Table shared_{};
    static inline std::atomic_flag busy_ = ATOMIC_FLAG_INIT;
    Table* table_;
    Table own_; // initialised only when used
};

struct ByteTable {
    std::uint64_t masks[256];
};
struct CodePointTable {
    std::uint64_t ascii[128];
    char32_t keys[128]; // open addressing; 0 marks a free slot (keys are >= 128)
    std::uint64_t other[128];
};

// Bytes: one table entry per byte value.
class ByteMasks {
public:
    explicit ByteMasks(View<char> pattern) noexcept : t_(lease_.get().masks), pattern_(pattern) {
        for_each_position(pattern, [&](char c, std::uint64_t bit) { t_[static_cast<unsigned char>(c)] |= bit; });
    }
    ~ByteMasks() {
        for (const char c : pattern_) t_[static_cast<unsigned char>(c)] = 0;
    }
    ByteMasks(const ByteMasks&) = delete;
    ByteMasks& operator=(const ByteMasks&) = delete;
    std::uint64_t operator[](char c) const noexcept { return t_[static_cast<unsigned char>(c)]; }

private:
    TableLease<ByteTable> lease_;
    std::uint64_t* t_;
    View<char> pattern_;
};

// Code points: a table for ASCII, and for the others (accented letters, at most 64 distinct in a
// pattern) an open-addressing hash table of 128 slots.
class CodePointMasks {
public:
    explicit CodePointMasks(View<char32_t> pattern) noexcept : t_(lease_.get()), pattern_(pattern) {
        for_each_position(pattern, [&](char32_t c, std::uint64_t bit) {
            if (c < 128) {
                t_.ascii[c] |= bit;
                return;
            }
            std::size_t i = slot(c);
            while (t_.keys[i] != 0 && t_.keys[i] != c) i = (i + 1) % kSlots;
            if (t_.keys[i] == 0) {
                t_.keys[i] = c;
                t_.other[i] = 0;
                used_[n_used_++] = static_cast<std::uint8_t>(i);
            }
            t_.other[i] |= bit;
        });
    }
    ~CodePointMasks() {
        for (const char32_t c : pattern_) {
            if (c < 128) t_.ascii[c] = 0;
        }
        for (std::size_t k = 0; k < n_used_; ++k) t_.keys[used_[k]] = 0;
    }
    CodePointMasks(const CodePointMasks&) = delete;
    CodePointMasks& operator=(const CodePointMasks&) = delete;
    std::uint64_t operator[](char32_t c) const noexcept {
        if (c < 128) return t_.ascii[c];
        if (n_used_ == 0) return 0;
        for (std::size_t i = slot(c); t_.keys[i] != 0; i = (i + 1) % kSlots) {
            if (t_.keys[i] == c) return t_.other[i];
        }
        return 0;
    }

private:
    static constexpr std::size_t kSlots = 128; // load factor <= 1/2
    static std::size_t slot(char32_t c) noexcept {
        return static_cast<std::uint32_t>(static_cast<std::uint32_t>(c) * 2654435769u) >> 25;
    }
    TableLease<CodePointTable> lease_;
    CodePointTable& t_;
    View<char32_t> pattern_;
    std::uint8_t used_[kBitParallelMax];
    std::size_t n_used_ = 0;
};

template <class C>
using Masks = std::conditional_t<sizeof(C) == 1, ByteMasks, CodePointMasks>;

// Drops the common prefix and suffix (they cost nothing in Levenshtein or OSA).
template <class C>
void trim_affix(View<C>& a, View<C>& b) noexcept {
    const std::size_t lim = std::min(a.size(), b.size());
    std::size_t lo = 0;
    while (lo < lim && a[lo] == b[lo]) ++lo;
    a.remove_prefix(lo);
    b.remove_prefix(lo);
    const std::size_t lim2 = lim - lo;
    std::size_t k = 0;
    while (k < lim2 && a[a.size() - 1 - k] == b[b.size() - 1 - k]) ++k;
    a.remove_suffix(k);
    b.remove_suffix(k);
}

// ---- Levenshtein, optimal string alignment (OSA) ---------------------------------------------

// Myers (1999) in Hyyrö's formulation: the DP column over the pattern (1..64 symbols) as vertical
// deltas +1 (vp) / -1 (vn), one step per text symbol; the score follows the last row. With
// kOsa, Hyyrö (2003): the transposition term adds a diagonal zero two steps back where the
// current text symbol matches the previous pattern position and the previous text symbol this one.
template <bool kOsa, class C>
std::int64_t edit_distance_bits(View<C> pattern, View<C> text) noexcept {
    const Masks<C> pm(pattern);
    const std::uint64_t last = std::uint64_t{1} << (pattern.size() - 1);
    std::uint64_t vp = ~std::uint64_t{0};
    std::uint64_t vn = 0;
    [[maybe_unused]] std::uint64_t d0 = 0;
    [[maybe_unused]] std::uint64_t pm_prev = 0;
    std::int64_t d = static_cast<std::int64_t>(pattern.size());
    for (const C c : text) {
        const std::uint64_t eq = pm[c];
        if constexpr (kOsa) {
            const std::uint64_t tr = ((~d0 & eq) << 1) & pm_prev;
            d0 = (((eq & vp) + vp) ^ vp) | eq | vn | tr;
            pm_prev = eq;
        } else {
            const std::uint64_t x = eq | vn;
            d0 = (((x & vp) + vp) ^ vp) | x;
        }
        std::uint64_t hp = vn | ~(d0 | vp);
        std::uint64_t hn = vp & d0;
        d += (hp & last) != 0;
        d -= (hn & last) != 0;
        hp = (hp << 1) | 1; // row 0 grows by one per text symbol
        hn <<= 1;
        vp = hn | ~(d0 | hp);
        vn = hp & d0;
    }
    return d;
}

// Row-by-row DP, rows over s, O(|t|) memory.
template <class C>
std::int64_t levenshtein_rows(View<C> s, View<C> t) {
    const std::size_t n = s.size();
    const std::size_t m = t.size();
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
        const C si = s[i - 1];
        for (std::size_t j = 1; j <= m; ++j) {
            const std::uint32_t up = row[j];
            row[j] = std::min({up + 1, row[j - 1] + 1, diag + (si == t[j - 1] ? 0u : 1u)});
            diag = up;
        }
    }
    return row[m];
}

template <class C>
std::int64_t osa_rows(View<C> a, View<C> b) {
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

// The same for a pattern of more than 64 symbols (Hyyrö's blocked form): the column as
// ⌈m/64⌉ words per vector, the addition's carry and the shifted-out bits of hp, hn (and, for OSA,
// of the transposition term) passed from each word to the next. The masks are per pattern symbol
// (a dense id each), allocated per call.
template <bool kOsa, class C>
std::int64_t edit_distance_blocks(View<C> pattern, View<C> text) {
    const std::size_t m = pattern.size();
    const std::size_t words = (m + 63) / 64;
    std::unordered_map<C, std::size_t> id;
    std::vector<std::uint64_t> pm; // pm[id * words + w]
    for (std::size_t i = 0; i < m; ++i) {
        const auto [it, fresh] = id.try_emplace(pattern[i], id.size());
        if (fresh) pm.resize(pm.size() + words, 0);
        pm[it->second * words + i / 64] |= std::uint64_t{1} << (i % 64);
    }
    const std::vector<std::uint64_t> none(words, 0);
    std::vector<std::uint64_t> vp(words, ~std::uint64_t{0}), vn(words, 0), d0(words, 0);
    const std::uint64_t* eq_prev = none.data();
    const std::uint64_t last = std::uint64_t{1} << ((m - 1) % 64);
    std::int64_t d = static_cast<std::int64_t>(m);
    for (std::size_t j = 0; j < text.size(); ++j) {
        if (j % kPoll == 0 && j != 0) check_interrupts();
        const auto it = id.find(text[j]);
        const std::uint64_t* eq = it == id.end() ? none.data() : pm.data() + it->second * words;
        std::uint64_t add_carry = 0, hp_carry = 1, hn_carry = 0; // row 0 grows by one
        [[maybe_unused]] std::uint64_t tr_carry = 0;
        for (std::size_t w = 0; w < words; ++w) {
            std::uint64_t x = eq[w] | vn[w];
            if constexpr (kOsa) {
                const std::uint64_t t = ~d0[w] & eq[w];
                x |= ((t << 1) | tr_carry) & eq_prev[w];
                tr_carry = t >> 63;
            }
            const std::uint64_t xv = eq[w] & vp[w];
            std::uint64_t sum = xv + vp[w];
            std::uint64_t carry = sum < xv;
            sum += add_carry;
            carry |= sum < add_carry;
            add_carry = carry;
            d0[w] = (sum ^ vp[w]) | x;
            std::uint64_t hp = vn[w] | ~(d0[w] | vp[w]);
            std::uint64_t hn = vp[w] & d0[w];
            if (w == words - 1) {
                d += (hp & last) != 0;
                d -= (hn & last) != 0;
            }
            const std::uint64_t hp_out = hp >> 63, hn_out = hn >> 63;
            hp = (hp << 1) | hp_carry;
            hn = (hn << 1) | hn_carry;
            hp_carry = hp_out;
            hn_carry = hn_out;
            vp[w] = hn | ~(d0[w] | hp);
            vn[w] = hp & d0[w];
        }
        eq_prev = eq;
    }
    return d;
}

// Levenshtein or OSA: common affixes dropped, then bit-parallel when the shorter rest fits a word.
template <bool kOsa, class C>
std::int64_t edit_distance_fast(View<C> a, View<C> b) {
    trim_affix(a, b);
    if (a.size() < b.size()) std::swap(a, b); // b: the shorter rest, the pattern
    if (b.empty()) return static_cast<std::int64_t>(a.size());
    if (b.size() <= kBitParallelMax) return edit_distance_bits<kOsa>(b, a);
    return edit_distance_blocks<kOsa>(b, a);
}

// ---- Jaro, Jaro-Winkler ----------------------------------------------------------------------

struct JaroParts {
    double jaro;
    std::size_t common;
};

JaroParts jaro_from_counts(std::size_t la, std::size_t lb, std::size_t common, std::size_t half) {
    if (common == 0) return {0.0, 0};
    const std::size_t trans = half / 2;
    const double c = static_cast<double>(common);
    const double j = (c / static_cast<double>(la) + c / static_cast<double>(lb) + (c - static_cast<double>(trans)) / c) / 3.0;
    return {j, common};
}

std::size_t jaro_range(std::size_t la, std::size_t lb) noexcept {
    const std::size_t longer = std::max(la, lb);
    return longer / 2 >= 1 ? longer / 2 - 1 : 0;
}

// The definition: for each symbol of a in order, the first unmatched equal symbol of b in its
// window; then the matched symbols of both in order, half-transpositions where they differ.
template <class C>
JaroParts jaro_parts_dp(View<C> a, View<C> b) {
    const std::size_t la = a.size();
    const std::size_t lb = b.size();
    if (la == 0 && lb == 0) return {1.0, 0};
    if (la == 0 || lb == 0) return {0.0, 0};
    const std::size_t range = jaro_range(la, lb);
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
    return jaro_from_counts(la, lb, common, half);
}

// The same greedy matching with b (1..64 symbols) as bit masks: the unmatched positions of b
// holding a[i], within the window, lowest first. Each match keeps the mask of its symbol, so the
// k-th match of a differs from the k-th matched position of b when that bit is not in it.
template <class C>
JaroParts jaro_parts_bits(View<C> a, View<C> b) noexcept {
    const std::size_t la = a.size();
    const std::size_t lb = b.size();
    const Masks<C> pm(b);
    const std::size_t range = jaro_range(la, lb);
    std::uint64_t matched_b = 0;
    std::uint64_t match_masks[kBitParallelMax + 1];
    std::size_t common = 0;
    // the window [i - range, i + range] as a mask, slid by one per step; positions >= 64 (beyond b)
    // need no bits
    std::uint64_t window = range + 1 >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << (range + 1)) - 1;
    const std::size_t end = std::min(la, lb + range); // from there no window reaches b
    for (std::size_t i = 0; i < end; ++i) {
        const std::uint64_t eq = pm[a[i]];
        const std::uint64_t free = eq & ~matched_b & window;
        matched_b |= free & (~free + 1); // the lowest, if any
        match_masks[common] = eq;
        common += free != 0;
        window = (window << 1) | static_cast<std::uint64_t>(i < range);
    }
    if (common == 0) return {0.0, 0};
    std::size_t half = 0;
    std::uint64_t rest = matched_b;
    for (std::size_t k = 0; k < common; ++k) {
        const std::uint64_t low = rest & (~rest + 1);
        half += (match_masks[k] & low) == 0;
        rest ^= low;
    }
    return jaro_from_counts(la, lb, common, half);
}

template <class C>
JaroParts jaro_parts_fast(View<C> a, View<C> b) {
    if (a.empty() && b.empty()) return {1.0, 0};
    if (a.empty() || b.empty()) return {0.0, 0};
    if (a == b) return {1.0, a.size()}; // all matched in order: (1 + 1 + 1) / 3, exactly 1
    if (b.size() <= kBitParallelMax) return jaro_parts_bits(a, b);
    return jaro_parts_dp(a, b);
}

void check_prefix_scale(double prefix_scale) {
    if (!(prefix_scale >= 0.0 && prefix_scale <= 0.25)) {
        fail(ErrorCode::InvalidParameter, "prefix_scale must be between 0 and 0.25",
             "With p > 0.25 the score can exceed 1 (4 prefix characters at most).");
    }
}

template <class C>
double winkler(View<C> a, View<C> b, JaroParts p, double prefix_scale, bool long_tolerance) {
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

} // namespace

std::int64_t levenshtein(std::u32string_view a, std::u32string_view b) { return edit_distance_fast<false>(a, b); }
std::int64_t osa_distance(std::u32string_view a, std::u32string_view b) { return edit_distance_fast<true>(a, b); }
std::int64_t levenshtein_bytes(std::string_view a, std::string_view b) { return edit_distance_fast<false>(a, b); }
std::int64_t osa_distance_bytes(std::string_view a, std::string_view b) { return edit_distance_fast<true>(a, b); }

double jaro(std::u32string_view a, std::u32string_view b) { return jaro_parts_fast(a, b).jaro; }
double jaro_bytes(std::string_view a, std::string_view b) { return jaro_parts_fast(a, b).jaro; }

double jaro_winkler(std::u32string_view a, std::u32string_view b, double prefix_scale, bool long_tolerance) {
    check_prefix_scale(prefix_scale);
    return winkler(a, b, jaro_parts_fast(a, b), prefix_scale, long_tolerance);
}

double jaro_winkler_bytes(std::string_view a, std::string_view b, double prefix_scale, bool long_tolerance) {
    check_prefix_scale(prefix_scale);
    return winkler(a, b, jaro_parts_fast(a, b), prefix_scale, long_tolerance);
}

namespace reference {

std::int64_t levenshtein(std::u32string_view a, std::u32string_view b) { return levenshtein_rows(a, b); }
std::int64_t osa_distance(std::u32string_view a, std::u32string_view b) { return osa_rows(a, b); }
double jaro(std::u32string_view a, std::u32string_view b) { return jaro_parts_dp(a, b).jaro; }
double jaro_winkler(std::u32string_view a, std::u32string_view b, double prefix_scale, bool long_tolerance) {
    check_prefix_scale(prefix_scale);
    return winkler(a, b, jaro_parts_dp(a, b), prefix_scale, long_tolerance);
}

} // namespace reference

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

double name_similarity(std::string_view a_utf8, std::string_view b_utf8) {
    const std::vector<std::string> sa = name_tokens(a_utf8);
    const std::vector<std::string> sb = name_tokens(b_utf8);
    auto directed = [](const auto& x, const auto& y, auto&& jw) {
        double sum = 0.0;
        for (const auto& s : x) {
            check_interrupts();
            double best = 0.0;
            for (const auto& t : y) best = std::max(best, jw(s, t));
            sum += best;
        }
        return sum / static_cast<double>(x.size());
    };
    auto too_long = [](std::size_t na, std::size_t nb) {
        if (na > kMaxSimilarityChars || nb > kMaxSimilarityChars) {
            fail(ErrorCode::ProgramLimitExceeded,
                 "name_similarity: a name has more than " + std::to_string(kMaxSimilarityChars) + " characters");
        }
    };
    const auto ascii = [](const std::string& t) { return is_ascii(t); };
    if (std::all_of(sa.begin(), sa.end(), ascii) && std::all_of(sb.begin(), sb.end(), ascii)) {
        // ASCII tokens (most names once normalised): the byte function, no decoding
        std::size_t na = 0, nb = 0;
        for (const std::string& t : sa) na += t.size();
        for (const std::string& t : sb) nb += t.size();
        too_long(na, nb);
        if (sa.empty() && sb.empty()) return 1.0;
        if (sa.empty() || sb.empty()) return 0.0;
        auto jw = [](const std::string& s, const std::string& t) { return jaro_winkler_bytes(s, t); };
        return 0.5 * (directed(sa, sb, jw) + directed(sb, sa, jw));
    }
    std::vector<std::u32string> ta, tb;
    std::size_t na = 0, nb = 0;
    for (const std::string& t : sa) {
        ta.push_back(decode_utf8(t));
        na += ta.back().size();
    }
    for (const std::string& t : sb) {
        tb.push_back(decode_utf8(t));
        nb += tb.back().size();
    }
    too_long(na, nb);
    if (ta.empty() && tb.empty()) return 1.0;
    if (ta.empty() || tb.empty()) return 0.0;
    auto jw = [](const std::u32string& s, const std::u32string& t) { return jaro_winkler(s, t); };
    return 0.5 * (directed(ta, tb, jw) + directed(tb, ta, jw));
}

} // namespace c360::match
