// Unit tests of the matching model pieces: comparison levels, Fellegi-Sunter EM and model
// validation, union-find clustering.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/error.hpp"
#include "match/cluster.hpp"
#include "match/compare.hpp"
#include "match/fs.hpp"

namespace mt = c360::match;

TEST(CompareLevel, Methods) {
    EXPECT_EQ(mt::compare_level("MARTHA", "MARTHA", mt::Method::Name), 3);
    EXPECT_EQ(mt::compare_level("MARTHA", "MARHTA", mt::Method::Name), 2); // JW 0.961
    EXPECT_EQ(mt::compare_level("DIXON", "DICKSONX", mt::Method::Name), 1); // JW 0.813
    EXPECT_EQ(mt::compare_level("", "X", mt::Method::Name), -1);
    EXPECT_EQ(mt::compare_level("19810302", "19810320", mt::Method::Code), 2); // adjacent swap
    EXPECT_EQ(mt::compare_level("2000", "2110", mt::Method::Code), 1);
    EXPECT_EQ(mt::compare_level("2000", "3111", mt::Method::Code), 0);
    EXPECT_EQ(mt::compare_level("é", "e", mt::Method::Exact), 0);
    EXPECT_THROW(mt::parse_method("soundex"), c360::Error);
    // tokens: full names in any word order
    EXPECT_EQ(mt::parse_method("tokens"), mt::Method::Tokens);
    EXPECT_EQ(mt::method_levels(mt::Method::Tokens), 4);
    EXPECT_EQ(mt::compare_level("DUPONT Jean", "Jean Dupont", mt::Method::Tokens), 3);
    EXPECT_EQ(mt::compare_level("jean dupnot", "jean dupont", mt::Method::Tokens), 2);
    EXPECT_EQ(mt::compare_level("marie durand", "jean dupont", mt::Method::Tokens), 0);
    EXPECT_EQ(mt::compare_level("", "jean dupont", mt::Method::Tokens), -1);
}

namespace {

// Pattern table of three agree/disagree fields holding the exact expected counts of n pairs under
// a two-class model (lambda, m, u of the "agree" level).
std::vector<double> exact_counts(double lambda, const double* m, const double* u, double n) {
    const int nl[3] = {2, 2, 2};
    std::vector<double> t = mt::empty_patterns(nl, 3);
    for (int c = 0; c < 8; ++c) {
        const int lv[3] = {c & 1, (c >> 1) & 1, (c >> 2) & 1};
        const bool nul[3] = {false, false, false};
        double pm = 1, pu = 1;
        for (int k = 0; k < 3; ++k) {
            pm *= lv[k] ? m[k] : 1 - m[k];
            pu *= lv[k] ? u[k] : 1 - u[k];
        }
        t[mt::pattern_index(t.data(), t.size(), lv, nul, 3) + 5] = std::round(n * (lambda * pm + (1 - lambda) * pu));
    }
    return t;
}

} // namespace

TEST(FellegiSunter, RecoversTwoClassMixtureFromExactCounts) {
    // three agree/disagree fields (the fewest that identify a two-class model); counts are the
    // exact expectations for lambda 0.2, m = (0.9, 0.8, 0.95), u = (0.1, 0.2, 0.05)
    const double lambda = 0.2, m[3] = {0.9, 0.8, 0.95}, u[3] = {0.1, 0.2, 0.05};
    const std::vector<double> t = exact_counts(lambda, m, u, 1e7);
    mt::EmOptions opt;
    opt.max_iterations = 1000;
    opt.tolerance = 1e-10;
    const mt::FsModel fit = mt::estimate(t.data(), t.size(), nullptr, 0, opt);
    EXPECT_NEAR(fit.lambda, lambda, 1e-4);
    for (int k = 0; k < 3; ++k) {
        EXPECT_NEAR(fit.m[k][1], m[k], 1e-4);
        EXPECT_NEAR(fit.u[k][1], u[k], 1e-4);
    }
    // the model round-trips through its array form, and a tampered array is refused
    std::vector<double> a = mt::to_array(fit);
    const mt::FsModel back = mt::from_array(a.data(), a.size());
    const int lv[3] = {1, 1, 0};
    const bool nul[3] = {false, false, false};
    EXPECT_DOUBLE_EQ(mt::match_weight(back, lv, nul, 3), mt::match_weight(fit, lv, nul, 3));
    a[2] = 1.5;
    EXPECT_THROW(mt::from_array(a.data(), a.size()), c360::Error);
    EXPECT_THROW(mt::from_array(a.data(), a.size() - 1), c360::Error);
}

TEST(FellegiSunter, PriorByEmWithFixedMAndU) {
    // exact expected counts for lambda 0.03, m = (0.9, 0.8, 0.95), u = (0.1, 0.2, 0.05): with m and u
    // held at their true values, EM on lambda alone recovers it
    const double lambda = 0.03, m[3] = {0.9, 0.8, 0.95}, u[3] = {0.1, 0.2, 0.05};
    mt::FsModel model;
    model.lambda = 0.5;
    model.levels = {2, 2, 2};
    for (int k = 0; k < 3; ++k) {
        model.m.push_back({1 - m[k], m[k]});
        model.u.push_back({1 - u[k], u[k]});
    }
    const std::vector<double> t = exact_counts(lambda, m, u, 1e8);
    EXPECT_NEAR(mt::estimate_prior(t.data(), t.size(), model, 10000, 1e-12), lambda, 1e-6);
    mt::FsModel other = model;
    other.levels = {2, 2, 3};
    EXPECT_THROW(mt::estimate_prior(t.data(), t.size(), other, 100, 1e-9), c360::Error);
    EXPECT_THROW(mt::estimate_prior(t.data(), t.size(), model, 0, 1e-9), c360::Error);
}

TEST(FellegiSunter, WeightIsPriorPlusFieldWeights) {
    mt::FsModel f;
    f.lambda = 0.5;
    f.levels = {2};
    f.m = {{0.2, 0.8}};
    f.u = {{0.8, 0.2}};
    const int lv[1] = {1};
    bool nul[1] = {false};
    EXPECT_NEAR(mt::match_weight(f, lv, nul, 1), 2.0, 1e-12); // log2(0.8/0.2)
    EXPECT_NEAR(mt::probability_of_weight(2.0), 0.8, 1e-12);
    nul[0] = true;
    EXPECT_NEAR(mt::match_weight(f, lv, nul, 1), 0.0, 1e-12); // the null level contributes 0
}

TEST(Cluster, ComponentsAndStableIds) {
    std::vector<mt::IdPair> p = {{5, 3}, {3, 9}, {9, 12}, {20, 21}, {22, 21}, {-4, 100}, {7, 7}};
    const std::vector<mt::IdPair> c = mt::connected_components(std::move(p));
    const std::vector<mt::IdPair> want = {{-4, -4}, {3, 3}, {5, 3}, {7, 7}, {9, 3}, {12, 3}, {20, 20}, {21, 20}, {22, 20}, {100, -4}};
    EXPECT_EQ(c, want);
}

TEST(Cluster, LongChainInReverseOrder) {
    std::vector<mt::IdPair> p;
    for (std::int64_t i = 1000000; i > 0; --i) p.push_back({i + 1, i});
    const std::vector<mt::IdPair> c = mt::connected_components(std::move(p));
    ASSERT_EQ(c.size(), 1000001u);
    for (const mt::IdPair& x : c) ASSERT_EQ(x.second, 1);
}
