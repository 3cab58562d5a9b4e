#include "ltv/search.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/codec.hpp"
#include "common/compensated_sum.hpp"
#include "common/error.hpp"

namespace c360::clv {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxLogParam = 11.512925464970229; // ln 1e5: parameters kept in [1e-5, 1e5]
constexpr int kMaxIterations = 500;
constexpr int kMaxTrials = 60;
// trials per backtracking pass of a batched search: 4 in the first, 8 in the next ones (long searches)
constexpr int kBatchHalvings = 4;
constexpr int kMoreHalvings = 8;

// Starting points on the log scale; the best converged fit wins, further starts only when needed.
constexpr double kStarts[][4] = {{0, 0, 0, 0}, {-1, 1, 0, 1}, {-0.5, 2, -0.5, 2}, {1, 3, 1, 3}};
constexpr int kNStarts = 4;

int k_of(const Search& s) { return n_params(s.model); }

// Central-difference points of the gradient at t: up_0, down_0, up_1, down_1, ...
void gradient_points(const double* t, int k, double (*out)[4]) {
    for (int i = 0; i < k; ++i) {
        const double h = 1e-6 * std::max(1.0, std::abs(t[i]));
        for (int side = 0; side < 2; ++side) {
            double* q = out[2 * i + side];
            std::copy(t, t + k, q);
            q[i] = side == 0 ? t[i] + h : t[i] - h;
        }
    }
}

// The gradient from the values at gradient_points (one-sided where a side is not finite).
void gradient_from(const double* t, int k, double fx, const double* v, double* g) {
    for (int i = 0; i < k; ++i) {
        const double h = 1e-6 * std::max(1.0, std::abs(t[i]));
        const double up = v[2 * i], down = v[2 * i + 1];
        if (std::isfinite(up) && std::isfinite(down)) {
            g[i] = (up - down) / (2 * h);
        } else if (std::isfinite(up)) {
            g[i] = (up - fx) / h;
        } else {
            g[i] = (fx - down) / h;
        }
    }
}

void request_start(Search& s) {
    const int k = k_of(s);
    s.stage = Search::Start;
    s.iteration = 0;
    s.full_step = true;
    s.trials = 0;
    std::copy(kStarts[s.start], kStarts[s.start] + k, s.th);
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) s.H[i][j] = i == j && i < k ? 1 : 0;
    }
    std::copy(s.th, s.th + k, s.points[0]);
    gradient_points(s.th, k, s.points + 1);
    s.n_points = 2 * k + 1;
}

void trial_point(const Search& s, double step, double* out) {
    for (int i = 0; i < k_of(s); ++i) out[i] = s.th[i] + step * s.d[i];
}

void request_backtrack(Search& s) {
    s.stage = Search::Backtrack;
    const int batch = s.trials == 0 ? kBatchHalvings : kMoreHalvings;
    const int n = std::min(s.batched ? batch : 1, kMaxTrials - s.trials);
    double step = s.step;
    for (int j = 0; j < n; ++j) {
        trial_point(s, step, s.points[j]);
        step *= 0.5;
    }
    s.n_points = n;
}

void request_gradient(Search& s) {
    s.stage = Search::Gradient;
    gradient_points(s.nt, k_of(s), s.points);
    s.n_points = 2 * k_of(s);
}

void finish_start(Search& s, bool converged);

// After a starting point (fitted, or failed at its first evaluation): the next one, or Done once a start
// converged or none is left (an error when no start gave a finite likelihood).
void next_start_or_done(Search& s) {
    if ((s.has_best && s.best.converged) || s.start + 1 >= kNStarts) {
        if (!s.has_best) {
            fail(ErrorCode::NumericOutOfRange, "the likelihood could not be evaluated at any starting point");
        }
        s.stage = Search::Done;
        s.n_points = 0;
        return;
    }
    ++s.start;
    request_start(s);
}

