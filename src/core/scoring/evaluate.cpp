#include "scoring/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "common/compensated_sum.hpp"

namespace c360::scoring {

namespace {

constexpr std::uint32_t kSampleMagic = 0x53534d50; // "SSMP"
constexpr std::uint32_t kBinsMagic = 0x5342494e;   // "SBIN"
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void corrupt(ErrorCode code, const char* type, const char* why) {
    fail(code, std::string("invalid ") + type + " value", why);
}

bool is_count(double v) { return v >= 0 && v <= 9.007199254740992e15 && v == std::floor(v); }

void validate_sample(const PackedView& v, ErrorCode code) {
    const char* t = "c360.score_sample";
    const std::int64_t* i = v.ints;
    if (i[kEKind] != kSampleAuc && i[kEKind] != kSampleGains) corrupt(code, t, "unknown kind");
    if (i[kEKind] == kSampleAuc ? i[kEBins] != 0 : (i[kEBins] < 1 || i[kEBins] > kMaxBins)) corrupt(code, t, "invalid bins");
    if (i[kEN] < 0 || i[kENSkipped] < 0 || static_cast<std::uint64_t>(i[kEN]) > kMaxPackedBytes / 16 ||
        v.n_dbl() != 2 * static_cast<std::size_t>(i[kEN]))
        corrupt(code, t, "row count does not match the values");
    for (std::size_t r = 0; r < v.n_dbl(); r += 2) {
        if (std::isnan(v.dbl[r])) corrupt(code, t, "NaN score");
        if (v.dbl[r + 1] != 0.0 && v.dbl[r + 1] != 1.0) corrupt(code, t, "label is not 0 or 1");
    }
}

void validate_bins(const PackedView& v, ErrorCode code) {
    const char* t = "c360.score_bins";
    const std::int64_t* i = v.ints;
    if (i[kEKind] < kBinsLogLoss || i[kEKind] > kBinsCalibration) corrupt(code, t, "unknown kind");
    if (i[kEKind] == kBinsCalibration ? (i[kEBins] < 1 || i[kEBins] > kMaxBins) : i[kEBins] != 0)
        corrupt(code, t, "invalid bins");
    if (i[kEN] < 0 || i[kENSkipped] < 0) corrupt(code, t, "negative count");
    const int bins = static_cast<int>(i[kEBins]);
    if (v.n_dbl() != bins_n_dbl(bins)) corrupt(code, t, "wrong number of values");
    if (!all_finite(v.dbl, v.n_dbl())) corrupt(code, t, "non-finite number");
    if (v.dbl[0] + v.dbl[1] < 0) corrupt(code, t, "negative sum");
    double total = 0;
    for (int b = 0; b < bins; ++b) {
        const double* c = v.dbl + 2 + 3 * b;
        if (!is_count(c[0]) || !is_count(c[2]) || c[2] > c[0] || c[1] < 0 || c[1] > c[0])
            corrupt(code, t, "inconsistent bin");
        total += c[0];
    }
    if (bins > 0 && total != static_cast<double>(i[kEN])) corrupt(code, t, "bin counts do not add up");
}

} // namespace

const PackedType kSampleType = list_type("c360.score_sample", "score_sample(", kSampleMagic, kEvalInts, &validate_sample,
                                         "Evaluate on a random sample of the rows.");
const PackedType kBinsType = list_type("c360.score_bins", "score_bins(", kBinsMagic, kEvalInts, &validate_bins);

void check_bins(int bins) {
    if (bins < 1 || bins > kMaxBins) {
        fail(ErrorCode::InvalidParameter, "bins must be between 1 and " + std::to_string(kMaxBins));
    }
}

void check_score(double score) {
    if (std::isnan(score)) {
        fail(ErrorCode::InvalidParameter, "score is NaN");
    }
}

void sample_init(void* mem, std::int64_t kind, int bins, std::size_t cap_dbl) {
    if (kind == kSampleGains) check_bins(bins);
    PackedMut s = init_packed(mem, kSampleType, 0, cap_dbl);
    s.ints[kEKind] = kind;
    s.ints[kEBins] = kind == kSampleGains ? bins : 0;
}

void sample_combine_check(const PackedView& a, const PackedView& b) {
    if (a.ints[kEKind] != b.ints[kEKind] || a.ints[kEBins] != b.ints[kEBins]) {
        fail(ErrorCode::InvalidParameter, "cannot combine c360.score_sample states of different kinds or bins");
    }
}

namespace {

std::vector<std::pair<double, bool>> sorted_pairs(const PackedView& s, bool descending) {
    const std::size_t n = static_cast<std::size_t>(s.ints[kEN]);
    std::vector<std::pair<double, bool>> v(n);
    for (std::size_t r = 0; r < n; ++r) v[r] = {s.dbl[2 * r], s.dbl[2 * r + 1] != 0.0};
    if (descending) {
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
            return a.first > b.first || (a.first == b.first && a.second < b.second);
        });
    } else {
        std::sort(v.begin(), v.end());
    }
    return v;
}

} // namespace

std::optional<double> auc(const PackedView& sample) {
    const auto v = sorted_pairs(sample, false);
    std::int64_t npos = 0, nneg = 0, twice_u = 0;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t j = i;
        std::int64_t p = 0, q = 0;
        for (; j < v.size() && v[j].first == v[i].first; ++j) (v[j].second ? p : q) += 1;
        twice_u += 2 * p * nneg + p * q; // positives beat every lower negative, tie with equal ones
        npos += p;
        nneg += q;
        i = j;
        if ((i & 0xfffff) == 0) check_interrupts();
    }
    if (npos == 0 || nneg == 0) return std::nullopt;
    // both integers are below 2^53: exact, one rounding in the division
    return static_cast<double>(twice_u) / (2.0 * static_cast<double>(npos) * static_cast<double>(nneg));
}

