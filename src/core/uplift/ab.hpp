// Campaign measurement: stable group assignment, two-arm comparison statistics (binary and
// continuous outcomes, CUPED), sample ratio check, power and sample size, ROI.
// Formulas and reference values: docs/uplift.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fixed.hpp"

namespace c360::uplift {

// ---- deterministic assignment (GrowthBook hash, version 2) --------------------------------

// FNV-1a 32 bits over the UTF-16 code units of a UTF-8 string (as GrowthBook's JS SDK does, so
// that non-ASCII ids hash like there). Invalid UTF-8 is an error.
std::uint32_t fnv1a32_utf16(std::string_view utf8);
// GrowthBook hash v2: fnv1a32(decimal(fnv1a32(seed + id))) mod 10000 / 10000, in [0, 1).
double hash_v2(std::string_view seed, std::string_view id);
// GrowthBook hash v1 (legacy, biased): fnv1a32(id + seed) mod 1000 / 1000.
double hash_v1(std::string_view seed, std::string_view id);
// Index of the arm whose cumulative-weight range holds the bucket. Weights must be finite,
// >= 0 and sum to 1 (within 1e-9).
int choose_arm(double bucket, const std::vector<double>& weights);

// ---- sufficient statistics of one arm (Welford / Chan: one pass, mergeable) ---------------

struct Moments {
    double n = 0;      // rows
    double mean_y = 0; // outcome mean
    double m2_y = 0;   // sum of squared deviations of the outcome
    double mean_x = 0; // covariate (pre-period) mean
    double m2_x = 0;
    double c_xy = 0;   // co-moment
};

void add(Moments& m, double y, double x);
void merge(Moments& into, const Moments& other);
double variance_y(const Moments& m); // sample variance (n - 1); NaN below 2 rows
double variance_x(const Moments& m);
double covariance(const Moments& m);

// The aggregate state: control (arm 0) and treatment (arm 1). Fixed size, stored verbatim in the
// SQL type c360.ab_state; its text form (kAbStateType) is the Citus wire format.
struct AbState {
    std::uint32_t version = 1;
    std::uint32_t kind = 0; // 0 not yet known, 1 binary outcome, 2 continuous, 3 continuous + covariate
    double confidence = 0.95;
    double skipped = 0; // rows with a NULL arm, outcome or covariate
    Moments arm[2];
};
static_assert(sizeof(AbState) == 120);

AbState make_state(double confidence, std::uint32_t kind);
// Adds a row: treated (arm 1) or control (arm 0); y must be finite (x too when used).
void add_row(AbState& s, bool treated, double y, double x);
void merge(AbState& into, const AbState& other);
void validate(const AbState& s, ErrorCode code);
// The SQL type (common/fixed.hpp). Text form: ab1(kind,confidence,skipped;6 moments;6 moments).
extern const FixedType<AbState> kAbStateType;

// ---- results -------------------------------------------------------------------------------

// Two proportions (treatment vs control). NaN fields become SQL NULLs.
struct BinaryResult {
    double n_control, n_treatment, conversions_control, conversions_treatment;
    double rate_control, rate_treatment;
    double abs_lift, rel_lift;
    double z, p_value;                   // pooled two-proportion z test, two-sided
    double wald_lower, wald_upper;       // unpooled standard error
    double newcombe_lower, newcombe_upper; // Newcombe (1998) method 10, from Wilson limits
    double rel_lower, rel_upper, rel_p_value; // delta method, Welch df (as gbstats)
    double incremental_conversions, incremental_lower, incremental_upper; // n_t x lift (Newcombe limits)
    double confidence;
};
BinaryResult binary_result(const AbState& s);

// Two means (Welch), optionally CUPED-adjusted with the pre-period covariate.
struct MeanResult {
    double n_control, n_treatment, mean_control, mean_treatment, sd_control, sd_treatment;
    double diff, std_err, t, df, p_value, lower, upper;
    double rel_lift, rel_lower, rel_upper, rel_p_value;
    double incremental_total, incremental_lower, incremental_upper; // n_t x diff
    double theta, variance_reduction; // CUPED only (else NaN): theta, 1 - Var(adjusted)/Var(raw) of diff
    double confidence;
};
MeanResult mean_result(const AbState& s, bool cuped);

struct SrmResult {
    double chi2, df, p_value;
};
SrmResult srm(const std::vector<double>& observed, const std::vector<double>& weights);

// Sample size per control arm for a two-sided test of proportions (Evan Miller's form, treatment
// arm = ratio x control), power of a design, and the minimum detectable absolute effect.
double sample_size(double baseline, double mde_abs, double alpha, double power, double ratio);
double power_of(double baseline, double mde_abs, double n_control, double alpha, double ratio);
double minimum_detectable_effect(double baseline, double n_control, double alpha, double power, double ratio);

// Distribution helpers (two-sided p-values stay in [0, 1]).
double normal_quantile(double p);
double normal_two_sided_p(double z);
double t_quantile(double p, double df);
double t_two_sided_p(double t, double df);

} // namespace c360::uplift
