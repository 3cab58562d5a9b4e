// Unit tests of the iterated lifetime-value fits (src/core/ltv/search.hpp): the batched search that
// c360.bgnbd_train & co. drive visits the same iterates as the one the fit aggregates use, its passes
// split over "shards" and combined give the fit of the aggregate, and damaged values are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ltv/btyd.hpp"
#include "ltv/search.hpp"
#include "ltv_simulate.hpp"
#include "test_util.hpp"

using c360::ErrorCode;
using c360::test::code_of;
namespace clv = c360::clv;

namespace {

// Customers with continuous times (no two summaries alike): r 0.6, alpha 4, a 0.8, b 3 (BG/NBD
// simulation), T between 20 and 52 weeks; spend (x, mean value) for Gamma-Gamma.
std::vector<clv::Summary> customers(int n, bool spend, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::gamma_distribution<double> lambda_d(0.6, 1 / 4.0), ga(0.8, 1), gb(3, 1), nu_d(4, 1 / 15.0);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<clv::Summary> rows;
    while (static_cast<int>(rows.size()) < n) {
        const double T = 20 + 32 * u(rng), lambda = lambda_d(rng), xa = ga(rng), p = xa / (xa + gb(rng));
        const auto [x, last] = c360::test::simulate_bgnbd_customer(rng, lambda, p, T);
        if (spend) {
            if (x == 0) continue;
            std::gamma_distribution<double> z(6, 1 / nu_d(rng));
            double sum = 0;
            for (int k = 0; k < x; ++k) sum += z(rng);
            rows.push_back({static_cast<double>(x), sum / x, 0, 1});
        } else {
            rows.push_back({static_cast<double>(x), last, T, 1});
        }
    }
    return rows;
}

// The objective at every requested point, summed row by row (as one pass without shards).
void evaluate(const clv::Search& s, const std::vector<clv::Summary>& rows, double* v) {
    double p[clv::kMaxSearchPoints][4];
    const std::uint32_t skip = clv::search_parameters(s, p);
    for (int j = 0; j < s.n_points; ++j) {
        if ((skip >> j) & 1u) {
            v[j] = INFINITY;
            continue;
        }
        double ll = 0;
        for (const clv::Summary& r : rows) ll += r.weight * clv::log_likelihood(s.model, p[j], r.x, r.t_x, r.T);
        const double f = -ll / s.total;
        v[j] = std::isfinite(f) ? f : INFINITY;
    }
}

clv::Fit run_in_memory(clv::Model m, bool batched, const std::vector<clv::Summary>& rows, int* requests) {
    clv::Search s = clv::search_start(m, batched);
    for (const clv::Summary& r : rows) s.total += r.weight;
    s.rows = static_cast<std::int64_t>(rows.size());
    double v[clv::kMaxSearchPoints];
    *requests = 0;
    while (s.stage != clv::Search::Done) {
        evaluate(s, rows, v);
        clv::search_tell(s, v);
        ++*requests;
    }
    return clv::search_result(s);
}

// A packed value copied out and read back as the SQL glue does (bytes -> check -> view).
template <class F>
auto through_bytes(const c360::PackedBuffer& b, const c360::PackedType& type, F&& f) {
    std::vector<std::uint64_t> copy((b.bytes() + 7) / 8);
    std::memcpy(copy.data(), b.data(), b.bytes());
    reinterpret_cast<c360::PackedHeader*>(copy.data())->vl_len = static_cast<std::int32_t>(b.bytes());
    c360::check_packed(copy.data(), b.bytes(), type, ErrorCode::DataCorrupted);
    return f(c360::view_of(copy.data()));
}

// The fit as c360.bgnbd_train drives it: the search packed between passes, each pass split over
// `shards` partial states (rows dealt round-robin), combined, told.
clv::Fit run_passes(clv::Model m, const std::vector<clv::Summary>& rows, int shards, int* passes) {
    c360::PackedBuffer packed = clv::pack_search(clv::search_start(m, true));
    *passes = 0;
    for (;;) {
        clv::Search s = through_bytes(packed, clv::kSearchType, [](const c360::PackedView& v) { return clv::unpack_search(v); });
        if (s.stage == clv::Search::Done) return clv::search_result(s);
        double p[clv::kMaxSearchPoints][4];
        const std::uint32_t skip = clv::search_parameters(s, p);
        std::vector<c360::PackedBuffer> parts;
        for (int k = 0; k < shards; ++k) parts.push_back(clv::pass_start(s));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const clv::Summary& r = rows[i];
            clv::pass_add(parts[i % shards].mut(), m, p, s.n_points, skip, r.x, r.t_x, r.T, r.weight);
        }
        for (int k = 1; k < shards; ++k) {
            through_bytes(parts[k], clv::kPassType, [&](const c360::PackedView& v) {
                clv::pass_combine(parts[0].mut(), v);
                return 0;
            });
        }
        through_bytes(parts[0], clv::kPassType, [&](const c360::PackedView& v) {
            clv::search_update(s, v);
            return 0;
        });
        packed = clv::pack_search(s);
        ++*passes;
    }
}

} // namespace

