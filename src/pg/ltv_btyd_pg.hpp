// SQL glue for lifetime value shared by the fit aggregates (ltv_btyd_pg.cpp) and the iterated fits
// (ltv_search_pg.cpp).
#pragma once

#include "bridge.hpp"
#include "ltv/btyd.hpp"

namespace c360::pg {

// A fit as its model composite (c360.bgnbd_model, c360.pareto_nbd_model or c360.gamma_gamma_model):
// the parameters, log-likelihood, converged, iterations, customers, distinct summaries.
Datum fit_datum(FunctionCallInfo fcinfo, const clv::Fit& f, clv::Model m, const char* type);

} // namespace c360::pg
