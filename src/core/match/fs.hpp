// customer360 core, matching: Fellegi-Sunter model (linkage.md §a), trained by EM on the counts
// of distinct comparison patterns. No PostgreSQL header here.
//
// Levels: field k has L_k levels 0..L_k-1, higher = closer (L_k-1 = exact); -1 = null level
// (missing value: contributes 0 to the weight and is skipped by EM).
//
// Pattern table (the aggregate state, a float8[]): [kPatternsTag, K, L_1..L_K, counts...] with
// one count per pattern, prod(L_k + 1) cells (index 0 of each field = null level).
// Model (a float8[]): [kModelTag, K, lambda, iterations, L_1..L_K, then per field m_0..m_{L-1},
// u_0..u_{L-1}]. Both are validated whenever they are read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace c360::match {

inline constexpr double kPatternsTag = 3601.0;
inline constexpr double kModelTag = 3602.0;
inline constexpr int kMaxFields = 32;
inline constexpr int kMaxLevels = 16;
inline constexpr std::size_t kMaxPatternCells = 1u << 20;

struct FsModel {
    double lambda = 0.0;
    int iterations = 0;
    std::vector<int> levels;                // L_k
    std::vector<std::vector<double>> m, u;  // [k][level]
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

// Match weight log2(λ/(1−λ)) + Σ log2(m/u) and probability 2^W/(1+2^W).
double match_weight(const FsModel& m, const int* levels, const bool* nulls, int k);
double probability_of_weight(double w);
// log2(m_k[l]/u_k[l]) (0 for the null level).
double field_weight(const FsModel& m, int field, int level);

} // namespace c360::match
