// SQL glue for real-time order tracking (c360.track_orders): c360.customer_state follows every
// committed change of a tracked orders table, whoever makes it.
//
// How a change reaches the state (docs/events.md, "Real-time tracking"):
//  - c360._track, an AFTER INSERT OR UPDATE OR DELETE row trigger (arguments: the customer,
//    timestamp and amount column names), only notes the change in this transaction's pending set,
//    one entry per (table, customer): inserted orders as a delta (count, sum, first, last), an
//    UPDATE or DELETE as "recompute this customer". No SPI, no lock.
//  - c360._track_apply, a DEFERRABLE INITIALLY DEFERRED constraint row trigger, fires at commit
//    (or SET CONSTRAINTS ... IMMEDIATE); its first firing applies the whole pending set, sorted by
//    (table, hash of the customer), taking one transaction-level lock per customer in that order
//    before reading or writing anything of it: a fixed lock order, so multi-order transactions do
//    not deadlock on the state, and a recomputation reads the table with a snapshot taken after
//    every concurrent writer of that customer has committed (READ COMMITTED; under REPEATABLE READ
//    the state row's concurrent update is a serialization failure), so no order is lost.
//  - The apply runs as the extension's owner (the owner of the trigger function, a superuser:
//    the extension is not trusted) in a security-restricted operation: the writer needs no
//    privilege on c360's tables, row-level security of the orders table does not narrow the
//    recomputation, and only built-in types' functions run (tracked columns must have built-in
//    types: no user code runs as the owner).
//  - c360.track_orders, c360.untrack_orders and c360.refresh_segments are gates: they check that
//    the caller owns the table, then run an internal function (EXECUTE revoked from PUBLIC) as the
//    extension's owner. No function is generated per table, nothing needs CREATE on schema c360.
#include <cstring>

#include "bridge.hpp"
#include "events/tracking.hpp"
#include "events_rules_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "parser/parse_coerce.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace ce = c360::pg::events;

namespace {

// The locks of the apply: advisory-type lock tags in a key space of their own (field 4), so they
// never meet pg_advisory_lock's (1 and 2). Shown in pg_locks as advisory, objsubid 50016.
constexpr uint16 kTrackLockSpace = 0xC360;

// ---- tracked tables as this backend sees them (TopMemoryContext) ------------------------------

// A cast of a column to timestamptz or numeric, resolved once (built-in types only).
struct Conversion {
    CoercionPathType path;
    FmgrInfo fn; // COERCION_PATH_FUNC
    int nargs;
    FmgrInfo out, in; // COERCION_PATH_COERCEVIAIO
    Oid ioparam;
};

struct TrackedRel {
    Oid relid;
    int attnums[3]; // customer, timestamp, amount
    Oid types[3];
    char* names[3];
    FmgrInfo cust_out;
    int16 cust_len;
    bool cust_byval;
    Conversion ts, amount;
    bool verified; // c360.tracked_tables names this table with these columns (reset by invalidation)
    SPIPlanPtr upsert, insert, recompute, recomputed, event; // upsert: the UPDATE of the delta
};

TrackedRel* rels = nullptr;
int n_rels = 0;
int cap_rels = 0;
Oid tracked_tables_relid = InvalidOid;
Oid customer_state_relid = InvalidOid; // looked up again after any invalidation of it
bool callbacks_registered = false;

// ---- this transaction's pending changes (TopTransactionContext) --------------------------------

struct PendingKey {
    Oid relid;
    uint32 text_hash;
    const char* text; // the customer's text form
};

struct Pending {
    PendingKey key;
    int rel;        // index in rels
    Datum customer; // the column value
    int64 n;        // orders inserted (delta)
    Datum sum;      // numeric sum of their amounts (NULL amount: 0)
    TimestampTz first, last;
    bool recompute;          // an UPDATE, a DELETE or a rolled-back subtransaction touched it
    SubTransactionId subid;  // the latest subtransaction that touched it
};

// The entries in an array (most transactions touch one or a few customers: a linear search, no
// hash table to build per transaction), indexed by a hash table once they are many.
struct PendingSet {
    Pending* items;
    int n, cap;
    HTAB* index; // PendingKey -> position, from kIndexFrom entries on
};
constexpr int kIndexFrom = 16;
struct IndexEntry {
    PendingKey key;
    int pos;
};
PendingSet* pending = nullptr;
// a subtransaction that applied the pending set (SET CONSTRAINTS ... IMMEDIATE inside a savepoint)
SubTransactionId applied_in = InvalidSubTransactionId;
bool applied_then_rolled_back = false;

uint32 pending_hash(const void* key, Size) {
    const PendingKey* k = static_cast<const PendingKey*>(key);
    return hash_combine(murmurhash32(k->relid), k->text_hash);
}

int pending_match(const void* a, const void* b, Size) {
    const PendingKey* x = static_cast<const PendingKey*>(a);
    const PendingKey* y = static_cast<const PendingKey*>(b);
    if (x->relid != y->relid || x->text_hash != y->text_hash) return 1;
    return std::strcmp(x->text, y->text) == 0 ? 0 : 1;
}

// The lock order (src/core/events/tracking.hpp): table, then hash of the customer, then the text.
int pending_order(const void* a, const void* b) {
    const Pending* x = *static_cast<Pending* const*>(a);
    const Pending* y = *static_cast<Pending* const*>(b);
    return c360::events::lock_order({x->key.relid, x->key.text_hash, x->key.text},
                                    {y->key.relid, y->key.text_hash, y->key.text});
}

void on_xact(XactEvent event, void*) {
    switch (event) {
    case XACT_EVENT_PRE_COMMIT:
    case XACT_EVENT_PRE_PREPARE:
        if (applied_then_rolled_back) {
            // the pending set was applied inside a savepoint since rolled back, and no trigger is
            // left to apply it again: refuse to commit rather than commit a wrong state
            applied_then_rolled_back = false;
            ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                            errmsg("c360._track_apply: tracked orders applied by SET CONSTRAINTS ... IMMEDIATE were rolled back to a savepoint"),
                            errhint("Roll back the whole transaction, or do not roll back past SET CONSTRAINTS ... IMMEDIATE in a transaction that changes a tracked table.")));
        }
        break;
    default: // commit, abort, prepare: the pending set goes with TopTransactionContext
        pending = nullptr;
        applied_in = InvalidSubTransactionId;
        applied_then_rolled_back = false;
        break;
    }
}

