// Unit tests of the scoring core: logistic regression and evaluation (no PostgreSQL).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "test_util.hpp"
#include "scoring/evaluate.hpp"
#include "scoring/logit.hpp"

using c360::Error;
using c360::ErrorCode;
using c360::test::code_of;
namespace sc = c360::scoring;

namespace {

// rows: y, x1..xk per row
c360::PackedBuffer make_rows(const std::vector<std::vector<double>>& rows, int k, const sc::Options& o) {
    const std::size_t n_dbl = sc::kRowsHeaderDbl + rows.size() * static_cast<std::size_t>(k + 1);
    c360::PackedBuffer b(sc::kRowsType, n_dbl);
    sc::rows_init(b.mut().h, o, k, n_dbl);
    c360::PackedMut m = b.mut();
    m.h->n_dbl = n_dbl;
    m.ints[sc::kRNRows] = static_cast<std::int64_t>(rows.size());
    std::size_t at = sc::kRowsHeaderDbl;
    for (const auto& r : rows)
        for (double v : r) m.dbl[at++] = v;
    return b;
}

// MADlib's logregr_train documentation example: second_attack ~ treatment + trait_anxiety.
const std::vector<std::vector<double>> kPatients = {
    {1, 1, 70}, {1, 1, 80}, {1, 1, 50}, {1, 0, 60}, {1, 0, 40}, {1, 0, 65}, {1, 0, 75},
    {1, 0, 80}, {1, 0, 70}, {1, 0, 60}, {0, 1, 65}, {0, 1, 50}, {0, 1, 45}, {0, 1, 35},
    {0, 1, 40}, {0, 1, 50}, {0, 0, 55}, {0, 0, 45}, {0, 0, 50}, {0, 0, 60}};

double rel(double a, double b) { return std::abs(a - b) / std::abs(b); }

} // namespace

TEST(Logit, MadlibPatientsExample) {
    const c360::PackedBuffer rows = make_rows(kPatients, 2, {});
    const c360::PackedBuffer model = sc::fit_rows(rows.view());
    const sc::Summary s = sc::summarize(model.view());
    ASSERT_EQ(s.terms.size(), 3u);
    EXPECT_TRUE(s.converged);
    const double coef[] = {-6.36346994178192, -1.02410605239327, 0.119044916668607};
    const double se[] = {3.21389766375099, 1.17107844860319, 0.0549790458269317};
    const double pv[] = {0.0477051870698145, 0.381846973530455, 0.0303664045046183};
    for (int j = 0; j < 3; ++j) {
        EXPECT_LT(std::abs(s.terms[j].coef - coef[j]), 1e-8) << j;
        EXPECT_LT(rel(s.terms[j].std_err, se[j]), 1e-5) << j;
        // MADlib reports se and p at the iterate before the last: about 2e-6 (se), 1.3e-5 (p) away
        EXPECT_LT(rel(s.terms[j].p_value, pv[j]), 5e-5) << j;
    }
    EXPECT_LT(std::abs(s.log_likelihood - -9.41018298388876), 1e-9);
    EXPECT_LT(rel(s.condition_number, 326.081922791575), 1e-4);
    EXPECT_EQ(s.n_used, 20);
    // text round trip is exact
    const std::string text = c360::to_text(model.view(), sc::kModelType);
    const c360::PackedBuffer back = c360::from_text(text, sc::kModelType);
    EXPECT_EQ(c360::to_text(back.view(), sc::kModelType), text);
    // predictions: MADlib's logregr_predict_prob of patient 1 and 14
    const double x1[] = {1, 70}, x14[] = {1, 35};
    EXPECT_LT(std::abs(sc::predict(model.view(), x1, 2) - 0.720223028941527), 1e-9);
    EXPECT_LT(std::abs(sc::predict(model.view(), x14, 2) - 0.0383829143134982), 1e-9);
}

TEST(Logit, StandardizedFitGivesTheSamePredictions) {
    sc::Options o;
    o.standardize = true;
    const c360::PackedBuffer plain = sc::fit_rows(make_rows(kPatients, 2, {}).view());
    const c360::PackedBuffer stdz = sc::fit_rows(make_rows(kPatients, 2, o).view());
    for (const auto& r : kPatients) {
        EXPECT_NEAR(sc::predict(plain.view(), r.data() + 1, 2), sc::predict(stdz.view(), r.data() + 1, 2), 1e-12);
    }
    EXPECT_NEAR(sc::summarize(plain.view()).log_likelihood, sc::summarize(stdz.view()).log_likelihood, 1e-10);
}

