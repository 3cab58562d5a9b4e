// The rule evaluation of src/pg/events_rules_pg.cpp, for the tracking glue (events_tracking_pg.cpp).
#pragma once

#include "bridge.hpp"

extern "C" {
#include "utils/builtins.h"
}

namespace c360::pg::events {

// Ids (rule_id order) of the enabled real-time rules that fire when a customer's state goes from
// (n_before, m_before, seg_before) to (n_after, m_after, seg_after); *ids is palloc'd in
// CurrentMemoryContext. Loads the per-backend copy of c360.event_rules when it is stale (SPI).
// PostgreSQL calls only: run inside pg_call.
int fired_rule_ids(int64 n_before, int64 n_after, Datum m_before, Datum m_after, const text* seg_before,
                   const text* seg_after, int32** ids);

} // namespace c360::pg::events
