// SQL glue for the order-tracking trigger's rules: c360._fired_rules tells which enabled rows of
// c360.event_rules fire for one change of a customer's state, from a per-backend copy of the rules.
// The copy is dropped when c360.event_rules changes: a statement trigger on the table
// (c360._event_rules_changed) sends a relcache invalidation for it, delivered to this backend at
// the end of the changing command and to the others when the change commits (or, on rollback,
// again locally), and the registered callback marks the copy stale. Reading the rules with a query
// per order cost as much as the rest of the trigger (bench/events).
// The rule kinds, their parameters and their validation are src/core/events/rules.hpp's: also
// c360._event_rule_problem (the validation trigger's checks) and c360.event_rule_kinds().
#include <cstring>
#include <optional>
#include <string>

#include "arrays.hpp"
#include "bridge.hpp"
#include "events/rules.hpp"
#include "events_rules_pg.hpp"
#include "tuples.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
#include "access/htup_details.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "lib/stringinfo.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
}

namespace ev = c360::events;

namespace {

struct CachedRule {
    int32 id;
    bool evaluated; // a kind of the tracking trigger (realtime); the others are fired by batch functions
    ev::RuleKind kind;
    Datum amount; // spend_threshold: numeric in TopMemoryContext, else 0
    int64 count;  // order_count
    char* from;   // segment_transition: a segment name or "*" (TopMemoryContext)
    char* to;
};

struct RuleCache {
    bool valid;
    bool callback_registered;
    uint64 invalidations; // bumped by every invalidation of the rules table
    Oid relid;
    int n;
    CachedRule* rules;
};

RuleCache cache = {false, false, 0, InvalidOid, 0, nullptr};

void on_relcache_invalidation(Datum, Oid relid) {
    if (relid == InvalidOid || relid == cache.relid) {
        cache.valid = false;
        ++cache.invalidations;
    }
}

void free_rules() {
    for (int i = 0; i < cache.n; ++i) {
        CachedRule& r = cache.rules[i];
        if (r.amount != 0) pfree(DatumGetPointer(r.amount));
        if (r.from != nullptr) pfree(r.from);
        if (r.to != nullptr) pfree(r.to);
    }
    if (cache.rules != nullptr) pfree(cache.rules);
    cache.rules = nullptr;
    cache.n = 0;
}

// A rule's parameter (nullptr when absent), in CurrentMemoryContext.
const JsonbValue* rule_param(const Jsonb* params, std::string_view name) {
    if (!JB_ROOT_IS_OBJECT(params)) return nullptr;
    return getKeyJsonValueFromContainer(const_cast<JsonbContainer*>(&params->root), name.data(),
                                        static_cast<int>(name.size()), nullptr);
}

// The value of a segment_transition parameter as ->> reads it, "*" (any) when absent or null.
char* segment_param(const Jsonb* params, std::string_view name) {
    const JsonbValue* v = rule_param(params, name);
    if (v == nullptr || v->type == jbvNull) return pstrdup("*");
    if (v->type == jbvString) return pnstrdup(v->val.string.val, v->val.string.len);
    const Jsonb* j = JsonbValueToJsonb(const_cast<JsonbValue*>(v));
    return JsonbToCString(nullptr, const_cast<JsonbContainer*>(&j->root), VARSIZE(j));
}

// Reads the enabled rules into TopMemoryContext. PostgreSQL calls only: runs inside pg_call.
void load_rules() {
    if (!cache.callback_registered) {
        CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
        cache.callback_registered = true;
    }
    const uint64 before = cache.invalidations;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const int rc = SPI_execute(
        "SELECT r.rule_id, r.rule_type, r.params FROM c360.event_rules r WHERE r.enabled ORDER BY r.rule_id",
        true, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reading c360.event_rules failed: %s", SPI_result_code_string(rc));
    free_rules();
    const int n = static_cast<int>(SPI_processed);
    TupleDesc td = SPI_tuptable->tupdesc;
    CachedRule* rules = static_cast<CachedRule*>(MemoryContextAllocZero(TopMemoryContext, sizeof(CachedRule) * (n > 0 ? n : 1)));
    for (int i = 0; i < n; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        bool isnull = false;
        CachedRule& r = rules[i];
        r.id = DatumGetInt32(SPI_getbinval(t, td, 1, &isnull));
        char* type = SPI_getvalue(t, td, 2);
        const ev::RuleKindSpec* spec = ev::find_rule_kind(type);
        r.evaluated = spec != nullptr && spec->realtime;
        if (r.evaluated) {
            r.kind = spec->kind;
            const Jsonb* params = DatumGetJsonbP(SPI_getbinval(t, td, 3, &isnull));
            MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
            // the parameters by their names in the kinds table
            if (r.kind == ev::RuleKind::SpendThreshold) {
                const JsonbValue* amount = rule_param(params, spec->params()[0].name);
                if (amount == nullptr || amount->type != jbvNumeric) elog(ERROR, "spend_threshold rule %d has no amount", r.id);
                r.amount = datumCopy(NumericGetDatum(amount->val.numeric), false, -1);
            }
            if (r.kind == ev::RuleKind::OrderCount) {
                const JsonbValue* count = rule_param(params, spec->params()[0].name);
                if (count == nullptr || count->type != jbvNumeric) elog(ERROR, "order_count rule %d has no count", r.id);
                r.count = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(count->val.numeric)));
            }
            if (r.kind == ev::RuleKind::SegmentTransition) {
                r.from = segment_param(params, spec->params()[0].name);
                r.to = segment_param(params, spec->params()[1].name);
            }
            MemoryContextSwitchTo(old);
        }
        pfree(type);
    }
    // the table's OID whatever it holds: with no rule read, the invalidation of the first rule
    // inserted must still reach this copy (0.1.0 took it from the rows and missed it)
    cache.relid = get_relname_relid("event_rules", get_namespace_oid("c360", false));
    cache.rules = rules;
    cache.n = n;
    SPI_finish();
    // an invalidation that arrived while reading leaves the copy stale: read again next time
    cache.valid = before == cache.invalidations;
}