void on_subxact(SubXactEvent event, SubTransactionId my_subid, SubTransactionId, void*) {
    if (event != SUBXACT_EVENT_ABORT_SUB) return;
    // every subtransaction started since my_subid is nested in it: entries touched by any of them
    // lost some of their changes, recompute them from the table
    if (pending != nullptr) {
        for (int i = 0; i < pending->n; ++i) {
            if (pending->items[i].subid >= my_subid) pending->items[i].recompute = true;
        }
    }
    if (applied_in != InvalidSubTransactionId && applied_in >= my_subid) {
        applied_in = InvalidSubTransactionId;
        applied_then_rolled_back = true;
    }
}

void on_relcache(Datum, Oid relid) {
    if (relid == InvalidOid || relid == customer_state_relid) customer_state_relid = InvalidOid;
    if (relid != InvalidOid && relid != tracked_tables_relid) return;
    for (int i = 0; i < n_rels; ++i) rels[i].verified = false;
}

void register_callbacks() {
    if (callbacks_registered) return;
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
    CacheRegisterRelcacheCallback(on_relcache, (Datum)0);
    callbacks_registered = true;
}

void resolve_conversion(Oid from, Oid to, const char* column, Conversion& c) {
    Oid fn = InvalidOid;
    c.path = find_coercion_pathway(to, from, COERCION_EXPLICIT, &fn);
    switch (c.path) {
    case COERCION_PATH_RELABELTYPE:
        break;
    case COERCION_PATH_FUNC:
        fmgr_info_cxt(fn, &c.fn, TopMemoryContext);
        c.nargs = get_func_nargs(fn);
        break;
    case COERCION_PATH_COERCEVIAIO: {
        Oid out, in;
        bool varlena;
        getTypeOutputInfo(from, &out, &varlena);
        getTypeInputInfo(to, &in, &c.ioparam);
        fmgr_info_cxt(out, &c.out, TopMemoryContext);
        fmgr_info_cxt(in, &c.in, TopMemoryContext);
        break;
    }
    default:
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("c360._track: column \"%s\" of the tracked table (%s) cannot be cast to %s", column,
                               format_type_be(from), format_type_be(to))));
    }
}

Datum convert(const Conversion& c, Datum d) {
    switch (c.path) {
    case COERCION_PATH_FUNC:
        if (c.nargs == 1) return FunctionCall1(const_cast<FmgrInfo*>(&c.fn), d);
        if (c.nargs == 2) return FunctionCall2(const_cast<FmgrInfo*>(&c.fn), d, Int32GetDatum(-1));
        return FunctionCall3(const_cast<FmgrInfo*>(&c.fn), d, Int32GetDatum(-1), BoolGetDatum(true));
    case COERCION_PATH_COERCEVIAIO:
        return InputFunctionCall(const_cast<FmgrInfo*>(&c.in), OutputFunctionCall(const_cast<FmgrInfo*>(&c.out), d),
                                 c.ioparam, -1);
    default:
        return d;
    }
}