// The top of a BFGS iteration: stop, or the direction and the first line-search request.
void begin_iteration(Search& s) {
    const int k = k_of(s);
    if (s.iteration >= kMaxIterations) {
        finish_start(s, false);
        return;
    }
    check_interrupts();
    double gmax = 0;
    for (int i = 0; i < k; ++i) gmax = std::max(gmax, std::abs(s.g[i]));
    if (gmax < 1e-9) {
        finish_start(s, true);
        return;
    }
    for (int i = 0; i < k; ++i) {
        s.d[i] = 0;
        for (int j = 0; j < k; ++j) s.d[i] -= s.H[i][j] * s.g[j];
    }
    s.slope = 0;
    for (int i = 0; i < k; ++i) s.slope += s.d[i] * s.g[i];
    if (s.slope >= 0) { // not a descent direction: restart from the gradient
        for (int i = 0; i < k; ++i) {
            for (int j = 0; j < k; ++j) s.H[i][j] = i == j ? 1 : 0;
            s.d[i] = -s.g[i];
        }
        s.slope = 0;
        for (int i = 0; i < k; ++i) s.slope += s.d[i] * s.g[i];
    }
    s.trials = 0;
    s.step = 1;
    if (s.batched && s.full_step) {
        // the last full step was accepted, so this one likely is: its gradient in the same pass
        s.stage = Search::Trial;
        trial_point(s, 1, s.points[0]);
        gradient_points(s.points[0], k, s.points + 1);
        s.n_points = 2 * k + 1;
    } else {
        request_backtrack(s); // step 1 and (batched) the next halvings
    }
}

// BFGS update from th to the accepted trial (nt, nf) with gradient ng; then the next iteration.
void complete_iteration(Search& s, const double* ng) {
    const int k = k_of(s);
    double gmax = 0;
    for (int i = 0; i < k; ++i) gmax = std::max(gmax, std::abs(s.g[i]));
    if (!std::isfinite(s.nf) || s.nf > s.fx) {
        finish_start(s, gmax < 1e-6); // no progress possible: at the optimum up to rounding
        return;
    }
    double sv[4], yv[4], sy = 0;
    for (int i = 0; i < k; ++i) {
        sv[i] = s.nt[i] - s.th[i];
        yv[i] = ng[i] - s.g[i];
        sy += sv[i] * yv[i];
    }
    const bool tiny = std::abs(s.fx - s.nf) <= 1e-15 * std::max(1.0, std::abs(s.fx));
    std::copy(s.nt, s.nt + k, s.th);
    std::copy(ng, ng + k, s.g);
    s.fx = s.nf;
    if (sy > 1e-16) {
        double Hy[4], yHy = 0;
        for (int i = 0; i < k; ++i) {
            Hy[i] = 0;
            for (int j = 0; j < k; ++j) Hy[i] += s.H[i][j] * yv[j];
            yHy += yv[i] * Hy[i];
        }
        for (int i = 0; i < k; ++i) {
            for (int j = 0; j < k; ++j) {
                s.H[i][j] += (sy + yHy) * sv[i] * sv[j] / (sy * sy) - (Hy[i] * sv[j] + sv[i] * Hy[j]) / sy;
            }
        }
    }
    ++s.iteration;
    if (tiny) {
        double gm = 0;
        for (int i = 0; i < k; ++i) gm = std::max(gm, std::abs(s.g[i]));
        finish_start(s, gm < 1e-6);
        return;
    }
    begin_iteration(s);
}

// The line search has its point (nt, nf): complete the iteration, or ask for the gradient there.
void accept_trial(Search& s, const double* ng_or_null) {
    if (!std::isfinite(s.nf) || s.nf > s.fx) {
        complete_iteration(s, nullptr); // stops this start (nothing is read from the gradient)
        return;
    }
    if (ng_or_null != nullptr) {
        complete_iteration(s, ng_or_null);
    } else {
        request_gradient(s);
    }
}

// Line-search trials told in order: the first acceptable one, else halve; after 60 the last one
// is used as it is (as the sequential search does).
void tell_trials(Search& s, const double* v, int n_trials, const double* gradient_values) {
    const int k = k_of(s);
    for (int j = 0; j < n_trials; ++j) {
        const double nf = v[j];
        ++s.trials;
        const bool ok = std::isfinite(nf) && nf <= s.fx + 1e-4 * s.step * s.slope;
        if (ok || s.trials == kMaxTrials) {
            s.full_step = ok && s.trials == 1;
            std::copy(s.points[j], s.points[j] + k, s.nt);
            s.nf = nf;
            if (j == 0 && gradient_values != nullptr) {
                double ng[4];
                gradient_from(s.nt, k, nf, gradient_values, ng);
                accept_trial(s, ng);
            } else {
                accept_trial(s, nullptr);
            }
            return;
        }
        s.step *= 0.5;
    }
    request_backtrack(s);
}

