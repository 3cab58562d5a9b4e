// SQL glue of the iterated lifetime-value fits (docs/ltv.md, "Fits over tables of any size"):
// c360.clv_search (the optimiser between passes), c360.clv_pass (the sums of one pass, the state of
// aggregate c360.clv_step) and the functions c360.bgnbd_train & co. drive them with.
#include <cmath>
#include <cstring>
#include <string_view>

#include "bridge.hpp"
#include "common_packed_pg.hpp"
#include "ltv/search.hpp"
#include "ltv_btyd_pg.hpp"
#include "tuples.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/memutils.h"
}

using c360::ErrorCode;
namespace clv = c360::clv;
using namespace c360::pg;

namespace {

// The parameters of the requested points of the search argument, cached per call site with the
// search's bytes: a pass reads its search once, not once per row.
struct StepCache {
    uint32 len;
    char* raw;
    clv::Search search;
    double p[clv::kMaxSearchPoints][4];
    std::uint32_t skip;
};

const StepCache& step_search(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "search must not be NULL", {}, "Start from c360.clv_start().");
    }
    const void* raw = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno));
    const uint32 len = VARSIZE_ANY(raw);
    auto* cache = static_cast<StepCache*>(fcinfo->flinfo->fn_extra);
    if (cache != nullptr && cache->raw != nullptr && cache->len == len && std::memcmp(cache->raw, raw, len) == 0) {
        return *cache;
    }
    if (cache == nullptr) {
        cache = static_cast<StepCache*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(StepCache)));
        fcinfo->flinfo->fn_extra = cache;
    }
    const c360::PackedView v = c360::view_of(packed_arg(fcinfo, argno, clv::kSearchType));
    cache->search = clv::unpack_search(v);
    if (cache->search.stage == clv::Search::Done) {
        c360::fail(ErrorCode::InvalidParameter, "the search is already done");
    }
    cache->skip = clv::search_parameters(cache->search, cache->p);
    if (cache->raw == nullptr || cache->len < len) {
        cache->raw = static_cast<char*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len));
    }
    std::memcpy(cache->raw, raw, len);
    cache->len = len;
    return *cache;
}

// (state, x, t_x or mean value, [T,] weight, search): one customer added at every requested point.
Datum step_add(FunctionCallInfo fcinfo, bool spend) {
    const int search_arg = spend ? 4 : 5, weight_arg = search_arg - 1;
    const StepCache& c = step_search(fcinfo, search_arg);
    const clv::Model m = c.search.model;
    if ((m == clv::Model::GammaGamma) != spend) {
        c360::fail(ErrorCode::InvalidParameter,
                   spend ? "this search fits a transaction model: call c360.clv_step(x, t_x, T, weight, search)"
                         : "this search fits Gamma-Gamma: call c360.clv_step(x, mean_value, weight, search)");
    }
    void* state;
    if (PG_ARGISNULL(0)) {
        const c360::PackedBuffer b = clv::pass_start(c.search);
        state = packed_datum(b);
    } else {
        state = writable_state(fcinfo, 0, clv::kPassType);
        if (c360::view_of(state).ints[clv::kPassId] != clv::search_id(c.search)) {
            c360::fail(ErrorCode::InvalidParameter, "the search changed within one pass");
        }
    }
    for (int i = 1; i <= weight_arg; ++i) {
        if (PG_ARGISNULL(i)) {
            PG_RETURN_POINTER(state); // customers with a missing value or weight are not used
        }
    }
    const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = spend ? 0.0 : PG_GETARG_FLOAT8(3);
    const double w = PG_GETARG_FLOAT8(weight_arg);
    if (!std::isfinite(w) || w < 0) {
        c360::fail(ErrorCode::InvalidParameter, "weight must be a finite number >= 0 (the number of identical customers)");
    }
    if (w == 0 || (spend && x == 0)) {
        PG_RETURN_POINTER(state); // Gamma-Gamma uses repeat customers only
    }
    clv::check_summary(m, x, t_x, T);
    if (!spend && T == 0) {
        PG_RETURN_POINTER(state); // no information (likelihood 1 at every point): skipped as by the fit aggregates
    }
    clv::pass_add(c360::mut_of(state), m, c.p, c.search.n_points, c.skip, x, t_x, T, w);
    PG_RETURN_POINTER(state);
}

clv::Search search_arg(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "search must not be NULL");
    }
    return clv::unpack_search(c360::view_of(packed_arg(fcinfo, argno, clv::kSearchType)));
}