// The tracked table of a trigger call, with its columns (index in rels).
int rel_for(Relation rel, char** args) {
    TupleDesc desc = RelationGetDescr(rel);
    const Oid relid = RelationGetRelid(rel);
    int attnums[3];
    Oid types[3];
    for (int i = 0; i < 3; ++i) {
        attnums[i] = SPI_fnumber(desc, args[i]);
        if (attnums[i] <= 0) {
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("c360._track: column \"%s\" of tracked table %s does not exist", args[i], RelationGetRelationName(rel))));
        }
        types[i] = TupleDescAttr(desc, attnums[i] - 1)->atttypid;
    }
    for (int i = 0; i < n_rels; ++i) {
        const TrackedRel& r = rels[i];
        if (r.relid == relid && std::memcmp(r.attnums, attnums, sizeof attnums) == 0 &&
            std::memcmp(r.types, types, sizeof types) == 0) {
            return i;
        }
    }
    // a column altered to a user-defined type (or domain) since track_orders: its functions would
    // run as the extension's owner
    for (int i = 0; i < 3; ++i) {
        if (types[i] >= FirstNormalObjectId) {
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("c360._track: column \"%s\" of tracked table %s has type %s, not a built-in type", args[i],
                                   RelationGetRelationName(rel), format_type_be(types[i])),
                            errhint("Tracked columns must have built-in types; call c360.untrack_orders or change the column back.")));
        }
    }
    register_callbacks();
    if (n_rels == cap_rels) {
        cap_rels = cap_rels == 0 ? 4 : cap_rels * 2;
        rels = static_cast<TrackedRel*>(rels == nullptr ? MemoryContextAllocZero(TopMemoryContext, sizeof(TrackedRel) * cap_rels)
                                                        : repalloc(rels, sizeof(TrackedRel) * cap_rels));
    }
    TrackedRel& r = rels[n_rels];
    std::memset(&r, 0, sizeof r);
    r.relid = relid;
    std::memcpy(r.attnums, attnums, sizeof attnums);
    std::memcpy(r.types, types, sizeof types);
    for (int i = 0; i < 3; ++i) r.names[i] = MemoryContextStrdup(TopMemoryContext, args[i]);
    Oid out;
    bool varlena;
    getTypeOutputInfo(types[0], &out, &varlena);
    fmgr_info_cxt(out, &r.cust_out, TopMemoryContext);
    get_typlenbyval(types[0], &r.cust_len, &r.cust_byval);
    resolve_conversion(types[1], TIMESTAMPTZOID, args[1], r.ts);
    resolve_conversion(types[2], NUMERICOID, args[2], r.amount);
    return n_rels++;
}

