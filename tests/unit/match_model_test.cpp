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
}

TEST(FellegiSunter, RecoversTwoClassMixtureFromExactCounts) {
    // three agree/disagree fields (the fewest that identify a two-class model); counts are the
    // exact expectations for lambda 0.2, m = (0.9, 0.8, 0.95), u = (0.1, 0.2, 0.05)
    const int nl[3] = {2, 2, 2};
    std::vector<double> t = mt::empty_patterns(nl, 3);
    const double lambda = 0.2, m[3] = {0.9, 0.8, 0.95}, u[3] = {0.1, 0.2, 0.05}, n = 1e7;
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
