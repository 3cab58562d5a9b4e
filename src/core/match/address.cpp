#include "match/address.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "common/error.hpp"
#include "match/similarity.hpp"
#include "match/text.hpp"

namespace c360::match {

namespace {

// ---- tokens ------------------------------------------------------------------------------------
// A word of the address (upper-case ASCII, or code points of another script kept as UTF-8) and the
// part of the address it belongs to: parts are separated by commas, semicolons, line breaks and
// dashes written between spaces ("Appt 12 - 12 rue ...").
struct Tok {
    std::string s;
    int seg;
};
using Toks = std::vector<Tok>;

bool is_blank_cp(char32_t cp) noexcept { return cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x202F || cp == 0x2009; }

// Punctuation and symbols outside ASCII: word separators (no-break spaces, quotes, degree sign...).
bool is_symbol_cp(char32_t cp) noexcept {
    return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || cp == 0x02BC || (cp >= 0x2000 && cp <= 0x206F) ||
           cp == 0x3000 || cp == 0xFEFF;
}

// Longest value read, in code points (an address line holds 38).
constexpr std::size_t kMaxAddressChars = 65535;

Toks tokenize(std::string_view utf8, const char* what) {
    std::size_t chars = 0;
    for (unsigned char c : utf8) chars += (c & 0xC0) != 0x80;
    if (chars > kMaxAddressChars) {
        fail(ErrorCode::ProgramLimitExceeded,
             std::string(what) + " has " + std::to_string(chars) + " characters, more than the limit of " +
                 std::to_string(kMaxAddressChars),
             "A postal address line holds at most 38 characters.", "Pass the address itself, not a document.");
    }
    const std::u32string cps = decode_utf8(utf8, what);
    Toks out;
    std::string cur;
    int seg = 0;
    auto flush = [&] {
        if (!cur.empty()) {
            out.push_back({std::move(cur), seg});
            cur.clear();
        }
    };
    auto next_part = [&] {
        flush();
        if (!out.empty() && out.back().seg == seg) ++seg;
    };
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const char32_t cp = cps[i];
        if (const char* f = fold_latin(cp)) {
            for (const char* p = f; *p != '\0'; ++p) cur.push_back(static_cast<char>(*p - 'a' + 'A'));
        } else if (cp >= '0' && cp <= '9') {
            cur.push_back(static_cast<char>(cp));
        } else if (cp == ',' || cp == ';' || cp == '\n' || cp == '\r' || cp == '|') {
            next_part();
        } else if (cp == '-' || cp == 0x2013 || cp == 0x2014) {
            const bool spaced = i > 0 && is_blank_cp(cps[i - 1]) && i + 1 < cps.size() && is_blank_cp(cps[i + 1]);
            if (spaced) {
                next_part();
            } else {
                flush(); // VICTOR-HUGO -> VICTOR HUGO, 12-14 -> 12 14
            }
        } else if (cp < 0x80 || is_symbol_cp(cp)) {
            flush(); // spaces, apostrophes (L'EGLISE -> L EGLISE), periods (AV. -> AV), slashes...
        } else {
            append_utf8(cur, cp); // another script: kept as it is
        }
    }
    flush();
    return out;
}

bool all_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

bool all_letters(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < 'A' || c > 'Z') return false;
    }
    return true;
}

std::string join(const Toks& t, std::size_t from, std::size_t to) {
    std::string out;
    for (std::size_t k = from; k < to; ++k) {
        if (!out.empty()) out.push_back(' ');
        out += t[k].s;
    }
    return out;
}

void append_words(std::string& to, std::string_view words) {
    if (words.empty()) return;
    if (!to.empty()) to.push_back(' ');
    to += words;
}

// The number of tokens from t[i] spelling `words` (space-separated) in one part, else 0.
std::size_t match_words(const Toks& t, std::size_t i, std::string_view words) {
    std::size_t k = i;
    std::size_t pos = 0;
    while (pos <= words.size()) {
        std::size_t sp = words.find(' ', pos);
        if (sp == std::string_view::npos) sp = words.size();
        if (k >= t.size() || t[k].seg != t[i].seg || t[k].s != words.substr(pos, sp - pos)) return 0;
        ++k;
        pos = sp + 1;
    }
    return k - i;
}