Pending* pending_entry(int ri, Datum customer) {
    const TrackedRel& r = rels[ri];
    char* text = OutputFunctionCall(&rels[ri].cust_out, customer);
    const uint32 h = c360::events::customer_lock_hash(text);
    if (pending == nullptr) {
        pending = static_cast<PendingSet*>(MemoryContextAllocZero(TopTransactionContext, sizeof(PendingSet)));
    }
    PendingSet& ps = *pending;
    PendingKey key = {r.relid, h, text};
    int pos = -1;
    if (ps.index != nullptr) {
        const IndexEntry* found = static_cast<IndexEntry*>(hash_search(ps.index, &key, HASH_FIND, nullptr));
        if (found != nullptr) pos = found->pos;
    } else {
        for (int i = 0; i < ps.n && pos < 0; ++i) {
            if (pending_match(&ps.items[i].key, &key, 0) == 0) pos = i;
        }
    }
    if (pos < 0) {
        MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
        if (ps.n == ps.cap) {
            ps.cap = ps.cap == 0 ? 8 : ps.cap * 2;
            ps.items = static_cast<Pending*>(ps.items == nullptr ? palloc(sizeof(Pending) * ps.cap)
                                                                 : repalloc(ps.items, sizeof(Pending) * ps.cap));
        }
        pos = ps.n++;
        Pending& e = ps.items[pos];
        e.key = {r.relid, h, pstrdup(text)};
        e.rel = ri;
        e.customer = datumCopy(customer, r.cust_byval, r.cust_len);
        e.n = 0;
        e.sum = (Datum)0;
        e.first = e.last = 0;
        e.recompute = false;
        if (ps.index == nullptr && ps.n > kIndexFrom) {
            HASHCTL ctl;
            std::memset(&ctl, 0, sizeof ctl);
            ctl.keysize = sizeof(PendingKey);
            ctl.entrysize = sizeof(IndexEntry);
            ctl.hash = pending_hash;
            ctl.match = pending_match;
            ctl.hcxt = TopTransactionContext;
            ps.index = hash_create("c360 tracked changes", 256, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
            for (int i = 0; i < ps.n; ++i) {
                IndexEntry* ie = static_cast<IndexEntry*>(hash_search(ps.index, &ps.items[i].key, HASH_ENTER, nullptr));
                ie->pos = i;
            }
        } else if (ps.index != nullptr) {
            IndexEntry* ie = static_cast<IndexEntry*>(hash_search(ps.index, &e.key, HASH_ENTER, nullptr));
            ie->pos = pos;
        }
        MemoryContextSwitchTo(old);
    }
    Pending* e = &ps.items[pos];
    e->subid = GetCurrentSubTransactionId();
    pfree(text);
    return e;
}

void note_insert(int ri, HeapTuple tuple, TupleDesc desc) {
    const TrackedRel& r = rels[ri];
    bool null_c, null_t, null_a;
    const Datum c = heap_getattr(tuple, r.attnums[0], desc, &null_c);
    const Datum t = heap_getattr(tuple, r.attnums[1], desc, &null_t);
    const Datum a = heap_getattr(tuple, r.attnums[2], desc, &null_a);
    if (null_c || null_t) return; // no customer or no time: not an order
    Pending* e = pending_entry(ri, c);
    if (e->recompute) return;
    const TimestampTz ts = DatumGetTimestampTz(convert(r.ts, t));
    const Datum amount = null_a ? NumericGetDatum(int64_to_numeric(0)) : convert(r.amount, a);
    MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
    if (e->n == 0) {
        e->sum = datumCopy(amount, false, -1);
        e->first = e->last = ts;
    } else {
        const Datum sum = DirectFunctionCall2(numeric_add, e->sum, amount);
        pfree(DatumGetPointer(e->sum));
        e->sum = sum;
        if (ts < e->first) e->first = ts;
        if (ts > e->last) e->last = ts;
    }
    ++e->n;
    MemoryContextSwitchTo(old);
}

void note_recompute(int ri, HeapTuple tuple, TupleDesc desc) {
    bool null_c;
    const Datum c = heap_getattr(tuple, rels[ri].attnums[0], desc, &null_c);
    if (null_c) return;
    pending_entry(ri, c)->recompute = true;
}

bool same_column(HeapTuple a, HeapTuple b, TupleDesc desc, int attnum) {
    bool na, nb;
    const Datum x = heap_getattr(a, attnum, desc, &na);
    const Datum y = heap_getattr(b, attnum, desc, &nb);
    if (na || nb) return na == nb;
    const Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
    return datumIsEqual(x, y, att->attbyval, att->attlen);
}

Oid function_owner(Oid fn) {
    HeapTuple t = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
    if (!HeapTupleIsValid(t)) elog(ERROR, "c360._track_apply: cache lookup failed for function %u", fn);
    const Oid owner = reinterpret_cast<Form_pg_proc>(GETSTRUCT(t))->proowner;
    ReleaseSysCache(t);
    return owner;
}

Oid c360_relid(const char* name) {
    const Oid ns = get_namespace_oid("c360", false);
    const Oid relid = get_relname_relid(name, ns);
    if (relid == InvalidOid) elog(ERROR, "c360._track_apply: table c360.%s is missing", name);
    return relid;
}

SPIPlanPtr keep_plan(const char* sql, int nargs, Oid* types) {
    SPIPlanPtr p = SPI_prepare(sql, nargs, types);
    if (p == nullptr) elog(ERROR, "c360._track_apply: could not prepare a tracking query: %s", SPI_result_code_string(SPI_result));
    if (SPI_keepplan(p) != 0) elog(ERROR, "c360._track_apply: SPI_keepplan failed");
    return p;
}

// Whether c360.tracked_tables tracks the table with the trigger's columns (false: untracked in
// this transaction, skip it); the saved plans are prepared on first use. Inside SPI.
bool prepare_rel(TrackedRel& r) {
    if (!r.verified) {
        tracked_tables_relid = c360_relid("tracked_tables");
        Oid t = OIDOID;
        Datum v = ObjectIdGetDatum(r.relid);
        const int rc = SPI_execute_with_args(
            "SELECT tt.customer_col, tt.ts_col, tt.amount_col FROM c360.tracked_tables tt "
            "WHERE tt.source OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
            1, &t, &v, nullptr, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "c360._track_apply: reading c360.tracked_tables failed: %s", SPI_result_code_string(rc));
        if (SPI_processed == 0) return false;
        for (int i = 0; i < 3; ++i) {
            char* name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);
            if (name == nullptr || std::strcmp(name, r.names[i]) != 0) {
                ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                                errmsg("c360._track_apply: the tracking trigger of %s does not match c360.tracked_tables", get_rel_name(r.relid)),
                                errhint("Call c360.track_orders again for the table.")));
            }
        }
        r.verified = true;
    }
    if (r.upsert != nullptr) return true;
    const char* table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(r.relid)), get_rel_name(r.relid));
    const char* cust = quote_identifier(r.names[0]);
    const char* ts = quote_identifier(r.names[1]);
    const char* amount = quote_identifier(r.names[2]);
    StringInfoData q;
    initStringInfo(&q);
    // every function and operator schema-qualified
    // an UPDATE of the customer's row (a HOT update: fillfactor 70), else its INSERT at the first
    // order; not INSERT ... ON CONFLICT DO UPDATE, whose tuple lock writes one more WAL record per order
    appendStringInfo(&q,
        "UPDATE c360.customer_state cs SET "
        "orders = pg_catalog.int8pl(cs.orders, $2), "
        "monetary = pg_catalog.numeric_add(cs.monetary, $3), "
        "first_order = LEAST(cs.first_order, $4), "
        "last_order = GREATEST(cs.last_order, $5), "
        "updated_at = pg_catalog.now(), previous_segment = cs.segment, "
        "segment = COALESCE((SELECT (c360.rfm_score(GREATEST(0, pg_catalog.float8div(pg_catalog.date_part('epoch', "
        "pg_catalog.timestamptz_mi(pg_catalog.now(), GREATEST(cs.last_order, $5))), 86400)), "
        "pg_catalog.int8pl(cs.orders, $2)::pg_catalog.float8, "
        "pg_catalog.numeric_add(cs.monetary, $3)::pg_catalog.float8, sb.breaks)).segment "
        "FROM c360.segment_breaks sb WHERE sb.source OPERATOR(pg_catalog.=) cs.source), cs.segment) "
        "WHERE cs.source OPERATOR(pg_catalog.=) %u::pg_catalog.oid::pg_catalog.regclass "
        "AND cs.customer_id OPERATOR(pg_catalog.=) $1::pg_catalog.text "
        "RETURNING cs.orders, cs.monetary, cs.segment, cs.previous_segment",
        r.relid);
    Oid utypes[5] = {r.types[0], INT8OID, NUMERICOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
    r.upsert = keep_plan(q.data, 5, utypes);
    resetStringInfo(&q);
    appendStringInfo(&q,
        "INSERT INTO c360.customer_state (source, customer_id, orders, monetary, first_order, last_order, segment, updated_at) "
        "VALUES (%u::pg_catalog.oid::pg_catalog.regclass, $1::pg_catalog.text, $2, $3, $4, $5, NULL, pg_catalog.now()) "
        "ON CONFLICT (source, customer_id) DO NOTHING "
        "RETURNING orders, monetary, NULL::pg_catalog.text, NULL::pg_catalog.text",
        r.relid);
    r.insert = keep_plan(q.data, 5, utypes);
    resetStringInfo(&q);
    appendStringInfo(&q,
        "SELECT pg_catalog.count(*), pg_catalog.sum(COALESCE(t.%s::pg_catalog.numeric, 0)), "
        "pg_catalog.min(t.%s::pg_catalog.timestamptz), pg_catalog.max(t.%s::pg_catalog.timestamptz) "
        "FROM %s t WHERE t.%s OPERATOR(pg_catalog.=) $1 AND t.%s IS NOT NULL",
        amount, ts, ts, table, cust, ts);
    r.recompute = keep_plan(q.data, 1, r.types);
    resetStringInfo(&q);
    appendStringInfo(&q,
        "SELECT c360._customer_recomputed(%u::pg_catalog.oid::pg_catalog.regclass, $1::pg_catalog.text, $2, $3, $4, $5)",
        r.relid);
    r.recomputed = keep_plan(q.data, 5, utypes);
    // $1 customer, $2 event time, $3 orders, $4 monetary, $5 segment before, $6 segment, $7 rule id;
    // the dedup key is the one of the PL/pgSQL path (c360._fire_rules)
    resetStringInfo(&q);
    appendStringInfo(&q,
        "INSERT INTO c360.event_queue (source, customer_id, event_type, event_time, details, rule_id, dedup_key) "
        "SELECT %u::pg_catalog.oid::pg_catalog.regclass, $1::pg_catalog.text, er.rule_type, $2, "
        "pg_catalog.jsonb_concat(pg_catalog.jsonb_build_object('rule', er.rule_name, 'orders', $3, 'monetary', $4, "
        "'segment_before', $5, 'segment', $6), er.params), er.rule_id, "
        "pg_catalog.concat('%u:', $1::pg_catalog.text, ':', er.rule_id, "
        "CASE WHEN er.rule_type OPERATOR(pg_catalog.=) 'segment_transition' "
        "THEN pg_catalog.concat(':', $5, '>', $6, ':', $2) ELSE '' END) "
        "FROM c360.event_rules er WHERE er.rule_id OPERATOR(pg_catalog.=) $7 "
        "ON CONFLICT (dedup_key) DO NOTHING RETURNING event_id, (SELECT n.notify FROM c360.event_rules n "
        "WHERE n.rule_id OPERATOR(pg_catalog.=) $7)",
        r.relid, r.relid);
    Oid etypes[7] = {r.types[0], TIMESTAMPTZOID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, INT4OID};
    r.event = keep_plan(q.data, 7, etypes);
    pfree(q.data);
    return true;
}

