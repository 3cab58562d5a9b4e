#include "match/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "common/error.hpp"

namespace c360::match {

namespace {

// Eight bytes at p, all in 1..127 (ASCII, none NUL).
bool ascii_word(const unsigned char* p) noexcept {
    constexpr std::uint64_t kHigh = 0x8080808080808080u, kLow = 0x0101010101010101u;
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return ((w | ((w - kLow) & ~w)) & kHigh) == 0; // no high bit set, and no zero byte
}

[[noreturn]] void bad_utf8(const char* what, std::size_t at) {
    fail(ErrorCode::InvalidTextRepresentation,
         std::string("invalid UTF-8 in ") + what + " at byte " + std::to_string(at),
         "customer360's matching functions work on Unicode code points.",
         "Use a UTF8 database or convert the value with convert_from().");
}

// Latin-1 Supplement U+00C0..U+00FF and Latin Extended-A U+0100..U+017F: one base letter per
// code point; '*' marks a ligature or a two-letter folding handled in fold_latin, ' ' a symbol.
constexpr std::string_view kLatin1 =
    "aaaaaa*ceeeeiiiidnooooo ouuuuy**"
    "aaaaaa*ceeeeiiiidnooooo ouuuuy*y";
constexpr std::string_view kExtA =
    "aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii" "**" "jj" "kkk"
    "llllllllll" "nnnnnnnnn" "oooooo" "**" "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy"
    "zzzzzz" "s";
static_assert(kLatin1.size() == 64);
static_assert(kExtA.size() == 128);
// Latin Extended Additional U+1E00..U+1E95: upper/lower pairs, one base letter per pair.
constexpr std::string_view kExtAdd = "abbbcdddddeeeeefghhhhhiikkkllllmmmnnnnoooopprrrrssssstttt"
                                     "uuuuuvvwwwwwxxyzzz";
static_assert(kExtAdd.size() == 75);

constexpr std::array<const char*, 26> kSingle = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                                 "j", "k", "l", "m", "n", "o", "p", "q", "r",
                                                 "s", "t", "u", "v", "w", "x", "y", "z"};

const char* letter(char c) noexcept { return kSingle[static_cast<std::size_t>(c - 'a')]; }

bool is_separator_cp(char32_t cp) noexcept {
    return cp == 0xA0 || cp == 0xAB || cp == 0xBB || cp == 0xB7 || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF || (cp >= 0x80 && cp < 0xA0) ||
           (cp >= 0xA1 && cp <= 0xBF);
}

bool is_apostrophe(char32_t cp) noexcept { return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == '`'; }

} // namespace

std::u32string decode_utf8(std::string_view s, const char* what) {
    std::u32string out;
    decode_utf8_into(out, s, what);
    return out;
}

void decode_utf8_into(std::u32string& out, std::string_view s, const char* what) {
    // at most one code point per byte: written in place, the size set at the end
    out.resize(s.size());
    char32_t* o = out.data();
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // eight ASCII bytes (none NUL) at a time
        while (i + 8 <= n && ascii_word(p + i)) {
            for (int k = 0; k < 8; ++k) o[k] = p[i + static_cast<std::size_t>(k)];
            o += 8;
            i += 8;
        }
        if (i == n) break;
        const unsigned char c = p[i];
        if (c < 0x80) {
            if (c == 0) {
                bad_utf8(what, i);
            }
            *o++ = c;
            ++i;
            continue;
        }
        int len;
        char32_t cp;
        char32_t min;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            bad_utf8(what, i);
        }
        if (i + static_cast<std::size_t>(len) > n) {
            bad_utf8(what, i);
        }
        for (int k = 1; k < len; ++k) {
            const unsigned char cc = p[i + static_cast<std::size_t>(k)];
            if ((cc & 0xC0) != 0x80) {
                bad_utf8(what, i);
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            bad_utf8(what, i);
        }
        *o++ = cp;
        i += static_cast<std::size_t>(len);
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
}