// ---- street types --------------------------------------------------------------------------------
// Canonical full form and abbreviation. The abbreviations are those of NF Z10-011 as the INSEE RIL
// documentation lists them (ALL, AV, BD, CHE, PL, MTE, PAS, CAR, ...) and those named in issue 13
// (R, IMP, RTE, FG, CRS, SQ, LOT, RES). `spellings` are other ways people write the type (read,
// never written). `line` is 0 for a plain street type; 3 or 5 for a word that names a building or a
// place on line 3 or 5 when a street follows (RESIDENCE LES PINS, 12 RUE ...) and the street otherwise.
struct StreetType {
    std::string_view full;
    std::string_view abbr;
    bool abbr_read; // the abbreviation is read as this type (CC, CD are not: too ambiguous)
    int line;
    std::array<std::string_view, 5> spellings;
};

constexpr std::array<StreetType, 58> kTypes = {{
    {"ALLEE", "ALL", true, 0, {"ALLEES"}},
    {"AVENUE", "AV", true, 0, {"AVE", "AVN", "AVEN", "AVENU"}},
    {"BOULEVARD", "BD", true, 0, {"BLD", "BLVD", "BVD", "BOUL", "BOULEV"}},
    {"CHEMIN", "CHE", true, 0, {"CH", "CHEM", "CHM", "CHMN"}},
    {"IMPASSE", "IMP", true, 0, {"IMPA"}},
    {"PLACE", "PL", true, 0, {}},
    {"ROUTE", "RTE", true, 0, {"RT"}},
    {"RUE", "R", true, 0, {}},
    {"FAUBOURG", "FG", true, 0, {"FBG", "FAUB"}},
    {"QUAI", "QUAI", true, 0, {}},
    {"COURS", "CRS", true, 0, {}},
    {"SQUARE", "SQ", true, 0, {"SQR"}},
    {"PASSAGE", "PAS", true, 0, {"PSG", "PASS"}},
    {"CARREFOUR", "CAR", true, 0, {"CARR"}},
    {"MONTEE", "MTE", true, 0, {}},
    {"PARC", "PARC", true, 0, {}},
    {"PLATEAU", "PLT", true, 0, {}},
    {"PLAINE", "PLN", true, 0, {}},
    {"PASSERELLE", "PLE", true, 0, {}},
    {"BERGE", "BER", true, 0, {}},
    {"ARCADE", "ARC", true, 0, {}},
    {"PLACIS", "PLCI", true, 0, {}},
    {"PETITE AVENUE", "PAE", true, 0, {}},
    {"PETIT CHEMIN", "PCH", true, 0, {}},
    {"ANCIEN CHEMIN", "ACH", true, 0, {}},
    {"ANCIENNE ROUTE", "ART", true, 0, {}},
    {"NOUVELLE ROUTE", "NTE", true, 0, {}},
    {"CHEMIN COMMUNAL", "CC", false, 0, {}},
    {"CHEMIN DEPARTEMENTAL", "CD", false, 0, {}},
    {"GRANDE RUE", "GR", false, 0, {}},
    {"PROMENADE", "PROM", true, 0, {}},
    {"ESPLANADE", "ESP", true, 0, {}},
    {"HAMEAU", "HAM", true, 0, {}},
    {"ROND POINT", "RPT", true, 0, {}},
    {"SENTIER", "SEN", true, 0, {}},
    {"TRAVERSE", "TRA", true, 0, {}},
    {"VILLA", "VLA", true, 0, {}},
    {"CITE", "CITE", true, 0, {}},
    {"CLOS", "CLOS", true, 0, {}},
    {"COUR", "COUR", true, 0, {}},
    {"DOMAINE", "DOM", true, 0, {}},
    {"QUARTIER", "QUA", true, 0, {"QUART"}},
    {"VOIE", "VOIE", true, 0, {}},
    {"CHAUSSEE", "CHS", true, 0, {}},
    {"RUELLE", "RLE", true, 0, {}},
    {"MAIL", "MAIL", true, 0, {}},
    {"PARVIS", "PRV", true, 0, {}},
    {"PORT", "PORT", true, 0, {}},
    {"GALERIE", "GAL", false, 0, {}},
    {"CORNICHE", "COR", true, 0, {}},
    {"DESCENTE", "DSC", true, 0, {}},
    {"RESIDENCE", "RES", true, 3, {"RESID"}},
    {"LOTISSEMENT", "LOT", true, 3, {"LOTIS"}},
    {"ZONE INDUSTRIELLE", "ZI", true, 3, {}},
    {"ZONE ARTISANALE", "ZA", true, 3, {}},
    {"ZONE D ACTIVITE", "ZA", false, 3, {"ZONE D ACTIVITES"}},
    {"ZONE D AMENAGEMENT CONCERTE", "ZAC", true, 3, {}},
    {"LIEU DIT", "LD", true, 5, {"LIEUDIT"}},
}};

struct TypeMatch {
    int type = -1;
    std::size_t len = 0;
};