// Inserted orders only: the delta goes into the state, the rules fire on before -> after.
void apply_delta(const TrackedRel& r, const Pending& e) {
    Datum v[7] = {e.customer, Int64GetDatum(e.n), e.sum, TimestampTzGetDatum(e.first), TimestampTzGetDatum(e.last)};
    char nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
    // the customer's lock is held: no concurrent apply creates its row between the two statements
    // (a concurrent c360.track_orders rebuilding the state could: then the UPDATE again)
    int rc = 0;
    bool done = false;
    for (int attempt = 0; attempt < 2 && !done; ++attempt) {
        rc = SPI_execute_plan(r.upsert, v, nulls, false, 1);
        if (rc != SPI_OK_UPDATE_RETURNING) elog(ERROR, "c360._track_apply: updating the customer state failed: %s", SPI_result_code_string(rc));
        if (SPI_processed == 0) {
            rc = SPI_execute_plan(r.insert, v, nulls, false, 1);
            if (rc != SPI_OK_INSERT_RETURNING) elog(ERROR, "c360._track_apply: creating the customer state failed: %s", SPI_result_code_string(rc));
        }
        done = SPI_processed == 1;
    }
    if (!done) {
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("c360._track_apply: the state of a customer could not be updated"), errhint("Retry the transaction.")));
    }
    HeapTuple state = SPI_tuptable->vals[0];
    TupleDesc sdesc = SPI_tuptable->tupdesc;
    bool isnull, seg_null, before_null;
    const int64 n = DatumGetInt64(SPI_getbinval(state, sdesc, 1, &isnull));
    const Datum m = SPI_getbinval(state, sdesc, 2, &isnull);
    const Datum seg = SPI_getbinval(state, sdesc, 3, &seg_null);
    const Datum before = SPI_getbinval(state, sdesc, 4, &before_null);
    const Datum m_before = DirectFunctionCall2(numeric_sub, m, e.sum);
    int32* ids = nullptr;
    const int k = ce::fired_rule_ids(n - e.n, n, m_before, m, before_null ? nullptr : DatumGetTextPP(before),
                                     seg_null ? nullptr : DatumGetTextPP(seg), &ids);
    v[1] = TimestampTzGetDatum(e.last);
    v[2] = Int64GetDatum(n);
    v[3] = m;
    v[4] = before;
    nulls[4] = before_null ? 'n' : ' ';
    v[5] = seg;
    nulls[5] = seg_null ? 'n' : ' ';
    for (int i = 0; i < k; ++i) {
        v[6] = Int32GetDatum(ids[i]);
        rc = SPI_execute_plan(r.event, v, nulls, false, 0);
        if (rc != SPI_OK_INSERT_RETURNING) elog(ERROR, "c360._track_apply: queueing an event failed: %s", SPI_result_code_string(rc));
        if (SPI_processed == 1) {
            bool notify_null;
            const Datum notify = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &notify_null);
            if (!notify_null && DatumGetBool(notify)) {
                Async_Notify("c360_events", SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
            }
        }
    }
}

