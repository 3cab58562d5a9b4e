// customer360 core, matching: Fellegi-Sunter model (linkage.md §a), trained by EM on the counts
// of distinct comparison patterns. No PostgreSQL header here.
//
// Levels: field k has L_k levels 0..L_k-1, higher = closer (L_k-1 = exact); -1 = null level
// (missing value: contributes 0 to the weight and is skipped by EM).
//
// Pattern table (the aggregate state, a float8[]): [kPatternsTag, K, L_1..L_K, counts...] with
// one count per pattern, prod(L_k + 1) cells (index 0 of each field = null level; cell 0 = the
// all-null vector).
// Model (a float8[]): [kModelTag, K, lambda, iterations, L_1..L_K, then per field m_0..m_{L-1},
// u_0..u_{L-1}]. Both are validated whenever they are read. This header is the one definition of
// both layouts: SQL reads them through C functions (c360.match_model_info, c360._fs_compared_pairs,
// c360._fs_combine_rules), never by position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "match/tf.hpp"

namespace c360::match {

inline constexpr double kPatternsTag = 3601.0;
inline constexpr double kModelTag = 3602.0;
inline constexpr double kModelTfTag = 3608.0; // start of a model's term-frequency section
inline constexpr double kMaxTfWeight = 16.0;
inline constexpr int kMaxFields = 32;
inline constexpr int kMaxLevels = 16;
inline constexpr std::size_t kMaxPatternCells = 1u << 20;

// Offsets (0-based; SQL subscripts are one more) of the header fields of the two arrays.
inline constexpr std::size_t kTagAt = 0;          // both: the tag
inline constexpr std::size_t kFieldsAt = 1;       // both: K
inline constexpr std::size_t kPatternsHeader = 2; // pattern table: L_1..L_K follow
inline constexpr std::size_t kModelLambdaAt = 2;
inline constexpr std::size_t kModelIterationsAt = 3;
inline constexpr std::size_t kModelHeader = 4;    // model: L_1..L_K follow
// Where the counts of a pattern table of k fields start, and the m/u blocks of a model.
constexpr std::size_t patterns_counts_at(int k) { return kPatternsHeader + static_cast<std::size_t>(k); }
constexpr std::size_t model_blocks_at(int k) { return kModelHeader + static_cast<std::size_t>(k); }

struct FsModel {
    double lambda = 0.0;
    int iterations = 0;
    std::vector<int> levels;                // L_k
    std::vector<std::vector<double>> m, u;  // [k][level]
    std::vector<TermFrequencies> tf;        // empty, or one per field (weight 0 = not adjusted)
    bool has_tf() const noexcept;
};

// Size of a pattern table for these level counts (validated: 1..kMaxFields fields, 2..kMaxLevels
// levels, at most kMaxPatternCells cells).
std::size_t pattern_cells(const int* nlevels, int k);
// Header + zero counts.
std::vector<double> empty_patterns(const int* nlevels, int k);
// Index of a comparison vector in the count part (level -1 = null).
std::size_t pattern_index(const double* table, std::size_t len, const int* levels, const bool* nulls, int k);
// Checks a table read from SQL; returns the number of fields.
int validate_patterns(const double* table, std::size_t len);

struct EmOptions {
    int max_iterations = 100;
    double tolerance = 1e-6;
    double initial_lambda = 0.1;
    bool fix_u = false; // u taken from `u_table` (random pairs) and not re-estimated
};

// EM on the pattern counts; u_table (may be null) holds counts of random pairs.
FsModel estimate(const double* table, std::size_t len, const double* u_table, std::size_t u_len,
                 const EmOptions& opt);

// Share of matches among the pairs of a pattern table by EM with the model's m and u held fixed
// (used to set the prior of a model whose m and u were estimated elsewhere).
double estimate_prior(const double* table, std::size_t len, const FsModel& model, int max_iterations, double tolerance);

std::vector<double> to_array(const FsModel& m);
FsModel from_array(const double* a, std::size_t len); // throws DataCorrupted on a bad model

// The pairs counted in a pattern table (validated): all of them, and those with at least one
// field compared (every cell but the all-null vector's).
struct PatternPairs {
    double total = 0.0;
    double compared = 0.0;
};
PatternPairs pattern_pairs(const double* table, std::size_t len);

// The random-pairs training of c360.match_train (docs/match.md): u from random pairs, m by EM one
// blocking rule at a time with u fixed, leaving out the fields the rule uses, prior over all pairs.
struct RuleFit {
    FsModel model;            // estimate() on the rule's pattern table, u fixed from the random pairs
    std::vector<bool> masked; // per field: left out (the rule uses it)
    double compared = 0.0;    // the rule's pairs with at least one field compared
};
// m of each field: the mean of the fits that do not leave it out, weighted by their expected
// matches (lambda x compared pairs), floored at 1e-6 and renormalised; u: the fits' (those of the
// random pairs), a level never seen among the `random_pairs` sampled pairs counting as half a pair,
// renormalised; iterations: the fits' total; lambda 0.5 until spread_prior sets it. Every fit has
// the fields and levels of the first; a field that every fit leaves out is InvalidParameter
// (c360.match_train names it first).
FsModel combine_rule_fits(const std::vector<RuleFit>& fits, double random_pairs);
// The prior of a model whose m and u were estimated elsewhere: the share of matches among the
// candidate pairs of a pattern table (estimate_prior: 1000 iterations, tolerance 1e-9) spread over
// the records (records - 1) / 2 pairs of the table, kept within [1e-300, 0.5].
void spread_prior(FsModel& model, const double* candidates, std::size_t len, double records);

// Match weight log2(λ/(1−λ)) + Σ log2(m/u) and probability 2^W/(1+2^W).
double match_weight(const FsModel& m, const int* levels, const bool* nulls, int k);
double probability_of_weight(double w);
// log2(m_k[l]/u_k[l]) (0 for the null level).
double field_weight(const FsModel& m, int field, int level);
// The same with the term-frequency adjustment of the field's exact level (freq_l / freq_r: the shares of
// the records holding each side's value; ignored on other levels and fields without adjustment).
double field_weight_tf(const FsModel& m, int field, int level, double freq_l, double freq_r);
// Sets the term-frequency adjustment of one field (0-based): weight in (0, 16], min_u in [0, 1).
void set_term_frequencies(FsModel& m, int field, TermFrequencies tf, double weight, double min_u);

} // namespace c360::match