TypeMatch match_type(const Toks& t, std::size_t i) {
    TypeMatch best;
    if (i >= t.size()) return best;
    for (std::size_t k = 0; k < kTypes.size(); ++k) {
        const StreetType& st = kTypes[k];
        auto consider = [&](std::string_view w) {
            if (w.empty()) return;
            const std::size_t len = match_words(t, i, w);
            if (len > best.len) best = {static_cast<int>(k), len};
        };
        consider(st.full);
        if (st.abbr_read) consider(st.abbr);
        for (std::string_view w : st.spellings) consider(w);
    }
    return best;
}

// ---- complements: line 2 (delivery point), line 3 (building), line 5 (delivery service) ----------
struct Keyword {
    std::string_view words;
    std::string_view canon;
    int line;
    bool value;     // the next word is its value, whatever it is (APPT 12, BAT A)
    bool ends_name; // ends a street name it follows (RUE DE LA PORTE: PORTE does not)
};

constexpr std::array<Keyword, 27> kKeywords = {{
    {"APPARTEMENT", "APPT", 2, true, true}, {"APPART", "APPT", 2, true, true}, {"APPT", "APPT", 2, true, true},
    {"APT", "APPT", 2, true, true},         {"APP", "APPT", 2, true, true},    {"ETAGE", "ETAGE", 2, true, true},
    {"ETG", "ETAGE", 2, true, true},        {"ESCALIER", "ESC", 2, true, true}, {"ESC", "ESC", 2, true, true},
    {"COULOIR", "COULOIR", 2, true, false}, {"PORTE", "PORTE", 2, true, false}, {"LOGEMENT", "LOGEMENT", 2, true, true},
    {"LOGT", "LOGEMENT", 2, true, true},    {"CHAMBRE", "CHAMBRE", 2, true, false}, {"CHEZ", "CHEZ", 2, false, true},
    {"REZ DE CHAUSSEE", "RDC", 2, false, true}, {"RDC", "RDC", 2, false, true}, {"BATIMENT", "BAT", 3, true, true},
    {"BAT", "BAT", 3, true, true},          {"ENTREE", "ENTREE", 3, true, true}, {"IMMEUBLE", "IMMEUBLE", 3, false, true},
    {"IMM", "IMMEUBLE", 3, false, true},    {"TOUR", "TOUR", 3, true, false},  {"BOITE POSTALE", "BP", 5, true, true},
    {"BP", "BP", 5, true, true},            {"CS", "CS", 5, true, true},       {"TSA", "TSA", 5, true, true},
}};

struct KeywordMatch {
    int keyword = -1;
    std::size_t len = 0;
};

KeywordMatch match_keyword(const Toks& t, std::size_t i) {
    KeywordMatch best;
    for (std::size_t k = 0; k < kKeywords.size(); ++k) {
        const std::size_t len = match_words(t, i, kKeywords[k].words);
        if (len > best.len) best = {static_cast<int>(k), len};
    }
    return best;
}