std::u32string decode_bounded(std::string_view s, const char* what) {
    std::u32string out;
    decode_bounded_into(out, s, what);
    return out;
}

void decode_bounded_into(std::u32string& out, std::string_view s, const char* what) {
    auto too_long = [&](std::size_t chars) {
        fail(ErrorCode::ProgramLimitExceeded,
             std::string(what) + " has " + std::to_string(chars) + " characters, more than the limit of " +
                 std::to_string(kMaxSimilarityChars),
             "Similarity functions do quadratic work; the limit bounds one call's time.",
             "Compare a prefix (left(x, 1000)) or a normalised form.");
    };
    if (s.size() > 4 * kMaxSimilarityChars) {
        // Cheap early exit; the exact count is checked below.
        std::size_t chars = 0;
        for (unsigned char c : s) {
            chars += (c & 0xC0) != 0x80;
        }
        if (chars > kMaxSimilarityChars) too_long(chars);
    }
    decode_utf8_into(out, s, what);
    if (out.size() > kMaxSimilarityChars) too_long(out.size());
}

bool is_ascii(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
        if (!ascii_word(p)) return false;
    }
    bool ok = true;
    for (; n > 0; ++p, --n) ok &= static_cast<unsigned char>(*p - 1u) < 127u;
    return ok;
}

bool latin1_into(std::string& out, std::string_view s) {
    out.resize(s.size());
    char* o = out.data();
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        while (i + 8 <= n && ascii_word(p + i)) { // eight ASCII bytes at a time
            std::memcpy(o, p + i, 8);
            o += 8;
            i += 8;
        }
        if (i == n) break;
        const unsigned char c = p[i];
        if (c >= 0x01 && c < 0x80) {
            *o++ = static_cast<char>(c);
            ++i;
        } else if ((c == 0xC2 || c == 0xC3) && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            // U+0080..U+00FF: two bytes, never overlong with these lead bytes
            *o++ = static_cast<char>(((c & 0x1F) << 6) | (p[i + 1] & 0x3F));
            i += 2;
        } else {
            return false;
        }
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
    return out.size() <= kMaxSimilarityChars;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string encode_utf8(const std::u32string& s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t cp : s) {
        append_utf8(out, cp);
    }
    return out;
}

const char* fold_latin(char32_t cp) noexcept {
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') {
            return letter(static_cast<char>(cp - 'A' + 'a'));
        }
        if (cp >= 'a' && cp <= 'z') {
            return letter(static_cast<char>(cp));
        }
        return nullptr;
    }
    if (cp >= 0x300 && cp <= 0x36F) {
        return ""; // combining diacritical mark (decomposed input)
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
        switch (cp) {
        case 0xC6: case 0xE6: return "ae";
        case 0xDE: case 0xFE: return "th";
        case 0xDF: return "ss";
        default: break;
        }
        const char c = kLatin1[cp - 0xC0];
        return c == ' ' ? nullptr : letter(c);
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        switch (cp) {
        case 0x132: case 0x133: return "ij";
        case 0x152: case 0x153: return "oe";
        default: break;
        }
        return letter(kExtA[cp - 0x100]);
    }
    switch (cp) {
    case 0x218: case 0x219: return "s"; // Ș ș
    case 0x21A: case 0x21B: return "t"; // Ț ț
    case 0x1E96: return "h";
    case 0x1E97: return "t";
    case 0x1E98: return "w";
    case 0x1E99: return "y";
    case 0x1E9A: return "a";
    case 0x1E9B: return "s";
    case 0x1E9E: return "ss";
    default: break;
    }
    if (cp >= 0x1E00 && cp <= 0x1E95) {
        return letter(kExtAdd[(cp - 0x1E00) / 2]);
    }
    if (cp >= 0x1EA0 && cp <= 0x1EF9) { // Vietnamese vowels
        if (cp <= 0x1EB7) return "a";
        if (cp <= 0x1EC7) return "e";
        if (cp <= 0x1ECB) return "i";
        if (cp <= 0x1EE3) return "o";
        if (cp <= 0x1EF1) return "u";
        return "y";
    }
    return nullptr;
}

