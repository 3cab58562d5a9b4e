#include "uplift/ab.hpp"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>

#include "common/codec.hpp"
#include "common/error.hpp"

namespace c360::uplift {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void bad(const std::string& message, const std::string& hint = {}) {
    fail(ErrorCode::InvalidParameter, message, {}, hint);
}

void fnv_step(std::uint32_t& h, std::uint32_t unit) {
    h ^= unit;
    h *= 16777619u;
}

// Feeds the UTF-16 code units of a UTF-8 string.
void fnv_utf8(std::uint32_t& h, std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        std::uint32_t cp;
        std::size_t len;
        if (b0 < 0x80) {
            cp = b0;
            len = 1;
        } else if ((b0 & 0xE0) == 0xC0) {
            cp = b0 & 0x1F;
            len = 2;
        } else if ((b0 & 0xF0) == 0xE0) {
            cp = b0 & 0x0F;
            len = 3;
        } else if ((b0 & 0xF8) == 0xF0) {
            cp = b0 & 0x07;
            len = 4;
        } else {
            bad("invalid UTF-8 in an id or salt");
        }
        if (i + len > s.size()) {
            bad("invalid UTF-8 in an id or salt");
        }
        for (std::size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) {
                bad("invalid UTF-8 in an id or salt");
            }
            cp = (cp << 6) | (b & 0x3F);
        }
        i += len;
        if (cp >= 0x10000) { // a surrogate pair, as JavaScript strings hold it
            cp -= 0x10000;
            fnv_step(h, 0xD800 + (cp >> 10));
            fnv_step(h, 0xDC00 + (cp & 0x3FF));
        } else {
            fnv_step(h, cp);
        }
    }
}

constexpr std::uint32_t kFnvOffset = 0x811C9DC5u;

bool finite(double v) { return std::isfinite(v); }

} // namespace

std::uint32_t fnv1a32_utf16(std::string_view utf8) {
    std::uint32_t h = kFnvOffset;
    fnv_utf8(h, utf8);
    return h;
}

double hash_v2(std::string_view seed, std::string_view id) {
    std::uint32_t h = kFnvOffset;
    fnv_utf8(h, seed);
    fnv_utf8(h, id);
    char digits[16];
    auto r = std::to_chars(digits, digits + sizeof digits, h);
    const std::uint32_t h2 = fnv1a32_utf16(std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
    return static_cast<double>(h2 % 10000u) / 10000.0;
}

double hash_v1(std::string_view seed, std::string_view id) {
    std::uint32_t h = kFnvOffset;
    fnv_utf8(h, id);
    fnv_utf8(h, seed);
    return static_cast<double>(h % 1000u) / 1000.0;
}

int choose_arm(double bucket, const std::vector<double>& weights) {
    if (weights.empty()) {
        bad("weights must not be empty");
    }
    double total = 0;
    for (double w : weights) {
        if (!finite(w) || w < 0) {
            bad("weights must be finite and >= 0");
        }
        total += w;
    }
    if (std::abs(total - 1.0) > 1e-9) {
        bad("weights must sum to 1 (they sum to " + std::to_string(total) + ")",
            "Divide each weight by their sum, e.g. ARRAY[0.1, 0.45, 0.45].");
    }
    double start = 0;
    int last_positive = -1;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (weights[i] > 0) {
            last_positive = static_cast<int>(i);
            if (bucket >= start && bucket < start + weights[i]) {
                return static_cast<int>(i);
            }
        }
        start += weights[i];
    }
    return last_positive; // rounding: a bucket just below 1 past a sum of 1 - 1e-16
}

// ---- moments -------------------------------------------------------------------------------

void add(Moments& m, double y, double x) {
    m.n += 1;
    const double dy = y - m.mean_y;
    const double dx = x - m.mean_x;
    m.mean_y += dy / m.n;
    m.mean_x += dx / m.n;
    m.m2_y += dy * (y - m.mean_y);
    m.m2_x += dx * (x - m.mean_x);
    m.c_xy += dx * (y - m.mean_y);
}

void merge(Moments& a, const Moments& b) {
    if (b.n == 0) {
        return;
    }
    if (a.n == 0) {
        a = b;
        return;
    }
    const double n = a.n + b.n;
    const double dy = b.mean_y - a.mean_y;
    const double dx = b.mean_x - a.mean_x;
    const double f = a.n * b.n / n;
    a.mean_y += dy * b.n / n;
    a.mean_x += dx * b.n / n;
    a.m2_y += b.m2_y + dy * dy * f;
    a.m2_x += b.m2_x + dx * dx * f;
    a.c_xy += b.c_xy + dx * dy * f;
    a.n = n;
}