bool is_article(std::string_view w) noexcept {
    static constexpr std::array<std::string_view, 10> kArticles = {"DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "AU", "AUX"};
    for (std::string_view a : kArticles) {
        if (w == a) return true;
    }
    return false;
}

// Articles dropped from a street name too long for line 4. DE and D are kept: La Poste counts the
// nobiliary DE as part of the name, and a preposition cannot be told from it without a street file.
bool is_droppable_article(std::string_view w) noexcept {
    return w == "LE" || w == "LA" || w == "LES" || w == "L" || w == "DU" || w == "DES" || w == "AU" || w == "AUX";
}

// "3EME", "3E", "1ER", "2ND": an ordinal (before ETAGE).
bool is_ordinal(std::string_view s) noexcept {
    std::size_t d = 0;
    while (d < s.size() && s[d] >= '0' && s[d] <= '9') ++d;
    if (d == 0 || d > 3) return false;
    const std::string_view suf = s.substr(d);
    return suf == "E" || suf == "EME" || suf == "IEME" || suf == "ER" || suf == "ERE" || suf == "ND" || suf == "NDE";
}

bool same_seg(const Toks& t, std::size_t i, std::size_t j) { return i < t.size() && j < t.size() && t[i].seg == t[j].seg; }

bool is_floor_at(const Toks& t, std::size_t i) {
    return i + 1 < t.size() && same_seg(t, i, i + 1) && (is_ordinal(t[i].s) || all_digits(t[i].s)) &&
           (t[i + 1].s == "ETAGE" || t[i + 1].s == "ETG");
}

// ---- house numbers ------------------------------------------------------------------------------
// La Poste: a number is not 0 and has at most 4 digits; it may carry a letter A, B, C... or the
// extension B, T, Q, C for BIS, TER, QUATER, QUINQUIES.
std::string repetition_of(std::string_view w) {
    if (w == "BIS") return "B";
    if (w == "TER") return "T";
    if (w == "QUATER") return "Q";
    if (w == "QUINQUIES") return "C";
    if (w.size() == 1 && w[0] >= 'A' && w[0] <= 'Z') return std::string(w);
    return {};
}

// Splits "12", "12B", "0012BIS" into number and suffix; false when s is not a house number.
bool split_number(std::string_view s, std::string& number, std::string& suffix) {
    std::size_t d = 0;
    while (d < s.size() && s[d] >= '0' && s[d] <= '9') ++d;
    if (d == 0 || d > 4) return false;
    const std::string_view suf = s.substr(d);
    if (!suf.empty() && !all_letters(suf)) return false;
    std::size_t z = 0;
    while (z + 1 < d && s[z] == '0') ++z;
    number.assign(s.substr(z, d - z));
    if (number == "0") return false;
    suffix.assign(suf);
    return true;
}

// A one-word street type written against a number ("12BD").
bool is_type_word(const std::string& w) { return match_type(Toks{{w, 0}}, 0).len == 1; }

bool is_house_number(const Toks& t, std::size_t i) {
    std::string n, suf;
    if (i >= t.size() || !split_number(t[i].s, n, suf) || is_floor_at(t, i)) return false;
    return suf.empty() || !repetition_of(suf).empty() || is_type_word(suf);
}

// ---- titles in street names ---------------------------------------------------------------------
struct Title {
    std::string_view abbr, full;
};
constexpr std::array<Title, 9> kTitles = {{{"ST", "SAINT"}, {"STE", "SAINTE"}, {"GAL", "GENERAL"}, {"MAL", "MARECHAL"},
                                           {"PDT", "PRESIDENT"}, {"DR", "DOCTEUR"}, {"PR", "PROFESSEUR"},
                                           {"CDT", "COMMANDANT"}, {"MGR", "MONSEIGNEUR"}}};

std::string expand_titles(const Toks& t, std::size_t from, std::size_t to) {
    std::string out;
    for (std::size_t k = from; k < to; ++k) {
        std::string_view w = t[k].s;
        for (const Title& ti : kTitles) {
            if (w == ti.abbr) w = ti.full;
        }
        append_words(out, w);
    }
    return out;
}

// Line 6: SAINT/SAINTE are written ST/STE in the locality; PARIS 16, LYON 3E... lose the
// arrondissement (the postcode carries it).
std::string locality_of(const Toks& t, std::size_t from, std::size_t to, std::string& cedex) {
    std::size_t end = to;
    for (std::size_t k = from; k < to; ++k) {
        if (t[k].s == "CEDEX") {
            cedex = "CEDEX";
            if (k + 1 < to && all_digits(t[k + 1].s) && t[k + 1].s.size() <= 2) cedex += " " + t[k + 1].s;
            end = k;
            break;
        }
    }
    if (end == from + 2 && (t[from].s == "PARIS" || t[from].s == "LYON" || t[from].s == "MARSEILLE") &&
        (all_digits(t[from + 1].s) || is_ordinal(t[from + 1].s))) {
        end = from + 1;
    }
    std::string out;
    for (std::size_t k = from; k < end; ++k) {
        std::string_view w = t[k].s;
        if (w == "SAINT") w = "ST";
        if (w == "SAINTE") w = "STE";
        append_words(out, w);
    }
    return out;
}

std::string digits_of(std::string_view s) {
    std::string d;
    for (char c : s) {
        if (c >= '0' && c <= '9') d.push_back(c);
    }
    return d;
}

// ---- the parser ---------------------------------------------------------------------------------
struct Group {
    int line;
    std::string text;
    int dual_type = -1; // a RESIDENCE / LOTISSEMENT / ZI / LIEU DIT group: its street type
    std::string rest;   // ... and the words after the type
    int loose_seg = -1; // an unnamed part: the part it is (else -1)
};

class Parser {
public:
    Parser(Toks t, AddressFr& out) : t_(std::move(t)), a_(out) {}

    void run() {
        std::size_t i = 0;
        while (i < t_.size()) {
            if (t_[i].s == "CEDEX") {
                i = take_cedex(i);
            } else if (std::size_t j = take_complement(i, !core_); j != i) {
                i = j;
            } else if (!core_ && (j = take_core(i)) != i) {
                i = j;
                core_ = true;
            } else {
                // an unnamed part: before the street a building or residence name (line 3), after it
                // a place (line 5); one part, one group
                Group& g = loose(i);
                append_words(g.text, t_[i].s);
                ++i;
            }
        }
        finish();
    }

private:
    Toks t_;
    AddressFr& a_;
    bool core_ = false;
    std::vector<Group> groups_;
    // The group of the unnamed part t[i] belongs to: the last group when it is that part's, else a new one.
    Group& loose(std::size_t i) {
        if (groups_.empty() || groups_.back().loose_seg != t_[i].seg || groups_.back().line != (core_ ? 5 : 3)) {
            groups_.push_back({core_ ? 5 : 3, {}, -1, {}, t_[i].seg});
        }
        return groups_.back();
    }

    std::size_t take_cedex(std::size_t i) {
        a_.cedex = "CEDEX";
        ++i;
        if (i < t_.size() && same_seg(t_, i - 1, i) && all_digits(t_[i].s) && t_[i].s.size() <= 2) {
            a_.cedex += " " + t_[i].s;
            ++i;
        }
        return i;
    }

    // Does the group that started at t[start] end before t[i]? (another part, a keyword, a floor, a
    // RESIDENCE / LIEU DIT word, CEDEX; before the street also a house number)
    bool group_stops(std::size_t start, std::size_t i, bool before_street) const {
        if (!same_seg(t_, start, i) || t_[i].s == "CEDEX") return true;
        if (match_keyword(t_, i).len > 0 || is_floor_at(t_, i)) return true;
        const TypeMatch tm = match_type(t_, i);
        if (tm.len > 0 && kTypes[static_cast<std::size_t>(tm.type)].line != 0) return true;
        return before_street && is_house_number(t_, i);
    }

    // A complement group from t[i]: keyword + value + words, a floor (3EME ETAGE), or a RESIDENCE /
    // LOTISSEMENT / ZI / LIEU DIT part. Returns i when there is none.
    std::size_t take_complement(std::size_t i, bool before_street) {
        if (is_floor_at(t_, i)) {
            std::size_t d = 0;
            while (d < t_[i].s.size() && t_[i].s[d] >= '0' && t_[i].s[d] <= '9') ++d;
            std::string num = t_[i].s.substr(0, d);
            while (num.size() > 1 && num[0] == '0') num.erase(0, 1);
            groups_.push_back({2, "ETAGE " + num, -1, {}, -1});
            return i + 2;
        }
        const KeywordMatch km = match_keyword(t_, i);
        if (km.len > 0) {
            const Keyword& kw = kKeywords[static_cast<std::size_t>(km.keyword)];
            Group g{kw.line, std::string(kw.canon), -1, {}, -1};
            std::size_t j = i + km.len;
            if (kw.value && j < t_.size() && same_seg(t_, i, j) && t_[j].s != "CEDEX") {
                append_words(g.text, t_[j].s);
                ++j;
            }
            while (j < t_.size() && !group_stops(i, j, before_street)) {
                append_words(g.text, t_[j].s);
                ++j;
            }
            groups_.push_back(std::move(g));
            return j;
        }
        const TypeMatch tm = match_type(t_, i);
        if (tm.len > 0 && kTypes[static_cast<std::size_t>(tm.type)].line != 0) {
            const StreetType& st = kTypes[static_cast<std::size_t>(tm.type)];
            Group g{st.line, std::string(st.full), tm.type, {}, -1};
            std::size_t j = i + tm.len;
            const std::size_t rest_from = j;
            while (j < t_.size() && !group_stops(i, j, before_street)) ++j;
            g.rest = expand_titles(t_, rest_from, j);
            append_words(g.text, g.rest);
            groups_.push_back(std::move(g));
            return j;
        }
        return i;
    }

    // The street (line 4) from t[i]: [N°] number [index] [range] [type] name, or type name.
    std::size_t take_core(std::size_t i) {
        std::size_t j = i;
        std::string number, rep;
        if ((t_[j].s == "N" || t_[j].s == "NO" || t_[j].s == "NUM" || t_[j].s == "NUMERO") && is_house_number(t_, j + 1) &&
            same_seg(t_, j, j + 1)) {
            ++j;
        }
        if (all_digits(t_[j].s) && digits_of(t_[j].s).find_first_not_of('0') == std::string::npos &&
            j + 1 < t_.size() && same_seg(t_, j, j + 1) && match_type(t_, j + 1).len > 0) {
            ++j; // La Poste: a house number is never 0 ("0 rue X" is the street without number)
        }
        bool numbered = false;
        std::string attached_type; // "12BD": a type written against the number
        if (is_house_number(t_, j)) {
            std::string suf;
            split_number(t_[j].s, number, suf);
            if (!suf.empty()) {
                rep = repetition_of(suf);
                if (rep.empty()) attached_type = suf; // is_house_number: a street type
            }
            numbered = true;
            const std::size_t num_at = j;
            ++j;
            if (rep.empty() && attached_type.empty() && same_seg(t_, num_at, j)) {
                const std::string r = repetition_of(t_[j].s);
                const bool range = t_[j].s == "A" && j + 1 < t_.size() && same_seg(t_, j, j + 1) && all_digits(t_[j + 1].s);
                if (!r.empty() && t_[j].s != "R" && !range) {
                    rep = r;
                    ++j;
                }
            }
            // "12/14", "12-14", "4 A 8", "4 AU 8", "12 ET 14": La Poste keeps the first number
            if (same_seg(t_, num_at, j)) {
                if ((t_[j].s == "A" || t_[j].s == "AU" || t_[j].s == "ET") && j + 1 < t_.size() && same_seg(t_, j, j + 1) &&
                    is_house_number(t_, j + 1)) {
                    j += 2;
                } else if (is_house_number(t_, j) && j + 1 < t_.size() && same_seg(t_, j, j + 1) &&
                           (match_type(t_, j + 1).len > 0 || !repetition_of(t_[j + 1].s).empty())) {
                    ++j;
                    if (j + 1 < t_.size() && same_seg(t_, j - 1, j) && t_[j].s != "R" && !repetition_of(t_[j].s).empty() &&
                        match_type(t_, j).len == 0) {
                        ++j; // the second number's index
                    }
                }
            }
            // "12, rue de la Paix": the street goes on in the next part when the number's part holds
            // nothing else
            if (attached_type.empty()) {
                if (j >= t_.size()) return i;
                if (!same_seg(t_, num_at, j)) {
                    const bool alone = (num_at == i || num_at == i + 1) && (i == 0 || t_[i - 1].seg != t_[i].seg);
                    if (!alone) return i;
                }
            }
        }
        int type = -1;
        std::size_t name_from = j;
        if (!attached_type.empty()) {
            type = match_type(Toks{{attached_type, 0}}, 0).type;
        } else if (j < t_.size()) {
            const TypeMatch tm = match_type(t_, j);
            if (tm.len > 0) {
                type = tm.type;
                name_from = j + tm.len;
            }
        }
        if (!numbered && (type < 0 || kTypes[static_cast<std::size_t>(type)].line != 0)) return i;
        std::size_t k = name_from;
        const int seg = k < t_.size() ? t_[k].seg : -1;
        while (k < t_.size() && t_[k].seg == seg && t_[k].s != "CEDEX" && !is_floor_at(t_, k)) {
            const KeywordMatch km = match_keyword(t_, k);
            const TypeMatch tm = k > name_from ? match_type(t_, k) : TypeMatch{};
            const bool stops = (km.len > 0 && kKeywords[static_cast<std::size_t>(km.keyword)].ends_name) ||
                               (tm.len > 0 && kTypes[static_cast<std::size_t>(tm.type)].line != 0);
            if (stops && !(k > name_from && is_article(t_[k - 1].s))) break;
            ++k;
        }
        std::string name = expand_titles(t_, name_from, k);
        if (type >= 0 && name.empty()) {
            // GRANDE RUE, PARC...: the type is the whole label
            name = std::string(kTypes[static_cast<std::size_t>(type)].full);
            type = -1;
        }
        if (name.empty()) return i;
        if (!numbered && type < 0) return i;
        a_.number = number;
        a_.repetition = rep;
        if (type >= 0) {
            a_.street_type = kTypes[static_cast<std::size_t>(type)].full;
            a_.street_type_abbr = kTypes[static_cast<std::size_t>(type)].abbr;
        }
        a_.street_name = std::move(name);
        return k;
    }

    // An unnamed part that only repeats the locality ("Paris" in the address column, "PARIS" in the city's).
    bool is_locality(const Group& g) const {
        if (g.dual_type >= 0 || a_.city.empty()) return false;
        const Toks words = tokenize(g.text, "address");
        std::string cedex;
        return locality_of(words, 0, words.size(), cedex) == a_.city;
    }

    void finish() {
        groups_.erase(std::remove_if(groups_.begin(), groups_.end(),
                                     [&](const Group& g) { return g.loose_seg >= 0 && is_locality(g); }),
                      groups_.end());
        if (!core_) {
            // no numbered or typed street: a RESIDENCE / LOTISSEMENT / LIEU DIT part is the street,
            // else the last unnamed part before the locality (LA CANEBIERE, LE BOURG)
            auto street = std::find_if(groups_.begin(), groups_.end(),
                                       [](const Group& g) { return g.dual_type >= 0 && !g.rest.empty(); });
            if (street != groups_.end()) {
                const StreetType& st = kTypes[static_cast<std::size_t>(street->dual_type)];
                a_.street_type = st.full;
                a_.street_type_abbr = st.abbr;
                a_.street_name = street->rest;
                groups_.erase(street);
            } else {
                auto last = std::find_if(groups_.rbegin(), groups_.rend(), [](const Group& g) { return g.loose_seg >= 0; });
                if (last != groups_.rend()) {
                    const Toks words = tokenize(last->text, "address");
                    a_.street_name = expand_titles(words, 0, words.size());
                    groups_.erase(std::next(last).base());
                }
            }
        } else if (a_.city.empty() && !groups_.empty() && groups_.back().line == 5 && groups_.back().loose_seg >= 0 &&
                   groups_.back().loose_seg == t_.back().seg) {
            // "12 rue de la Paix, Paris": the last unnamed part after the street is the locality
            const Toks words = tokenize(groups_.back().text, "address");
            std::string cedex;
            a_.city = locality_of(words, 0, words.size(), cedex);
            groups_.pop_back();
        }
        for (const Group& g : groups_) {
            append_words(g.line == 2 ? a_.line2 : g.line == 3 ? a_.line3 : a_.line5, g.text);
        }
    }
};

bool blank(std::optional<std::string_view> s) {
    if (!s) return true;
    for (char c : *s) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    }
    return true;
}