void finish_start(Search& s, bool converged) {
    Fit f{};
    const int k = k_of(s);
    for (int i = 0; i < k; ++i) f.p[i] = std::exp(s.th[i]);
    f.log_likelihood = -s.fx * s.total;
    f.converged = converged;
    f.iterations = s.iteration;
    if (!s.has_best || f.log_likelihood > s.best.log_likelihood + 1e-9 ||
        (!s.best.converged && f.converged && f.log_likelihood >= s.best.log_likelihood - 1e-6)) {
        s.best = f;
        s.has_best = true;
    }
    next_start_or_done(s);
}

} // namespace

int n_params(Model m) { return m == Model::GammaGamma ? 3 : 4; }

Search search_start(Model m, bool batched) {
    Search s;
    s.model = m;
    s.batched = batched;
    s.start = 0;
    request_start(s);
    return s;
}

void search_tell(Search& s, const double* values) {
    const int k = k_of(s);
    switch (s.stage) {
    case Search::Start: {
        s.fx = values[0];
        if (!std::isfinite(s.fx)) { // this starting point fails (no fit from it)
            next_start_or_done(s);
            return;
        }
        gradient_from(s.th, k, s.fx, values + 1, s.g);
        begin_iteration(s);
        return;
    }
    case Search::Trial:
        tell_trials(s, values, 1, values + 1);
        return;
    case Search::Backtrack:
        tell_trials(s, values, s.n_points, nullptr);
        return;
    case Search::Gradient: {
        double ng[4];
        gradient_from(s.nt, k, s.nf, values, ng);
        complete_iteration(s, ng);
        return;
    }
    default:
        fail(ErrorCode::InvalidParameter, "the search is already done");
    }
}

Fit search_result(const Search& s) {
    if (s.stage != Search::Done || !s.has_best) {
        fail(ErrorCode::InvalidParameter, "the search is not done");
    }
    Fit f = s.best;
    f.customers = s.total;
    f.distinct = static_cast<double>(s.rows);
    return f;
}

// ---- packed forms ------------------------------------------------------------------------------

namespace {

// c360.clv_search ints: kind, batched, stage, start, iteration, trials, n_points, has_best,
// best converged, best iterations, rows, full step accepted last. Doubles: th[4] g[4] H[16] fx d[4] slope step nt[4] nf total
// best p[4] best ll, then n_points x 4.
constexpr std::uint32_t kSearchInts = 12;
constexpr std::size_t kSearchFixed = 4 + 4 + 16 + 1 + 4 + 1 + 1 + 4 + 1 + 1 + 4 + 1;
static_assert(kSearchFixed == 42);

bool finite_all(const double* v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(v[i])) return false;
    }
    return true;
}

