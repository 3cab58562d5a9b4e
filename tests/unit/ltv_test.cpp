// Unit tests of the lifetime-value core (no PostgreSQL): single-customer likelihoods and
// predictions against published / independently reproduced values (../shared/reference/clv.md),
// and simulation: data drawn from known parameters are fitted back within sampling error.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ltv/btyd.hpp"
#include "ltv_simulate.hpp"
#include "test_util.hpp"

using c360::ErrorCode;
using c360::test::code_of;
namespace clv = c360::clv;

TEST(Ltv, SingleCustomerLikelihoods) {
    const double bg[4] = {0.243, 4.414, 0.793, 2.426};
    const double pn[4] = {0.553, 10.578, 0.606, 11.669};
    const double gg[3] = {6.25, 3.74, 15.44};
    EXPECT_NEAR(clv::log_likelihood(clv::Model::BgNbd, bg, 0, 0, 38.86), -0.554713, 1e-6);
    EXPECT_NEAR(clv::log_likelihood(clv::Model::BgNbd, bg, 2, 30.43, 38.86), -9.458606, 1e-6);
    EXPECT_NEAR(clv::log_likelihood(clv::Model::BgNbd, bg, 7, 29.43, 38.86), -21.863276, 1e-6);
    EXPECT_NEAR(clv::log_likelihood(clv::Model::ParetoNbd, pn, 0, 0, 38.86), -0.521046, 1e-6);
    EXPECT_NEAR(clv::log_likelihood(clv::Model::ParetoNbd, pn, 2, 30.43, 38.86), -9.554283, 1e-6);
    EXPECT_NEAR(clv::log_likelihood(clv::Model::ParetoNbd, pn, 7, 29.43, 38.86), -21.594643, 1e-6);
    EXPECT_NEAR(clv::log_likelihood(clv::Model::GammaGamma, gg, 2, 22.35, 0), -3.551317, 1e-6);
    // pymc-marketing test_beta_geo.py (Hardie note 027): a 0.8, b 2.5, r 0.25, alpha 4, T 40
    const double pm[4] = {0.25, 4, 0.8, 2.5};
    EXPECT_NEAR(clv::log_likelihood(clv::Model::BgNbd, pm, 0, 0, 40), -0.59947382, 1e-5);
    EXPECT_NEAR(clv::log_likelihood(clv::Model::BgNbd, pm, 200, 38, 40), 100.7957, 1e-4);
}

TEST(Ltv, Predictions) {
    const double bg[4] = {0.243, 4.414, 0.793, 2.426};
    EXPECT_NEAR(clv::bgnbd_expected(bg, 39, 2, 30.43, 38.86), 1.226, 1e-3);
    EXPECT_NEAR(clv::bgnbd_p_alive(bg, 2, 30.43, 38.86), 0.7266, 1e-4);
    EXPECT_EQ(clv::bgnbd_p_alive(bg, 0, 0, 38.86), 1.0);
    EXPECT_EQ(clv::bgnbd_p_alive(bg, 1000, 10, 100), 0.0); // no overflow (lifetimes' test)
    // BTYD walkthrough, "increasing-frequency paradox" (t_x 20, T 39, t 52): BG 0.34746 at x = 10
    EXPECT_NEAR(clv::bgnbd_expected(bg, 52, 10, 20, 39), 0.34746, 2e-3);
    const double pn[4] = {0.553, 10.578, 0.606, 11.669};
    EXPECT_NEAR(clv::pnbd_expected(pn, 52, 10, 20, 39), 0.70623, 2e-3);
    EXPECT_NEAR(clv::pnbd_p_alive(pn, 2, 30.43, 38.86), 0.8691, 1e-4);
    EXPECT_EQ(clv::pnbd_p_alive(pn, 3, 20, 20), 1.0); // t_x = T: A0 = 0
    const double gg[3] = {6.25, 3.74, 15.44};
    const double clv_1 = clv::clv(clv::Model::BgNbd, bg, gg, 2, 30.43, 38.86, 22.35, 12, 0.01, 4.345);
    EXPECT_NEAR(clv_1, 36.2892, 1e-3);
    // d = 0 gives spend x E[Y(12 x 4.345)]
    EXPECT_NEAR(clv::clv(clv::Model::BgNbd, bg, gg, 2, 30.43, 38.86, 22.35, 12, 0.0, 4.345), 38.5285, 1e-3);
    EXPECT_EQ(code_of([&] { clv::clv(clv::Model::BgNbd, bg, gg, 2, 30.43, 38.86, 22.35, 0, 0.01, 4.345); }),
              ErrorCode::InvalidParameter);
}