// Length in code points.
std::size_t cp_len(std::string_view s) noexcept {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// At most `max` code points, cut at the last space that fits (or inside a word longer than max).
std::string fit(std::string_view s, std::size_t max) {
    if (cp_len(s) <= max) return std::string(s);
    std::size_t bytes = 0;
    std::size_t cps = 0;
    while (bytes < s.size() && cps < max) {
        ++bytes;
        while (bytes < s.size() && (static_cast<unsigned char>(s[bytes]) & 0xC0) == 0x80) ++bytes;
        ++cps;
    }
    std::size_t cut = bytes;
    if (bytes < s.size() && s[bytes] != ' ') {
        const std::size_t sp = s.rfind(' ', bytes);
        if (sp != std::string_view::npos && sp > 0) cut = sp;
    }
    while (cut > 0 && s[cut - 1] == ' ') --cut;
    return std::string(s.substr(0, cut));
}

std::vector<std::string> words_of(std::string_view s) {
    std::vector<std::string> w;
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t sp = s.find(' ', pos);
        if (sp == std::string_view::npos) sp = s.size();
        if (sp > pos) w.emplace_back(s.substr(pos, sp - pos));
        pos = sp + 1;
    }
    return w;
}

std::string join_words(const std::vector<std::string>& w) {
    std::string out;
    for (const std::string& x : w) append_words(out, x);
    return out;
}

} // namespace