std::vector<GainRow> gains(const PackedView& sample) {
    const auto v = sorted_pairs(sample, true);
    const std::int64_t n = static_cast<std::int64_t>(v.size());
    const int bins = static_cast<int>(sample.ints[kEBins]);
    std::int64_t total_pos = 0;
    for (const auto& e : v) total_pos += e.second ? 1 : 0;
    const double overall = n > 0 ? static_cast<double>(total_pos) / static_cast<double>(n) : kNaN;
    std::vector<GainRow> out;
    std::int64_t start = 0, cum_c = 0, cum_r = 0;
    for (int b = 0; b < bins; ++b) {
        const std::int64_t size = n / bins + (b < n % bins ? 1 : 0);
        GainRow g;
        g.bin = b + 1;
        g.customers = size;
        for (std::int64_t i = start; i < start + size; ++i) g.responders += v[static_cast<std::size_t>(i)].second ? 1 : 0;
        cum_c += size;
        cum_r += g.responders;
        g.cum_customers = cum_c;
        g.cum_responders = cum_r;
        g.max_score = size > 0 ? v[static_cast<std::size_t>(start)].first : kNaN;
        g.min_score = size > 0 ? v[static_cast<std::size_t>(start + size - 1)].first : kNaN;
        g.response_rate = size > 0 ? static_cast<double>(g.responders) / static_cast<double>(size) : kNaN;
        g.cum_response_rate = cum_c > 0 ? static_cast<double>(cum_r) / static_cast<double>(cum_c) : kNaN;
        g.lift = total_pos > 0 ? g.response_rate / overall : kNaN;
        g.cum_lift = total_pos > 0 ? g.cum_response_rate / overall : kNaN;
        g.cum_gain = total_pos > 0 ? static_cast<double>(cum_r) / static_cast<double>(total_pos) : kNaN;
        out.push_back(g);
        start += size;
    }
    return out;
}

// ---- score_bins ------------------------------------------------------------------------------

std::size_t bins_n_dbl(int bins) { return 2 + 3 * static_cast<std::size_t>(bins); }

void bins_init(void* mem, std::int64_t kind, int bins) {
    if (kind == kBinsCalibration) {
        check_bins(bins);
    } else {
        bins = 0;
    }
    PackedMut s = init_packed(mem, kBinsType, bins_n_dbl(bins), bins_n_dbl(bins));
    s.ints[kEKind] = kind;
    s.ints[kEBins] = bins;
}

void bins_add(PackedMut s, double score, bool label) {
    if (!(score >= 0.0 && score <= 1.0)) {
        fail(std::isnan(score) ? ErrorCode::InvalidParameter : ErrorCode::NumericOutOfRange,
             "score must be a probability between 0 and 1, got " + std::to_string(score));
    }
    const double y = label ? 1.0 : 0.0;
    CompensatedSum sum{s.dbl[0], s.dbl[1]};
    switch (s.ints[kEKind]) {
    case kBinsLogLoss: {
        const double p = std::clamp(score, kLogLossEpsilon, 1.0 - kLogLossEpsilon);
        sum.add(label ? -std::log(p) : -std::log1p(-p));
        break;
    }
    case kBinsBrier:
        sum.add((score - y) * (score - y));
        break;
    default: {
        const int bins = static_cast<int>(s.ints[kEBins]);
        const int b = std::min(static_cast<int>(score * bins), bins - 1);
        double* c = s.dbl + 2 + 3 * b;
        c[0] += 1;
        c[1] += score;
        c[2] += y;
        sum.add(score);
    }
    }
    s.dbl[0] = sum.hi;
    s.dbl[1] = sum.lo;
    ++s.ints[kEN];
}

void bins_combine(PackedMut a, const PackedView& b) {
    if (a.ints[kEKind] != b.ints[kEKind] || a.ints[kEBins] != b.ints[kEBins] || a.view().n_dbl() != b.n_dbl()) {
        fail(ErrorCode::InvalidParameter, "cannot combine c360.score_bins states of different kinds or bins");
    }
    CompensatedSum sum{a.dbl[0], a.dbl[1]};
    sum.add(CompensatedSum{b.dbl[0], b.dbl[1]});
    a.dbl[0] = sum.hi;
    a.dbl[1] = sum.lo;
    for (std::size_t j = 2; j < a.view().n_dbl(); ++j) a.dbl[j] += b.dbl[j];
    a.ints[kEN] += b.ints[kEN];
    a.ints[kENSkipped] += b.ints[kENSkipped];
}

std::optional<double> bins_mean(const PackedView& s) {
    if (s.ints[kEN] == 0) return std::nullopt;
    return (s.dbl[0] + s.dbl[1]) / static_cast<double>(s.ints[kEN]);
}

std::vector<CalibrationRow> calibration(const PackedView& s) {
    const int bins = static_cast<int>(s.ints[kEBins]);
    std::vector<CalibrationRow> out;
    for (int b = 0; b < bins; ++b) {
        const double* c = s.dbl + 2 + 3 * b;
        CalibrationRow r;
        r.bin = b + 1;
        r.lower = static_cast<double>(b) / bins;
        r.upper = static_cast<double>(b + 1) / bins;
        r.customers = static_cast<std::int64_t>(c[0]);
        r.responders = static_cast<std::int64_t>(c[2]);
        r.mean_score = c[0] > 0 ? c[1] / c[0] : kNaN;
        r.observed_rate = c[0] > 0 ? c[2] / c[0] : kNaN;
        out.push_back(r);
    }
    return out;
}

} // namespace c360::scoring