std::string ascii_letters(std::string_view utf8) {
    const std::u32string cps = decode_utf8(utf8);
    std::string out;
    out.reserve(cps.size());
    for (char32_t cp : cps) {
        if (const char* f = fold_latin(cp)) {
            out += f;
        } else if (cp >= '0' && cp <= '9') {
            out.push_back(static_cast<char>(cp));
        }
    }
    return out;
}

namespace {

constexpr std::array<std::string_view, 24> kCivility = {
    "m",      "mme",     "mlle",      "mr",       "mrs",          "ms",    "mx",     "dr",
    "pr",     "prof",    "me",        "mm",       "mmes",         "mlles", "miss",   "mister",
    "sir",    "monsieur", "madame",   "mademoiselle", "docteur",  "doctor", "maitre", "messrs"};

bool is_civility(std::string_view t) {
    return std::find(kCivility.begin(), kCivility.end(), t) != kCivility.end();
}

} // namespace

std::vector<std::string> name_tokens(std::string_view utf8) {
    const std::u32string cps = decode_utf8(utf8);
    std::vector<std::string> tokens;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) {
            tokens.push_back(std::move(cur));
            cur.clear();
        }
    };
    for (char32_t cp : cps) {
        if (const char* f = fold_latin(cp)) {
            cur += f;
        } else if (cp >= '0' && cp <= '9') {
            cur.push_back(static_cast<char>(cp));
        } else if (is_apostrophe(cp)) {
            // O'Brien -> obrien, d'Artagnan -> dartagnan
        } else if (cp < 0x80 || is_separator_cp(cp)) {
            flush();
        } else {
            append_utf8(cur, cp); // another script: kept as is
        }
    }
    flush();
    std::size_t first = 0;
    while (first + 1 < tokens.size() && is_civility(tokens[first])) {
        ++first;
    }
    tokens.erase(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(first));
    return tokens;
}

std::string normalize_name(std::string_view utf8) {
    std::string out;
    for (const std::string& t : name_tokens(utf8)) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += t;
    }
    return out;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

} // namespace

std::optional<std::string> normalize_email(std::string_view utf8) {
    (void)decode_utf8(utf8, "e-mail");
    std::size_t b = 0;
    std::size_t e = utf8.size();
    while (b < e && is_space(utf8[b])) ++b;
    while (e > b && is_space(utf8[e - 1])) --e;
    std::string s(utf8.substr(b, e - b));
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') {
        s = s.substr(1, s.size() - 2);
    }
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (is_space(c) || c == ',' || c == ';' || c == '<' || c == '>' || c == '"') return std::nullopt;
    }
    const std::size_t at = s.find('@');
    if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos) {
        return std::nullopt;
    }
    std::string local = s.substr(0, at);
    std::string domain = s.substr(at + 1);
    if (domain.empty() || domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.' ||
        domain.front() == '-' || domain.find("..") != std::string::npos) {
        return std::nullopt;
    }
    if (domain == "googlemail.com") {
        domain = "gmail.com";
    }
    static constexpr std::array<std::string_view, 15> kPlusTags = {
        "gmail.com", "outlook.com", "outlook.fr", "hotmail.com", "hotmail.fr", "live.com", "live.fr", "msn.com",
        "icloud.com", "me.com", "mac.com", "protonmail.com", "proton.me", "pm.me", "fastmail.com"};
    if (std::find(kPlusTags.begin(), kPlusTags.end(), domain) != kPlusTags.end()) {
        const std::size_t plus = local.find('+');
        if (plus != std::string::npos) {
            local.resize(plus);
        }
    }
    if (domain == "gmail.com") {
        local.erase(std::remove(local.begin(), local.end(), '.'), local.end());
    }
    if (local.empty()) {
        return std::nullopt;
    }
    return local + "@" + domain;
}