double variance_y(const Moments& m) { return m.n >= 2 ? m.m2_y / (m.n - 1) : kNaN; }
double variance_x(const Moments& m) { return m.n >= 2 ? m.m2_x / (m.n - 1) : kNaN; }
double covariance(const Moments& m) { return m.n >= 2 ? m.c_xy / (m.n - 1) : kNaN; }

// ---- the state -----------------------------------------------------------------------------

AbState make_state(double confidence, std::uint32_t kind) {
    if (!finite(confidence) || confidence <= 0 || confidence >= 1) {
        bad("confidence must be between 0 and 1 (exclusive), e.g. 0.95");
    }
    AbState s;
    s.confidence = confidence;
    s.kind = kind;
    return s;
}

// A state never holds a non-finite moment (its text form could not be read back): an overflow is 22003.
static void check_moments(const AbState& s) {
    for (const Moments& m : s.arm) {
        for (double d : {m.n, m.mean_y, m.m2_y, m.mean_x, m.m2_x, m.c_xy}) {
            if (!finite(d)) {
                fail(ErrorCode::NumericOutOfRange, "outcome or covariate values out of range (float8 overflow)");
            }
        }
    }
}

void add_row(AbState& s, bool treated, double y, double x) {
    if (!finite(y)) {
        bad("outcome must be finite (NaN or infinite value)", "Filter or fix the row: WHERE outcome <> 'NaN'.");
    }
    if (!finite(x)) {
        bad("pre-period covariate must be finite (NaN or infinite value)");
    }
    add(s.arm[treated ? 1 : 0], y, x);
    check_moments(s);
}

void merge(AbState& into, const AbState& other) {
    if (into.confidence != other.confidence || into.kind != other.kind) {
        bad("cannot merge c360.ab_state values of different confidence levels or outcome kinds");
    }
    into.skipped += other.skipped;
    merge(into.arm[0], other.arm[0]);
    merge(into.arm[1], other.arm[1]);
    check_moments(into);
}

void validate(const AbState& s, ErrorCode code) {
    auto corrupt = [code] { codec::bad_value("c360.ab_state", code, "field out of range"); };
    if (s.version != 1 || s.kind > 3 || !finite(s.confidence) || s.confidence <= 0 || s.confidence >= 1 ||
        !finite(s.skipped) || s.skipped < 0) {
        corrupt();
    }
    for (const Moments& m : s.arm) {
        const double v[] = {m.n, m.mean_y, m.m2_y, m.mean_x, m.m2_x, m.c_xy};
        for (double d : v) {
            if (!finite(d)) {
                corrupt();
            }
        }
        if (m.n < 0 || m.n != std::floor(m.n) || m.m2_y < 0 || m.m2_x < 0 || m.n > 9.0e15) {
            corrupt();
        }
        if (s.kind == 1 && (m.mean_y < 0 || m.mean_y > 1)) {
            corrupt();
        }
    }
}

namespace {

constexpr FixedField kAbFields[] = {
    {offsetof(AbState, version), FieldType::U32, '\0'},
    {offsetof(AbState, kind), FieldType::U32, ','},
    {offsetof(AbState, confidence), FieldType::F64, ','},
    {offsetof(AbState, skipped), FieldType::F64, ';'},
    {offsetof(AbState, arm[0].n), FieldType::F64, ','},
    {offsetof(AbState, arm[0].mean_y), FieldType::F64, ','},
    {offsetof(AbState, arm[0].m2_y), FieldType::F64, ','},
    {offsetof(AbState, arm[0].mean_x), FieldType::F64, ','},
    {offsetof(AbState, arm[0].m2_x), FieldType::F64, ','},
    {offsetof(AbState, arm[0].c_xy), FieldType::F64, ';'},
    {offsetof(AbState, arm[1].n), FieldType::F64, ','},
    {offsetof(AbState, arm[1].mean_y), FieldType::F64, ','},
    {offsetof(AbState, arm[1].m2_y), FieldType::F64, ','},
    {offsetof(AbState, arm[1].mean_x), FieldType::F64, ','},
    {offsetof(AbState, arm[1].m2_x), FieldType::F64, ','},
    {offsetof(AbState, arm[1].c_xy), FieldType::F64, ')'},
};
static_assert(fields_cover(kAbFields, sizeof(AbState)));

} // namespace

