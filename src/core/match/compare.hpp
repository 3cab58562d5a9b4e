// customer360 core, matching: comparison levels of two field values for the Fellegi-Sunter model
// (docs/match.md). No PostgreSQL header here.
//
// Levels are 0..L-1, higher = closer, L-1 = exact; -1 = null level (a value missing or empty).
//   name  : 3 exact, 2 Jaro-Winkler >= 0.92, 1 Jaro-Winkler >= 0.80, 0 different (L = 4)
//   code  : 3 exact, 2 one edit (OSA: insert, delete, substitute, swap adjacent), 1 two edits,
//           0 different (L = 4): dates as text, postcodes, identifiers, house numbers
//   exact : 1 equal, 0 different (L = 2)
//   date  : 3 exact, 2 one edit (OSA) or day and month swapped (YYYYMMDD), 1 two edits, 0 different
//           (L = 4): birth dates as YYYYMMDD
//   tokens: 3 same words in any order, 2 name_similarity >= 0.92, 1 >= 0.80, 0 different (L = 4):
//           full names whose parts may be swapped ("DUPONT Jean" / "Jean Dupont")
//   address: 3 same delivery point (address_key_fr), 2 same postcode and number, street close
//           (typo, type missing), 1 same postcode and street, another number, 0 different (L = 4);
//           -1 also when an address has no key (no postcode or no street): match/address.hpp
#pragma once

#include <string_view>

namespace c360::match {

enum class Method { Name, Code, Exact, Tokens, Date, Address, Location };

Method parse_method(std::string_view name); // 22023 on an unknown method
int method_levels(Method m) noexcept;
int compare_level(std::string_view a_utf8, std::string_view b_utf8, Method m);
// The level at or below which two values "clearly differ" (c360.match_persons' distinct fields): 0 for
// two-level methods, L - 3 otherwise (name: Jaro-Winkler < 0.92; code, date: two edits or more).
int conflict_level(Method m) noexcept;
// Whether two values clearly differ for c360.match_persons: their level is at or below the conflict
// level, and, for names (name, tokens), they are not the same words with typos (same_words_with_typos):
// "jsan durand" / "jean duaand", "lna" / "lea", "miciel" / "miohel" are typos, not two persons;
// "louis" / "louise" are two. Missing values never differ.
bool clearly_differ(std::string_view a_utf8, std::string_view b_utf8, Method m);
// Same number of words (at most 4), paired one to one, each pair equal, one edit apart (words of 3
// letters or more) or two edits apart (a typo on each side: words of 5 letters or more), but not a
// first name and its French feminine (a final e, or the last letter doubled and an e: Louis / Louise,
// Michel / Michelle).
bool same_words_with_typos(std::string_view a_utf8, std::string_view b_utf8);

} // namespace c360::match