bool same_text(const text* t, const char* s) {
    const size_t len = VARSIZE_ANY_EXHDR(t);
    return len == std::strlen(s) && std::memcmp(VARDATA_ANY(t), s, len) == 0;
}

bool same_texts(const text* a, const text* b) {
    const size_t len = VARSIZE_ANY_EXHDR(a);
    return len == VARSIZE_ANY_EXHDR(b) && std::memcmp(VARDATA_ANY(a), VARDATA_ANY(b), len) == 0;
}

bool numeric_less(Datum a, Datum b) { return DatumGetBool(DirectFunctionCall2(numeric_lt, a, b)); }

// Ids (rule_id order) of the cached rules that fire for one change; the cache must be
// loaded and `ids` hold cache.n entries.
int fired_rules(int64 n_before, int64 n_after, Datum m_before, Datum m_after, const text* seg_before,
                const text* seg_after, int32* ids) {
    const bool moved = seg_before != nullptr && seg_after != nullptr && !same_texts(seg_before, seg_after);
    int k = 0;
    for (int i = 0; i < cache.n; ++i) {
        const CachedRule& r = cache.rules[i];
        if (!r.evaluated) continue;
        bool fires = false;
        switch (r.kind) {
        case ev::RuleKind::Welcome:
            fires = n_before == 0 && n_after >= 1;
            break;
        case ev::RuleKind::SpendThreshold:
            fires = numeric_less(m_before, r.amount) && !numeric_less(m_after, r.amount);
            break;
        case ev::RuleKind::OrderCount:
            fires = n_before < r.count && n_after >= r.count;
            break;
        case ev::RuleKind::SegmentTransition:
            fires = moved && (std::strcmp(r.from, "*") == 0 || same_text(seg_before, r.from)) &&
                    (std::strcmp(r.to, "*") == 0 || same_text(seg_after, r.to));
            break;
        case ev::RuleKind::Inactivity:
            break;
        }
        if (fires) ids[k++] = r.id;
    }
    return k;
}

} // namespace

namespace c360::pg::events {

int fired_rule_ids(int64 n_before, int64 n_after, Datum m_before, Datum m_after, const text* seg_before,
                   const text* seg_after, int32** ids) {
    if (!cache.valid) load_rules();
    if (cache.n == 0) return 0;
    *ids = static_cast<int32*>(palloc(sizeof(int32) * cache.n));
    return fired_rules(n_before, n_after, m_before, m_after, seg_before, seg_after, *ids);
}

} // namespace c360::pg::events

// c360._fired_rules(n_before, n_after, m_before, m_after, seg_before, seg_after) -> the ids of the
// enabled rules that fire, in rule_id order, or NULL when none does (most orders).
C360_FUNCTION(fired_rules, "c360._fired_rules") {
    ArrayType* result = nullptr;
    c360::pg::pg_call([&]() noexcept {
        if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) return;
        if (!cache.valid) load_rules();
        if (cache.n == 0) return;
        const int64 n_before = PG_GETARG_INT64(0);
        const int64 n_after = PG_GETARG_INT64(1);
        const Datum m_before = PG_GETARG_DATUM(2);
        const Datum m_after = PG_GETARG_DATUM(3);
        const text* seg_before = PG_ARGISNULL(4) ? nullptr : PG_GETARG_TEXT_PP(4);
        const text* seg_after = PG_ARGISNULL(5) ? nullptr : PG_GETARG_TEXT_PP(5);
        int32* ids = static_cast<int32*>(palloc(sizeof(int32) * cache.n));
        const int k = fired_rules(n_before, n_after, m_before, m_after, seg_before, seg_after, ids);
        if (k > 0) result = c360::pg::new_array(ids, k);
    });
    if (result == nullptr) PG_RETURN_NULL();
    PG_RETURN_ARRAYTYPE_P(result);
}

