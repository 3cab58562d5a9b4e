// customer360 core, matching: UTF-8 decoding with validation, accent folding and the
// normalisers for names, e-mail addresses and phone numbers. No PostgreSQL header here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace c360::match {

// Longest argument accepted by the quadratic similarity functions, in code points.
inline constexpr std::size_t kMaxSimilarityChars = 65535;

// Decodes UTF-8 into code points; invalid UTF-8 (bad lead/continuation bytes, overlong forms,
// surrogates, > U+10FFFF, NUL) throws Error(InvalidTextRepresentation) naming `what`.
std::u32string decode_utf8(std::string_view s, const char* what = "argument");
// Same, and throws Error(ProgramLimitExceeded) when longer than kMaxSimilarityChars.
std::u32string decode_bounded(std::string_view s, const char* what);
// The same into a caller's buffer (cleared first; its capacity is reused across calls).
void decode_utf8_into(std::u32string& out, std::string_view s, const char* what = "argument");
void decode_bounded_into(std::u32string& out, std::string_view s, const char* what);
// True when every byte is in 1..127 (NUL excluded: decoding refuses it).
bool is_ascii(std::string_view s) noexcept;
// UTF-8 whose code points are all in U+0001..U+00FF (ASCII and Latin-1: most accented names) as
// one byte per code point into `out`, true; false (out unspecified) for any other input, valid
// or not, and past kMaxSimilarityChars code points: the caller then decodes in full.
bool latin1_into(std::string& out, std::string_view s);
void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(const std::u32string& s);

// Folds one code point to lower-case ASCII when it is a Latin letter (Basic Latin, Latin-1
// Supplement, Latin Extended-A, Romanian comma letters, Latin Extended Additional):
// returns "" for combining diacritics (U+0300-U+036F), nullptr when the code point has no
// folding (not a Latin letter).
const char* fold_latin(char32_t cp) noexcept;
// Lower-case ASCII letters and digits of s (accents folded, ligatures expanded); every other
// code point is dropped. Used by the phonetic keys.
std::string ascii_letters(std::string_view utf8);

// c360.normalize_name: lower case, accents folded, apostrophes removed, other punctuation and
// spaces collapsed to one space, leading civility words (M., Mme, Mr, Mrs, Dr...) removed.
// Code points outside Latin scripts are kept unchanged.
std::string normalize_name(std::string_view utf8);
std::vector<std::string> name_tokens(std::string_view utf8);

// c360.normalize_email: trimmed, lower-cased; gmail/googlemail dots removed; +tags removed for
// providers that document them. nullopt when the value cannot be an address.
std::optional<std::string> normalize_email(std::string_view utf8);

// c360.normalize_phone: E.164 ("+33612345678") or nullopt when the value cannot be a phone
// number. default_country is an ISO 3166 alpha-2 code from the documented table; another
// code throws Error(InvalidParameter).
std::optional<std::string> normalize_phone(std::string_view utf8, std::string_view default_country);

} // namespace c360::match