// Updated or deleted orders: the customer is recomputed from the table (this snapshot: taken
// after the customer's lock) and c360._customer_recomputed replaces the state and fires the rules.
void apply_recompute(const TrackedRel& r, const Pending& e) {
    Datum v[5] = {e.customer};
    int rc = SPI_execute_plan(r.recompute, v, nullptr, false, 1);
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "c360._track_apply: recomputing a customer failed: %s", SPI_result_code_string(rc));
    char nulls[5] = {' ', ' ', ' ', ' ', ' '};
    for (int i = 1; i <= 4; ++i) {
        bool isnull;
        v[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i, &isnull);
        nulls[i] = isnull ? 'n' : ' ';
    }
    rc = SPI_execute_plan(r.recomputed, v, nulls, false, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "c360._track_apply: replacing a customer state failed: %s", SPI_result_code_string(rc));
}

// Runs the caller's next SPI work as `owner` (the extension's owner); `restricted` adds
// SECURITY_RESTRICTED_OPERATION (the triggers' work). An error restores the user at (sub)transaction
// abort; owner_end restores it on success.
struct OwnerScope {
    Oid user;
    int sec;
};

OwnerScope owner_begin(Oid owner, bool restricted) {
    OwnerScope saved;
    GetUserIdAndSecContext(&saved.user, &saved.sec);
    SetUserIdAndSecContext(owner, saved.sec | SECURITY_LOCAL_USERID_CHANGE | (restricted ? SECURITY_RESTRICTED_OPERATION : 0));
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "c360._track_apply: SPI_connect failed");
    return saved;
}