namespace {

struct Country {
    std::string_view iso;
    std::string_view cc;
    bool trunk_zero;  // national numbers start with a trunk 0 dropped in E.164
    int nsn_min, nsn_max; // national significant number length
};

constexpr std::array<Country, 16> kCountries = {{
    {"FR", "33", true, 9, 9},   {"BE", "32", true, 8, 9},  {"CH", "41", true, 9, 9},
    {"LU", "352", false, 4, 11}, {"MC", "377", false, 8, 9}, {"DE", "49", true, 6, 13},
    {"GB", "44", true, 9, 10},  {"IE", "353", true, 7, 9}, {"ES", "34", false, 9, 9},
    {"PT", "351", false, 9, 9}, {"IT", "39", false, 6, 11}, {"NL", "31", true, 9, 9},
    {"US", "1", false, 10, 10}, {"CA", "1", false, 10, 10}, {"AT", "43", true, 4, 13},
    {"MA", "212", true, 9, 9},
}};

const Country* country_by_iso(std::string_view iso) {
    std::string up(iso);
    for (char& c : up) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    for (const Country& c : kCountries) {
        if (c.iso == up) return &c;
    }
    return nullptr;
}

std::optional<std::string> finish(const Country& c, std::string nsn) {
    if (c.trunk_zero && !nsn.empty() && nsn.front() == '0') {
        nsn.erase(0, 1);
    }
    const int len = static_cast<int>(nsn.size());
    if (len < c.nsn_min || len > c.nsn_max || (c.trunk_zero && nsn.front() == '0')) {
        return std::nullopt;
    }
    if (c.cc == "1" && (nsn[0] < '2' || nsn[3] < '2')) { // NANP: area code and exchange start 2-9
        return std::nullopt;
    }
    return "+" + std::string(c.cc) + nsn;
}

} // namespace

std::optional<std::string> normalize_phone(std::string_view utf8, std::string_view default_country) {
    const Country* home = country_by_iso(default_country);
    if (home == nullptr) {
        fail(ErrorCode::InvalidParameter, "unknown default_country \"" + std::string(default_country) + "\"",
             "Supported: FR BE CH LU MC DE GB IE ES PT IT NL US CA AT MA.");
    }
    const std::u32string cps = decode_utf8(utf8, "phone number");
    std::string digits;
    bool plus = false;
    bool any = false;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const char32_t cp = cps[i];
        if (cp >= '0' && cp <= '9') {
            digits.push_back(static_cast<char>(cp));
            any = true;
        } else if (cp == '+') {
            if (any || plus) return std::nullopt;
            plus = true;
        } else if (cp == '(' && i + 2 < cps.size() && cps[i + 1] == '0' && cps[i + 2] == ')' && (plus || any)) {
            i += 2; // "+33 (0)6 ..." : the trunk 0 written in brackets
        } else if (!(cp == ' ' || cp == '.' || cp == '-' || cp == '/' || cp == '(' || cp == ')' || cp == 0xA0 ||
                     cp == 0x202F || cp == '\t')) {
            return std::nullopt; // letters, extensions, anything else
        }
    }
    if (digits.empty()) {
        return std::nullopt;
    }
    if (!plus && digits.size() > 2 && digits.compare(0, 2, "00") == 0) {
        plus = true;
        digits.erase(0, 2);
    }
    if (!plus) {
        if (home->cc == "1" && digits.size() == 11 && digits[0] == '1') {
            digits.erase(0, 1);
        }
        return finish(*home, digits);
    }
    // International form: a known country code gets its national checks, others the E.164 bounds.
    const Country* best = nullptr;
    for (const Country& c : kCountries) {
        if (digits.compare(0, c.cc.size(), c.cc) == 0 && (best == nullptr || c.cc.size() > best->cc.size())) {
            best = &c;
        }
    }
    if (best != nullptr) {
        return finish(*best, digits.substr(best->cc.size()));
    }
    if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') {
        return std::nullopt;
    }
    return "+" + digits;
}

} // namespace c360::match