TEST(Logit, CollinearColumnIsAliased) {
    std::vector<std::vector<double>> rows;
    for (const auto& r : kPatients) rows.push_back({r[0], r[1], r[2], 2 * r[1] + 1});
    const c360::PackedBuffer model = sc::fit_rows(make_rows(rows, 3, {}).view());
    const sc::Summary s = sc::summarize(model.view());
    EXPECT_EQ(s.n_aliased, 1);
    EXPECT_TRUE(s.terms[3].aliased);
    EXPECT_LT(std::abs(s.terms[0].coef - -6.36346994178192), 1e-8);
    EXPECT_LT(std::abs(s.log_likelihood - -9.41018298388876), 1e-9);
    EXPECT_FALSE(s.warnings.empty());
}

TEST(Logit, SeparationIsReported) {
    std::vector<std::vector<double>> rows;
    for (int i = 0; i < 20; ++i) rows.push_back({i < 10 ? 0.0 : 1.0, static_cast<double>(i)});
    const sc::Summary s = sc::summarize(sc::fit_rows(make_rows(rows, 1, {}).view()).view());
    EXPECT_GT(s.n_extreme, 0);
    ASSERT_FALSE(s.warnings.empty());
    // with a penalty the fit is finite and quiet
    sc::Options o;
    o.l2 = 1.0;
    const sc::Summary p = sc::summarize(sc::fit_rows(make_rows(rows, 1, o).view()).view());
    EXPECT_TRUE(p.converged);
    EXPECT_TRUE(p.warnings.empty());
}

TEST(Logit, BadInput) {
    EXPECT_EQ(code_of([] { sc::fit_rows(make_rows({{1, 1}, {1, 2}}, 1, {}).view()); }), ErrorCode::InvalidParameter);
    sc::Options o;
    o.max_iterations = 0;
    EXPECT_EQ(code_of([&] { sc::check_options(o); }), ErrorCode::InvalidParameter);
    const c360::PackedBuffer model = sc::fit_rows(make_rows(kPatients, 2, {}).view());
    const double x[] = {1, 2, 3};
    EXPECT_EQ(code_of([&] { sc::predict(model.view(), x, 3); }), ErrorCode::InvalidParameter);
    const double inf[] = {1, INFINITY};
    EXPECT_EQ(code_of([&] { sc::predict(model.view(), inf, 2); }), ErrorCode::NumericOutOfRange);
    const double nan[] = {1, NAN};
    EXPECT_TRUE(std::isnan(sc::predict(model.view(), nan, 2)));
    EXPECT_EQ(code_of([&] { sc::stats_features_for(sc::model_start({}).view(), 10000); }),
              ErrorCode::ProgramLimitExceeded);
    // corrupted text
    std::string text = c360::to_text(model.view(), sc::kModelType);
    EXPECT_EQ(code_of([&] { c360::from_text(text.substr(0, text.size() - 3), sc::kModelType); }),
              ErrorCode::InvalidTextRepresentation);
    std::string neg = text;
    neg.replace(neg.find('(') + 1, 1, "7"); // k = 7: sizes no longer match
    EXPECT_EQ(code_of([&] { c360::from_text(neg, sc::kModelType); }), ErrorCode::InvalidTextRepresentation);
}

TEST(Logit, IteratedStatisticsMatchTheRowFit) {
    // two halves combined, as parallel workers would
    std::mt19937_64 rng(7);
    std::normal_distribution<double> nd;
    std::vector<std::vector<double>> rows;
    for (int i = 0; i < 2000; ++i) {
        const double a = nd(rng), b = nd(rng) * 3 + 1;
        const double eta = 0.5 + 1.2 * a - 0.4 * b;
        rows.push_back({std::uniform_real_distribution<double>()(rng) < 1 / (1 + std::exp(-eta)) ? 1.0 : 0.0, a, b});
    }
    const c360::PackedBuffer direct = sc::fit_rows(make_rows(rows, 2, {}).view());
    c360::PackedBuffer model = sc::model_start({});
    const std::size_t n_dbl = sc::stats_n_dbl(2, true);
    while (!sc::model_done(model.view())) {
        c360::PackedBuffer s1(sc::kStatsType, n_dbl), s2(sc::kStatsType, n_dbl);
        sc::stats_init(s1.mut().h, model.view(), 2);
        sc::stats_init(s2.mut().h, model.view(), 2);
        for (std::size_t i = 0; i < rows.size(); ++i)
            sc::stats_add((i % 2 ? s1 : s2).mut(), rows[i][0] != 0, rows[i].data() + 1, 2);
        sc::stats_combine(s1.mut(), s2.view());
        model = sc::model_update(model.view(), s1.view());
    }
    const sc::Summary a = sc::summarize(direct.view()), b = sc::summarize(model.view());
    for (std::size_t j = 0; j < a.terms.size(); ++j) {
        EXPECT_LT(rel(a.terms[j].coef, b.terms[j].coef), 1e-10);
        EXPECT_LT(rel(a.terms[j].std_err, b.terms[j].std_err), 1e-10);
    }
}

