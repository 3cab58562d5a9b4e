// Unit tests of the Fellegi-Sunter array layouts (src/core/match/fs.hpp) and of the random-pairs
// combination that c360.match_train used to compute in PL/pgSQL by position.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "match/fs.hpp"
#include "test_util.hpp"

namespace mt = c360::match;
using c360::ErrorCode;
using c360::test::code_of;

namespace {

mt::FsModel two_field_model() {
    mt::FsModel m;
    m.lambda = 0.25;
    m.iterations = 7;
    m.levels = {2, 3};
    m.m = {{0.1, 0.9}, {0.1, 0.2, 0.7}};
    m.u = {{0.8, 0.2}, {0.6, 0.3, 0.1}};
    return m;
}

// A pattern table of `nl` fields with the given counts of comparison vectors.
std::vector<double> table(const std::vector<int>& nl, const std::vector<std::pair<std::vector<int>, double>>& cells) {
    std::vector<double> t = mt::empty_patterns(nl.data(), static_cast<int>(nl.size()));
    for (const auto& [levels, count] : cells) {
        bool nulls[mt::kMaxFields];
        for (std::size_t i = 0; i < levels.size(); ++i) nulls[i] = levels[i] < 0;
        const std::size_t idx = mt::pattern_index(t.data(), t.size(), levels.data(), nulls, static_cast<int>(levels.size()));
        t[mt::patterns_counts_at(static_cast<int>(nl.size())) + idx] += count;
    }
    return t;
}

// Pairs of three fields (4, 4, 2 levels) drawn from a fixed two-class mixture, as counts.
std::vector<double> mixture(double lambda, double n, int masked_field) {
    const std::vector<int> nl = {4, 4, 2};
    const double m[3][4] = {{0.02, 0.03, 0.15, 0.8}, {0.05, 0.05, 0.1, 0.8}, {0.1, 0.9}};
    const double u[3][4] = {{0.7, 0.2, 0.07, 0.03}, {0.6, 0.25, 0.1, 0.05}, {0.85, 0.15}};
    std::vector<std::pair<std::vector<int>, double>> cells;
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
            for (int c = 0; c < 2; ++c) {
                const double pm = m[0][a] * m[1][b] * m[2][c], pu = u[0][a] * u[1][b] * u[2][c];
                std::vector<int> lv = {a, b, c};
                if (masked_field >= 0) lv[static_cast<std::size_t>(masked_field)] = -1;
                cells.push_back({lv, std::round(n * (lambda * pm + (1 - lambda) * pu))});
            }
    cells.push_back({{-1, -1, -1}, 17}); // all-null pairs: counted, never compared
    return table(nl, cells);
}

} // namespace

TEST(FsLayout, ModelArray) {
    const mt::FsModel m = two_field_model();
    const std::vector<double> a = mt::to_array(m);
    EXPECT_EQ(a[mt::kTagAt], mt::kModelTag);
    EXPECT_EQ(a[mt::kFieldsAt], 2);
    EXPECT_EQ(a[mt::kModelLambdaAt], 0.25);
    EXPECT_EQ(a[mt::kModelIterationsAt], 7);
    EXPECT_EQ(a[mt::kModelHeader], 2);
    EXPECT_EQ(a[mt::kModelHeader + 1], 3);
    // per field m then u, from model_blocks_at(k)
    const std::size_t at = mt::model_blocks_at(2);
    EXPECT_EQ(at, 6u);
    EXPECT_EQ(std::vector<double>(a.begin() + at, a.begin() + at + 4), (std::vector<double>{0.1, 0.9, 0.8, 0.2}));
    EXPECT_EQ(std::vector<double>(a.begin() + at + 4, a.end()), (std::vector<double>{0.1, 0.2, 0.7, 0.6, 0.3, 0.1}));
    EXPECT_EQ(a.size(), at + 2 * (2 + 3));
    const mt::FsModel back = mt::from_array(a.data(), a.size());
    EXPECT_EQ(mt::to_array(back), a);
    std::vector<double> bad = a;
    bad[mt::kModelLambdaAt] = 1.0;
    EXPECT_EQ(code_of([&] { mt::from_array(bad.data(), bad.size()); }), ErrorCode::DataCorrupted);
}

TEST(FsLayout, PatternTable) {
    const int nl[2] = {2, 3};
    const std::vector<double> t = mt::empty_patterns(nl, 2);
    EXPECT_EQ(t[mt::kTagAt], mt::kPatternsTag);
    EXPECT_EQ(t[mt::kFieldsAt], 2);
    EXPECT_EQ(t[mt::kPatternsHeader], 2);
    EXPECT_EQ(t[mt::kPatternsHeader + 1], 3);
    EXPECT_EQ(t.size(), mt::patterns_counts_at(2) + 3 * 4);
    // cell 0 is the all-null vector
    const int lv[2] = {-1, -1};
    const bool nulls[2] = {true, true};
    EXPECT_EQ(mt::pattern_index(t.data(), t.size(), lv, nulls, 2), 0u);
}

