// SQL glue for lifetime value (docs/ltv.md): the c360.clv_sample state type behind the fit
// aggregates, the model composites, predictions and CLV.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bridge.hpp"
#include "common_packed_pg.hpp"
#include "ltv/btyd.hpp"
#include "ltv_btyd_pg.hpp"
#include "tuples.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
}

using c360::ErrorCode;
namespace clv = c360::clv;
using namespace c360::pg;

namespace {

const c360::PackedType& kSample = clv::kSampleType;

Datum add_row(FunctionCallInfo fcinfo, clv::Model m) {
    const int kind = static_cast<int>(m);
    const bool gg = m == clv::Model::GammaGamma;
    void* s;
    if (PG_ARGISNULL(0)) {
        s = new_state(kSample, 0);
        c360::mut_of(s).ints[clv::kSampleKind] = kind;
    } else {
        s = writable_state(fcinfo, 0, kSample);
        if (c360::view_of(s).ints[clv::kSampleKind] != kind) {
            c360::fail(ErrorCode::InvalidParameter, "the state was built by another fit aggregate");
        }
    }
    const int nargs = gg ? 2 : 3;
    for (int i = 1; i <= nargs; ++i) {
        if (PG_ARGISNULL(i)) {
            PG_RETURN_POINTER(s); // customers with a missing value are not used
        }
    }
    const double row[3] = {PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), gg ? 0.0 : PG_GETARG_FLOAT8(3)};
    if (gg && row[0] == 0) {
        PG_RETURN_POINTER(s); // Gamma-Gamma uses repeat customers only
    }
    clv::check_summary(m, row[0], row[1], row[2]);
    PG_RETURN_POINTER(append_values(s, kSample, row, 3));
}

// Model parameters read from a model composite (fields 1..k), validated. The parsed parameters
// are cached per call site (fn_extra) with the composite's bytes: scoring a table with one model
// reads it once.
struct ModelCache {
    struct Slot {
        uint32 len;
        char* raw;
        double p[4];
    } slot[2];
};

void model_params(FunctionCallInfo fcinfo, int argno, int k, double* p, const char* type) {
    HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(argno);
    const uint32 len = HeapTupleHeaderGetDatumLength(th);
    auto* cache = static_cast<ModelCache*>(fcinfo->flinfo->fn_extra);
    if (cache == nullptr) {
        cache = static_cast<ModelCache*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache)));
        fcinfo->flinfo->fn_extra = cache;
    }
    ModelCache::Slot& slot = cache->slot[argno == 0 ? 0 : 1];
    if (slot.raw != nullptr && slot.len == len && std::memcmp(slot.raw, th, len) == 0) {
        std::memcpy(p, slot.p, sizeof(double) * static_cast<size_t>(k));
        return;
    }
    for (int i = 0; i < k; ++i) {
        bool isnull = false;
        const Datum d = GetAttributeByNum(th, static_cast<AttrNumber>(i + 1), &isnull);
        p[i] = isnull ? std::nan("") : DatumGetFloat8(d);
        if (!(p[i] > 0) || !std::isfinite(p[i])) {
            c360::fail(ErrorCode::InvalidParameter, std::string("invalid ") + type + ": parameters must be finite and > 0");
        }
    }
    if (slot.raw == nullptr || slot.len < len) {
        slot.raw = static_cast<char*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len));
    }
    std::memcpy(slot.raw, th, len);
    slot.len = len;
    std::memcpy(slot.p, p, sizeof(double) * static_cast<size_t>(k));
}

void check_t(double t) {
    if (!std::isfinite(t) || t < 0) {
        c360::fail(ErrorCode::InvalidParameter, "t (the prediction horizon, in the model's time unit) must be finite and >= 0");
    }
}

Datum fit_result(FunctionCallInfo fcinfo, clv::Model m, const char* type) {
    const c360::PackedView s = c360::view_of(packed_arg(fcinfo, 0, kSample));
    const std::size_t count = c360::packed_rows(s, kSample);
    if (count == 0) {
        PG_RETURN_NULL();
    }
    clv::Fit f{};
    {
        std::vector<clv::Summary> rows(count);
        const double* r = c360::packed_row_data(s, kSample);
        for (std::size_t i = 0; i < count; ++i) {
            rows[i] = {r[3 * i], r[3 * i + 1], r[3 * i + 2], 1.0};
        }
        f = clv::fit(m, rows);
    }
    return fit_datum(fcinfo, f, m, type);
}


} // namespace

