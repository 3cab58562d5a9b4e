// C symbols of the frozen 0.1.0 install script (control/customer360--0.1.0.sql) renamed since:
// each old symbol forwards to the function that replaced it, so that CREATE EXTENSION customer360
// VERSION '0.1.0' and an installed 0.1.0 keep working with this library until ALTER EXTENSION
// customer360 UPDATE points their functions at the new symbols (control/customer360--0.1.0--0.2.0.sql).
// The forward adds nothing: the new function is itself the guarded entry point and sees the same
// fcinfo (arguments, flinfo cache, aggregate context).
//
// Only symbols named by a frozen script belong here (tests/unit/naming_test.cpp checks it); one
// line each: C360_ALIAS_0_1(old symbol, C360_FUNCTION name of the replacement).
#include "bridge.hpp"

#define C360_ALIAS_0_1(old_symbol, name)                                      \
    extern "C" {                                                              \
    Datum c360_##name(PG_FUNCTION_ARGS);                                      \
    PG_FUNCTION_INFO_V1(old_symbol);                                          \
    Datum old_symbol(PG_FUNCTION_ARGS) { return c360_##name(fcinfo); }        \
    }

// rfm: the two overloads of c360.rfm_breaks_add share one C function (it reads PG_NARGS())
C360_ALIAS_0_1(c360_rfm_breaks_add5, rfm_breaks_add)
// match
C360_ALIAS_0_1(c360_clusters_from_query, cluster_pairs_query)
// ltv: the SQL names are pareto_nbd_* and gamma_gamma_*
C360_ALIAS_0_1(c360_pnbd_add, pareto_nbd_add)
C360_ALIAS_0_1(c360_pnbd_final, pareto_nbd_final)
C360_ALIAS_0_1(c360_pnbd_expected, pareto_nbd_expected)
C360_ALIAS_0_1(c360_pnbd_p_alive, pareto_nbd_p_alive)
C360_ALIAS_0_1(c360_pnbd_unconditional, pareto_nbd_unconditional)
C360_ALIAS_0_1(c360_gg_add, gamma_gamma_add)
C360_ALIAS_0_1(c360_gg_final, gamma_gamma_final)
C360_ALIAS_0_1(c360_gg_expected, gamma_gamma_expected)
C360_ALIAS_0_1(c360_clv_pnbd, clv_pareto_nbd)
// events: the 0.1.0 INSERT trigger function; c360._track applies at once when its trigger is
// AFTER INSERT only (0.1.0's), and notes the change for the commit-time apply otherwise
C360_ALIAS_0_1(c360_track_insert, track)