Datum search_datum(const clv::Search& s) {
    void* mem = nullptr;
    {
        const c360::PackedBuffer b = clv::pack_search(s);
        mem = packed_datum(b);
    }
    PG_RETURN_POINTER(mem);
}

Datum model_of(FunctionCallInfo fcinfo, clv::Model m, const char* type) {
    const clv::Search s = search_arg(fcinfo, 0);
    if (s.model != m) {
        c360::fail(ErrorCode::InvalidParameter, std::string("the search fits another model than ") + type);
    }
    if (s.stage != clv::Search::Done) {
        c360::fail(ErrorCode::InvalidParameter, "the search is not done", {}, "Run passes until c360.clv_done(search).");
    }
    return fit_datum(fcinfo, clv::search_result(s), m, type);
}

} // namespace

C360_STATE_TYPE_IO(clv_search, clv::kSearchType)
C360_STATE_TYPE_IO(clv_pass, clv::kPassType)

// c360.clv_start(model text): the first request of a fit ('bgnbd', 'pareto_nbd', 'gamma_gamma')
C360_FUNCTION(clv_start, "c360.clv_start") {
    const text* t = PG_GETARG_TEXT_PP(0);
    const std::string_view name(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    clv::Model m;
    if (name == "bgnbd") {
        m = clv::Model::BgNbd;
    } else if (name == "pareto_nbd") {
        m = clv::Model::ParetoNbd;
    } else if (name == "gamma_gamma") {
        m = clv::Model::GammaGamma;
    } else {
        c360::fail(ErrorCode::InvalidParameter, "unknown model", {}, "Use 'bgnbd', 'pareto_nbd' or 'gamma_gamma'.");
    }
    return search_datum(clv::search_start(m, true));
}

C360_FUNCTION(clv_step_add, "c360.clv_step") { return step_add(fcinfo, false); }
C360_FUNCTION(clv_step_add_spend, "c360.clv_step") { return step_add(fcinfo, true); }

C360_FUNCTION(clv_pass_merge, "c360.clv_step") {
    const c360::PackedView b = c360::view_of(packed_arg(fcinfo, 1, clv::kPassType));
    void* a = writable_state(fcinfo, 0, clv::kPassType);
    clv::pass_combine(c360::mut_of(a), b);
    PG_RETURN_POINTER(a);
}

// Final function of c360.clv_step: each compensated sum as one double (hi + lo, lo = 0), so that the
// pass reads the same whatever the order its rows and partial states were added in (the pairs of two
// orders differ, their values agree to the last bit or two).
C360_FUNCTION(clv_pass_final, "c360.clv_step") {
    // a copy: a final function must not change the transition state (FINALFUNC_MODIFY = READ_ONLY)
    const void* in = packed_arg(fcinfo, 0, clv::kPassType);
    void* a = palloc(VARSIZE(in));
    std::memcpy(a, in, VARSIZE(in));
    clv::pass_normalise(c360::mut_of(a));
    PG_RETURN_POINTER(a);
}

// c360.clv_update(search, pass): the search told one pass (NULL pass: the source had no rows)
C360_FUNCTION(clv_update, "c360.clv_update") {
    clv::Search s = search_arg(fcinfo, 0);
    if (PG_ARGISNULL(1)) {
        c360::fail(ErrorCode::InvalidParameter, "no customers to fit", {}, "The source returned no rows.");
    }
    const c360::PackedView pass = c360::view_of(packed_arg(fcinfo, 1, clv::kPassType));
    clv::search_update(s, pass);
    return search_datum(s);
}

C360_FUNCTION(clv_done, "c360.clv_done") { PG_RETURN_BOOL(search_arg(fcinfo, 0).stage == clv::Search::Done); }

C360_FUNCTION(clv_bgnbd_model, "c360.clv_bgnbd_model") { return model_of(fcinfo, clv::Model::BgNbd, "c360.bgnbd_model"); }
C360_FUNCTION(clv_pareto_nbd_model, "c360.clv_pareto_nbd_model") {
    return model_of(fcinfo, clv::Model::ParetoNbd, "c360.pareto_nbd_model");
}
C360_FUNCTION(clv_gamma_gamma_model, "c360.clv_gamma_gamma_model") {
    return model_of(fcinfo, clv::Model::GammaGamma, "c360.gamma_gamma_model");
}