TEST(FsLayout, PatternPairs) {
    const std::vector<double> t = table({2, 3}, {{{-1, -1}, 5}, {{0, -1}, 2}, {{1, 2}, 3}, {{-1, 1}, 4}});
    const mt::PatternPairs p = mt::pattern_pairs(t.data(), t.size());
    EXPECT_EQ(p.total, 14);
    EXPECT_EQ(p.compared, 9);
    std::vector<double> corrupt = t;
    corrupt.pop_back();
    EXPECT_EQ(code_of([&] { mt::pattern_pairs(corrupt.data(), corrupt.size()); }), ErrorCode::DataCorrupted);
}

TEST(FsLayout, CombineRuleFitsByHand) {
    mt::RuleFit a{two_field_model(), {false, true}, 100};  // leaves out field 2
    mt::RuleFit b{two_field_model(), {false, false}, 300};
    b.model.lambda = 0.5;
    b.model.iterations = 3;
    b.model.m = {{0.3, 0.7}, {0.2, 0.3, 0.5}};
    const mt::FsModel c = mt::combine_rule_fits({a, b}, 1000);
    EXPECT_EQ(c.iterations, 10);
    EXPECT_EQ(c.lambda, 0.5);
    EXPECT_EQ(c.levels, (std::vector<int>{2, 3}));
    // field 1: expected matches 25 and 150, m = (25 * 0.1 + 150 * 0.3) / 175 = 0.271428...
    EXPECT_NEAR(c.m[0][0], (25 * 0.1 + 150 * 0.3) / 175, 1e-15);
    EXPECT_NEAR(c.m[0][1], (25 * 0.9 + 150 * 0.7) / 175, 1e-15);
    // field 2: only the second rule
    EXPECT_NEAR(c.m[1][2], 0.5, 1e-15);
    // u: the fits' u (the random pairs'), no level below half a pair of 1000
    EXPECT_NEAR(c.u[1][2], 0.1, 1e-15);
    mt::RuleFit rare = b;
    rare.model.u[1] = {0.9999996, 0.0000002, 0.0000002};
    const mt::FsModel f = mt::combine_rule_fits({rare}, 1000);
    EXPECT_NEAR(f.u[1][1], 0.0005 / (0.9999996 + 0.001), 1e-15);
    // the result is a valid model
    EXPECT_NO_THROW(mt::from_array(mt::to_array(c).data(), mt::to_array(c).size()));
}

TEST(FsLayout, CombineRuleFitsErrors) {
    mt::RuleFit a{two_field_model(), {false, true}, 100};
    try {
        mt::combine_rule_fits({a}, 1000);
        FAIL() << "no error";
    } catch (const c360::Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidParameter);
        EXPECT_STREQ(e.what(), "every fit leaves out field 2, so its m cannot be estimated");
    }
    EXPECT_EQ(code_of([&] { mt::combine_rule_fits({}, 1000); }), ErrorCode::InvalidParameter);
    mt::RuleFit other = a;
    other.model.levels = {2, 4};
    EXPECT_EQ(code_of([&] { mt::combine_rule_fits({a, other}, 1000); }), ErrorCode::InvalidParameter);
    mt::RuleFit short_mask = a;
    short_mask.masked = {false};
    EXPECT_EQ(code_of([&] { mt::combine_rule_fits({short_mask}, 1000); }), ErrorCode::InvalidParameter);
    EXPECT_EQ(code_of([&] { mt::combine_rule_fits({a}, 0); }), ErrorCode::InvalidParameter);
}