// Batching only evaluates points ahead: the iterates, hence the fit, are bit for bit the same.
TEST(LtvSearch, BatchedVisitsTheSameIterates) {
    for (const clv::Model m : {clv::Model::BgNbd, clv::Model::ParetoNbd, clv::Model::GammaGamma}) {
        const auto rows = customers(600, m == clv::Model::GammaGamma, 11);
        int one = 0, batched = 0;
        const clv::Fit a = run_in_memory(m, false, rows, &one);
        const clv::Fit b = run_in_memory(m, true, rows, &batched);
        EXPECT_TRUE(a.converged);
        for (int i = 0; i < clv::n_params(m); ++i) EXPECT_EQ(a.p[i], b.p[i]) << i;
        EXPECT_EQ(a.log_likelihood, b.log_likelihood);
        EXPECT_EQ(a.iterations, b.iterations);
        EXPECT_LT(batched, one); // fewer requests (passes), each with more points
    }
}

// Passes split over shards and combined give the fit of the aggregate (the sums differ from the
// aggregate's by their order only: parameters within 1e-5 relative, the optimiser's own tolerance,
// log-likelihood within 1e-10 relative); two different splits agree to 1e-12.
TEST(LtvSearch, PassesGiveTheAggregateFit) {
    for (const clv::Model m : {clv::Model::BgNbd, clv::Model::ParetoNbd, clv::Model::GammaGamma}) {
        const auto rows = customers(3000, m == clv::Model::GammaGamma, 5);
        std::vector<clv::Summary> copy = rows;
        const clv::Fit ref = clv::fit(m, copy);
        int passes2 = 0, passes3 = 0;
        const clv::Fit two = run_passes(m, rows, 2, &passes2);
        const clv::Fit three = run_passes(m, rows, 3, &passes3);
        ASSERT_TRUE(ref.converged);
        EXPECT_TRUE(two.converged);
        for (int i = 0; i < clv::n_params(m); ++i) {
            EXPECT_NEAR(two.p[i], ref.p[i], 1e-5 * ref.p[i]) << i;
            EXPECT_NEAR(three.p[i], two.p[i], 1e-12 * two.p[i]) << i;
        }
        EXPECT_NEAR(two.log_likelihood, ref.log_likelihood, 1e-10 * std::abs(ref.log_likelihood));
        EXPECT_EQ(two.customers, ref.customers);
        EXPECT_EQ(two.distinct, 3000); // rows used, not compressed
        EXPECT_LE(passes2, 3 * two.iterations + 12);
    }
}

TEST(LtvSearch, BadPassesAndStatesRefused) {
    const auto rows = customers(200, false, 3);
    clv::Search s = clv::search_start(clv::Model::BgNbd, true);
    double p[clv::kMaxSearchPoints][4];
    const std::uint32_t skip = clv::search_parameters(s, p);
    c360::PackedBuffer pass = clv::pass_start(s);
    for (const auto& r : rows) clv::pass_add(pass.mut(), s.model, p, s.n_points, skip, r.x, r.t_x, r.T, 1);
    // a pass of another request (another model, another point list) is refused
    clv::Search other = clv::search_start(clv::Model::ParetoNbd, true);
    EXPECT_EQ(code_of([&] { clv::search_update(other, pass.view()); }), ErrorCode::InvalidParameter);
    c360::PackedBuffer foreign = clv::pass_start(other);
    EXPECT_EQ(code_of([&] { clv::pass_combine(pass.mut(), foreign.view()); }), ErrorCode::InvalidParameter);
    // an empty pass: no customers
    c360::PackedBuffer empty = clv::pass_start(s);
    clv::Search s2 = s;
    EXPECT_EQ(code_of([&] { clv::search_update(s2, empty.view()); }), ErrorCode::InvalidParameter);
    // the source changes between passes: refused
    clv::search_update(s, pass.view());
    ASSERT_NE(s.stage, clv::Search::Done);
    const std::uint32_t skip2 = clv::search_parameters(s, p);
    c360::PackedBuffer fewer = clv::pass_start(s);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        clv::pass_add(fewer.mut(), s.model, p, s.n_points, skip2, rows[i].x, rows[i].t_x, rows[i].T, 1);
    }
    EXPECT_EQ(code_of([&] { clv::search_update(s, fewer.view()); }), ErrorCode::InvalidParameter);
    // damaged search values: stage, point count, a non-finite number
    c360::PackedBuffer good = clv::pack_search(s);
    auto damaged = [&](auto&& edit) {
        c360::PackedBuffer b = good;
        edit(b.mut());
        return code_of([&] { through_bytes(b, clv::kSearchType, [](const c360::PackedView&) { return 0; }); });
    };
    EXPECT_EQ(damaged([](c360::PackedMut m) { m.ints[2] = 7; }), ErrorCode::DataCorrupted);
    EXPECT_EQ(damaged([](c360::PackedMut m) { m.ints[6] += 1; }), ErrorCode::DataCorrupted);
    EXPECT_EQ(damaged([](c360::PackedMut m) { m.ints[0] = 5; }), ErrorCode::DataCorrupted);
    EXPECT_EQ(damaged([](c360::PackedMut m) { m.dbl[3] = NAN; }), ErrorCode::DataCorrupted);
    EXPECT_EQ(damaged([](c360::PackedMut m) { m.dbl[36] = -1; }), ErrorCode::DataCorrupted);
    EXPECT_NO_THROW(through_bytes(good, clv::kSearchType, [](const c360::PackedView&) { return 0; }));
    // a done search takes no more passes
    clv::Search done = s;
    done.stage = clv::Search::Done;
    done.n_points = 0;
    EXPECT_EQ(code_of([&] { clv::pass_start(done); }), ErrorCode::InvalidParameter);
}
