// Logistic regression: Newton / IRLS on sufficient statistics, shared by the in-memory aggregate
// (c360.logit_fit) and the iterated large-table driver (c360.logit_train), so both follow the
// same sequence of iterates and agree to rounding.
//
// One Newton pass over the rows at the current coefficients beta accumulates the fixed-size
// statistics (Stats): log-likelihood, gradient X'(y - mu) and the upper triangle of X'WX with
// W = mu(1 - mu). update() turns a model plus the statistics of a pass into the next model:
// the first pass fixes the aliased (collinear) columns, each pass then takes one Newton step, and
// the fit stops when the Newton decrement g'H^-1 g / 2 is below tolerance * (|objective| + 0.1).
// The reported coefficients include that last step; log-likelihood, standard errors and the
// condition number are those of the last pass (as R's glm and MADlib do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/packed.hpp"

namespace c360::scoring {

// Bounds the statistics: X'WX for 1,000 features is 4 MB; the model holds O(features) doubles.
inline constexpr int kMaxFeatures = 1000;

struct Options {
    bool intercept = true;
    bool standardize = false; // centre and scale each feature (mean, sample sd), kept in the model
    double l2 = 0.0;          // ridge penalty l2/2 * sum(beta_j^2), intercept not penalised
    int max_iterations = 100;
    double tolerance = 1e-18; // on the relative Newton decrement
};
void check_options(const Options& o); // InvalidParameter

// ---- c360.logit_model ----------------------------------------------------------------------
enum ModelInt : int {
    kMK, kMFlags, kMMaxIter, kMStage, kMIterations, kMStatus, kMWarnings, kMNUsed, kMNSkipped, kMNPositive,
    kMNExtreme, kMNAliased, kModelInts
};
enum ModelScalar : int {
    kML2, kMTolerance, kMLogLik, kMObjective, kMNullDeviance, kMCondition, kMDecrement, kModelScalars
};
enum Flags : std::int64_t { kFlagIntercept = 1, kFlagStandardize = 2 };
enum Stage : std::int64_t { kStageMoments = 1, kStageNewton = 2, kStageDone = 3 };
enum Status : std::int64_t { kStatusRunning = 0, kStatusConverged = 1, kStatusMaxIterations = 2 };
enum Warning : std::int64_t { kWarnExtreme = 1, kWarnAliased = 2, kWarnSolverFallback = 4 };

extern const PackedType kModelType;
extern const PackedType kStatsType;
extern const PackedType kRowsType;

// Layout of a model with k features (p = k + intercept coefficients):
//   scalars, coef[p], std_err[p], aliased[p] (0/1), center[k], scale[k]
struct ModelLayout {
    int k = 0;
    int p = 0;
    std::size_t coef = 0, se = 0, aliased = 0, center = 0, scale = 0, n_dbl = 0;
    ModelLayout(int k, bool intercept);
};
ModelLayout layout_of_model(const PackedView& m);

PackedBuffer model_start(const Options& o); // k unknown until the first pass
Options options_of_model(const PackedView& m);
bool model_done(const PackedView& m);
int model_features(const PackedView& m);

// ---- statistics of one pass: c360.logit_stats ---------------------------------------------
// ints: k, flags, stage, n_used, n_skipped, n_positive, n_extreme
// (k = 0 only while the state has counted skipped rows and no row yet)
// dbl:  loglik, beta[p], center[k], scale[k], xwx[p(p+1)/2] (upper, row-major), grad[p], sum_x[k], sum_x2[k]
enum StatsInt : int { kSK, kSFlags, kSStage, kSNUsed, kSNSkipped, kSNPositive, kSNExtreme, kStatsInts };
std::size_t stats_n_dbl(int k, bool intercept);
// Fills a zeroed stats value for `model` and k features (the model's own k, or that of the first
// row when the model has not seen data yet). mem has packed_bytes(kStatsInts, stats_n_dbl()) bytes.
void stats_init(void* mem, const PackedView& model, int k);
void check_feature_count(int k); // 1..kMaxFeatures (54000 above)
int stats_features_for(const PackedView& model, int row_k); // checks the row length, returns k
// Adds one row (x has k values). A NaN feature skips the row; an infinite one is an error.
void stats_add(PackedMut s, bool y, const double* x, int k);
void stats_skip(PackedMut s); // a row with a NULL label or a NULL feature
void stats_combine(PackedMut a, const PackedView& b);

// The model after one pass. Throws InvalidParameter for empty input or a single class.
PackedBuffer model_update(const PackedView& model, const PackedView& stats);

// ---- rows kept by c360.logit_fit: c360.logit_rows -----------------------------------------
// ints: k, flags, max_iterations, n_rows, n_skipped; dbl: l2, tolerance, rows (y, x1..xk)...
enum RowsInt : int { kRK, kRFlags, kRMaxIter, kRNRows, kRNSkipped, kRowsInts };
inline constexpr std::size_t kRowsHeaderDbl = 2;
void rows_init(void* mem, const Options& o, int k, std::size_t cap_dbl);
Options options_of_rows(const PackedView& r);
// Checks the row (length, infinities) and reports whether it is kept (false: NaN, skipped).
bool rows_accept(const PackedView& r, const double* x, int k);
void rows_combine_check(const PackedView& a, const PackedView& b); // same k and options

// The whole fit of the kept rows (calls check_interrupts() as it goes).
PackedBuffer fit_rows(const PackedView& rows);

// ---- scoring and reporting ----------------------------------------------------------------
// Probability for features x (k values, standardised with the model's centre and scale).
// NaN in x gives NaN (SQL NULL); an infinity or a wrong length is an error.
double predict(const PackedView& model, const double* x, int k);

struct Term {
    double coef = 0, std_err = 0, z = 0, p_value = 0, odds_ratio = 0, or_lower = 0, or_upper = 0;
    bool aliased = false;
};
struct Summary {
    std::vector<Term> terms; // intercept first (when present), then the features in order
    bool intercept = false, standardized = false, converged = false;
    std::int64_t features = 0, iterations = 0, n_used = 0, n_skipped = 0, n_positive = 0, n_extreme = 0,
                 n_aliased = 0;
    double log_likelihood = 0, null_deviance = 0, deviance = 0, aic = 0, condition_number = 0, l2 = 0;
    std::string status; // "converged", "max_iterations", "in_progress"
    std::vector<std::string> warnings;
};
Summary summarize(const PackedView& model); // the model must be done

} // namespace c360::scoring