const FixedType<AbState> kAbStateType{{"c360.ab_state", "ab1(", kAbFields, sizeof(AbState), true}, &validate};

// ---- distributions -------------------------------------------------------------------------

double normal_quantile(double p) { return boost::math::quantile(boost::math::normal(), p); }

double normal_two_sided_p(double z) {
    if (std::isnan(z)) {
        return kNaN;
    }
    // erfc keeps the tail's precision (no 1 - cdf cancellation)
    return std::min(1.0, std::erfc(std::abs(z) / std::sqrt(2.0)));
}

double t_quantile(double p, double df) {
    if (!(df > 0)) {
        return kNaN;
    }
    return boost::math::quantile(boost::math::students_t(df), p);
}

double t_two_sided_p(double t, double df) {
    if (std::isnan(t) || !(df > 0)) {
        return kNaN;
    }
    if (std::isinf(t)) {
        return 0.0;
    }
    const double tail = boost::math::cdf(boost::math::complement(boost::math::students_t(df), std::abs(t)));
    return std::min(1.0, 2.0 * tail);
}

// ---- binary outcomes -----------------------------------------------------------------------

namespace {

struct Wilson {
    double lower, upper;
};

Wilson wilson(double x, double n, double z) {
    const double p = x / n;
    const double z2 = z * z;
    const double denom = 1 + z2 / n;
    const double centre = (p + z2 / (2 * n)) / denom;
    const double half = z / denom * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double welch_df(double a, double na, double b, double nb) {
    // a = v_a / n_a, b = v_b / n_b
    const double num = (a + b) * (a + b);
    const double den = (na > 1 ? a * a / (na - 1) : kNaN) + (nb > 1 ? b * b / (nb - 1) : kNaN);
    return den > 0 ? num / den : kNaN;
}

struct Relative {
    double rel, lower, upper, p;
};

// Relative lift mu_t / mu_c - 1 with its delta-method variance (gbstats' form), t with Welch df.
Relative relative(double mu_c, double mu_t, double a_c, double a_t, double df, double confidence) {
    Relative r{kNaN, kNaN, kNaN, kNaN};
    if (!(mu_c != 0)) {
        return r;
    }
    r.rel = mu_t / mu_c - 1;
    const double var = a_t / (mu_c * mu_c) + a_c * mu_t * mu_t / (mu_c * mu_c * mu_c * mu_c);
    const double se = std::sqrt(var);
    if (!(se > 0) || std::isnan(df)) {
        return r;
    }
    const double q = t_quantile(0.5 + confidence / 2, df);
    r.lower = r.rel - q * se;
    r.upper = r.rel + q * se;
    r.p = t_two_sided_p(r.rel / se, df);
    return r;
}

} // namespace

BinaryResult binary_result(const AbState& s) {
    const Moments& c = s.arm[0];
    const Moments& t = s.arm[1];
    BinaryResult r;
    r.confidence = s.confidence;
    r.n_control = c.n;
    r.n_treatment = t.n;
    r.conversions_control = std::round(c.mean_y * c.n);
    r.conversions_treatment = std::round(t.mean_y * t.n);
    const double nan = kNaN;
    r.rate_control = c.n > 0 ? r.conversions_control / c.n : nan;
    r.rate_treatment = t.n > 0 ? r.conversions_treatment / t.n : nan;
    r.abs_lift = r.rate_treatment - r.rate_control;
    r.rel_lift = r.rate_control > 0 ? r.rate_treatment / r.rate_control - 1 : nan;
    r.z = r.p_value = r.wald_lower = r.wald_upper = r.newcombe_lower = r.newcombe_upper = nan;
    r.rel_lower = r.rel_upper = r.rel_p_value = nan;
    r.incremental_conversions = r.incremental_lower = r.incremental_upper = nan;
    if (c.n == 0 || t.n == 0) {
        return r; // one arm missing: rates of the other only
    }
    const double z = normal_quantile(0.5 + s.confidence / 2);
    const double pc = r.rate_control;
    const double pt = r.rate_treatment;
    const double pooled = (r.conversions_control + r.conversions_treatment) / (c.n + t.n);
    const double se0 = std::sqrt(pooled * (1 - pooled) * (1 / t.n + 1 / c.n));
    if (se0 > 0) {
        r.z = r.abs_lift / se0;
        r.p_value = normal_two_sided_p(r.z);
    } else {
        r.p_value = 1.0; // both arms all 0 or all 1: no difference, nothing to test
    }
    const double a_c = pc * (1 - pc) / c.n;
    const double a_t = pt * (1 - pt) / t.n;
    const double se = std::sqrt(a_c + a_t);
    r.wald_lower = r.abs_lift - z * se;
    r.wald_upper = r.abs_lift + z * se;
    const Wilson wt = wilson(r.conversions_treatment, t.n, z);
    const Wilson wc = wilson(r.conversions_control, c.n, z);
    r.newcombe_lower = r.abs_lift - std::sqrt((pt - wt.lower) * (pt - wt.lower) + (wc.upper - pc) * (wc.upper - pc));
    r.newcombe_upper = r.abs_lift + std::sqrt((wt.upper - pt) * (wt.upper - pt) + (pc - wc.lower) * (pc - wc.lower));
    const Relative rel = relative(pc, pt, a_c, a_t, welch_df(a_c, c.n, a_t, t.n), s.confidence);
    r.rel_lower = rel.lower;
    r.rel_upper = rel.upper;
    r.rel_p_value = rel.p;
    r.incremental_conversions = t.n * r.abs_lift;
    r.incremental_lower = t.n * r.newcombe_lower;
    r.incremental_upper = t.n * r.newcombe_upper;
    return r;
}

// ---- continuous outcomes -------------------------------------------------------------------

MeanResult mean_result(const AbState& s, bool cuped) {
    const Moments& c = s.arm[0];
    const Moments& t = s.arm[1];
    const double nan = kNaN;
    MeanResult r;
    r.confidence = s.confidence;
    r.n_control = c.n;
    r.n_treatment = t.n;
    r.mean_control = c.n > 0 ? c.mean_y : nan;
    r.mean_treatment = t.n > 0 ? t.mean_y : nan;
    r.sd_control = std::sqrt(variance_y(c));
    r.sd_treatment = std::sqrt(variance_y(t));
    r.diff = r.mean_treatment - r.mean_control;
    r.std_err = r.t = r.df = r.p_value = r.lower = r.upper = nan;
    r.rel_lift = r.rel_lower = r.rel_upper = r.rel_p_value = nan;
    r.incremental_total = r.incremental_lower = r.incremental_upper = nan;
    r.theta = r.variance_reduction = nan;
    if (c.n < 2 || t.n < 2) {
        r.rel_lift = r.mean_control != 0 ? r.mean_treatment / r.mean_control - 1 : nan;
        return r; // n < 2 in an arm: no variance, no test
    }
    double v_c = variance_y(c);
    double v_t = variance_y(t);
    double diff = r.diff;
    if (cuped) {
        Moments pooled = c;
        merge(pooled, t);
        const double vx = variance_x(pooled);
        const double theta = vx > 0 ? covariance(pooled) / vx : 0.0;
        r.theta = theta;
        const double raw = v_c / c.n + v_t / t.n;
        v_c = std::max(0.0, v_c + theta * theta * variance_x(c) - 2 * theta * covariance(c));
        v_t = std::max(0.0, v_t + theta * theta * variance_x(t) - 2 * theta * covariance(t));
        diff = (t.mean_y - theta * t.mean_x) - (c.mean_y - theta * c.mean_x);
        r.diff = diff;
        const double adjusted = v_c / c.n + v_t / t.n;
        r.variance_reduction = raw > 0 ? 1 - adjusted / raw : nan;
    }
    const double a_c = v_c / c.n;
    const double a_t = v_t / t.n;
    r.std_err = std::sqrt(a_c + a_t);
    r.df = welch_df(a_c, c.n, a_t, t.n);
    if (r.std_err > 0) {
        r.t = diff / r.std_err;
        r.p_value = t_two_sided_p(r.t, r.df);
        const double q = t_quantile(0.5 + s.confidence / 2, r.df);
        r.lower = diff - q * r.std_err;
        r.upper = diff + q * r.std_err;
    } else {
        r.p_value = diff == 0 ? 1.0 : 0.0; // no variance in either arm
        r.lower = r.upper = diff;
    }
    if (c.mean_y != 0) {
        // relative to the unadjusted control mean (as gbstats does with CUPED)
        const double mu_c = c.mean_y;
        const double mu_t = mu_c + diff;
        const Relative rel = relative(mu_c, mu_t, a_c, a_t, r.df, s.confidence);
        r.rel_lift = rel.rel;
        r.rel_lower = rel.lower;
        r.rel_upper = rel.upper;
        r.rel_p_value = rel.p;
    }
    r.incremental_total = t.n * diff;
    r.incremental_lower = t.n * r.lower;
    r.incremental_upper = t.n * r.upper;
    return r;
}

// ---- checks and planning -------------------------------------------------------------------

SrmResult srm(const std::vector<double>& observed, const std::vector<double>& weights) {
    if (observed.size() < 2) {
        bad("a sample ratio check needs at least two arms");
    }
    if (!weights.empty() && weights.size() != observed.size()) {
        bad("observed counts and weights must have the same length");
    }
    double total = 0;
    for (double o : observed) {
        if (!finite(o) || o < 0) {
            bad("observed counts must be finite and >= 0");
        }
        total += o;
    }
    double wsum = 0;
    for (double w : weights) {
        if (!finite(w) || w <= 0) {
            bad("expected weights must be finite and > 0");
        }
        wsum += w;
    }
    if (total <= 0) {
        bad("a sample ratio check needs at least one observation");
    }
    double chi2 = 0;
    for (std::size_t i = 0; i < observed.size(); ++i) {
        const double share = weights.empty() ? 1.0 / static_cast<double>(observed.size()) : weights[i] / wsum;
        const double e = share * total;
        chi2 += (observed[i] - e) * (observed[i] - e) / e;
    }
    const double df = static_cast<double>(observed.size() - 1);
    const double p = boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), chi2));
    return {chi2, df, std::clamp(p, 0.0, 1.0)};
}