void validate_search(const PackedView& v, ErrorCode code) {
    const char* t = "c360.clv_search";
    const std::int64_t* i = v.ints;
    const std::int64_t stage = i[2], n = i[6];
    if (i[0] < 0 || i[0] > 2) codec::bad_value(t, code, "unknown model");
    if ((i[1] != 0 && i[1] != 1) || (i[7] != 0 && i[7] != 1) || (i[8] != 0 && i[8] != 1) || (i[11] != 0 && i[11] != 1)) {
        codec::bad_value(t, code, "invalid flag");
    }
    if (stage < Search::Start || stage > Search::Done) codec::bad_value(t, code, "unknown stage");
    if (i[3] < 0 || i[3] >= kNStarts || i[4] < 0 || i[4] > kMaxIterations || i[5] < 0 || i[5] > kMaxTrials ||
        i[9] < 0 || i[9] > kMaxIterations || i[10] < 0) {
        codec::bad_value(t, code, "counter out of range");
    }
    const std::int64_t k = i[0] == 2 ? 3 : 4;
    std::int64_t expected = 0;
    switch (stage) {
    case Search::Start: expected = 2 * k + 1; break;
    case Search::Trial: expected = i[1] ? 2 * k + 1 : -2; break; // batched searches only
    case Search::Backtrack: expected = -1; break;
    case Search::Gradient: expected = 2 * k; break;
    default: expected = 0;
    }
    if (expected == -2 || (expected >= 0 ? n != expected : (n < 1 || n > (i[5] == 0 ? kBatchHalvings : kMoreHalvings) || n > kMaxTrials - i[5]))) {
        codec::bad_value(t, code, "wrong number of points for the stage");
    }
    if (stage == Search::Done && i[7] != 1) codec::bad_value(t, code, "done without a fit");
    if (v.n_dbl() != kSearchFixed + 4 * static_cast<std::size_t>(n)) codec::bad_value(t, code, "wrong number of values");
    if (!finite_all(v.dbl, v.n_dbl())) codec::bad_value(t, code, "non-finite number");
    const double total = v.dbl[36]; // after th g H fx d slope step nt nf
    if (total < 0 || (stage != Search::Start && total <= 0) || (total == 0) != (i[10] == 0)) {
        codec::bad_value(t, code, "invalid customer count");
    }
    for (std::int64_t j = 0; j < n; ++j) {
        for (int q = 0; q < 4; ++q) {
            if (std::abs(v.dbl[kSearchFixed + 4 * j + q]) > 1e6) codec::bad_value(t, code, "point out of range");
        }
    }
}

void validate_pass(const PackedView& v, ErrorCode code) {
    const char* t = "c360.clv_pass";
    const std::int64_t* i = v.ints;
    if (i[kPassKind] < 0 || i[kPassKind] > 2) codec::bad_value(t, code, "unknown model");
    if (i[kPassPoints] < 1 || i[kPassPoints] > kMaxSearchPoints) codec::bad_value(t, code, "point count out of range");
    if (i[kPassRows] < 0) codec::bad_value(t, code, "negative row count");
    if (i[kPassInvalid] < 0 || i[kPassInvalid] >= (std::int64_t{1} << i[kPassPoints])) codec::bad_value(t, code, "invalid mask");
    if (v.n_dbl() != 2 + 2 * static_cast<std::size_t>(i[kPassPoints])) codec::bad_value(t, code, "wrong number of values");
    if (!finite_all(v.dbl, v.n_dbl())) codec::bad_value(t, code, "non-finite number");
    if (v.dbl[0] + v.dbl[1] < 0) codec::bad_value(t, code, "negative weight total");
}

} // namespace

const PackedType kSearchType = list_type("c360.clv_search", "clv_search(", 0x43535243 /* "CSRC" */, kSearchInts, &validate_search);
const PackedType kPassType = list_type("c360.clv_pass", "clv_pass(", 0x43505353 /* "CPSS" */, kPassInts, &validate_pass);

PackedBuffer pack_search(const Search& s) {
    PackedBuffer b(kSearchType, kSearchFixed + 4 * static_cast<std::size_t>(s.n_points));
    PackedMut m = b.mut();
    const std::int64_t ints[kSearchInts] = {static_cast<int>(s.model), s.batched, s.stage, s.start, s.iteration,
                                            s.trials, s.n_points, s.has_best, s.best.converged, s.best.iterations,
                                            s.rows, s.full_step};
    std::copy(ints, ints + kSearchInts, m.ints);
    double* d = m.dbl;
    auto put = [&d](const double* v, int n) {
        std::copy(v, v + n, d);
        d += n;
    };
    put(s.th, 4);
    put(s.g, 4);
    put(&s.H[0][0], 16);
    put(&s.fx, 1);
    put(s.d, 4);
    put(&s.slope, 1);
    put(&s.step, 1);
    put(s.nt, 4);
    put(&s.nf, 1);
    put(&s.total, 1);
    put(s.best.p, 4);
    const double ll = s.has_best ? s.best.log_likelihood : 0.0;
    put(&ll, 1);
    for (int j = 0; j < s.n_points; ++j) put(s.points[j], 4);
    return b;
}