// The arithmetic of c360.match_train 0.1.0 (PL/pgSQL over the model arrays, by position), kept
// here to show that the core gives the same model to the last bit.
TEST(FsLayout, SameModelAsThePlpgsqlOf010) {
    const std::vector<int> nl = {4, 4, 2};
    const int k = 3;
    const std::vector<double> sample = mixture(0.001, 5000, -1);
    const std::vector<double> candidates = mixture(0.4, 20000, -1);
    const std::vector<std::vector<double>> rules = {mixture(0.6, 8000, 0), mixture(0.3, 12000, 2)};
    const std::vector<std::vector<bool>> masks = {{true, false, false}, {false, false, true}};
    const double n = 2500;
    mt::EmOptions opt;
    opt.fix_u = true;

    // 0.1.0: arrays indexed as in SQL (1-based, here shifted by one)
    std::vector<double> m_sum(static_cast<std::size_t>(k) * 16, 0.0), w_sum(k, 0.0);
    double iterations = 0;
    std::vector<double> rule_model;
    std::vector<mt::RuleFit> fits;
    for (std::size_t b = 0; b < rules.size(); ++b) {
        double expected = 0;
        for (std::size_t c = 3 + k; c < rules[b].size(); ++c) expected += rules[b][c]; // rule_patterns[4 + k:]
        const mt::FsModel fit = mt::estimate(rules[b].data(), rules[b].size(), sample.data(), sample.size(), opt);
        fits.push_back({fit, masks[b], expected});
        rule_model = mt::to_array(fit);
        iterations += rule_model[3];
        expected = rule_model[2] * expected;
        std::size_t pos = 4 + k; // rule_model[pos] with pos := 5 + k
        for (int i = 0; i < k; ++i) {
            if (!masks[b][static_cast<std::size_t>(i)]) {
                for (int l = 1; l <= nl[static_cast<std::size_t>(i)]; ++l) {
                    m_sum[static_cast<std::size_t>(i * 16 + l - 1)] += expected * rule_model[pos + static_cast<std::size_t>(l) - 1];
                }
                w_sum[static_cast<std::size_t>(i)] += expected;
            }
            pos += 2 * static_cast<std::size_t>(nl[static_cast<std::size_t>(i)]);
        }
    }
    auto floor_normalise = [](std::vector<double> p, double floor) {
        double s = 0;
        for (double x : p) s += std::max(x, floor);
        for (double& x : p) x = std::max(x, floor) / s;
        return p;
    };
    std::vector<double> model = {3602, static_cast<double>(k), 0.5, iterations, 4, 4, 2};
    double sample_pairs = 0;
    for (std::size_t c = 2 + k; c < sample.size(); ++c) sample_pairs += sample[c]; // sample[3 + k:]
    std::size_t pos = 4 + k;
    for (int i = 0; i < k; ++i) {
        const std::size_t L = static_cast<std::size_t>(nl[static_cast<std::size_t>(i)]);
        std::vector<double> m(L);
        for (std::size_t l = 0; l < L; ++l) m[l] = m_sum[static_cast<std::size_t>(i) * 16 + l] / w_sum[static_cast<std::size_t>(i)];
        const std::vector<double> mm = floor_normalise(m, 1e-6);
        const std::vector<double> uu = floor_normalise(
            std::vector<double>(rule_model.begin() + static_cast<std::ptrdiff_t>(pos + L),
                                rule_model.begin() + static_cast<std::ptrdiff_t>(pos + 2 * L)),
            0.5 / sample_pairs);
        model.insert(model.end(), mm.begin(), mm.end());
        model.insert(model.end(), uu.begin(), uu.end());
        pos += 2 * L;
    }
    double compared = 0;
    for (std::size_t c = 3 + k; c < candidates.size(); ++c) compared += candidates[c];
    const mt::FsModel for_prior = mt::from_array(model.data(), model.size());
    const double lambda = mt::estimate_prior(candidates.data(), candidates.size(), for_prior, 1000, 1e-9) * compared /
                          (n * (n - 1) / 2);
    model[2] = std::min(std::max(lambda, 1e-300), 0.5);

    // the core
    mt::FsModel combined = mt::combine_rule_fits(fits, mt::pattern_pairs(sample.data(), sample.size()).total);
    mt::spread_prior(combined, candidates.data(), candidates.size(), n);
    const std::vector<double> got = mt::to_array(combined);
    ASSERT_EQ(got.size(), model.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], model[i]) << "element " << i + 1;
    EXPECT_GT(model[2], 0.0);
    EXPECT_LT(model[2], 0.5);
}

TEST(FsLayout, SpreadPrior) {
    const std::vector<double> candidates = mixture(0.4, 20000, -1);
    mt::FsModel m = mt::estimate(candidates.data(), candidates.size(), nullptr, 0, mt::EmOptions{});
    mt::FsModel few = m;
    mt::spread_prior(few, candidates.data(), candidates.size(), 10); // 45 pairs: clamped to 0.5
    EXPECT_EQ(few.lambda, 0.5);
    mt::spread_prior(m, candidates.data(), candidates.size(), 1e6);
    EXPECT_GT(m.lambda, 0.0);
    EXPECT_LT(m.lambda, 1e-7);
    EXPECT_EQ(code_of([&] { mt::spread_prior(m, candidates.data(), candidates.size(), 1); }), ErrorCode::InvalidParameter);
}
