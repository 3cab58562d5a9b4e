// Evaluation of scores against labels: exact AUC (Mann-Whitney, ties count one half), a gains /
// lift table by quantile of the score, log loss, Brier score and a calibration table.
//
// Two mergeable states (packed values, see common/packed.hpp):
//  - c360.score_sample keeps every (score, label) pair (16 bytes a row): AUC and gains need the
//    order of all scores. ints: kind, bins, n, n_skipped; dbl: score, label, score, label...
//  - c360.score_bins is fixed-size: ints: kind, bins, n, n_skipped; dbl: sum (hi, lo compensated),
//    then (customers, sum of scores, responders) per calibration bin.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/packed.hpp"

namespace c360::scoring {

inline constexpr int kMaxBins = 1000;
// Probabilities are clipped to [eps, 1 - eps] in the log loss (as scikit-learn does).
inline constexpr double kLogLossEpsilon = 1e-15;

enum SampleKind : std::int64_t { kSampleAuc = 1, kSampleGains = 2 };
enum BinsKind : std::int64_t { kBinsLogLoss = 1, kBinsBrier = 2, kBinsCalibration = 3 };
enum EvalInt : int { kEKind, kEBins, kEN, kENSkipped, kEvalInts };

extern const PackedType kSampleType;
extern const PackedType kBinsType;

// ---- score_sample ----------------------------------------------------------------------------
void sample_init(void* mem, std::int64_t kind, int bins, std::size_t cap_dbl);
void check_bins(int bins);
void check_score(double score); // NaN is an error
void sample_combine_check(const PackedView& a, const PackedView& b);

// AUC = P(score of a positive > score of a negative) + P(equal) / 2, computed exactly in integers
// and rounded once. nullopt when a class is missing.
std::optional<double> auc(const PackedView& sample);

struct GainRow {
    int bin = 0;
    std::int64_t customers = 0, responders = 0, cum_customers = 0, cum_responders = 0;
    double response_rate = 0, lift = 0, cum_response_rate = 0, cum_lift = 0, cum_gain = 0, min_score = 0,
           max_score = 0; // NaN where undefined (empty bin, no responders)
};
// Rows sorted by score descending (ties: non-responders first, the pessimistic order), cut into
// `bins` groups of sizes like ntile(bins): the first n % bins groups hold one more row.
std::vector<GainRow> gains(const PackedView& sample);

// ---- score_bins ------------------------------------------------------------------------------
void bins_init(void* mem, std::int64_t kind, int bins);
std::size_t bins_n_dbl(int bins);
void bins_add(PackedMut s, double score, bool label); // score must be a probability in [0, 1]
void bins_combine(PackedMut a, const PackedView& b);
std::optional<double> bins_mean(const PackedView& s); // log loss or Brier score

struct CalibrationRow {
    int bin = 0;
    double lower = 0, upper = 0;
    std::int64_t customers = 0, responders = 0;
    double mean_score = 0, observed_rate = 0; // NaN when the bin is empty
};
// Equal-width bins of the predicted probability: [i/bins, (i+1)/bins), the last one closed.
std::vector<CalibrationRow> calibration(const PackedView& s);

} // namespace c360::scoring