// ---- evaluation ------------------------------------------------------------------------------

namespace {
c360::PackedBuffer make_sample(const std::vector<std::pair<double, bool>>& v, std::int64_t kind, int bins) {
    c360::PackedBuffer b(sc::kSampleType, 2 * v.size());
    sc::sample_init(b.mut().h, kind, bins, 2 * v.size());
    c360::PackedMut m = b.mut();
    m.h->n_dbl = 2 * v.size();
    m.ints[sc::kEN] = static_cast<std::int64_t>(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        m.dbl[2 * i] = v[i].first;
        m.dbl[2 * i + 1] = v[i].second ? 1 : 0;
    }
    return b;
}
} // namespace

TEST(Evaluate, AucMatchesPairCounting) {
    std::mt19937_64 rng(11);
    std::vector<std::pair<double, bool>> v;
    for (int i = 0; i < 500; ++i) v.push_back({static_cast<double>(rng() % 20) / 20, rng() % 3 == 0});
    double wins = 0, pairs = 0;
    for (const auto& a : v)
        for (const auto& b : v)
            if (a.second && !b.second) {
                pairs += 1;
                wins += a.first > b.first ? 1.0 : a.first == b.first ? 0.5 : 0.0;
            }
    EXPECT_DOUBLE_EQ(*sc::auc(make_sample(v, sc::kSampleAuc, 0).view()), wins / pairs);
    EXPECT_FALSE(sc::auc(make_sample({{0.1, true}, {0.2, true}}, sc::kSampleAuc, 0).view()).has_value());
}

TEST(Evaluate, GainsLikeNtile) {
    std::vector<std::pair<double, bool>> v;
    for (int i = 0; i < 7; ++i) v.push_back({i / 10.0, i >= 4});
    const auto g = sc::gains(make_sample(v, sc::kSampleGains, 3).view());
    ASSERT_EQ(g.size(), 3u);
    EXPECT_EQ(g[0].customers, 3);
    EXPECT_EQ(g[0].responders, 3);
    EXPECT_EQ(g[1].customers, 2);
    EXPECT_EQ(g[2].cum_responders, 3);
    EXPECT_DOUBLE_EQ(g[0].cum_gain, 1.0);
    EXPECT_DOUBLE_EQ(g[0].lift, 1.0 / (3.0 / 7.0));
}

TEST(Evaluate, LogLossBrierCalibration) {
    std::vector<double> mem(c360::packed_bytes(sc::kEvalInts, sc::bins_n_dbl(4)) / 8);
    sc::bins_init(mem.data(), sc::kBinsCalibration, 4);
    c360::PackedMut cal = c360::mut_of(mem.data());
    std::vector<double> ll(c360::packed_bytes(sc::kEvalInts, sc::bins_n_dbl(0)) / 8);
    sc::bins_init(ll.data(), sc::kBinsLogLoss, 0);
    sc::bins_add(c360::mut_of(ll.data()), 0.8, true);
    sc::bins_add(c360::mut_of(ll.data()), 0.3, false);
    EXPECT_NEAR(*sc::bins_mean(c360::view_of(ll.data())), -(std::log(0.8) + std::log(0.7)) / 2, 1e-15);
    sc::bins_add(cal, 0.1, false);
    sc::bins_add(cal, 0.2, true);
    sc::bins_add(cal, 1.0, true);
    const auto rows = sc::calibration(cal.view());
    EXPECT_EQ(rows[0].customers, 2);
    EXPECT_DOUBLE_EQ(rows[0].observed_rate, 0.5);
    EXPECT_EQ(rows[3].customers, 1);
    EXPECT_EQ(code_of([&] { sc::bins_add(cal, 1.5, true); }), ErrorCode::NumericOutOfRange);
}
