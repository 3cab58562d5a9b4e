#include "match/compare.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "match/address.hpp"
#include "match/similarity.hpp"
#include "match/text.hpp"

namespace c360::match {

Method parse_method(std::string_view name) {
    if (name == "name") return Method::Name;
    if (name == "code") return Method::Code;
    if (name == "exact") return Method::Exact;
    if (name == "tokens") return Method::Tokens;
    if (name == "date") return Method::Date;
    if (name == "address") return Method::Address;
    if (name == "location") return Method::Location;
    fail(ErrorCode::InvalidParameter, "unknown comparison method \"" + std::string(name) + "\"", {},
         "Use 'name' (Jaro-Winkler levels), 'tokens' (names in any word order), 'code' (edit-distance levels), 'date' (YYYYMMDD dates), 'address' (French postal addresses), 'location' (address key and postcode as one field) or 'exact'.");
}

int method_levels(Method m) noexcept { return m == Method::Exact ? 2 : 4; }

int conflict_level(Method m) noexcept {
    return m == Method::Exact || m == Method::Location ? 0 : method_levels(m) - 3; // location 1: postcode only, no conflict
}

namespace {

// A location: "<postcode>|<rest of the address key>" (c360.address_key_fr) or a postcode alone.
// 3 same address, 2 same postcode and both addresses known but different, 1 same postcode with an
// address known on one side at most, 0 different postcodes. One field for the address and its postcode,
// so that a move (both differ) counts as one disagreement, not two.
int compare_location(std::string_view a, std::string_view b) noexcept {
    const std::size_t ia = a.find('|'), ib = b.find('|');
    const std::string_view pa = a.substr(0, ia), pb = b.substr(0, ib);
    if (pa.empty() || pb.empty()) return -1;
    if (pa != pb) return 0;
    const bool full_a = ia != std::string_view::npos && ia + 1 < a.size();
    const bool full_b = ib != std::string_view::npos && ib + 1 < b.size();
    if (!full_a || !full_b) return 1;
    return a == b ? 3 : 2;
}

// YYYYMMDD with day and month exchanged ("19610312" / "19611203").
bool day_month_swapped(std::string_view a, std::string_view b) noexcept {
    if (a.size() != 8 || b.size() != 8) return false;
    return a.substr(0, 4) == b.substr(0, 4) && a.substr(4, 2) == b.substr(6, 2) && a.substr(6, 2) == b.substr(4, 2);
}

} // namespace

int compare_level(std::string_view a, std::string_view b, Method m) {
    if (a.empty() || b.empty()) return -1;
    if (m == Method::Address) return compare_address_fr(a, b); // -1 also when an address has no key
    if (m == Method::Location) return compare_location(a, b);
    if (a == b) return method_levels(m) - 1;
    if (m == Method::Exact) return 0;
    if (m == Method::Tokens) {
        const double s = name_similarity(a, b); // 1 exactly when both have the same words
        return s >= 1.0 ? 3 : s >= 0.92 ? 2 : s >= 0.80 ? 1 : 0;
    }
    // called once per field of every candidate pair: buffers reused across calls (bounded by
    // kMaxSimilarityChars: at most 640 kB kept per thread); no decoding for ASCII values
    thread_local SymbolBuffers buf;
    if (m == Method::Name) {
        const double s = with_symbols(
            a, b, buf, "first value", "second value", [](std::string_view x, std::string_view y) { return jaro_winkler_bytes(x, y); },
            [](std::u32string_view x, std::u32string_view y) { return jaro_winkler(x, y); });
        return s >= 0.92 ? 2 : s >= 0.80 ? 1 : 0;
    }
    // a date with day and month exchanged counts as one edit (level 2), once both values are
    // known to be valid UTF-8
    const bool swapped = m == Method::Date && day_month_swapped(a, b);
    const std::int64_t d = with_symbols(
        a, b, buf, "first value", "second value",
        [&](std::string_view x, std::string_view y) { return swapped ? 0 : osa_distance_bytes(x, y); },
        [&](std::u32string_view x, std::u32string_view y) { return swapped ? 0 : osa_distance(x, y); });
    return d <= 1 ? 2 : d <= 2 ? 1 : 0;
}

namespace {

// f is m with a final e, or its last letter doubled and an e (Louis / Louise, Michel / Michele /
// Michelle, Lucien / Lucienne): the French feminine of a first name, close but another person
bool feminine_of(const std::u32string& f, const std::u32string& m) noexcept {
    if (m.empty() || f.back() != U'e' || f.compare(0, m.size(), m) != 0) return false;
    return f.size() == m.size() + 1 || (f.size() == m.size() + 2 && f[m.size()] == m.back());
}

} // namespace

bool same_words_with_typos(std::string_view a, std::string_view b) {
    const std::vector<std::string> ta = name_tokens(a), tb = name_tokens(b);
    const std::size_t n = ta.size();
    if (n == 0 || n != tb.size() || n > 4) return false;
    // close[i][j]: word i of a and word j of b are equal or one edit apart
    bool close[4][4];
    for (std::size_t i = 0; i < n; ++i) {
        const std::u32string wa = decode_utf8(ta[i]);
        for (std::size_t j = 0; j < n; ++j) {
            const std::u32string wb = decode_utf8(tb[j]);
            if (wa == wb) {
                close[i][j] = true;
            } else if (wa.size() < 3 || wb.size() < 3 || feminine_of(wa, wb) || feminine_of(wb, wa)) {
                close[i][j] = false;
            } else {
                // a typo on each side of a word of 5 letters or more is two edits
                const std::int64_t d = osa_distance(wa, wb);
                close[i][j] = d <= 1 || (d == 2 && wa.size() >= 5 && wb.size() >= 5);
            }
        }
    }
    std::array<std::size_t, 4> perm{0, 1, 2, 3};
    do {
        bool all = true;
        for (std::size_t i = 0; i < n && all; ++i) all = close[i][perm[i]];
        if (all) return true;
    } while (std::next_permutation(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n)));
    return false;
}

bool clearly_differ(std::string_view a, std::string_view b, Method m) {
    const int level = compare_level(a, b, m);
    if (level < 0 || level > conflict_level(m)) return false;
    if (m == Method::Name || m == Method::Tokens) return !same_words_with_typos(a, b);
    return true;
}

} // namespace c360::match
