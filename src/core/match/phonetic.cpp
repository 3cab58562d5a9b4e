#include "match/phonetic.hpp"

#include <functional>

#include "match/text.hpp"

namespace c360::match {

namespace {

std::string upper_letters(std::string_view utf8) {
    std::string s;
    for (char c : ascii_letters(utf8)) {
        if (c >= 'a' && c <= 'z') s.push_back(static_cast<char>(c - 'a' + 'A'));
    }
    return s;
}

std::string squeeze(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (out.empty() || out.back() != c) out.push_back(c);
    }
    return out;
}

// Left-to-right, non-overlapping rewriting (the semantics of a global regex replace): at each
// position `rule` returns the number of characters consumed (0: no match) and appends the
// replacement to out.
std::string rewrite(const std::string& s, const std::function<std::size_t(const std::string&, std::size_t, std::string&)>& rule) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t used = rule(s, i, out);
        if (used == 0) {
            out.push_back(s[i]);
            ++i;
        } else {
            i += used;
        }
    }
    return out;
}

bool at(const std::string& s, std::size_t i, std::string_view lit) { return s.compare(i, lit.size(), lit) == 0; }

char soundex_code(char c) {
    static constexpr std::string_view codes = "01230120022455012623010202"; // A..Z
    return codes[static_cast<std::size_t>(c - 'A')];
}

} // namespace

std::string soundex(std::string_view utf8) {
    const std::string s = upper_letters(utf8);
    if (s.empty()) return "";
    std::string out(1, s[0]);
    char last = soundex_code(s[0]);
    for (std::size_t i = 1; i < s.size() && out.size() < 4; ++i) {
        const char c = s[i];
        const char code = soundex_code(c);
        if (c == 'H' || c == 'W') continue; // transparent
        if (code == '0') {
            last = '0'; // vowels separate equal codes
            continue;
        }
        if (code != last) out.push_back(code);
        last = code;
    }
    out.resize(4, '0');
    return out;
}

std::string soundex2(std::string_view utf8) {
    std::string code = upper_letters(utf8);
    if (code.empty()) return "";
    code = rewrite(code, [](const std::string& s, std::size_t i, std::string& out) -> std::size_t {
        if (at(s, i, "GUI") || at(s, i, "GUE")) { out += 'K'; out += s[i + 2]; return 3; }
        return 0;
    });
    code = rewrite(code, [](const std::string& s, std::size_t i, std::string& out) -> std::size_t {
        if (at(s, i, "GA") || at(s, i, "GO")) { out += 'K'; out += s[i + 1]; return 2; }
        return 0;
    });
    code = rewrite(code, [](const std::string& s, std::size_t i, std::string& out) -> std::size_t {
        if (at(s, i, "GU")) { out += 'K'; return 2; }
        return 0;
    });
    code = rewrite(code, [](const std::string& s, std::size_t i, std::string& out) -> std::size_t {
        if (at(s, i, "CA") || at(s, i, "CO") || at(s, i, "CU")) { out += 'K'; out += s[i + 1]; return 2; }
        return 0;
    });
    code = rewrite(code, [](const std::string& s, std::size_t i, std::string& out) -> std::size_t {
        if (s[i] == 'Q') { out += 'K'; return 1; }
        if (at(s, i, "CC") || at(s, i, "CK")) { out += 'K'; return 2; }
        return 0;
    });
    for (std::size_t i = 1; i < code.size(); ++i) {
        const char c = code[i];
        if (c == 'E' || c == 'I' || c == 'O' || c == 'U') code[i] = 'A';
    }
    static constexpr std::string_view prefixes[][2] = {{"MAC", "MCC"}, {"SCH", "SSS"}, {"ASA", "AZA"},
                                                       {"KN", "NN"},   {"PH", "FF"},   {"PF", "FF"}};
    for (const auto& p : prefixes) {
        if (at(code, 0, p[0])) code = std::string(p[1]) + code.substr(p[0].size());
    }
    code = rewrite(code, [](const std::string& s, std::size_t i, std::string& out) -> std::size_t {
        if (i + 1 < s.size() && s[i + 1] == 'H' && s[i] != 'C' && s[i] != 'S') { out += s[i]; return 2; }
        return 0;
    });
    code = rewrite(code, [](const std::string& s, std::size_t i, std::string& out) -> std::size_t {
        if (i + 1 < s.size() && s[i + 1] == 'Y' && s[i] != 'A') { out += s[i]; return 2; }
        return 0;
    });
    if (!code.empty()) {
        const char last = code.back();
        if (last == 'A' || last == 'D' || last == 'T' || last == 'S') code.pop_back();
    }
    if (code.empty()) return "";
    std::string kept(1, code[0]);
    for (std::size_t i = 1; i < code.size(); ++i) {
        if (code[i] != 'A') kept.push_back(code[i]);
    }
    kept = squeeze(kept);
    if (kept.size() > 4) kept.resize(4);
    return kept;
}

std::string soundex_fr(std::string_view utf8) {
    // Ç → S and Œ → E before folding (the French table's own rules).
    std::u32string cps = decode_utf8(utf8);
    std::string pre;
    for (char32_t cp : cps) {
        if (cp == 0xC7 || cp == 0xE7) {
            pre.push_back('S');
        } else if (cp == 0x152 || cp == 0x153) {
            pre.push_back('E');
        } else {
            append_utf8(pre, cp);
        }
    }
    const std::string s = upper_letters(pre);
    if (s.empty()) return "";
    static constexpr std::string_view from = "AEIOUYWHBPCKQDTLMNRGJSXZFV";
    static constexpr std::string_view to = "000000DD112223345567788899";
    auto tr = [](char c) { return to[from.find(c)]; };
    std::string tail;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = tr(s[i]);
        if (c != 'D') tail.push_back(c);
    }
    if (!tail.empty() && tail[0] == tr(s[0])) tail.erase(0, 1);
    std::string code(1, s[0]);
    for (char c : squeeze(tail)) {
        if (c != '0') code.push_back(c);
    }
    code.resize(4, '0');
    return code;
}

} // namespace c360::match