Datum c360::pg::fit_datum(FunctionCallInfo fcinfo, const clv::Fit& f, clv::Model m, const char* type) {
    const int k = m == clv::Model::GammaGamma ? 3 : 4;
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, k + 5, type);
    Datum v[9];
    bool n[9] = {};
    for (int i = 0; i < k; ++i) {
        v[i] = Float8GetDatum(f.p[i]);
    }
    v[k] = Float8GetDatum(f.log_likelihood);
    v[k + 1] = BoolGetDatum(f.converged);
    v[k + 2] = Int32GetDatum(f.iterations);
    v[k + 3] = Int64GetDatum(static_cast<int64>(f.customers));
    v[k + 4] = Int64GetDatum(static_cast<int64>(f.distinct));
    return c360::pg::composite_datum(td, v, n);
}

// ---- the state type ----------------------------------------------------------------------------

C360_STATE_TYPE_IO(clv_sample, clv::kSampleType)

C360_FUNCTION(bgnbd_add, "c360.bgnbd_fit") { return add_row(fcinfo, clv::Model::BgNbd); }
C360_FUNCTION(pareto_nbd_add, "c360.pareto_nbd_fit") { return add_row(fcinfo, clv::Model::ParetoNbd); }
C360_FUNCTION(gamma_gamma_add, "c360.gamma_gamma_fit") { return add_row(fcinfo, clv::Model::GammaGamma); }

C360_FUNCTION(clv_merge, "c360.clv_merge") {
    void* a = writable_state(fcinfo, 0, kSample);
    const c360::PackedView b = c360::view_of(packed_arg(fcinfo, 1, kSample));
    if (c360::view_of(a).ints[clv::kSampleKind] != b.ints[clv::kSampleKind]) {
        c360::fail(ErrorCode::InvalidParameter, "cannot merge samples of different models");
    }
    PG_RETURN_POINTER(append_rows(a, kSample, b));
}

C360_FUNCTION(bgnbd_final, "c360.bgnbd_fit") { return fit_result(fcinfo, clv::Model::BgNbd, "c360.bgnbd_model"); }
C360_FUNCTION(pareto_nbd_final, "c360.pareto_nbd_fit") {
    return fit_result(fcinfo, clv::Model::ParetoNbd, "c360.pareto_nbd_model");
}
C360_FUNCTION(gamma_gamma_final, "c360.gamma_gamma_fit") {
    return fit_result(fcinfo, clv::Model::GammaGamma, "c360.gamma_gamma_model");
}

// ---- predictions ---------------------------------------------------------------------------------

namespace {

struct Customer {
    double x, t_x, T;
};

Customer customer_args(FunctionCallInfo fcinfo, int first) {
    const Customer c{PG_GETARG_FLOAT8(first), PG_GETARG_FLOAT8(first + 1), PG_GETARG_FLOAT8(first + 2)};
    clv::check_summary(clv::Model::BgNbd, c.x, c.t_x, c.T);
    return c;
}

// The three predictions of the two purchase models (BG/NBD, Pareto/NBD) share their arguments.
using ExpectedFn = double (*)(const double*, double, double, double, double);
using AliveFn = double (*)(const double*, double, double, double);
using UnconditionalFn = double (*)(const double*, double);

// (model, t, x, t_x, T)
Datum expected(FunctionCallInfo fcinfo, const char* model_type, ExpectedFn fn) {
    double p[4];
    model_params(fcinfo, 0, 4, p, model_type);
    const double t = PG_GETARG_FLOAT8(1);
    check_t(t);
    const Customer c = customer_args(fcinfo, 2);
    PG_RETURN_FLOAT8(fn(p, t, c.x, c.t_x, c.T));
}

// (model, x, t_x, T)
Datum p_alive(FunctionCallInfo fcinfo, const char* model_type, AliveFn fn) {
    double p[4];
    model_params(fcinfo, 0, 4, p, model_type);
    const Customer c = customer_args(fcinfo, 1);
    PG_RETURN_FLOAT8(fn(p, c.x, c.t_x, c.T));
}

// (model, t)
Datum unconditional(FunctionCallInfo fcinfo, const char* model_type, UnconditionalFn fn) {
    double p[4];
    model_params(fcinfo, 0, 4, p, model_type);
    const double t = PG_GETARG_FLOAT8(1);
    check_t(t);
    PG_RETURN_FLOAT8(fn(p, t));
}

} // namespace

