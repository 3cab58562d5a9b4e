#include "ltv/btyd.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common/codec.hpp"
#include "common/error.hpp"
#include "ltv/search.hpp"

namespace c360::clv {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxLogParam = 11.512925464970229; // ln 1e5

void bad(const std::string& m) { fail(ErrorCode::InvalidParameter, m); }

double logsumexp(double a, double b) {
    if (a == -kInf) return b;
    if (b == -kInf) return a;
    const double m = std::max(a, b);
    return m + std::log1p(std::exp(-std::abs(a - b)));
}

} // namespace

const char* summary_problem(Model m, double x, double t_x, double T) {
    if (!std::isfinite(x) || !std::isfinite(t_x) || !std::isfinite(T)) {
        return "customer summaries must be finite";
    }
    if (x < 0 || x != std::floor(x) || x > 1e9) {
        return "x (repeat transactions) must be a whole number >= 0";
    }
    if (m == Model::GammaGamma) {
        if (x < 1) return "Gamma-Gamma is fitted on repeat customers only (x >= 1)";
        if (!(t_x > 0)) return "mean transaction value must be > 0";
        return nullptr;
    }
    if (t_x < 0 || T < t_x) {
        return "need 0 <= t_x <= T (times in the model's unit since the first purchase)";
    }
    if (x == 0 && t_x != 0) {
        return "t_x must be 0 when x = 0";
    }
    if (x > 0 && T == 0) {
        return "repeat transactions (x > 0) need T > 0";
    }
    return nullptr;
}

void check_summary(Model m, double x, double t_x, double T) {
    if (const char* problem = summary_problem(m, x, t_x, T)) {
        bad(problem);
    }
}

namespace {

void validate_sample(const PackedView& v, ErrorCode code) {
    const std::int64_t kind = v.ints[kSampleKind];
    if (kind < 0 || kind > 2) {
        codec::bad_value("c360.clv_sample", code, "unknown model");
    }
    const double* r = packed_row_data(v, kSampleType);
    for (std::size_t i = 0, n = packed_rows(v, kSampleType); i < n; ++i, r += 3) {
        if (const char* problem = summary_problem(static_cast<Model>(kind), r[0], r[1], r[2])) {
            codec::bad_value("c360.clv_sample", code, problem);
        }
    }
}

} // namespace

// 0.1.0: [vl_len][int32 model][int64 count][int64 capacity][capacity x (x, t_x, T)]
constexpr LegacyLayout kSampleLegacy{.tag_min = 0, .tag_max = 2, .tag_is_int = true, .binary = false};

const PackedType kSampleType{
    .sql_name = "c360.clv_sample",
    .magic = 0x43534d50, // "CSMP"
    .n_int = 1,
    .n_fixed = 0,
    .row_width = 3,
    .finite = true,
    .opaque_errors = true,
    .text = {.open = "clv1(", .field_sep = ',', .head_sep = ';', .count = CountForm::Double, .count_sep = ';',
             .value_sep = ',', .row_sep = ';'},
    .validate = &validate_sample,
    .limit_hint = "Fit on a random sample of the customers.",
    .legacy = &kSampleLegacy,
};

void compress(std::vector<Summary>& rows) {
    std::sort(rows.begin(), rows.end(), [](const Summary& a, const Summary& b) {
        return a.x != b.x ? a.x < b.x : a.t_x != b.t_x ? a.t_x < b.t_x : a.T < b.T;
    });
    std::size_t out = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (out > 0 && rows[out - 1].x == rows[i].x && rows[out - 1].t_x == rows[i].t_x && rows[out - 1].T == rows[i].T) {
            rows[out - 1].weight += rows[i].weight;
        } else {
            rows[out++] = rows[i];
        }
    }
    rows.resize(out);
}

double hyp2f1(double a, double b, double c, double z) {
    if (!(z >= 0 && z < 1)) {
        bad("2F1: argument outside [0, 1)");
    }
    double term = 1, sum = 1;
    for (int n = 0; n < 10000000; ++n) {
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
        sum += term;
        if (std::abs(term) <= 1e-16 * std::abs(sum)) {
            return sum;
        }
        if (!std::isfinite(sum)) {
            return kInf;
        }
        if ((n & 0xFFFF) == 0xFFFF) {
            check_interrupts();
        }
    }
    fail(ErrorCode::NumericOutOfRange, "2F1 series did not converge");
}