TEST(Ltv, SimulatedBgNbdIsRecovered) {
    // 40,000 customers observed for 52 weeks from r 0.5, alpha 6, a 0.7, b 2.5
    std::mt19937_64 rng(20261123);
    const double r = 0.5, alpha = 6, a = 0.7, b = 2.5, T = 52;
    std::gamma_distribution<double> lambda_d(r, 1 / alpha);
    std::gamma_distribution<double> ga(a, 1), gb(b, 1);
    std::vector<clv::Summary> rows;
    for (int i = 0; i < 40000; ++i) {
        const double lambda = lambda_d(rng);
        const double xa = ga(rng), xb = gb(rng);
        const double p = xa / (xa + xb);
        const auto [x, last] = c360::test::simulate_bgnbd_customer(rng, lambda, p, T);
        rows.push_back({static_cast<double>(x), last, T, 1});
    }
    const clv::Fit f = clv::fit(clv::Model::BgNbd, rows);
    EXPECT_TRUE(f.converged);
    // sampling error at this size: about 4 % on r and alpha, 10-15 % on a and b
    EXPECT_NEAR(f.p[0], r, 0.10 * r);
    EXPECT_NEAR(f.p[1], alpha, 0.12 * alpha);
    EXPECT_NEAR(f.p[2], a, 0.25 * a);
    EXPECT_NEAR(f.p[3], b, 0.30 * b);
}

TEST(Ltv, SimulatedGammaGammaIsRecovered) {
    std::mt19937_64 rng(7);
    const double p = 6, q = 4, gamma = 15;
    std::gamma_distribution<double> nu_d(q, 1 / gamma);
    std::poisson_distribution<int> extra(3);
    std::vector<clv::Summary> rows;
    for (int i = 0; i < 100000; ++i) { // 100,000 repeat customers: sampling error about 4 % on p and gamma
        const double nu = nu_d(rng);
        std::gamma_distribution<double> z(p, 1 / nu);
        const int x = 1 + extra(rng);
        double sum = 0;
        for (int k = 0; k < x; ++k) sum += z(rng);
        rows.push_back({static_cast<double>(x), sum / x, 0, 1});
    }
    const clv::Fit f = clv::fit(clv::Model::GammaGamma, rows);
    EXPECT_TRUE(f.converged);
    EXPECT_NEAR(f.p[0], p, 0.10 * p);
    EXPECT_NEAR(f.p[1], q, 0.05 * q);
    EXPECT_NEAR(f.p[2], gamma, 0.10 * gamma);
    // population mean p gamma / (q - 1) within 3 %
    EXPECT_NEAR(f.p[0] * f.p[2] / (f.p[1] - 1), p * gamma / (q - 1), 0.03 * p * gamma / (q - 1));
}

// A first purchase on the end of calibration (T = 0) carries no information: skipped, the fit the
// same as without those customers, which customers does not count (issue 15: btyd_summary output).
TEST(Ltv, ZeroAgeCustomersSkipped) {
    for (const clv::Model m : {clv::Model::BgNbd, clv::Model::ParetoNbd}) {
        std::vector<clv::Summary> base = {{0, 0, 30, 40}, {1, 10, 30, 20}, {2, 25, 30, 15}, {3, 12, 28, 10},
                                          {0, 0, 20, 30}, {5, 19, 22, 5},  {1, 3, 25, 12}};
        std::vector<clv::Summary> with_new = base;
        with_new.push_back({0, 0, 0, 25});
        const clv::Fit a = clv::fit(m, base);
        const clv::Fit b = clv::fit(m, with_new);
        for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(a.p[i], b.p[i]);
        EXPECT_DOUBLE_EQ(a.log_likelihood, b.log_likelihood);
        EXPECT_EQ(b.customers, a.customers);
        EXPECT_EQ(clv::summary_problem(m, 0, 0, 0), nullptr);
        EXPECT_NE(clv::summary_problem(m, 1, 0, 0), nullptr); // repeats need T > 0
        std::vector<clv::Summary> only_new = {{0, 0, 0, 3}};
        EXPECT_EQ(code_of([&] { clv::fit(m, only_new); }), ErrorCode::InvalidParameter);
    }
}

TEST(Ltv, BadSummaries) {
    std::vector<clv::Summary> empty;
    EXPECT_EQ(code_of([&] { clv::fit(clv::Model::BgNbd, empty); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { clv::check_summary(clv::Model::BgNbd, 1, 5, 4); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { clv::check_summary(clv::Model::GammaGamma, 0, 5, 0); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([] { clv::hyp2f1(1, 1, 2, 1.0); }), ErrorCode::InvalidParameter);
}