namespace {

void check_design(double baseline, double alpha, double ratio) {
    if (!finite(baseline) || baseline <= 0 || baseline >= 1) {
        bad("baseline rate must be between 0 and 1 (exclusive)");
    }
    if (!finite(alpha) || alpha <= 0 || alpha >= 1) {
        bad("alpha must be between 0 and 1 (exclusive)");
    }
    if (!finite(ratio) || ratio <= 0) {
        bad("ratio (treatment size / control size) must be > 0");
    }
}

void check_effect(double baseline, double mde) {
    if (!finite(mde) || mde == 0 || baseline + mde <= 0 || baseline + mde >= 1) {
        bad("minimum detectable effect must be non-zero and keep baseline + effect between 0 and 1");
    }
}

// Standard deviations (per sqrt(control n)) of the difference under H0 and H1.
void sigmas(double p, double d, double k, double& s0, double& s1) {
    const double p2 = p + d;
    s0 = std::sqrt(p * (1 - p) * (1 + 1 / k));
    s1 = std::sqrt(p * (1 - p) + p2 * (1 - p2) / k);
}

} // namespace

double sample_size(double baseline, double mde, double alpha, double power, double ratio) {
    check_design(baseline, alpha, ratio);
    check_effect(baseline, mde);
    if (!finite(power) || power <= 0 || power >= 1) {
        bad("power must be between 0 and 1 (exclusive)");
    }
    double s0, s1;
    sigmas(baseline, mde, ratio, s0, s1);
    const double za = normal_quantile(1 - alpha / 2);
    const double zb = normal_quantile(power);
    const double n = (za * s0 + zb * s1) / mde;
    return n * n;
}