namespace {

double bgnbd_ll(const double* p, double x, double t_x, double T) {
    const double r = p[0], alpha = p[1], a = p[2], b = p[3];
    const double a1 = std::lgamma(r + x) - std::lgamma(r) + r * std::log(alpha);
    const double a2 = std::lgamma(a + b) + std::lgamma(b + x) - std::lgamma(b) - std::lgamma(a + b + x);
    const double a3 = -(r + x) * std::log(alpha + T);
    if (x == 0) {
        return a1 + a2 + a3;
    }
    const double a4 = std::log(a) - std::log(b + x - 1) - (r + x) * std::log(alpha + t_x);
    return a1 + a2 + logsumexp(a3, a4);
}

// ln A0 of the Pareto/NBD likelihood (-inf when t_x = T).
double pnbd_log_a0(const double* p, double x, double t_x, double T) {
    const double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    if (t_x == T) {
        return -kInf;
    }
    const double c = r + s + x;
    const double m = std::max(alpha, beta);
    const double second = alpha >= beta ? s + 1 : r + x;
    const double d = std::abs(alpha - beta);
    const double z_max = d / (m + t_x);
    if (z_max > 0.9 || (c + second) * z_max / (1 - z_max) > 300) {
        // the 2F1 series would converge slowly: integrate instead. A0 = (r+s+x) I with
        // I = integral over [t_x, T] of (alpha+u)^-(r+x) (beta+u)^-(s+1) du (the dropout-time
        // density), computed relative to its value at t_x (the integrand there is 1).
        const double la = std::log(alpha + t_x), lb = std::log(beta + t_x);
        auto g = [&](double u) {
            return std::exp(-(r + x) * (std::log(alpha + u) - la) - (s + 1) * (std::log(beta + u) - lb));
        };
        const double integral = boost::math::quadrature::gauss_kronrod<double, 31>::integrate(g, t_x, T, 8, 1e-11);
        if (!(integral > 0)) {
            return -kInf;
        }
        return std::log(c) - (r + x) * la - (s + 1) * lb + std::log(integral);
    }
    const double f_tx = hyp2f1(c, second, c + 1, d / (m + t_x));
    const double f_T = hyp2f1(c, second, c + 1, d / (m + T));
    const double ratio = std::exp(c * (std::log(m + t_x) - std::log(m + T)));
    const double diff = f_tx - f_T * ratio;
    if (!(diff > 0)) {
        return -kInf; // rounding at t_x ~ T
    }
    return -c * std::log(m + t_x) + std::log(diff);
}

double pnbd_ll(const double* p, double x, double t_x, double T) {
    const double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    const double base = std::lgamma(r + x) - std::lgamma(r) + r * std::log(alpha) + s * std::log(beta);
    const double first = -(r + x) * std::log(alpha + T) - s * std::log(beta + T);
    const double la0 = pnbd_log_a0(p, x, t_x, T);
    const double second = la0 == -kInf ? -kInf : std::log(s) - std::log(r + s + x) + la0;
    return base + logsumexp(first, second);
}

double gg_ll(const double* p, double x, double zbar) {
    const double pp = p[0], q = p[1], g = p[2];
    return std::lgamma(pp * x + q) - std::lgamma(pp * x) - std::lgamma(q) + q * std::log(g) +
           (pp * x - 1) * std::log(zbar) + pp * x * std::log(x) - (pp * x + q) * std::log(g + x * zbar);
}

// Mean negative log-likelihood at log-parameters theta.
struct Objective {
    Model m;
    const std::vector<Summary>* rows;
    double total;
    double operator()(const double* theta) const {
        double p[4];
        for (int i = 0; i < n_params(m); ++i) {
            // parameters kept in [1e-5, 1e5]: past that lgamma differences lose their precision
            // (the optimum is then on the boundary and the fit reports converged = false)
            if (!(std::abs(theta[i]) <= kMaxLogParam)) return kInf;
            p[i] = std::exp(theta[i]);
            if (!(p[i] > 0) || !std::isfinite(p[i])) return kInf;
        }
        double ll = 0;
        if (m == Model::BgNbd) {
            // rows are sorted by x: the lgamma terms are computed once per distinct x
            const double r = p[0], alpha = p[1], a = p[2], b = p[3];
            const double log_alpha = std::log(alpha), log_a = std::log(a);
            double cached_x = -1, a12 = 0;
            for (const Summary& s : *rows) {
                if (s.x != cached_x) {
                    cached_x = s.x;
                    a12 = std::lgamma(r + s.x) - std::lgamma(r) + r * log_alpha + std::lgamma(a + b) +
                          std::lgamma(b + s.x) - std::lgamma(b) - std::lgamma(a + b + s.x);
                }
                const double a3 = -(r + s.x) * std::log(alpha + s.T);
                const double v = s.x == 0 ? a3
                                          : logsumexp(a3, log_a - std::log(b + s.x - 1) - (r + s.x) * std::log(alpha + s.t_x));
                ll += s.weight * (a12 + v);
            }
        } else {
            for (const Summary& s : *rows) {
                ll += s.weight * log_likelihood(m, p, s.x, s.t_x, s.T);
            }
        }
        const double v = -ll / total;
        return std::isfinite(v) ? v : kInf;
    }
};

} // namespace

double log_likelihood(Model m, const double* p, double x, double t_x, double T) {
    switch (m) {
    case Model::BgNbd: return bgnbd_ll(p, x, t_x, T);
    case Model::ParetoNbd: return pnbd_ll(p, x, t_x, T);
    case Model::GammaGamma: return gg_ll(p, x, t_x);
    }
    return kNaN;
}