AddressFr parse_address_fr(std::string_view address, std::optional<std::string_view> postcode,
                           std::optional<std::string_view> city) {
    AddressFr a;
    Toks t = tokenize(address, "address");
    // the postcode and locality written in the text: the last 5-digit word, the words after it in its
    // part (or the next part), or the words before it when it ends a part of its own ("Paris 75016")
    std::size_t p = t.size();
    for (std::size_t k = t.size(); k-- > 0;) {
        if (t[k].s.size() == 5 && all_digits(t[k].s)) {
            p = k;
            break;
        }
    }
    if (p < t.size()) {
        a.postcode = t[p].s;
        std::size_t from = p + 1;
        std::size_t to = from;
        while (to < t.size() && t[to].seg == t[p].seg) ++to;
        std::size_t erase_from = p;
        if (to == from && from < t.size()) {
            while (to < t.size() && t[to].seg == t[from].seg) ++to;
        }
        if (to == from && p > 0 && t[p - 1].seg == t[p].seg && t[p].seg > 0) {
            std::size_t b = p;
            while (b > 0 && t[b - 1].seg == t[p].seg) --b;
            if (!is_house_number(t, b)) {
                from = b;
                to = p;
                erase_from = b;
            }
        }
        if (erase_from > 0 && erase_from == p && t[p - 1].seg == t[p].seg && (t[p - 1].s == "F" || t[p - 1].s == "FR")) {
            --erase_from;
        }
        a.city = locality_of(t, from, to, a.cedex);
        const std::size_t erase_to = std::max(to, p + 1);
        t.erase(t.begin() + static_cast<std::ptrdiff_t>(erase_from), t.begin() + static_cast<std::ptrdiff_t>(erase_to));
        if (!t.empty() && t.back().s == "FRANCE" && (t.size() == 1 || t[t.size() - 2].seg != t.back().seg)) t.pop_back();
    }
    if (!blank(postcode)) {
        (void)decode_utf8(*postcode, "postcode");
        std::string d = digits_of(*postcode);
        if (d.size() == 4) d.insert(0, "0");
        a.postcode = d.size() == 5 ? d : std::string();
    }
    if (!blank(city)) {
        const Toks c = tokenize(*city, "city");
        a.cedex.clear();
        a.city = locality_of(c, 0, c.size(), a.cedex);
    }
    Parser(std::move(t), a).run();
    return a;
}