double power_of(double baseline, double mde, double n, double alpha, double ratio) {
    check_design(baseline, alpha, ratio);
    check_effect(baseline, mde);
    if (!finite(n) || n < 1) {
        bad("control size must be >= 1");
    }
    double s0, s1;
    sigmas(baseline, mde, ratio, s0, s1);
    const double za = normal_quantile(1 - alpha / 2);
    const boost::math::normal nd;
    const double root = std::sqrt(n);
    const double up = (std::abs(mde) * root - za * s0) / s1;
    const double down = (-std::abs(mde) * root - za * s0) / s1;
    return std::clamp(boost::math::cdf(nd, up) + boost::math::cdf(nd, down), 0.0, 1.0);
}

double minimum_detectable_effect(double baseline, double n, double alpha, double power, double ratio) {
    check_design(baseline, alpha, ratio);
    if (!finite(power) || power <= alpha / 2 || power >= 1) {
        bad("power must be between alpha/2 and 1 (exclusive)");
    }
    if (!finite(n) || n < 1) {
        bad("control size must be >= 1");
    }
    // bisection on the absolute increase: power is increasing in the effect
    double lo = 0;
    double hi = (1 - baseline) * (1 - 1e-12);
    if (power_of(baseline, hi, n, alpha, ratio) < power) {
        return kNaN; // not detectable even at a rate of 1
    }
    for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
        const double mid = (lo + hi) / 2;
        if (mid > 0 && power_of(baseline, mid, n, alpha, ratio) >= power) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    return hi;
}

} // namespace c360::uplift