void owner_end(const OwnerScope& saved) {
    SPI_finish();
    SetUserIdAndSecContext(saved.user, saved.sec);
}

// Applies this transaction's pending set as `owner`, in the lock order.
void apply_pending(Oid owner) {
    if (pending == nullptr || pending->n == 0) return;
    PendingSet* work = pending;
    pending = nullptr;
    const long k = work->n;
    Pending** list = static_cast<Pending**>(palloc(sizeof(Pending*) * k));
    for (long i = 0; i < k; ++i) list[i] = &work->items[i];
    if (k > 1) qsort(list, k, sizeof(Pending*), pending_order);
    // the state table first, then the customers: a concurrent c360.refresh_segments (SHARE ROW
    // EXCLUSIVE on it) waits for this apply or this apply for it, never both
    if (customer_state_relid == InvalidOid) customer_state_relid = c360_relid("customer_state");
    LockRelationOid(customer_state_relid, RowExclusiveLock);
    const OwnerScope saved = owner_begin(owner, true);
    Oid current = InvalidOid;
    bool tracked = false;
    for (long i = 0; i < k; ++i) {
        CHECK_FOR_INTERRUPTS();
        const Pending& e = *list[i];
        TrackedRel& r = rels[e.rel];
        if (e.key.relid != current) {
            current = e.key.relid;
            tracked = prepare_rel(r);
        }
        if (!tracked) continue;
        LOCKTAG tag;
        SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, e.key.relid, e.key.text_hash, kTrackLockSpace);
        (void)LockAcquire(&tag, ExclusiveLock, false, false);
        if (e.recompute || e.n == 0) {
            apply_recompute(r, e);
        } else {
            apply_delta(r, e);
        }
    }
    owner_end(saved);
    if (work->index != nullptr) hash_destroy(work->index);
    pfree(list);
    if (GetCurrentTransactionNestLevel() > 1) applied_in = GetCurrentSubTransactionId();
}

// TRUNCATE of a tracked table: its customers' state goes (AccessExclusiveLock on the table: no
// concurrent writer of it).
void truncate_state(Oid relid, Oid owner) {
    if (pending != nullptr) {
        for (int i = 0; i < pending->n; ++i) {
            if (pending->items[i].key.relid == relid) pending->items[i].recompute = true;
        }
    }
    const OwnerScope saved = owner_begin(owner, true);
    Oid t = OIDOID;
    Datum v = ObjectIdGetDatum(relid);
    const int rc = SPI_execute_with_args(
        "DELETE FROM c360.customer_state cs WHERE cs.source OPERATOR(pg_catalog.=) $1::pg_catalog.regclass", 1, &t, &v,
        nullptr, false, 0);
    if (rc != SPI_OK_DELETE) elog(ERROR, "c360._track: clearing the state of a truncated table failed: %s", SPI_result_code_string(rc));
    owner_end(saved);
}

// The gates: the caller must own the table (argument 1); then `sql` runs as the extension's owner.
Datum run_gated(FunctionCallInfo fcinfo, const char* who, const char* sql, const Oid* types, Oid result_type) {
    const int nargs = PG_NARGS();
    for (int i = 0; i < nargs; ++i) {
        if (PG_ARGISNULL(i)) {
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: arguments must not be NULL", who)));
        }
    }
    const Oid relid = PG_GETARG_OID(0);
    if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid))) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("%s: relation with OID %u does not exist", who, relid)));
    }
    if (!c360_relation_ownercheck(relid, GetUserId())) {
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("%s: must be the owner of table %s", who, get_rel_name(relid))));
    }
    Datum values[8];
    for (int i = 0; i < nargs && i < 8; ++i) values[i] = PG_GETARG_DATUM(i);
    const Oid owner = function_owner(fcinfo->flinfo->fn_oid);
    const OwnerScope saved = owner_begin(owner, false);
    const int rc = SPI_execute_with_args(sql, nargs, const_cast<Oid*>(types), values, nullptr, false, 1);
    if (rc != SPI_OK_SELECT) elog(ERROR, "%s failed: %s", who, SPI_result_code_string(rc));
    Datum result = (Datum)0;
    bool isnull = true;
    if (result_type != VOIDOID && SPI_processed == 1) {
        result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        if (!isnull) {
            int16 len;
            bool byval;
            get_typlenbyval(result_type, &len, &byval);
            result = SPI_datumTransfer(result, byval, len);
        }
    }
    owner_end(saved);
    if (isnull) PG_RETURN_NULL();
    return result;
}

} // namespace

