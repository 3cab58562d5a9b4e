#include "scoring/logit.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>

namespace c360::scoring {

namespace {

constexpr std::uint32_t kModelMagic = 0x4c4d444c; // "LMDL"
constexpr std::uint32_t kStatsMagic = 0x4c535453; // "LSTS"
constexpr std::uint32_t kRowsMagic = 0x4c524f57;  // "LROW"
constexpr int kMaxIterationsLimit = 10000;
// A column is aliased when its squared residual on the earlier columns (in the X'WX metric)
// is below this fraction of its squared norm: |residual| / |column| < 1e-6.
constexpr double kAliasTolerance = 1e-12;
// Fitted probabilities closer than this to 0 or 1 are reported (separation).
constexpr double kExtremeProbability = 1e-12;
// Below this relative decrement, a decrement that no longer shrinks quadratically means the
// iterates sit at the floating-point floor: converged.
constexpr double kStagnationDecrement = 1e-14;

[[noreturn]] void corrupt(ErrorCode code, const char* type, const std::string& why) {
    fail(code, std::string("invalid ") + type + " value", why);
}

bool is_flags(std::int64_t f) { return f >= 0 && f <= (kFlagIntercept | kFlagStandardize); }

std::size_t tri(int p) { return static_cast<std::size_t>(p) * static_cast<std::size_t>(p + 1) / 2; }
std::size_t row_offset(int a, int p) {
    return static_cast<std::size_t>(a) * static_cast<std::size_t>(p) -
           static_cast<std::size_t>(a) * static_cast<std::size_t>(a - 1) / 2;
}

// Offsets inside a stats value.
struct StatsLayout {
    int k, p;
    std::size_t beta, center, scale, xwx, grad, sum_x, sum_x2, n_dbl;
    StatsLayout(int k_, bool intercept) : k(k_), p(k_ + (intercept ? 1 : 0)) {
        beta = 1;
        center = beta + static_cast<std::size_t>(p);
        scale = center + static_cast<std::size_t>(k);
        xwx = scale + static_cast<std::size_t>(k);
        grad = xwx + tri(p);
        sum_x = grad + static_cast<std::size_t>(p);
        sum_x2 = sum_x + static_cast<std::size_t>(k);
        n_dbl = sum_x2 + static_cast<std::size_t>(k);
    }
};

void validate_model(const PackedView& v, ErrorCode code) {
    const char* t = "c360.logit_model";
    const std::int64_t* i = v.ints;
    if (i[kMK] < 0 || i[kMK] > kMaxFeatures) corrupt(code, t, "feature count out of range");
    if (!is_flags(i[kMFlags])) corrupt(code, t, "unknown flags");
    if (i[kMMaxIter] < 1 || i[kMMaxIter] > kMaxIterationsLimit) corrupt(code, t, "max_iterations out of range");
    if (i[kMStage] < kStageMoments || i[kMStage] > kStageDone) corrupt(code, t, "unknown stage");
    if (i[kMStage] == kStageMoments && !(i[kMFlags] & kFlagStandardize)) corrupt(code, t, "moments stage without standardisation");
    if (i[kMIterations] < 0 || i[kMIterations] > i[kMMaxIter]) corrupt(code, t, "iteration count out of range");
    const bool done = i[kMStage] == kStageDone;
    if (done != (i[kMStatus] == kStatusConverged || i[kMStatus] == kStatusMaxIterations) ||
        i[kMStatus] < kStatusRunning || i[kMStatus] > kStatusMaxIterations)
        corrupt(code, t, "status does not match the stage");
    if (i[kMWarnings] < 0 || i[kMWarnings] > (kWarnExtreme | kWarnAliased | kWarnSolverFallback))
        corrupt(code, t, "unknown warnings");
    if (i[kMNUsed] < 0 || i[kMNSkipped] < 0 || i[kMNPositive] < 0 || i[kMNPositive] > i[kMNUsed] ||
        i[kMNExtreme] < 0 || i[kMNExtreme] > i[kMNUsed])
        corrupt(code, t, "inconsistent row counts");
    if (done && (i[kMK] == 0 || i[kMNPositive] == 0 || i[kMNPositive] == i[kMNUsed]))
        corrupt(code, t, "a trained model needs features and both classes");
    const ModelLayout l = layout_of_model(v);
    if (v.n_dbl() != l.n_dbl) corrupt(code, t, "wrong number of values for the feature count");
    if (i[kMNAliased] < 0 || i[kMNAliased] > l.p) corrupt(code, t, "aliased count out of range");
    const double* d = v.dbl;
    for (std::size_t j = 0; j < l.n_dbl; ++j) {
        if (j == kMCondition) continue;
        if (!std::isfinite(d[j])) corrupt(code, t, "non-finite number");
    }
    if (!(d[kMCondition] >= 0)) corrupt(code, t, "negative or NaN condition number");
    if (d[kML2] < 0 || !(d[kMTolerance] > 0) || d[kMLogLik] > 0 || d[kMNullDeviance] < 0 || d[kMDecrement] < 0)
        corrupt(code, t, "scalar field out of range");
    std::int64_t aliased = 0;
    for (int j = 0; j < l.p; ++j) {
        const double a = d[l.aliased + j];
        if (a != 0.0 && a != 1.0) corrupt(code, t, "aliased flag is not 0 or 1");
        if (a == 1.0) {
            ++aliased;
            if (d[l.coef + j] != 0.0 || d[l.se + j] != 0.0) corrupt(code, t, "aliased coefficient is not 0");
        }
        if (d[l.se + j] < 0) corrupt(code, t, "negative standard error");
    }
    if (aliased != i[kMNAliased]) corrupt(code, t, "aliased count does not match the flags");
    const bool standardize = i[kMFlags] & kFlagStandardize;
    const bool centred = standardize && (i[kMFlags] & kFlagIntercept);
    for (int j = 0; j < l.k; ++j) {
        const double c = d[l.center + j], s = d[l.scale + j];
        if (!(s > 0) || (!standardize && s != 1.0) || (!centred && c != 0.0))
            corrupt(code, t, "invalid centre or scale");
    }
}

void validate_stats(const PackedView& v, ErrorCode code) {
    const char* t = "c360.logit_stats";
    const std::int64_t* i = v.ints;
    if (i[kSK] < 0 || i[kSK] > kMaxFeatures || (i[kSK] == 0 && i[kSNUsed] != 0))
        corrupt(code, t, "feature count out of range");
    if (!is_flags(i[kSFlags])) corrupt(code, t, "unknown flags");
    if (i[kSStage] != kStageMoments && i[kSStage] != kStageNewton) corrupt(code, t, "unknown stage");
    if (i[kSNUsed] < 0 || i[kSNSkipped] < 0 || i[kSNPositive] < 0 || i[kSNPositive] > i[kSNUsed] ||
        i[kSNExtreme] < 0 || i[kSNExtreme] > i[kSNUsed])
        corrupt(code, t, "inconsistent row counts");
    const StatsLayout l(static_cast<int>(i[kSK]), i[kSFlags] & kFlagIntercept);
    if (v.n_dbl() != l.n_dbl) corrupt(code, t, "wrong number of values for the feature count");
    if (!all_finite(v.dbl, l.n_dbl)) corrupt(code, t, "non-finite number");
    for (int j = 0; j < l.k; ++j)
        if (!(v.dbl[l.scale + j] > 0)) corrupt(code, t, "invalid scale");
}

void validate_rows(const PackedView& v, ErrorCode code) {
    const char* t = "c360.logit_rows";
    const std::int64_t* i = v.ints;
    if (i[kRK] < 0 || i[kRK] > kMaxFeatures) corrupt(code, t, "feature count out of range");
    if (!is_flags(i[kRFlags])) corrupt(code, t, "unknown flags");
    if (i[kRMaxIter] < 1 || i[kRMaxIter] > kMaxIterationsLimit) corrupt(code, t, "max_iterations out of range");
    if (i[kRNRows] < 0 || i[kRNSkipped] < 0 || (i[kRK] == 0 && i[kRNRows] != 0)) corrupt(code, t, "invalid row counts");
    const std::size_t width = static_cast<std::size_t>(i[kRK]) + 1;
    if (static_cast<std::uint64_t>(i[kRNRows]) > (kMaxPackedBytes / 8) / width ||
        v.n_dbl() != kRowsHeaderDbl + static_cast<std::size_t>(i[kRNRows]) * width)
        corrupt(code, t, "wrong number of values for the row count");
    const double* d = v.dbl;
    if (!std::isfinite(d[0]) || d[0] < 0 || !std::isfinite(d[1]) || !(d[1] > 0)) corrupt(code, t, "invalid options");
    for (std::int64_t r = 0; r < i[kRNRows]; ++r) {
        const double* row = d + kRowsHeaderDbl + static_cast<std::size_t>(r) * width;
        if (row[0] != 0.0 && row[0] != 1.0) corrupt(code, t, "label is not 0 or 1");
        if (!all_finite(row + 1, width - 1)) corrupt(code, t, "non-finite feature");
    }
}

// log(sigmoid(t)) without overflow or cancellation.
inline double log_sigmoid(double t) { return t >= 0 ? -std::log1p(std::exp(-t)) : t - std::log1p(std::exp(t)); }

inline std::int64_t flags_of(const Options& o) {
    return (o.intercept ? std::int64_t{kFlagIntercept} : 0) | (o.standardize ? std::int64_t{kFlagStandardize} : 0);
}

void check_row(const double* x, int k, bool& has_nan) {
    has_nan = false;
    for (int j = 0; j < k; ++j) {
        if (std::isnan(x[j])) {
            has_nan = true;
        } else if (std::isinf(x[j])) {
            fail(ErrorCode::NumericOutOfRange, "feature " + std::to_string(j + 1) + " is infinite",
                 {}, "Replace infinities (or use NULL / NaN to skip the row).");
        }
    }
}

} // namespace

const PackedType kModelType = list_type("c360.logit_model", "logit_model(", kModelMagic, kModelInts, &validate_model);
const PackedType kStatsType = list_type("c360.logit_stats", "logit_stats(", kStatsMagic, kStatsInts, &validate_stats);
const PackedType kRowsType = list_type("c360.logit_rows", "logit_rows(", kRowsMagic, kRowsInts, &validate_rows,
                                       "Use c360.logit_train (iterated, fixed-size statistics) for large tables.");

void check_options(const Options& o) {
    if (!std::isfinite(o.l2) || o.l2 < 0) {
        fail(ErrorCode::InvalidParameter, "l2 must be a finite number >= 0");
    }
    if (o.max_iterations < 1 || o.max_iterations > kMaxIterationsLimit) {
        fail(ErrorCode::InvalidParameter, "max_iterations must be between 1 and " + std::to_string(kMaxIterationsLimit));
    }
    if (!std::isfinite(o.tolerance) || !(o.tolerance > 0) || o.tolerance >= 1) {
        fail(ErrorCode::InvalidParameter, "tolerance must be > 0 and < 1");
    }
}

ModelLayout::ModelLayout(int k_, bool intercept) : k(k_), p(k_ + (intercept ? 1 : 0)) {
    coef = kModelScalars;
    se = coef + static_cast<std::size_t>(p);
    aliased = se + static_cast<std::size_t>(p);
    center = aliased + static_cast<std::size_t>(p);
    scale = center + static_cast<std::size_t>(k);
    n_dbl = scale + static_cast<std::size_t>(k);
}

ModelLayout layout_of_model(const PackedView& m) {
    return ModelLayout(static_cast<int>(m.ints[kMK]), m.ints[kMFlags] & kFlagIntercept);
}

PackedBuffer model_start(const Options& o) {
    check_options(o);
    const ModelLayout l(0, o.intercept);
    PackedBuffer b(kModelType, l.n_dbl);
    PackedMut m = b.mut();
    m.ints[kMFlags] = flags_of(o);
    m.ints[kMMaxIter] = o.max_iterations;
    m.ints[kMStage] = o.standardize ? kStageMoments : kStageNewton;
    m.dbl[kML2] = o.l2;
    m.dbl[kMTolerance] = o.tolerance;
    return b;
}

Options options_of_model(const PackedView& m) {
    Options o;
    o.intercept = m.ints[kMFlags] & kFlagIntercept;
    o.standardize = m.ints[kMFlags] & kFlagStandardize;
    o.l2 = m.dbl[kML2];
    o.max_iterations = static_cast<int>(m.ints[kMMaxIter]);
    o.tolerance = m.dbl[kMTolerance];
    return o;
}

bool model_done(const PackedView& m) { return m.ints[kMStage] == kStageDone; }
int model_features(const PackedView& m) { return static_cast<int>(m.ints[kMK]); }

// ---- statistics ------------------------------------------------------------------------------

std::size_t stats_n_dbl(int k, bool intercept) { return StatsLayout(k, intercept).n_dbl; }

void check_feature_count(int row_k) {
    if (row_k > kMaxFeatures) {
        fail(ErrorCode::ProgramLimitExceeded,
             "too many features: " + std::to_string(row_k) + " (the limit is " + std::to_string(kMaxFeatures) + ")",
             {}, "Select fewer features, or combine them (e.g. hashing, PCA) before training.");
    }
    if (row_k < 1) {
        fail(ErrorCode::InvalidParameter, "the feature array is empty");
    }
}

int stats_features_for(const PackedView& model, int row_k) {
    check_feature_count(row_k);
    const int k = model_features(model);
    if (k != 0 && k != row_k) {
        fail(ErrorCode::InvalidParameter,
             "feature array has " + std::to_string(row_k) + " values, the model has " + std::to_string(k));
    }
    return row_k;
}

void stats_init(void* mem, const PackedView& model, int k) {
    const bool intercept = model.ints[kMFlags] & kFlagIntercept;
    const StatsLayout l(k, intercept);
    PackedMut s = init_packed(mem, kStatsType, l.n_dbl, l.n_dbl);
    s.ints[kSK] = k;
    s.ints[kSFlags] = model.ints[kMFlags];
    s.ints[kSStage] = model.ints[kMStage];
    if (model_features(model) == 0) {
        for (int j = 0; j < k; ++j) s.dbl[l.scale + j] = 1.0;
    } else {
        const ModelLayout ml = layout_of_model(model);
        std::memcpy(s.dbl + l.beta, model.dbl + ml.coef, sizeof(double) * static_cast<std::size_t>(l.p));
        std::memcpy(s.dbl + l.center, model.dbl + ml.center, sizeof(double) * static_cast<std::size_t>(k));
        std::memcpy(s.dbl + l.scale, model.dbl + ml.scale, sizeof(double) * static_cast<std::size_t>(k));
    }
}

// c360.logit_stats never holds a non-finite number (logit_stats_out would refuse it): an overflow of the
// sums (features near 1e308) is 22003 at the row that caused it.
static void check_stats_finite(PackedMut s, const StatsLayout& l) {
    if (!all_finite(s.dbl, l.n_dbl)) {
        fail(ErrorCode::NumericOutOfRange, "feature values out of range: the sums overflow float8",
             {}, "Scale the features (e.g. divide by their standard deviation).");
    }
}

void stats_skip(PackedMut s) { ++s.ints[kSNSkipped]; }

void stats_add(PackedMut s, bool y, const double* x, int k) {
    if (k != s.ints[kSK]) {
        fail(ErrorCode::InvalidParameter, "feature array has " + std::to_string(k) + " values, expected " +
                                              std::to_string(s.ints[kSK]),
             {}, "Every row of a group must have the same number of features.");
    }
    bool has_nan = false;
    check_row(x, k, has_nan);
    if (has_nan) {
        ++s.ints[kSNSkipped];
        return;
    }
    const bool intercept = s.ints[kSFlags] & kFlagIntercept;
    const StatsLayout l(k, intercept);
    double* d = s.dbl;
    ++s.ints[kSNUsed];
    if (y) ++s.ints[kSNPositive];
    if (s.ints[kSStage] == kStageMoments) {
        for (int j = 0; j < k; ++j) {
            d[l.sum_x + j] += x[j];
            d[l.sum_x2 + j] += x[j] * x[j];
        }
        check_stats_finite(s, l);
        return;
    }
    double z[kMaxFeatures + 1];
    const int off = intercept ? 1 : 0;
    if (intercept) z[0] = 1.0;
    for (int j = 0; j < k; ++j) z[off + j] = (x[j] - d[l.center + j]) / d[l.scale + j];
    const int p = l.p;
    const double* beta = d + l.beta;
    double eta = 0.0;
    for (int a = 0; a < p; ++a) eta += beta[a] * z[a];
    double mu, one_minus_mu;
    if (eta >= 0) {
        const double e = std::exp(-eta);
        mu = 1.0 / (1.0 + e);
        one_minus_mu = e / (1.0 + e);
    } else {
        const double e = std::exp(eta);
        mu = e / (1.0 + e);
        one_minus_mu = 1.0 / (1.0 + e);
    }
    d[0] += y ? log_sigmoid(eta) : log_sigmoid(-eta);
    if (std::min(mu, one_minus_mu) < kExtremeProbability) ++s.ints[kSNExtreme];
    const double w = mu * one_minus_mu;
    const double r = y ? one_minus_mu : -mu;
    double* grad = d + l.grad;
    double* h = d + l.xwx;
    for (int a = 0; a < p; ++a) {
        grad[a] += r * z[a];
        const double wa = w * z[a];
        double* row = h - a; // row a starts at h, holds columns a..p-1
        for (int b = a; b < p; ++b) row[b] += wa * z[b];
        h += p - a;
    }
    check_stats_finite(s, l);
}

void stats_combine(PackedMut a, const PackedView& b) {
    const int k = static_cast<int>(a.ints[kSK]);
    const StatsLayout l(k, a.ints[kSFlags] & kFlagIntercept);
    if (b.ints[kSK] != k || b.ints[kSFlags] != a.ints[kSFlags] || b.ints[kSStage] != a.ints[kSStage] ||
        a.view().n_dbl() != l.n_dbl || b.n_dbl() != l.n_dbl ||
        std::memcmp(a.dbl + l.beta, b.dbl + l.beta, sizeof(double) * (l.xwx - l.beta)) != 0) {
        fail(ErrorCode::InvalidParameter, "cannot combine c360.logit_stats of different models or iterations");
    }
    for (int f : {kSNUsed, kSNSkipped, kSNPositive, kSNExtreme}) a.ints[f] += b.ints[f];
    a.dbl[0] += b.dbl[0];
    for (std::size_t j = l.xwx; j < l.n_dbl; ++j) a.dbl[j] += b.dbl[j];
    check_stats_finite(a, l);
}

// ---- the Newton step -------------------------------------------------------------------------

namespace {

struct Solved {
    Eigen::VectorXd step;
    Eigen::MatrixXd inverse; // only when asked
    bool fallback = false;
};

Solved solve(const Eigen::MatrixXd& h, const Eigen::VectorXd& g, bool want_inverse) {
    Solved out;
    const Eigen::Index m = h.rows();
    Eigen::LLT<Eigen::MatrixXd> llt(h);
    if (llt.info() == Eigen::Success) {
        out.step = llt.solve(g);
        if (want_inverse) out.inverse = llt.solve(Eigen::MatrixXd::Identity(m, m));
        if (out.step.allFinite()) return out;
    }
    out.fallback = true;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(h);
    if (ldlt.info() == Eigen::Success && ldlt.isPositive()) {
        out.step = ldlt.solve(g);
        if (want_inverse) out.inverse = ldlt.solve(Eigen::MatrixXd::Identity(m, m));
        if (out.step.allFinite()) return out;
    }
    Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(h);
    out.step = cod.solve(g);
    if (want_inverse) out.inverse = cod.pseudoInverse();
    if (!out.step.allFinite()) {
        fail(ErrorCode::NumericOutOfRange, "the Newton step is not finite (X'WX is singular)",
             {}, "Scale the features (c360.logit_options(standardize => true)) or add an L2 penalty.");
    }
    return out;
}

// Columns that are (numerically) linear combinations of earlier ones, by a sequential Cholesky
// factorisation of X'WX: R's rule for glm (keep the first of a dependent set, alias the later).
std::vector<bool> find_aliased(const Eigen::MatrixXd& h) {
    const Eigen::Index p = h.rows();
    std::vector<bool> aliased(static_cast<std::size_t>(p), false);
    Eigen::MatrixXd l = Eigen::MatrixXd::Zero(p, p);
    std::vector<Eigen::Index> kept;
    for (Eigen::Index j = 0; j < p; ++j) {
        const double hjj = h(j, j);
        if (!(hjj > 0)) {
            aliased[static_cast<std::size_t>(j)] = true;
            continue;
        }
        const Eigen::Index m = static_cast<Eigen::Index>(kept.size());
        Eigen::VectorXd v(m);
        for (Eigen::Index a = 0; a < m; ++a) {
            double s = h(kept[static_cast<std::size_t>(a)], j);
            for (Eigen::Index b = 0; b < a; ++b) s -= l(a, b) * v(b);
            v(a) = s / l(a, a);
        }
        const double d = hjj - v.squaredNorm();
        if (!(d > kAliasTolerance * hjj)) {
            aliased[static_cast<std::size_t>(j)] = true;
            continue;
        }
        l.row(m).head(m) = v.transpose();
        l(m, m) = std::sqrt(d);
        kept.push_back(j);
    }
    return aliased;
}

} // namespace

PackedBuffer model_update(const PackedView& model, const PackedView& stats) {
    const Options o = options_of_model(model);
    if (model_done(model)) {
        fail(ErrorCode::InvalidParameter, "the model is already trained");
    }
    if (stats.ints[kSNUsed] == 0) {
        fail(ErrorCode::InvalidParameter, "no rows to fit: every row has a NULL label or a NULL/NaN feature");
    }
    const int k = static_cast<int>(stats.ints[kSK]);
    const int old_k = model_features(model);
    if ((old_k != 0 && old_k != k) || stats.ints[kSFlags] != model.ints[kMFlags] ||
        stats.ints[kSStage] != model.ints[kMStage]) {
        fail(ErrorCode::InvalidParameter, "these c360.logit_stats were not computed with this model");
    }
    const StatsLayout sl(k, o.intercept);
    const ModelLayout l(k, o.intercept);
    const int p = l.p;
    PackedBuffer out(kModelType, l.n_dbl);
    PackedMut m = out.mut();
    std::memcpy(m.ints, model.ints, sizeof(std::int64_t) * kModelInts);
    std::memcpy(m.dbl, model.dbl, sizeof(double) * kModelScalars);
    m.ints[kMK] = k;
    if (old_k == 0) {
        for (int j = 0; j < k; ++j) m.dbl[l.scale + j] = 1.0;
    } else {
        std::memcpy(m.dbl + l.coef, model.dbl + l.coef, sizeof(double) * (l.n_dbl - l.coef));
    }
    // the statistics must belong to this iterate
    if (std::memcmp(stats.dbl + sl.beta, m.dbl + l.coef, sizeof(double) * static_cast<std::size_t>(p)) != 0 ||
        std::memcmp(stats.dbl + sl.center, m.dbl + l.center, sizeof(double) * static_cast<std::size_t>(k)) != 0 ||
        std::memcmp(stats.dbl + sl.scale, m.dbl + l.scale, sizeof(double) * static_cast<std::size_t>(k)) != 0) {
        fail(ErrorCode::InvalidParameter, "these c360.logit_stats were computed at other coefficients");
    }
    const std::int64_t n = stats.ints[kSNUsed];
    const std::int64_t npos = stats.ints[kSNPositive];
    const bool first_pass = old_k == 0;
    if (!first_pass && (n != model.ints[kMNUsed] || npos != model.ints[kMNPositive] ||
                        stats.ints[kSNSkipped] != model.ints[kMNSkipped])) {
        fail(ErrorCode::InvalidParameter, "the input rows changed between two passes of the fit",
             {}, "Train on a stable snapshot (a table or a materialised query).");
    }
    m.ints[kMNUsed] = n;
    m.ints[kMNSkipped] = stats.ints[kSNSkipped];
    m.ints[kMNPositive] = npos;
    if (npos == 0 || npos == n) {
        fail(ErrorCode::InvalidParameter,
             std::string("all ") + std::to_string(n) + " labels are " + (npos == 0 ? "false" : "true") +
                 ": a logistic regression needs both classes");
    }
    check_interrupts();
    double* d = m.dbl;
    if (m.ints[kMStage] == kStageMoments) {
        for (int j = 0; j < k; ++j) {
            const double dn = static_cast<double>(n);
            const double sx = stats.dbl[sl.sum_x + j], sxx = stats.dbl[sl.sum_x2 + j];
            const double mean = sx / dn;
            const double var = n > 1 ? std::max(0.0, (sxx - sx * mean) / (dn - 1)) : 0.0;
            const double sd = std::sqrt(var);
            d[l.center + j] = o.intercept ? mean : 0.0;
            d[l.scale + j] = (std::isfinite(sd) && sd > 0) ? sd : 1.0;
        }
        m.ints[kMStage] = kStageNewton;
        return out;
    }
    // X'WX (symmetric), gradient, penalty
    Eigen::MatrixXd h(p, p);
    for (int a = 0; a < p; ++a) {
        const double* row = stats.dbl + sl.xwx + row_offset(a, p) - a;
        for (int b = a; b < p; ++b) h(a, b) = h(b, a) = row[b];
    }
    Eigen::VectorXd g = Eigen::Map<const Eigen::VectorXd>(stats.dbl + sl.grad, p);
    const double ll = stats.dbl[0];
    const int off = o.intercept ? 1 : 0;
    if (first_pass || m.ints[kMIterations] == 0) {
        if (o.l2 == 0) {
            const std::vector<bool> al = find_aliased(h);
            std::int64_t count = 0;
            for (int j = 0; j < p; ++j) {
                d[l.aliased + j] = al[static_cast<std::size_t>(j)] ? 1.0 : 0.0;
                count += al[static_cast<std::size_t>(j)] ? 1 : 0;
            }
            m.ints[kMNAliased] = count;
            if (count > 0) m.ints[kMWarnings] |= kWarnAliased;
        }
    }
    std::vector<int> idx;
    for (int j = 0; j < p; ++j)
        if (d[l.aliased + j] == 0.0) idx.push_back(j);
    const Eigen::Index r = static_cast<Eigen::Index>(idx.size());
    Eigen::MatrixXd hr(r, r);
    Eigen::VectorXd gr(r);
    double penalty = 0.0;
    for (Eigen::Index a = 0; a < r; ++a) {
        const int ja = idx[static_cast<std::size_t>(a)];
        for (Eigen::Index b = 0; b < r; ++b) hr(a, b) = h(ja, idx[static_cast<std::size_t>(b)]);
        const double beta = d[l.coef + ja];
        gr(a) = g(ja);
        if (ja >= off && o.l2 > 0) {
            hr(a, a) += o.l2;
            gr(a) -= o.l2 * beta;
            penalty += 0.5 * o.l2 * beta * beta;
        }
    }
    const double objective = ll - penalty;
    const std::int64_t iterations = m.ints[kMIterations];
    const bool last_possible = iterations + 1 >= o.max_iterations;
    Solved s = solve(hr, gr, true);
    if (s.fallback) m.ints[kMWarnings] |= kWarnSolverFallback;
    const double decrement = std::abs(gr.dot(s.step)) / 2 / (std::abs(objective) + 0.1);
    const double previous = d[kMDecrement];
    const bool converged = decrement <= o.tolerance ||
                           (iterations >= 1 && decrement <= kStagnationDecrement && decrement >= previous / 4);
    for (Eigen::Index a = 0; a < r; ++a) d[l.coef + idx[static_cast<std::size_t>(a)]] += s.step(a);
    if (!std::all_of(d + l.coef, d + l.coef + p, [](double v) { return std::isfinite(v); })) {
        fail(ErrorCode::NumericOutOfRange, "the coefficients diverged",
             {}, "The classes are probably separated: add an L2 penalty, e.g. c360.logit_options(l2 => 1).");
    }
    m.ints[kMIterations] = iterations + 1;
    d[kMLogLik] = ll;
    d[kMObjective] = objective;
    d[kMDecrement] = decrement;
    if (!converged && !last_possible) {
        return out;
    }
    // final: standard errors and condition number at the last pass
    m.ints[kMStage] = kStageDone;
    m.ints[kMStatus] = converged ? kStatusConverged : kStatusMaxIterations;
    m.ints[kMNExtreme] = stats.ints[kSNExtreme];
    if (stats.ints[kSNExtreme] > 0 && o.l2 == 0) m.ints[kMWarnings] |= kWarnExtreme;
    for (int j = 0; j < p; ++j) d[l.se + j] = 0.0;
    for (Eigen::Index a = 0; a < r; ++a) {
        const double v = s.inverse(a, a);
        d[l.se + idx[static_cast<std::size_t>(a)]] = v > 0 && std::isfinite(v) ? std::sqrt(v) : 0.0;
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(hr, Eigen::EigenvaluesOnly);
    const double lo = eig.eigenvalues().minCoeff(), hi = eig.eigenvalues().maxCoeff();
    d[kMCondition] = lo > 0 ? std::sqrt(hi / lo) : std::numeric_limits<double>::infinity();
    const double dn = static_cast<double>(n), n1 = static_cast<double>(npos), n0 = dn - n1;
    d[kMNullDeviance] = o.intercept ? -2.0 * (n1 * std::log(n1 / dn) + n0 * std::log(n0 / dn)) : 2.0 * dn * std::log(2.0);
    return out;
}

// ---- rows buffered by c360.logit_fit ---------------------------------------------------------

void rows_init(void* mem, const Options& o, int k, std::size_t cap_dbl) {
    check_options(o);
    PackedMut r = init_packed(mem, kRowsType, kRowsHeaderDbl, cap_dbl);
    r.ints[kRK] = k;
    r.ints[kRFlags] = flags_of(o);
    r.ints[kRMaxIter] = o.max_iterations;
    r.dbl[0] = o.l2;
    r.dbl[1] = o.tolerance;
}

Options options_of_rows(const PackedView& r) {
    Options o;
    o.intercept = r.ints[kRFlags] & kFlagIntercept;
    o.standardize = r.ints[kRFlags] & kFlagStandardize;
    o.max_iterations = static_cast<int>(r.ints[kRMaxIter]);
    o.l2 = r.dbl[0];
    o.tolerance = r.dbl[1];
    return o;
}

bool rows_accept(const PackedView& r, const double* x, int k) {
    if (r.ints[kRK] != 0 && r.ints[kRK] != k) {
        fail(ErrorCode::InvalidParameter, "feature array has " + std::to_string(k) + " values, expected " +
                                              std::to_string(r.ints[kRK]),
             {}, "Every row of a group must have the same number of features.");
    }
    bool has_nan = false;
    check_row(x, k, has_nan);
    return !has_nan;
}

void rows_combine_check(const PackedView& a, const PackedView& b) {
    if (a.n_dbl() < kRowsHeaderDbl || b.n_dbl() < kRowsHeaderDbl) {
        fail(ErrorCode::DataCorrupted, "invalid c360.logit_rows value", "no options");
    }
    if (a.ints[kRFlags] != b.ints[kRFlags] || a.ints[kRMaxIter] != b.ints[kRMaxIter] || a.dbl[0] != b.dbl[0] ||
        a.dbl[1] != b.dbl[1]) {
        fail(ErrorCode::InvalidParameter, "the options must be the same for every row of a group");
    }
    if (a.ints[kRK] != 0 && b.ints[kRK] != 0 && a.ints[kRK] != b.ints[kRK]) {
        fail(ErrorCode::InvalidParameter, "feature arrays of different lengths in one group");
    }
}

PackedBuffer fit_rows(const PackedView& rows) {
    const Options o = options_of_rows(rows);
    const int k = static_cast<int>(rows.ints[kRK]);
    const std::int64_t n = rows.ints[kRNRows];
    if (n == 0) {
        fail(ErrorCode::InvalidParameter, "no rows to fit: every row has a NULL label or a NULL/NaN feature");
    }
    const std::size_t width = static_cast<std::size_t>(k) + 1;
    PackedBuffer model = model_start(o);
    const std::size_t n_dbl = stats_n_dbl(k, o.intercept);
    while (!model_done(model.view())) {
        PackedBuffer stats(kStatsType, n_dbl);
        stats_init(stats.mut().h, model.view(), k);
        PackedMut s = stats.mut();
        const double* row = rows.dbl + kRowsHeaderDbl;
        for (std::int64_t i = 0; i < n; ++i, row += width) {
            if ((i & 0xffff) == 0) check_interrupts();
            stats_add(s, row[0] != 0.0, row + 1, k);
        }
        s.ints[kSNSkipped] += rows.ints[kRNSkipped];
        model = model_update(model.view(), stats.view());
    }
    return model;
}

// ---- scoring and reporting -------------------------------------------------------------------

double predict(const PackedView& model, const double* x, int k) {
    if (!model_done(model)) {
        fail(ErrorCode::InvalidParameter, "the model is not trained yet");
    }
    const ModelLayout l = layout_of_model(model);
    if (k != l.k) {
        fail(ErrorCode::InvalidParameter,
             "feature array has " + std::to_string(k) + " values, the model has " + std::to_string(l.k),
             {}, "Build the features exactly as for training (same columns, same order).");
    }
    const double* d = model.dbl;
    const int off = l.p - l.k;
    double eta = off ? d[l.coef] : 0.0;
    for (int j = 0; j < k; ++j) {
        const double v = x[j];
        if (std::isnan(v)) return v;
        if (std::isinf(v)) {
            fail(ErrorCode::NumericOutOfRange, "feature " + std::to_string(j + 1) + " is infinite");
        }
        eta += d[l.coef + off + j] * ((v - d[l.center + j]) / d[l.scale + j]);
    }
    return eta >= 0 ? 1.0 / (1.0 + std::exp(-eta)) : std::exp(eta) / (1.0 + std::exp(eta));
}

Summary summarize(const PackedView& model) {
    if (!model_done(model)) {
        fail(ErrorCode::InvalidParameter, "the model is not trained yet");
    }
    const ModelLayout l = layout_of_model(model);
    const std::int64_t* i = model.ints;
    const double* d = model.dbl;
    Summary s;
    s.intercept = i[kMFlags] & kFlagIntercept;
    s.standardized = i[kMFlags] & kFlagStandardize;
    s.converged = i[kMStatus] == kStatusConverged;
    s.features = l.k;
    s.iterations = i[kMIterations];
    s.n_used = i[kMNUsed];
    s.n_skipped = i[kMNSkipped];
    s.n_positive = i[kMNPositive];
    s.n_extreme = i[kMNExtreme];
    s.n_aliased = i[kMNAliased];
    s.log_likelihood = d[kMLogLik];
    s.null_deviance = d[kMNullDeviance];
    s.deviance = -2.0 * d[kMLogLik];
    s.aic = s.deviance + 2.0 * static_cast<double>(l.p - s.n_aliased);
    s.condition_number = d[kMCondition];
    s.l2 = d[kML2];
    s.status = s.converged ? "converged" : "max_iterations";
    const boost::math::normal normal;
    const double q = boost::math::quantile(normal, 0.975);
    for (int j = 0; j < l.p; ++j) {
        Term t;
        t.aliased = d[l.aliased + j] != 0.0;
        t.coef = d[l.coef + j];
        t.std_err = d[l.se + j];
        t.odds_ratio = std::exp(t.coef);
        if (!t.aliased && t.std_err > 0) {
            t.z = t.coef / t.std_err;
            t.p_value = 2.0 * boost::math::cdf(boost::math::complement(normal, std::abs(t.z)));
            t.or_lower = std::exp(t.coef - q * t.std_err);
            t.or_upper = std::exp(t.coef + q * t.std_err);
        }
        s.terms.push_back(t);
    }
    if (!s.converged) {
        s.warnings.push_back("did not converge in " + std::to_string(s.iterations) + " iterations");
    }
    if (i[kMWarnings] & kWarnExtreme) {
        s.warnings.push_back(std::to_string(s.n_extreme) +
                             " fitted probabilities are numerically 0 or 1: the classes are (quasi-)separated");
    }
    if (i[kMWarnings] & kWarnAliased) {
        s.warnings.push_back(std::to_string(s.n_aliased) + " coefficients aliased (collinear features), set to 0");
    }
    if (i[kMWarnings] & kWarnSolverFallback) {
        s.warnings.push_back("X'WX was not numerically positive definite: Cholesky fell back to LDLT/QR");
    }
    return s;
}

} // namespace c360::scoring