std::string street_line_fr(const AddressFr& a, bool abbreviate) {
    std::string head = a.number;
    if (!a.repetition.empty()) append_words(head, a.repetition);
    std::vector<std::string> name = words_of(a.street_name);
    std::string type = a.street_type;
    auto label = [&] {
        std::string l = type;
        append_words(l, join_words(name));
        return l;
    };
    auto line = [&] {
        std::string l = head;
        append_words(l, label());
        return l;
    };
    if (!abbreviate) return line();
    auto too_long = [&] { return cp_len(label()) > kStreetLabelMax || cp_len(line()) > kAddressLineMax; };
    // 1. the street type
    if (too_long() && !a.street_type_abbr.empty()) type = a.street_type_abbr;
    // 2. titles (GENERAL -> GAL ...), SAINT/SAINTE kept
    if (too_long()) {
        for (std::string& w : name) {
            for (const Title& ti : kTitles) {
                if (w == ti.full && ti.abbr != "ST" && ti.abbr != "STE") w = std::string(ti.abbr);
            }
        }
    }
    // 3. articles, the last word (the "mot directeur") kept
    if (too_long() && name.size() > 1) {
        std::vector<std::string> kept;
        for (std::size_t k = 0; k < name.size(); ++k) {
            if (k + 1 == name.size() || !is_droppable_article(name[k])) kept.push_back(name[k]);
        }
        name = std::move(kept);
    }
    // 4. SAINT, SAINTE
    if (too_long()) {
        for (std::string& w : name) {
            if (w == "SAINT") w = "ST";
            if (w == "SAINTE") w = "STE";
        }
    }
    // 5. cut at a word
    return fit(line(), kAddressLineMax);
}