// c360._track: the row trigger that notes the changes (and the TRUNCATE statement trigger). Called
// through the 0.1.0 symbol c360_track_insert by an AFTER INSERT-only trigger of a 0.1.0
// installation not yet updated: then the change is applied at once, as 0.1.0 did.
C360_FUNCTION(track, "c360._track") {
    c360::pg::pg_call([&]() noexcept {
        if (!CALLED_AS_TRIGGER(fcinfo)) elog(ERROR, "c360._track: must be called as a trigger");
        TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
        if (!TRIGGER_FIRED_AFTER(td->tg_event)) elog(ERROR, "c360._track: must be an AFTER trigger");
        Relation rel = td->tg_relation;
        if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event)) {
            truncate_state(RelationGetRelid(rel), function_owner(fcinfo->flinfo->fn_oid));
            return;
        }
        if (!TRIGGER_FIRED_FOR_ROW(td->tg_event) || td->tg_trigger->tgnargs != 3) {
            elog(ERROR, "c360._track: must be a row trigger with 3 column names");
        }
        const int ri = rel_for(rel, td->tg_trigger->tgargs);
        TupleDesc desc = RelationGetDescr(rel);
        if (TRIGGER_FIRED_BY_INSERT(td->tg_event)) {
            note_insert(ri, td->tg_trigtuple, desc);
            if (!TRIGGER_FOR_UPDATE(td->tg_trigger->tgtype)) apply_pending(function_owner(fcinfo->flinfo->fn_oid));
        } else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event)) {
            const TrackedRel& r = rels[ri];
            bool changed = false;
            for (int i = 0; i < 3 && !changed; ++i) changed = !same_column(td->tg_trigtuple, td->tg_newtuple, desc, r.attnums[i]);
            if (changed) {
                note_recompute(ri, td->tg_trigtuple, desc);
                note_recompute(ri, td->tg_newtuple, desc);
            }
        } else {
            note_recompute(ri, td->tg_trigtuple, desc);
        }
    });
    return PointerGetDatum(nullptr);
}

// c360._track_apply: the deferred constraint trigger; its first firing in a transaction applies
// the pending set, the others find it empty.
C360_FUNCTION(track_apply, "c360._track_apply") {
    c360::pg::pg_call([&]() noexcept {
        if (!CALLED_AS_TRIGGER(fcinfo)) elog(ERROR, "c360._track_apply: must be called as a trigger");
        if (pending == nullptr) return;
        apply_pending(function_owner(fcinfo->flinfo->fn_oid));
    });
    return PointerGetDatum(nullptr);
}

C360_FUNCTION(track_orders, "c360.track_orders") {
    c360::pg::pg_call([&]() noexcept {
        static const Oid types[4] = {REGCLASSOID, NAMEOID, NAMEOID, NAMEOID};
        (void)run_gated(fcinfo, "c360.track_orders", "SELECT c360._track_orders($1, $2, $3, $4)", types, VOIDOID);
    });
    PG_RETURN_VOID();
}

C360_FUNCTION(untrack_orders, "c360.untrack_orders") {
    c360::pg::pg_call([&]() noexcept {
        static const Oid types[1] = {REGCLASSOID};
        (void)run_gated(fcinfo, "c360.untrack_orders", "SELECT c360._untrack_orders($1)", types, VOIDOID);
    });
    PG_RETURN_VOID();
}

C360_FUNCTION(refresh_segments, "c360.refresh_segments") {
    Datum result = (Datum)0;
    bool isnull = false;
    c360::pg::pg_call([&]() noexcept {
        static const Oid types[1] = {REGCLASSOID};
        const Oid rettype = get_func_rettype(fcinfo->flinfo->fn_oid);
        result = run_gated(fcinfo, "c360.refresh_segments", "SELECT c360._refresh_segments($1)", types, rettype);
        isnull = fcinfo->isnull;
    });
    if (isnull) PG_RETURN_NULL();
    return result;
}