Search unpack_search(const PackedView& v) {
    Search s;
    const std::int64_t* i = v.ints;
    s.model = static_cast<Model>(i[0]);
    s.batched = i[1] != 0;
    s.stage = static_cast<int>(i[2]);
    s.start = static_cast<int>(i[3]);
    s.iteration = static_cast<int>(i[4]);
    s.trials = static_cast<int>(i[5]);
    s.n_points = static_cast<int>(i[6]);
    s.has_best = i[7] != 0;
    s.best.converged = i[8] != 0;
    s.best.iterations = static_cast<int>(i[9]);
    s.rows = i[10];
    s.full_step = i[11] != 0;
    const double* d = v.dbl;
    auto get = [&d](double* out, int n) {
        std::copy(d, d + n, out);
        d += n;
    };
    get(s.th, 4);
    get(s.g, 4);
    get(&s.H[0][0], 16);
    get(&s.fx, 1);
    get(s.d, 4);
    get(&s.slope, 1);
    get(&s.step, 1);
    get(s.nt, 4);
    get(&s.nf, 1);
    get(&s.total, 1);
    get(s.best.p, 4);
    get(&s.best.log_likelihood, 1);
    for (int j = 0; j < s.n_points; ++j) get(s.points[j], 4);
    return s;
}

std::int64_t search_id(const Search& s) {
    // FNV-1a over the stage counters and the requested points' bits, kept within 53 bits so that
    // the value is exact wherever it is shown as a number
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](std::uint64_t x) {
        for (int b = 0; b < 8; ++b) {
            h ^= (x >> (8 * b)) & 0xff;
            h *= 1099511628211ULL;
        }
    };
    mix(static_cast<std::uint64_t>(s.model));
    mix(static_cast<std::uint64_t>(s.stage));
    mix(static_cast<std::uint64_t>(s.start));
    mix(static_cast<std::uint64_t>(s.iteration));
    mix(static_cast<std::uint64_t>(s.trials));
    mix(static_cast<std::uint64_t>(s.full_step));
    for (int j = 0; j < s.n_points; ++j) {
        for (int q = 0; q < 4; ++q) {
            std::uint64_t bits;
            std::memcpy(&bits, &s.points[j][q], 8);
            mix(bits);
        }
    }
    return static_cast<std::int64_t>(h & ((std::uint64_t{1} << 53) - 1));
}

PackedBuffer pass_start(const Search& s) {
    if (s.stage == Search::Done) {
        fail(ErrorCode::InvalidParameter, "the search is already done", {}, "Read the model with c360.clv_bgnbd_model() & co.");
    }
    PackedBuffer b(kPassType, 2 + 2 * static_cast<std::size_t>(s.n_points));
    PackedMut m = b.mut();
    m.ints[kPassKind] = static_cast<int>(s.model);
    m.ints[kPassPoints] = s.n_points;
    m.ints[kPassId] = search_id(s);
    return b;
}

std::uint32_t search_parameters(const Search& s, double (*p)[4]) {
    std::uint32_t skip = 0;
    const int k = k_of(s);
    for (int j = 0; j < s.n_points; ++j) {
        for (int i = 0; i < 4; ++i) p[j][i] = 0;
        for (int i = 0; i < k; ++i) {
            if (!(std::abs(s.points[j][i]) <= kMaxLogParam)) {
                skip |= 1u << j;
                break;
            }
            p[j][i] = std::exp(s.points[j][i]);
        }
    }
    return skip;
}