std::string locality_line_fr(const AddressFr& a) {
    std::string l = a.postcode;
    append_words(l, a.city);
    append_words(l, a.cedex);
    return l;
}

std::optional<std::string> normalize_address_fr(const AddressFr& a) {
    std::string out;
    for (const std::string& l : {a.line2, a.line3, street_line_fr(a, false), a.line5, locality_line_fr(a)}) {
        if (l.empty()) continue;
        if (!out.empty()) out += ", ";
        out += l;
    }
    if (out.empty()) return std::nullopt;
    return out;
}

std::optional<std::string> address_key_fr(const AddressFr& a) {
    if (a.postcode.size() != 5 || a.street_name.empty()) return std::nullopt;
    return a.postcode + "|" + a.street_type + "|" + a.street_name + "|" + a.number + a.repetition;
}

std::vector<std::string> format_address_fr(const AddressFr& a, std::string_view recipient) {
    std::vector<std::string> lines;
    const Toks r = tokenize(recipient, "recipient");
    for (const std::string& l : {join(r, 0, r.size()), a.line2, a.line3, street_line_fr(a, true), a.line5,
                                 locality_line_fr(a)}) {
        if (!l.empty()) lines.push_back(fit(l, kAddressLineMax));
    }
    return lines;
}

int compare_address_fr(std::string_view a_utf8, std::string_view b_utf8) {
    const AddressFr a = parse_address_fr(a_utf8);
    const AddressFr b = parse_address_fr(b_utf8);
    const std::optional<std::string> ka = address_key_fr(a);
    const std::optional<std::string> kb = address_key_fr(b);
    if (!ka || !kb) return -1;
    if (*ka == *kb) return 3;
    if (a.postcode != b.postcode) return 0;
    const bool types_agree = a.street_type == b.street_type || a.street_type.empty() || b.street_type.empty();
    const double s = a.street_name == b.street_name
                         ? 1.0
                         : jaro_winkler(decode_utf8(a.street_name), decode_utf8(b.street_name));
    if (!types_agree || s < 0.92) return 0;
    const bool same_number = !a.number.empty() && a.number == b.number && a.repetition == b.repetition;
    return same_number ? 2 : 1;
}

} // namespace c360::match