// Statement trigger on c360.event_rules: every backend's copy of the rules is dropped.
C360_FUNCTION(event_rules_changed, "c360._event_rules_changed") {
    c360::pg::pg_call([&]() noexcept {
        if (!CALLED_AS_TRIGGER(fcinfo)) elog(ERROR, "c360._event_rules_changed: must be called as a trigger");
        const TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
        CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
    });
    return PointerGetDatum(nullptr);
}

// ---- the kinds table in SQL ------------------------------------------------------------------

namespace {

// One top-level key of a rule's params, read with PostgreSQL calls into palloc'd C strings.
struct ParamEntry {
    char* key;
    ev::JsonType type;
    char* value; // a string's contents, a number's numeric_out text, else ""
    char* json;  // the value as jsonb prints it (params -> key)
};

// The keys of a params object, in the jsonb's order; *n = -1 when params is not an object.
ParamEntry* read_params(Jsonb* params, int* n) {
    if (!JB_ROOT_IS_OBJECT(params)) {
        *n = -1;
        return nullptr;
    }
    ParamEntry* entries = static_cast<ParamEntry*>(palloc0(sizeof(ParamEntry) * (JB_ROOT_COUNT(params) + 1)));
    JsonbIterator* it = JsonbIteratorInit(&params->root);
    JsonbValue v;
    JsonbIteratorToken tok;
    int k = 0;
    while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (tok == WJB_KEY) {
            entries[k].key = pnstrdup(v.val.string.val, v.val.string.len);
        } else if (tok == WJB_VALUE) {
            ParamEntry& e = entries[k++];
            e.value = pstrdup("");
            switch (v.type) {
            case jbvString:
                e.type = ev::JsonType::String;
                e.value = pnstrdup(v.val.string.val, v.val.string.len);
                break;
            case jbvNumeric:
                e.type = ev::JsonType::Number;
                e.value = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
                break;
            case jbvBool:
                e.type = ev::JsonType::Boolean;
                break;
            case jbvBinary:
                e.type = JsonContainerIsArray(v.val.binary.data) ? ev::JsonType::Array : ev::JsonType::Object;
                break;
            default:
                e.type = ev::JsonType::Null;
                break;
            }
            const Jsonb* j = JsonbValueToJsonb(&v);
            e.json = JsonbToCString(nullptr, const_cast<JsonbContainer*>(&j->root), VARSIZE(j));
        }
    }
    *n = k;
    return entries;
}

} // namespace

// c360._event_rule_problem(rule_type, params) -> (message, hint): what c360.validate_event_rule
// reports for a row of c360.event_rules (after 'event rule "<name>": '), or NULL when it is valid.
C360_FUNCTION(event_rule_problem, "c360._event_rule_problem") {
    char* type = PG_ARGISNULL(0) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(0));
    int n = 0;
    ParamEntry* entries = PG_ARGISNULL(1) ? nullptr : read_params(PG_GETARG_JSONB_P(1), &n);
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, 2, "c360._event_rule_problem");
    Datum result = (Datum)0;
    bool valid = true;
    {
        ev::RuleParams params;
        params.is_null = PG_ARGISNULL(1);
        params.is_object = !params.is_null && n >= 0;
        for (int i = 0; i < n; ++i) {
            params.entries.push_back({entries[i].key, entries[i].type, entries[i].value, entries[i].json});
        }
        const std::optional<ev::RuleProblem> p =
            ev::rule_problem(type == nullptr ? std::nullopt : std::optional<std::string_view>(type), params);
        if (p) {
            valid = false;
            c360::pg::pg_call([&]() noexcept {
                const Datum v[2] = {CStringGetTextDatum(p->message.c_str()), CStringGetTextDatum(p->hint.c_str())};
                const bool nulls[2] = {false, p->hint.empty()};
                result = c360::pg::composite_datum(td, v, nulls);
            });
        }
    }
    if (valid) PG_RETURN_NULL();
    return result;
}

// c360.event_rule_kinds() -> (rule_type, parameters, realtime): the kinds table.
C360_FUNCTION(event_rule_kinds, "c360.event_rule_kinds") {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (const ev::RuleKindSpec& k : ev::rule_kinds()) {
        const std::string name(k.name);
        const std::string parameters = ev::parameters_json(k);
        c360::pg::pg_call([&]() noexcept {
            Datum v[3] = {CStringGetTextDatum(name.c_str()),
                          DirectFunctionCall1(jsonb_in, CStringGetDatum(parameters.c_str())), BoolGetDatum(k.realtime)};
            bool nulls[3] = {false, false, false};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
        });
    }
    return (Datum)0;
}
