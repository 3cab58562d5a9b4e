// Lifetime value: BG/NBD, Pareto/NBD (transactions) and Gamma-Gamma (spend) models, fitted by
// maximum likelihood on compressed customer summaries, and their predictions.
// Formulas: Fader, Hardie & Lee (2005); Schmittlein, Morrison & Colombo (1987); Fader & Hardie
// (2013) "The Gamma-Gamma model of monetary value". docs/ltv.md.
#pragma once

#include <cstdint>
#include <vector>

#include "common/packed.hpp"

namespace c360::clv {

// One customer summary: x repeat transactions, t_x time of the last one since the first purchase,
// T age at the end of calibration (all in the model's time unit). For Gamma-Gamma: x and the mean
// repeat value in `t_x` (T unused). `weight` = number of identical customers.
struct Summary {
    double x, t_x, T, weight;
};

enum class Model { BgNbd, ParetoNbd, GammaGamma };

// Validates one customer (finite, x >= 0 integral, 0 <= t_x <= T; t_x = 0 when x = 0; for Gamma-Gamma
// x >= 1 and mean value > 0). Throws InvalidParameter.
void check_summary(Model m, double x, double t_x, double T);
// The same check without throwing: nullptr when the summary is valid, else what is wrong.
const char* summary_problem(Model m, double x, double t_x, double T);

// c360.clv_sample, the state of the fit aggregates (common/packed.hpp): ints {kind (Model)}, rows
// of (x, t_x, T), or (x, mean value, 0) for Gamma-Gamma, each a valid summary. Text form:
// clv1(kind;count;x,t_x,T;...).
extern const PackedType kSampleType;
inline constexpr int kSampleKind = 0; // index of the model kind in the integer fields
// Sorts and merges identical rows (weights added).
void compress(std::vector<Summary>& rows);

struct Fit {
    double p[4];         // BG/NBD r, alpha, a, b; Pareto/NBD r, alpha, s, beta; Gamma-Gamma p, q, gamma
    double log_likelihood;
    bool converged;
    int iterations;
    double customers;    // sum of weights
    double distinct;     // rows after compression
};
Fit fit(Model m, std::vector<Summary>& rows);

// Log-likelihood of one customer at parameters p.
double log_likelihood(Model m, const double* p, double x, double t_x, double T);

// Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1 by its series (converges for every z < 1).
double hyp2f1(double a, double b, double c, double z);

// BG/NBD predictions (p = r, alpha, a, b)
double bgnbd_expected(const double* p, double t, double x, double t_x, double T);
double bgnbd_p_alive(const double* p, double x, double t_x, double T);
double bgnbd_unconditional(const double* p, double t);
// Pareto/NBD predictions (p = r, alpha, s, beta)
double pnbd_expected(const double* p, double t, double x, double t_x, double T);
double pnbd_p_alive(const double* p, double x, double t_x, double T);
double pnbd_unconditional(const double* p, double t);
// Gamma-Gamma expected mean transaction value (p = p, q, gamma)
double gg_expected(const double* p, double x, double mean_value);
// CLV as lifetimes computes it: sum over months k = 1..months of
// spend * (E[Y(k u)] - E[Y((k - 1) u)]) / (1 + monthly_rate)^k, u = model time units per month.
double clv(Model transactions, const double* p, const double* gg, double x, double t_x, double T,
           double mean_value, int months, double monthly_rate, double units_per_month);

} // namespace c360::clv
