// Uplift-model evaluation from (score, treated, converted) rows: Qini and uplift curves and their
// normalised areas (scikit-uplift's definitions), uplift at the top k, uplift by percentile.
// Tie policy (docs/uplift.md): rows with equal scores are never split by an arbitrary order.
// Curve areas use one point per run of tied scores (as scikit-uplift); cuts that fall inside a
// run of ties (uplift at k, percentile bins, curve points) take the same fraction of each kind of
// row of that run, so the result does not depend on row order (which SQL does not define).
#pragma once

#include <cstdint>
#include <vector>

#include "common/packed.hpp"

namespace c360::uplift {

struct UpliftRow {
    double score;
    double treated;   // 0 or 1
    double converted; // 0 or 1
};
static_assert(sizeof(UpliftRow) == 24);

void check_row(const UpliftRow& r);

// c360.uplift_sample, the state of the uplift aggregates (common/packed.hpp): one fixed double,
// the parameter (k, bins or points: the same for every row of a group), then UpliftRow rows.
// Text form: upl1(param;count;s,t,c;s,t,c...).
extern const PackedType kSampleType;
inline constexpr int kSampleParam = 0; // index of the parameter in the doubles
inline const UpliftRow* sample_rows(const PackedView& v) {
    return reinterpret_cast<const UpliftRow*>(packed_row_data(v, kSampleType));
}

// (A_model - A_random) / (A_perfect - A_random), trapezoids over counts, as sklift's
// qini_auc_score (negative_effect = true) and uplift_auc_score. The rows are reordered.
double qini_auc(std::vector<UpliftRow>& rows);
double uplift_auc(std::vector<UpliftRow>& rows);
// mean(converted | treated) - mean(converted | control) among the top floor(n k) rows (NaN when
// one group is absent there).
double uplift_at_k(std::vector<UpliftRow>& rows, double k);

struct Counts {
    double n_treatment = 0, n_control = 0, conv_treatment = 0, conv_control = 0;
};
struct PercentileBin {
    int bin;
    Counts counts;
    double rate_treatment, rate_control, uplift, std_err;
};
// np.array_split-style bins over the rows sorted by descending score.
std::vector<PercentileBin> by_percentile(std::vector<UpliftRow>& rows, int bins);

struct CurvePoint {
    double position; // rows taken from the top
    Counts counts;
    double qini, uplift_gain, random_qini;
};
// points + 1 evenly spaced points (0, n/points, ..., n).
std::vector<CurvePoint> curve(std::vector<UpliftRow>& rows, int points);

} // namespace c360::uplift
