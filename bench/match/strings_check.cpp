// bench/match: checks c360's answers on every benchmark pair against the plain dynamic
// programmes (c360::match::reference, the code before the bit-parallel versions): exact
// distances, the same doubles (PostgreSQL prints float8 in its shortest exact form). Also the
// core as built here, through the glue's path (with_symbols), on the same pairs.
//   C360_MATCH_PARTS=strings C360_PAIRS_OUT=/tmp/pairs.csv bash bench/match/run.sh
//   g++ -std=c++20 -O2 -Isrc/core bench/match/strings_check.cpp src/core/match/*.cpp src/core/common/*.cpp \
//       -o /tmp/strings_check && /tmp/strings_check /tmp/pairs.csv
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "match/similarity.hpp"
#include "match/text.hpp"

namespace {

// One CSV record (PostgreSQL's CSV: fields quoted when needed, "" inside quotes).
bool read_record(std::istream& in, std::vector<std::string>& fields) {
    fields.assign(1, std::string());
    bool quoted = false, any = false;
    char c;
    while (in.get(c)) {
        any = true;
        if (quoted) {
            if (c == '"') {
                if (in.peek() == '"') {
                    in.get(c);
                    fields.back() += '"';
                } else {
                    quoted = false;
                }
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c == '\n') {
            return true;
        } else {
            fields.back() += c;
        }
    }
    return any;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: strings_check pairs.csv\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<std::string> f;
    long pairs = 0, differences = 0;
    while (read_record(in, f)) {
        if (f.size() != 6) {
            std::cerr << "bad record " << pairs + 1 << "\n";
            return 2;
        }
        ++pairs;
        const std::u32string a = c360::match::decode_utf8(f[0]);
        const std::u32string b = c360::match::decode_utf8(f[1]);
        const bool same = std::stoll(f[2]) == c360::match::reference::levenshtein(a, b) &&
                          std::stoll(f[3]) == c360::match::reference::osa_distance(a, b) &&
                          std::strtod(f[4].c_str(), nullptr) == c360::match::reference::jaro(a, b) &&
                          std::strtod(f[5].c_str(), nullptr) == c360::match::reference::jaro_winkler(a, b);
        c360::match::SymbolBuffers buf;
        const bool core_same =
            c360::match::with_symbols(
                f[0], f[1], buf, "a", "b",
                [&](std::string_view x, std::string_view y) {
                    return c360::match::levenshtein_bytes(x, y) == c360::match::reference::levenshtein(a, b) &&
                           c360::match::osa_distance_bytes(x, y) == c360::match::reference::osa_distance(a, b) &&
                           c360::match::jaro_bytes(x, y) == c360::match::reference::jaro(a, b) &&
                           c360::match::jaro_winkler_bytes(x, y) == c360::match::reference::jaro_winkler(a, b);
                },
                [&](std::u32string_view x, std::u32string_view y) {
                    return c360::match::levenshtein(x, y) == c360::match::reference::levenshtein(a, b) &&
                           c360::match::osa_distance(x, y) == c360::match::reference::osa_distance(a, b) &&
                           c360::match::jaro(x, y) == c360::match::reference::jaro(a, b) &&
                           c360::match::jaro_winkler(x, y) == c360::match::reference::jaro_winkler(a, b);
                });
        if (!same || !core_same) {
            if (++differences <= 10) std::cerr << "differs: " << f[0] << " / " << f[1] << "\n";
        }
    }
    std::cout << pairs << " pairs, " << differences << " differences\n";
    return differences == 0 && pairs > 0 ? 0 : 1;
}