C360_FUNCTION(bgnbd_expected, "c360.bgnbd_expected") { return expected(fcinfo, "c360.bgnbd_model", clv::bgnbd_expected); }
C360_FUNCTION(bgnbd_p_alive, "c360.bgnbd_p_alive") { return p_alive(fcinfo, "c360.bgnbd_model", clv::bgnbd_p_alive); }
C360_FUNCTION(bgnbd_unconditional, "c360.bgnbd_unconditional") {
    return unconditional(fcinfo, "c360.bgnbd_model", clv::bgnbd_unconditional);
}
C360_FUNCTION(pareto_nbd_expected, "c360.pareto_nbd_expected") {
    return expected(fcinfo, "c360.pareto_nbd_model", clv::pnbd_expected);
}
C360_FUNCTION(pareto_nbd_p_alive, "c360.pareto_nbd_p_alive") { return p_alive(fcinfo, "c360.pareto_nbd_model", clv::pnbd_p_alive); }
C360_FUNCTION(pareto_nbd_unconditional, "c360.pareto_nbd_unconditional") {
    return unconditional(fcinfo, "c360.pareto_nbd_model", clv::pnbd_unconditional);
}

// (model, x, mean_value): NULL when x = 0 and q <= 1 (no finite population mean)
C360_FUNCTION(gamma_gamma_expected, "c360.gamma_gamma_expected") {
    // not STRICT (mean_value may be NULL when x = 0): the model and x are checked here
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "model and x must not be NULL (only mean_value may be, when x = 0)");
    }
    double p[3];
    model_params(fcinfo, 0, 3, p, "c360.gamma_gamma_model");
    const double x = PG_GETARG_FLOAT8(1);
    const double mv = PG_ARGISNULL(2) ? 0.0 : PG_GETARG_FLOAT8(2);
    if (!std::isfinite(x) || x < 0 || x != std::floor(x) || !std::isfinite(mv) || (x > 0 && (PG_ARGISNULL(2) || !(mv >= 0)))) {
        c360::fail(ErrorCode::InvalidParameter, "need a whole x >= 0 and, when x > 0, a mean transaction value >= 0");
    }
    const double v = clv::gg_expected(p, x, mv);
    if (std::isnan(v)) {
        PG_RETURN_NULL();
    }
    PG_RETURN_FLOAT8(v);
}

// (transaction model, spend model, x, t_x, T, mean_value, months, monthly_discount_rate, model_units_per_month)
namespace {
Datum clv_any(FunctionCallInfo fcinfo, clv::Model m, const char* type) {
    double p[4], g[3];
    for (int i = 0; i < 9; ++i) {
        if (PG_ARGISNULL(i) && i != 5) {
            c360::fail(ErrorCode::NullValueNotAllowed, "only mean_value may be NULL (customers without repeat purchases)");
        }
    }
    model_params(fcinfo, 0, 4, p, type);
    model_params(fcinfo, 1, 3, g, "c360.gamma_gamma_model");
    const Customer c = customer_args(fcinfo, 2);
    const double mv = PG_ARGISNULL(5) ? 0.0 : PG_GETARG_FLOAT8(5);
    // 0 is a real mean (free orders only): the conditional expectation is defined there even
    // though such customers cannot enter the Gamma-Gamma fit
    if (c.x > 0 && (PG_ARGISNULL(5) || !(mv >= 0 && std::isfinite(mv)))) {
        c360::fail(ErrorCode::InvalidParameter, "mean_value must be given and >= 0 for a customer with repeat purchases");
    }
    const double v = clv::clv(m, p, g, c.x, c.t_x, c.T, mv, PG_GETARG_INT32(6), PG_GETARG_FLOAT8(7), PG_GETARG_FLOAT8(8));
    if (!std::isfinite(v)) {
        PG_RETURN_NULL();
    }
    PG_RETURN_FLOAT8(v);
}
} // namespace

C360_FUNCTION(clv_bgnbd, "c360.clv") { return clv_any(fcinfo, clv::Model::BgNbd, "c360.bgnbd_model"); }
C360_FUNCTION(clv_pareto_nbd, "c360.clv") { return clv_any(fcinfo, clv::Model::ParetoNbd, "c360.pareto_nbd_model"); }
