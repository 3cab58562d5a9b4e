// customer360 core, matching: phonetic keys. Input is folded to ASCII first (accents, ligatures).
#pragma once

#include <string>
#include <string_view>

namespace c360::match {

// American Soundex (as PostgreSQL fuzzystrmatch and jellyfish): first letter + 3 digits, H/W
// do not separate equal codes, vowels do. Leading non-letters skipped; no letter: "".
std::string soundex(std::string_view utf8);
// Soundex2 (French), steps of linkage.md / talisman soundex2: up to 4 letters, not padded.
// Deliberate difference: every non-letter is dropped (talisman drops only the first).
std::string soundex2(std::string_view utf8);
// French Soundex table (B,P=1; C,K,Q=2; D,T=3; L=4; M,N=5; R=6; G,J=7; S,X,Z=8; F,V=9),
// Ç→S, Œ→E, 4 characters zero-padded.
std::string soundex_fr(std::string_view utf8);

} // namespace c360::match
