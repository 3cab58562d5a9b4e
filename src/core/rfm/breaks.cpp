#include "rfm/breaks.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "common/codec.hpp"

namespace c360::rfm {

namespace {

__extension__ typedef __int128 int128;

// Index of the k-th breakpoint in the sorted values: ceil(k*n/bins) - 1.
std::size_t break_index(int k, std::size_t n, int bins) {
    const int128 num = static_cast<int128>(k) * static_cast<int128>(n);
    return static_cast<std::size_t>((num + bins - 1) / bins) - 1;
}

} // namespace

void check_bins(int bins) {
    if (bins < 1 || bins > kMaxBins) {
        fail(ErrorCode::InvalidParameter, "bins must be between 1 and 100");
    }
}

void check_values(double recency, double frequency, double monetary) {
    if (!std::isfinite(recency) || !std::isfinite(frequency) || !std::isfinite(monetary)) {
        fail(ErrorCode::InvalidParameter, "recency, frequency and monetary must be finite numbers");
    }
}

void breakpoints_higher_better(double* values, std::size_t n, int bins, double* out) {
    std::sort(values, values + n);
    for (int k = 1; k < bins; ++k) {
        out[k - 1] = values[break_index(k, n, bins)];
    }
}

void breakpoints_lower_better(double* values, std::size_t n, int bins, double* out) {
    std::sort(values, values + n, std::greater<double>());
    for (int k = 1; k < bins; ++k) {
        out[k - 1] = values[break_index(k, n, bins)];
    }
}

int score_higher_better(double v, const double* breaks, int bins) {
    int score = 1;
    for (int k = 0; k < bins - 1; ++k) {
        score += v > breaks[k] ? 1 : 0;
    }
    return score;
}

int score_lower_better(double v, const double* breaks, int bins) {
    int score = 1;
    for (int k = 0; k < bins - 1; ++k) {
        score += v < breaks[k] ? 1 : 0;
    }
    return score;
}

void check_breakpoints(const double* breaks, int bins, bool lower_better, const char* dimension) {
    for (int k = 0; k < bins - 1; ++k) {
        if (!std::isfinite(breaks[k])) {
            fail(ErrorCode::InvalidParameter, std::string(dimension) + " breakpoints must be finite");
        }
        if (k > 0 && (lower_better ? breaks[k] > breaks[k - 1] : breaks[k] < breaks[k - 1])) {
            fail(ErrorCode::InvalidParameter, std::string(dimension) + " breakpoints are not sorted",
                 lower_better ? "Recency breakpoints must not increase." : "Breakpoints must not decrease.");
        }
    }
}

namespace {

void validate_sample(const PackedView& v, ErrorCode code) {
    const std::int64_t bins = v.ints[kSampleBins];
    if (bins < 1 || bins > kMaxBins) {
        codec::bad_value("c360.rfm_sample", code, "bins must be 1..100");
    }
    if (v.n_dbl() == 0) {
        codec::bad_value("c360.rfm_sample", code, "no customer");
    }
}

} // namespace

// 0.1.0: [vl_len][int32 bins][int64 count][int64 capacity][capacity x (r, f, m)]; its send/recv:
// [int32 bins][int64 count][count x (r, f, m)]
constexpr LegacyLayout kSampleLegacy{.tag_min = 1, .tag_max = kMaxBins, .tag_is_int = true, .binary = true};

const PackedType kSampleType{
    .sql_name = "c360.rfm_sample",
    .magic = 0x52534d50, // "RSMP"
    .n_int = 1,
    .n_fixed = 0,
    .row_width = 3,
    .finite = true,
    .opaque_errors = false,
    .text = {.open = "rfmb1(", .field_sep = ',', .head_sep = ',', .count = CountForm::Integer, .count_sep = ':',
             .value_sep = ' ', .row_sep = ','},
    .validate = &validate_sample,
    .limit_hint = "Compute breakpoints on a random sample, or use c360.quantile_score with window functions.",
    .legacy = &kSampleLegacy,
};

} // namespace c360::rfm
