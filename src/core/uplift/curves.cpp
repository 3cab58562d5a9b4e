#include "uplift/curves.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/codec.hpp"
#include "common/error.hpp"

namespace c360::uplift {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Cumulative counts at the end of each run of tied scores (rows sorted by descending score).
struct Run {
    double end; // position after the run
    Counts cum; // counts of rows [0, end)
};

std::vector<Run> runs_by_score(std::vector<UpliftRow>& rows) {
    std::sort(rows.begin(), rows.end(), [](const UpliftRow& a, const UpliftRow& b) { return a.score > b.score; });
    std::vector<Run> runs;
    Counts c;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if ((i & 0xFFFFF) == 0) {
            check_interrupts();
        }
        const UpliftRow& r = rows[i];
        if (r.treated != 0) {
            c.n_treatment += 1;
            c.conv_treatment += r.converted;
        } else {
            c.n_control += 1;
            c.conv_control += r.converted;
        }
        if (i + 1 == rows.size() || rows[i + 1].score != r.score) {
            runs.push_back({static_cast<double>(i + 1), c});
        }
    }
    return runs;
}

double qini_of(const Counts& c) {
    return c.conv_treatment - (c.n_control > 0 ? c.conv_control * c.n_treatment / c.n_control : 0.0);
}

double uplift_gain_of(const Counts& c, double k) {
    const double rt = c.n_treatment > 0 ? c.conv_treatment / c.n_treatment : 0.0;
    const double rc = c.n_control > 0 ? c.conv_control / c.n_control : 0.0;
    return (rt - rc) * k;
}

template <class F>
double area(const std::vector<Run>& runs, F value) {
    double a = 0, x0 = 0, y0 = 0;
    for (const Run& r : runs) {
        const double y = value(r);
        a += (r.end - x0) * (y + y0) / 2;
        x0 = r.end;
        y0 = y;
    }
    return a;
}

// Counts of rows [0, p): whole runs, plus the same fraction of each kind of row of the run cut.
Counts counts_at(const std::vector<Run>& runs, double p) {
    Counts out;
    if (runs.empty() || p <= 0) {
        return out;
    }
    auto it = std::lower_bound(runs.begin(), runs.end(), p, [](const Run& r, double v) { return r.end < v; });
    if (it == runs.end()) {
        return runs.back().cum;
    }
    const Counts prev = it == runs.begin() ? Counts{} : std::prev(it)->cum;
    const double start = it == runs.begin() ? 0.0 : std::prev(it)->end;
    const double f = (p - start) / (it->end - start);
    out.n_treatment = prev.n_treatment + f * (it->cum.n_treatment - prev.n_treatment);
    out.n_control = prev.n_control + f * (it->cum.n_control - prev.n_control);
    out.conv_treatment = prev.conv_treatment + f * (it->cum.conv_treatment - prev.conv_treatment);
    out.conv_control = prev.conv_control + f * (it->cum.conv_control - prev.conv_control);
    return out;
}

Counts minus(const Counts& a, const Counts& b) {
    return {a.n_treatment - b.n_treatment, a.n_control - b.n_control, a.conv_treatment - b.conv_treatment,
            a.conv_control - b.conv_control};
}

void require_rows(const std::vector<UpliftRow>& rows) {
    if (rows.empty()) {
        fail(ErrorCode::InvalidParameter, "no rows to evaluate");
    }
}

// sklift's normalisation: (model - random) / (perfect - random); random is the straight line to
// the curve's end point. NaN when the perfect curve is no better than random.
double normalised(double model, double perfect, double end_value, double n) {
    const double random = end_value * n / 2;
    const double denom = perfect - random;
    return denom != 0 ? (model - random) / denom : kNaN;
}

} // namespace

void check_row(const UpliftRow& r) {
    if (!std::isfinite(r.score)) {
        fail(ErrorCode::InvalidParameter, "score must be finite (NaN or infinite value)");
    }
}

namespace {

void validate_sample(const PackedView& v, ErrorCode code) {
    const UpliftRow* rows = sample_rows(v);
    for (std::size_t i = 0, n = packed_rows(v, kSampleType); i < n; ++i) {
        if ((rows[i].treated != 0 && rows[i].treated != 1) || (rows[i].converted != 0 && rows[i].converted != 1)) {
            codec::bad_value("c360.uplift_sample", code, "treated and converted must be 0 or 1");
        }
    }
}

} // namespace

static_assert(sizeof(UpliftRow) == 3 * sizeof(double), "rows of c360.uplift_sample are UpliftRow");

// 0.1.0: [vl_len][int32 version 1][double param][int64 count][int64 capacity][capacity x UpliftRow]
constexpr LegacyLayout kSampleLegacy{.tag_min = 1, .tag_max = 1, .tag_is_int = false, .binary = false};

const PackedType kSampleType{
    .sql_name = "c360.uplift_sample",
    .magic = 0x55534d50, // "USMP"
    .n_int = 0,
    .n_fixed = 1,
    .row_width = 3,
    .finite = true,
    .opaque_errors = true,
    .text = {.open = "upl1(", .field_sep = ',', .head_sep = ';', .count = CountForm::Double, .count_sep = ';',
             .value_sep = ',', .row_sep = ';'},
    .validate = &validate_sample,
    .limit_hint = "Evaluate on a random sample of the rows.",
    .legacy = &kSampleLegacy,
};

