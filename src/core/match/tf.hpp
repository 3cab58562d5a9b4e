// customer360 core, matching: term-frequency adjustments of the Fellegi-Sunter weight, as Splink defines
// them (linkage.md §a; docs/match.md "Term frequencies"). No PostgreSQL header here.
//
// A common value agreeing says less than a rare one: on the exact level of a field with term frequencies,
// the weight log2(m/u) gets the adjustment
//     tf_weight x (log2(u_exact) - log2(max(tf_l, tf_r, tf_min_u)))
// where tf_x is the share of the records holding the value x (the u of an exact match on that value).
//
// Values are identified by a hash of their bytes below 10^15: an integer of at most 15 digits, so exact in
// a float8 and in its text form even at extra_float_digits = 0 (a 52-bit hash printed there as
// 1.60094733647416e+15 came back as another value); an unrelated value shares a hash with probability
// ~ distinct values / 10^15. Two layouts, both float8[]:
//   counting state (c360.term_frequencies' transition state): [kTfStateTag, records, capacity, used,
//     (hash, count) x capacity] — an open-addressing table (hash 0 = empty slot), updated in place;
//   table (its result, and what a model stores per field): [kTfTableTag, records, n, (hash, count) x n]
//     sorted by hash, only the values seen at least twice (a value absent from it was seen at most once,
//     so its count is taken as 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace c360::match {

inline constexpr double kTfStateTag = 3606.0;
inline constexpr double kTfTableTag = 3607.0;
inline constexpr std::size_t kTfStateHeader = 4;
inline constexpr std::size_t kTfTableHeader = 3;
inline constexpr std::size_t kTfMinCapacity = 1024;           // slots of a new counting state
inline constexpr std::size_t kTfMaxCapacity = std::size_t{1} << 25; // 32M slots (512 MB): 16M distinct values
inline constexpr double kTfHashLimit = 1e15;                   // hashes and counts below it

// Hash of a value's bytes in [1, 10^15) (FNV-1a 64 reduced modulo a prime below 10^15).
std::uint64_t tf_hash(std::string_view value) noexcept;

// Counting state helpers. `slots` points at the (hash, count) pairs of a state of `capacity` slots.
std::size_t tf_state_len(std::size_t capacity) noexcept;
std::vector<double> tf_empty_state(std::size_t capacity);
// Checks a counting state read from SQL (header, capacity a power of two, used consistent); returns capacity.
std::size_t tf_validate_state(const double* s, std::size_t len);
// Adds `count` occurrences of hash h. Returns false (nothing changed) when the state is too full and must
// grow first (more than half its slots used).
bool tf_state_add(double* s, std::uint64_t h, double count) noexcept;
// A state with twice the capacity holding the same counts.
std::vector<double> tf_state_grow(const double* s, std::size_t len);
// The table of a counting state (values seen at least twice, sorted by hash).
std::vector<double> tf_table_of_state(const double* s, std::size_t len);

struct TermFrequencies {
    double weight = 0.0; // 0: the field has no term-frequency adjustment
    double min_u = 0.0;  // floor of the frequency (Splink's tf_minimum_u_value); 0 = none
    double records = 0.0;
    std::vector<std::pair<std::uint64_t, double>> counts; // sorted by hash, counts >= 2
    bool enabled() const noexcept { return weight > 0.0; }
    // Share of the records holding the value of hash h (count 1 when the table does not hold it).
    double frequency(std::uint64_t h) const noexcept;
};

// Reads a table (validated: tag, records >= 1, n, hashes strictly increasing integers in [1, 10^15),
// counts integers in [2, records]). Throws DataCorrupted / InvalidParameter naming `what`.
TermFrequencies tf_from_table(const double* t, std::size_t len, const char* what);
std::vector<double> tf_to_table(const TermFrequencies& tf);

// The adjustment (bits) of the exact level of a field with u_exact, for the two values' frequencies.
double tf_adjustment(const TermFrequencies& tf, double u_exact, double freq_l, double freq_r) noexcept;

} // namespace c360::match
