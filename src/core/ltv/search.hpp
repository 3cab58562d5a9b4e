// Lifetime value: the maximum-likelihood search of the BTYD fits, written so that the likelihood can
// be evaluated anywhere (docs/ltv.md, "Fits over tables of any size").
//
// The search is BFGS on the log-parameters with central-difference gradients, a backtracking
// (halving, Armijo) line search and several starting points. It never evaluates the likelihood
// itself: it asks for the objective (mean negative log-likelihood) at a list of points and is told
// the values (reverse communication). Two drivers use it:
//   - clv::fit (the c360.bgnbd_fit / pareto_nbd_fit / gamma_gamma_fit aggregates) evaluates the
//     points over the customers gathered in memory, one line-search point at a time;
//   - c360.bgnbd_train & co. evaluate them in one aggregate pass (c360.clv_step, parallel safe, a
//     partial state per worker or Citus shard, combined) per request. Such a request batches what
//     the next decisions need: after an iteration whose full step was accepted, the next full step
//     with its gradient points (one pass per iteration while full steps are accepted); otherwise the
//     full step and three halvings at once, then the gradient at the accepted point.
// Both visit the same iterates (the batching only evaluates points ahead), so both fits agree up to
// the floating summation order of the likelihood.
#pragma once

#include <cstdint>
#include <vector>

#include "common/packed.hpp"
#include "ltv/btyd.hpp"

namespace c360::clv {

inline constexpr int kMaxSearchPoints = 9; // a trial point and its 2 x 4 gradient points

struct Search {
    enum Stage : int { Start = 0, Trial = 1, Backtrack = 2, Gradient = 3, Done = 4 };
    Model model = Model::BgNbd;
    bool batched = false;      // request points ahead (aggregate passes) or one line-search point at a time
    int stage = Start;
    int start = 0;             // index of the starting point
    int iteration = 0;
    int trials = 0;            // line-search trials of this iteration (at most 60)
    bool full_step = true;     // the last iteration accepted its full step (batched: speculate again)
    int n_points = 0;          // points requested
    double th[4] = {}, g[4] = {}, H[4][4] = {};
    double fx = 0;             // objective at th
    double d[4] = {}, slope = 0, step = 1; // direction, its slope, step of the first requested trial
    double nt[4] = {}, nf = 0; // the accepted trial (stage Gradient)
    double total = 0;          // customers (sum of weights); 0 until the first pass is told
    std::int64_t rows = 0;     // rows the likelihood is computed over
    bool has_best = false;
    Fit best{};
    double points[kMaxSearchPoints][4] = {};
};

int n_params(Model m);

// The first request of a fit (the first starting point and its gradient points).
Search search_start(Model m, bool batched);
// Tells the objective at each requested point (+infinity where it cannot be evaluated) and moves to
// the next request, or to Done. Throws when no starting point gives a finite likelihood.
void search_tell(Search& s, const double* values);
// The fit once Done (customers = total, distinct = rows).
Fit search_result(const Search& s);

// c360.clv_search: a Search as a packed value; c360.clv_pass: the sums of one aggregate pass.
extern const PackedType kSearchType;
extern const PackedType kPassType;
PackedBuffer pack_search(const Search& s);
Search unpack_search(const PackedView& v); // v checked by check_packed

// Pass layout: ints {kind, n_points, rows, invalid mask, search id}, doubles {total (hi, lo),
// per point (hi, lo)} of weight x log-likelihood.
inline constexpr int kPassKind = 0, kPassPoints = 1, kPassRows = 2, kPassInvalid = 3, kPassId = 4;
inline constexpr std::uint32_t kPassInts = 5;
// Identity of a request: passes of different requests are never combined or told.
std::int64_t search_id(const Search& s);
// An empty pass for the search's request.
PackedBuffer pass_start(const Search& s);
// Adds one customer (weight > 0, summary valid) at every point of the request, with p[j] the
// parameters of point j (exp of its log-parameters; its bit in `skip` set when out of bounds).
void pass_add(PackedMut pass, Model m, const double (*p)[4], int n, std::uint32_t skip, double x, double t_x,
              double T, double weight);
// Parameters of the requested points, and the mask of those out of bounds (never evaluated).
std::uint32_t search_parameters(const Search& s, double (*p)[4]);
void pass_combine(PackedMut a, const PackedView& b);
// Each compensated sum folded into one double (the aggregate's final value).
void pass_normalise(PackedMut pass);
// The search told the pass's sums.
void search_update(Search& s, const PackedView& pass);

} // namespace c360::clv