double qini_auc(std::vector<UpliftRow>& rows) {
    require_rows(rows);
    const double n = static_cast<double>(rows.size());
    const auto model = runs_by_score(rows);
    const double a_model = area(model, [](const Run& r) { return qini_of(r.cum); });
    const double end = qini_of(model.back().cum);
    // perfect ranking (negative effects allowed): treated responders first, control responders last
    for (UpliftRow& r : rows) {
        r.score = r.converted * (r.treated != 0 ? 1.0 : -1.0);
    }
    const auto perfect = runs_by_score(rows);
    const double a_perfect = area(perfect, [](const Run& r) { return qini_of(r.cum); });
    return normalised(a_model, a_perfect, end, n);
}

double uplift_auc(std::vector<UpliftRow>& rows) {
    require_rows(rows);
    const double n = static_cast<double>(rows.size());
    const auto model = runs_by_score(rows);
    const double a_model = area(model, [](const Run& r) { return uplift_gain_of(r.cum, r.end); });
    const double end = uplift_gain_of(model.back().cum, n);
    // sklift's perfect uplift score: 2 [y == w] + (y if #(y=1, w=0) > #(y=0, w=1) else w)
    double control_responders = 0, treated_non_responders = 0;
    for (const UpliftRow& r : rows) {
        control_responders += (r.converted != 0 && r.treated == 0) ? 1 : 0;
        treated_non_responders += (r.converted == 0 && r.treated != 0) ? 1 : 0;
    }
    const bool by_outcome = control_responders > treated_non_responders;
    for (UpliftRow& r : rows) {
        r.score = 2.0 * ((r.converted != 0) == (r.treated != 0) ? 1 : 0) + (by_outcome ? r.converted : r.treated);
    }
    const auto perfect = runs_by_score(rows);
    const double a_perfect = area(perfect, [](const Run& r) { return uplift_gain_of(r.cum, r.end); });
    return normalised(a_model, a_perfect, end, n);
}

double uplift_at_k(std::vector<UpliftRow>& rows, double k) {
    require_rows(rows);
    if (!std::isfinite(k) || k <= 0 || k > 1) {
        fail(ErrorCode::InvalidParameter, "k must be a share in (0, 1], e.g. 0.3 for the top 30 %");
    }
    const double n = static_cast<double>(rows.size());
    const auto runs = runs_by_score(rows);
    const Counts c = counts_at(runs, std::floor(n * k));
    if (c.n_treatment <= 0 || c.n_control <= 0) {
        return kNaN;
    }
    return c.conv_treatment / c.n_treatment - c.conv_control / c.n_control;
}

std::vector<PercentileBin> by_percentile(std::vector<UpliftRow>& rows, int bins) {
    require_rows(rows);
    if (bins < 1 || bins > 1000) {
        fail(ErrorCode::InvalidParameter, "bins must be between 1 and 1000");
    }
    const auto n = static_cast<std::int64_t>(rows.size());
    const auto runs = runs_by_score(rows);
    std::vector<PercentileBin> out;
    std::int64_t start = 0;
    for (int b = 0; b < bins; ++b) {
        const std::int64_t size = n / bins + (b < n % bins ? 1 : 0);
        const Counts c = minus(counts_at(runs, static_cast<double>(start + size)), counts_at(runs, static_cast<double>(start)));
        start += size;
        PercentileBin pb;
        pb.bin = b + 1;
        pb.counts = c;
        pb.rate_treatment = c.n_treatment > 0 ? c.conv_treatment / c.n_treatment : kNaN;
        pb.rate_control = c.n_control > 0 ? c.conv_control / c.n_control : kNaN;
        pb.uplift = pb.rate_treatment - pb.rate_control;
        const double vt = pb.rate_treatment * (1 - pb.rate_treatment) / c.n_treatment;
        const double vc = pb.rate_control * (1 - pb.rate_control) / c.n_control;
        pb.std_err = std::sqrt(vt + vc);
        out.push_back(pb);
    }
    return out;
}

std::vector<CurvePoint> curve(std::vector<UpliftRow>& rows, int points) {
    require_rows(rows);
    if (points < 1 || points > 100000) {
        fail(ErrorCode::InvalidParameter, "points must be between 1 and 100000");
    }
    const double n = static_cast<double>(rows.size());
    const auto runs = runs_by_score(rows);
    const double end = qini_of(runs.back().cum);
    std::vector<CurvePoint> out;
    for (int i = 0; i <= points; ++i) {
        const double p = std::round(n * i / points);
        CurvePoint cp;
        cp.position = p;
        cp.counts = counts_at(runs, p);
        cp.qini = qini_of(cp.counts);
        cp.uplift_gain = uplift_gain_of(cp.counts, p);
        cp.random_qini = end * p / n;
        out.push_back(cp);
    }
    return out;
}

} // namespace c360::uplift