void pass_add(PackedMut pass, Model m, const double (*p)[4], int n, std::uint32_t skip, double x, double t_x,
              double T, double weight) {
    std::int64_t& invalid = pass.ints[kPassInvalid];
    for (int j = 0; j < n; ++j) {
        if (((skip | static_cast<std::uint32_t>(invalid)) >> j) & 1u) continue;
        const double ll = log_likelihood(m, p[j], x, t_x, T);
        double* sum = pass.dbl + 2 + 2 * j;
        CompensatedSum c{sum[0], sum[1]};
        c.add(weight * ll);
        if (!std::isfinite(ll) || !c.finite()) { // the objective cannot be evaluated there
            invalid |= std::int64_t{1} << j;
            sum[0] = sum[1] = 0;
            continue;
        }
        sum[0] = c.hi;
        sum[1] = c.lo;
    }
    CompensatedSum t{pass.dbl[0], pass.dbl[1]};
    t.add(weight);
    if (!t.finite()) {
        fail(ErrorCode::NumericOutOfRange, "the total weight of the customers is out of range",
             {}, "Weights count identical customers: use counts, not amounts.");
    }
    pass.dbl[0] = t.hi;
    pass.dbl[1] = t.lo;
    ++pass.ints[kPassRows];
}

void pass_combine(PackedMut a, const PackedView& b) {
    if (a.ints[kPassKind] != b.ints[kPassKind] || a.ints[kPassPoints] != b.ints[kPassPoints] ||
        a.ints[kPassId] != b.ints[kPassId]) {
        fail(ErrorCode::InvalidParameter, "cannot combine passes of different searches");
    }
    const int n = static_cast<int>(a.ints[kPassPoints]);
    for (int j = -1; j < n; ++j) {
        double* x = a.dbl + 2 + 2 * j;
        const double* y = b.dbl + 2 + 2 * j;
        CompensatedSum c{x[0], x[1]};
        c.add(CompensatedSum{y[0], y[1]});
        if (j < 0 && !c.finite()) {
            fail(ErrorCode::NumericOutOfRange, "the total weight of the customers is out of range");
        }
        x[0] = c.hi;
        x[1] = c.lo;
        if (j >= 0 && !c.finite()) a.ints[kPassInvalid] |= std::int64_t{1} << j;
    }
    a.ints[kPassInvalid] |= b.ints[kPassInvalid];
    for (int j = 0; j < n; ++j) {
        if ((a.ints[kPassInvalid] >> j) & 1) a.dbl[2 + 2 * j] = a.dbl[3 + 2 * j] = 0;
    }
    a.ints[kPassRows] += b.ints[kPassRows];
}

void pass_normalise(PackedMut pass) {
    const int n = static_cast<int>(pass.ints[kPassPoints]);
    for (int j = -1; j < n; ++j) {
        double* x = pass.dbl + 2 + 2 * j;
        x[0] = x[0] + x[1];
        x[1] = 0;
    }
}

void search_update(Search& s, const PackedView& pass) {
    if (s.stage == Search::Done) {
        fail(ErrorCode::InvalidParameter, "the search is already done");
    }
    if (pass.ints[kPassKind] != static_cast<int>(s.model) || pass.ints[kPassPoints] != s.n_points ||
        pass.ints[kPassId] != search_id(s)) {
        fail(ErrorCode::InvalidParameter, "the pass was computed for another request of the search");
    }
    const double total = pass.dbl[0] + pass.dbl[1];
    const std::int64_t rows = pass.ints[kPassRows];
    if (s.total == 0) {
        if (rows == 0 || !(total > 0)) {
            fail(ErrorCode::InvalidParameter, "no customers to fit", {},
                 "The source returned no usable customer (T = 0, x = 0 for Gamma-Gamma, NULL values and weight 0 are skipped).");
        }
        s.total = total;
        s.rows = rows;
    } else if (rows != s.rows || std::abs(total - s.total) > 1e-12 * s.total) {
        fail(ErrorCode::InvalidParameter, "the source changed during the fit (rows or weights differ between passes)", {},
             "Fit on a table or a snapshot that does not change while it is fitted.");
    }
    double v[kMaxSearchPoints];
    double p[kMaxSearchPoints][4];
    const std::uint32_t skip = search_parameters(s, p);
    for (int j = 0; j < s.n_points; ++j) {
        const bool bad = ((skip | static_cast<std::uint32_t>(pass.ints[kPassInvalid])) >> j) & 1u;
        const double sum = pass.dbl[2 + 2 * j] + pass.dbl[3 + 2 * j];
        const double f = -sum / s.total;
        v[j] = bad || !std::isfinite(f) ? kInf : f;
    }
    search_tell(s, v);
}

} // namespace c360::clv