Fit fit(Model m, std::vector<Summary>& rows) {
    if (rows.empty()) {
        bad("no customers to fit");
    }
    // a customer whose first purchase falls on the end of calibration (T = 0, hence x = t_x = 0) has
    // likelihood 1 whatever the parameters: no information, skipped (customers counts the others)
    if (m != Model::GammaGamma) {
        rows.erase(std::remove_if(rows.begin(), rows.end(), [](const Summary& s) { return s.T == 0; }), rows.end());
        if (rows.empty()) {
            fail(ErrorCode::InvalidParameter, "no customers to fit: every customer has T = 0", {},
                 "T = 0 means a first purchase on the end of calibration; choose an earlier calibration end.");
        }
    }
    compress(rows);
    double total = 0;
    for (const Summary& s : rows) total += s.weight;
    const Objective f{m, &rows, total};
    // the search asks for the objective point by point (search.hpp)
    Search search = search_start(m, false);
    search.total = total;
    search.rows = static_cast<std::int64_t>(rows.size());
    double values[kMaxSearchPoints];
    while (search.stage != Search::Done) {
        for (int j = 0; j < search.n_points; ++j) values[j] = f(search.points[j]);
        search_tell(search, values);
    }
    return search_result(search);
}

// ---- predictions ---------------------------------------------------------------------------

double bgnbd_p_alive(const double* p, double x, double t_x, double T) {
    if (x == 0) return 1.0;
    const double r = p[0], alpha = p[1], a = p[2], b = p[3];
    const double z = (r + x) * std::log((alpha + T) / (alpha + t_x)) + std::log(a / (b + x - 1));
    return 1 / (1 + std::exp(z));
}

double bgnbd_expected(const double* p, double t, double x, double t_x, double T) {
    const double r = p[0], alpha = p[1], a = p[2], b = p[3];
    if (t == 0) return 0;
    const double z = t / (alpha + T + t);
    const double f = hyp2f1(r + x, b + x, a + b + x - 1, z);
    const double num = (a + b + x - 1) / (a - 1) *
                       (1 - std::exp((r + x) * std::log((alpha + T) / (alpha + T + t))) * f);
    const double den_term = x > 0 ? a / (b + x - 1) * std::exp((r + x) * std::log((alpha + T) / (alpha + t_x))) : 0.0;
    return num / (1 + den_term);
}

double bgnbd_unconditional(const double* p, double t) {
    const double r = p[0], alpha = p[1], a = p[2], b = p[3];
    if (t == 0) return 0;
    return (a + b - 1) / (a - 1) * (1 - std::pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
}

double pnbd_p_alive(const double* p, double x, double t_x, double T) {
    const double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    const double la0 = pnbd_log_a0(p, x, t_x, T);
    if (la0 == -kInf) return 1.0;
    const double z = std::log(s) - std::log(r + s + x) + (r + x) * std::log(alpha + T) + s * std::log(beta + T) + la0;
    return 1 / (1 + std::exp(z));
}

double pnbd_expected(const double* p, double t, double x, double t_x, double T) {
    const double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    const double pa = pnbd_p_alive(p, x, t_x, T);
    double g;
    if (std::abs(s - 1) < 1e-10) {
        g = (r + x) * (beta + T) / (alpha + T) * std::log((beta + T + t) / (beta + T));
    } else {
        g = (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - std::pow((beta + T) / (beta + T + t), s - 1));
    }
    return pa * g;
}

double pnbd_unconditional(const double* p, double t) {
    const double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    if (std::abs(s - 1) < 1e-10) return r * beta / alpha * std::log((beta + t) / beta);
    return r * beta / (alpha * (s - 1)) * (1 - std::pow(beta / (beta + t), s - 1));
}

double gg_expected(const double* p, double x, double mean_value) {
    const double pp = p[0], q = p[1], g = p[2];
    const double denom = pp * x + q - 1;
    if (!(denom > 0)) return kNaN; // q <= 1 and x = 0: no finite population mean
    return pp * (g + x * (x > 0 ? mean_value : 0.0)) / denom;
}

double clv(Model transactions, const double* p, const double* gg, double x, double t_x, double T,
           double mean_value, int months, double monthly_rate, double units_per_month) {
    if (months < 1 || months > 1200) bad("horizon must be between 1 and 1200 months");
    if (!std::isfinite(monthly_rate) || monthly_rate < 0) bad("monthly discount rate must be >= 0 (a rate, e.g. 0.01 for 1% a month)");
    if (!std::isfinite(units_per_month) || units_per_month <= 0) bad("model time units per month must be > 0");
    const double spend = gg_expected(gg, x, mean_value);
    auto expected = [&](double t) {
        return transactions == Model::BgNbd ? bgnbd_expected(p, t, x, t_x, T) : pnbd_expected(p, t, x, t_x, T);
    };
    double total = 0, prev = 0;
    for (int k = 1; k <= months; ++k) {
        const double now = expected(k * units_per_month);
        total += spend * (now - prev) / std::pow(1 + monthly_rate, k);
        prev = now;
    }
    return total;
}

} // namespace c360::clv
