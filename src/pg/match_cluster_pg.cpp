// SQL glue for clustering: c360.clusters_from_query(query text) runs a query returning pairs of
// record ids (bigint, bigint) through SPI in batches and returns (record_id, cluster_id) for each
// record of a pair, cluster_id = smallest record id of its connected component. The PL/pgSQL
// wrapper c360.cluster_pairs builds the query from a regclass and quoted column names.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bridge.hpp"
#include "match/cluster.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

using c360::ErrorCode;
namespace mt = c360::match;

namespace {

constexpr long kBatch = 10000;

// POD view of what one SPI fetch returned, filled inside pg_call.
struct Fetched {
    long fetched; // rows returned by the fetch
    long kept;    // pairs without a NULL id (a pair with a NULL id is ignored)
    bool bad_type;
};

std::int64_t id_datum(Datum d, Oid type) {
    switch (type) {
    case INT8OID:
        return DatumGetInt64(d);
    case INT4OID:
        return DatumGetInt32(d);
    default:
        return DatumGetInt16(d);
    }
}

} // namespace

C360_FUNCTION(cluster_pairs_query, "c360.cluster_pairs_query") {
    if (PG_ARGISNULL(0)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "the pair query must not be NULL");
    }
    char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
    std::vector<mt::IdPair> pairs;
    Portal portal = nullptr;
    c360::pg::pg_call([&]() noexcept {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        SPIPlanPtr plan = SPI_prepare(query, 0, nullptr);
        if (plan == nullptr) elog(ERROR, "could not prepare the pair query: %s", SPI_result_code_string(SPI_result));
        portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, true);
    });
    for (;;) {
        c360::check_interrupts();
        const std::size_t base = pairs.size();
        pairs.resize(base + kBatch);
        mt::IdPair* slot = pairs.data() + base;
        Fetched f{0, 0, false};
        c360::pg::pg_call([&]() noexcept {
            SPI_cursor_fetch(portal, true, kBatch);
            SPITupleTable* tt = SPI_tuptable;
            if (tt == nullptr) return;
            TupleDesc td = tt->tupdesc;
            const Oid t1 = td->natts >= 2 ? SPI_gettypeid(td, 1) : InvalidOid;
            const Oid t2 = td->natts >= 2 ? SPI_gettypeid(td, 2) : InvalidOid;
            auto ok = [](Oid t) { return t == INT8OID || t == INT4OID || t == INT2OID; };
            if (td->natts != 2 || !ok(t1) || !ok(t2)) {
                f.bad_type = true;
                return;
            }
            f.fetched = static_cast<long>(SPI_processed);
            for (uint64 r = 0; r < SPI_processed; ++r) {
                bool n1 = false, n2 = false;
                const Datum a = SPI_getbinval(tt->vals[r], td, 1, &n1);
                const Datum b = SPI_getbinval(tt->vals[r], td, 2, &n2);
                if (n1 || n2) continue;
                slot[f.kept].first = id_datum(a, t1);
                slot[f.kept].second = id_datum(b, t2);
                ++f.kept;
            }
            SPI_freetuptable(tt);
        });
        if (f.bad_type) {
            c360::fail(ErrorCode::InvalidParameter, "the pair query must return exactly two integer (bigint) id columns");
        }
        pairs.resize(base + static_cast<std::size_t>(f.kept));
        if (f.fetched < kBatch) break;
    }
    c360::pg::pg_call([&]() noexcept {
        SPI_cursor_close(portal);
        SPI_finish();
    });
    pairs.shrink_to_fit();
    const std::vector<mt::IdPair> out = mt::connected_components(std::move(pairs));
    c360::pg::pg_call([&]() noexcept { InitMaterializedSRF(fcinfo, 0); });
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (std::size_t i = 0; i < out.size(); i += kBatch) {
        c360::check_interrupts();
        const std::size_t end = std::min(out.size(), i + static_cast<std::size_t>(kBatch));
        c360::pg::pg_call([&]() noexcept {
            for (std::size_t j = i; j < end; ++j) {
                Datum v[2] = {Int64GetDatum(out[j].first), Int64GetDatum(out[j].second)};
                bool n[2] = {false, false};
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
            }
        });
    }
    return (Datum)0;
}

namespace {

// Reads the rows (id_l bigint, id_r bigint, weight float8, kind int4) of an open cursor in batches into the
// input of person_clusters: kind 1 = link, 2 = conflict, 3 = household pair; a row with a NULL id or kind is
// ignored, a NULL weight is 0. Used by c360._person_clusters (any query) and c360.match_resolve.
void read_person_edges(Portal portal, mt::PersonInput& in) {
    struct Row {
        std::int64_t a, b;
        double w;
        int32 kind;
    };
    std::vector<Row> batch;
    for (;;) {
        c360::check_interrupts();
        batch.resize(kBatch);
        Row* slot = batch.data();
        Fetched f{0, 0, false};
        c360::pg::pg_call([&]() noexcept {
            SPI_cursor_fetch(portal, true, kBatch);
            SPITupleTable* tt = SPI_tuptable;
            if (tt == nullptr) return;
            TupleDesc td = tt->tupdesc;
            if (td->natts != 4 || SPI_gettypeid(td, 1) != INT8OID || SPI_gettypeid(td, 2) != INT8OID ||
                SPI_gettypeid(td, 3) != FLOAT8OID || SPI_gettypeid(td, 4) != INT4OID) {
                f.bad_type = true;
                return;
            }
            f.fetched = static_cast<long>(SPI_processed);
            for (uint64 r = 0; r < SPI_processed; ++r) {
                bool n[4] = {false, false, false, false};
                Datum d[4];
                for (int c = 0; c < 4; ++c) d[c] = SPI_getbinval(tt->vals[r], td, c + 1, &n[c]);
                if (n[0] || n[1] || n[3]) continue;
                slot[f.kept] = {DatumGetInt64(d[0]), DatumGetInt64(d[1]), n[2] ? 0.0 : DatumGetFloat8(d[2]), DatumGetInt32(d[3])};
                ++f.kept;
            }
            SPI_freetuptable(tt);
        });
        if (f.bad_type) {
            c360::fail(ErrorCode::InvalidParameter, "the edge query must return (bigint, bigint, float8, int4)");
        }
        for (long i = 0; i < f.kept; ++i) {
            const Row& r = batch[static_cast<std::size_t>(i)];
            if (r.kind == 1) {
                in.links.push_back({r.a, r.b, r.w});
            } else if (r.kind == 2) {
                in.conflicts.emplace_back(r.a, r.b);
            } else if (r.kind == 3) {
                in.household.emplace_back(r.a, r.b);
            } else {
                c360::fail(ErrorCode::InvalidParameter, "edge kind must be 1 (link), 2 (conflict) or 3 (household)");
            }
        }
        if (f.fetched < kBatch) break;
    }
}

} // namespace

// c360._person_clusters(query): the query returns (id_l, id_r, weight float8, kind int4) with kind 1 =
// link, 2 = conflict, 3 = household pair; result (record_id, person_id, household_id, component_id)
// for each id of a pair (src/core/match/cluster.hpp, person_clusters). Used by c360.match_persons and
// c360.match_resolve.
C360_FUNCTION(person_clusters, "c360._person_clusters") {
    if (PG_ARGISNULL(0)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "the edge query must not be NULL");
    }
    char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
    mt::PersonInput in;
    Portal portal = nullptr;
    c360::pg::pg_call([&]() noexcept {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        SPIPlanPtr plan = SPI_prepare(query, 0, nullptr);
        if (plan == nullptr) elog(ERROR, "could not prepare the edge query: %s", SPI_result_code_string(SPI_result));
        portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, true);
    });
    read_person_edges(portal, in);
    c360::pg::pg_call([&]() noexcept {
        SPI_cursor_close(portal);
        SPI_finish();
    });
    const std::vector<mt::PersonRow> out = mt::person_clusters(std::move(in));
    c360::pg::pg_call([&]() noexcept { InitMaterializedSRF(fcinfo, 0); });
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (std::size_t i = 0; i < out.size(); i += kBatch) {
        c360::check_interrupts();
        const std::size_t end = std::min(out.size(), i + static_cast<std::size_t>(kBatch));
        c360::pg::pg_call([&]() noexcept {
            for (std::size_t j = i; j < end; ++j) {
                Datum v[4] = {Int64GetDatum(out[j].record), Int64GetDatum(out[j].person), Int64GetDatum(out[j].household),
                              Int64GetDatum(out[j].component)};
                bool n[4] = {false, false, false, false};
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
            }
        });
    }
    return (Datum)0;
}

// ---- c360.match_resolve: identification as records arrive ------------------------------------
// The queries come from c360._resolve_queries (SQL) and are kept as prepared plans for the backend,
// keyed by the arguments that shape them (the last kResolveCacheSize settings): a record resolved against
// known settings costs no planning (generic plans, forced). A call with more than kResolveCustomAbove ids
// plans each query for its own parameters (custom plans) from the kept texts.
namespace {

constexpr int kResolveQueries = 7; // lock, new ids, linked, component records, households, edges, write
constexpr int kResolveParams = 10;
constexpr std::size_t kResolveCacheSize = 8;
constexpr int kResolveCustomAbove = 64;
constexpr int kMaxResolveIds = 1000000;

struct ResolveEntry {
    std::string key;
    std::string text[kResolveQueries];
    SPIPlanPtr plan[kResolveQueries] = {};
    std::uint64_t used = 0;
};
std::vector<ResolveEntry> resolve_cache;
std::uint64_t resolve_clock = 0;

// The call's arguments after detoasting: POD, kept across pg_call.
struct ResolveArgs {
    Datum d[12];
    bool null[12];
    char* source_name;
    char* clusters_name;
    int nids;
};

void key_bytes(std::string& key, const void* p, std::size_t n) {
    const std::uint64_t len = n;
    key.append(reinterpret_cast<const char*>(&len), sizeof len);
    key.append(static_cast<const char*>(p), n);
}

// Equal bytes mean equal arguments (hence equal query texts); equal arguments with different bytes only
// cost a cache miss.
std::string resolve_key(const ResolveArgs& a) {
    std::string key;
    for (int i = 0; i < 12; ++i) {
        if (i == 7) continue; // the ids
        key.push_back(a.null[i] ? 'n' : 'v');
        if (a.null[i]) continue;
        switch (i) {
        case 0:
        case 6: {
            const Oid oid = DatumGetObjectId(a.d[i]);
            key_bytes(key, &oid, sizeof oid);
            const char* name = i == 0 ? a.source_name : a.clusters_name;
            key_bytes(key, name, std::strlen(name));
            break;
        }
        case 1:
        case 10: {
            const char* name = NameStr(*DatumGetName(a.d[i]));
            key_bytes(key, name, strnlen(name, NAMEDATALEN));
            break;
        }
        case 8: {
            const double t = DatumGetFloat8(a.d[i]);
            key_bytes(key, &t, sizeof t);
            break;
        }
        default: { // arrays, detoasted
            const struct varlena* v = reinterpret_cast<const struct varlena*>(DatumGetPointer(a.d[i]));
            key_bytes(key, v, VARSIZE(v));
        }
        }
    }
    return key;
}

// One kept plan set per settings, least recently used evicted.
ResolveEntry* resolve_lookup(const std::string& key) {
    for (ResolveEntry& e : resolve_cache) {
        if (e.key == key) {
            e.used = ++resolve_clock;
            return &e;
        }
    }
    return nullptr;
}

const Oid kResolveTypes[kResolveParams] = {INT8ARRAYOID, FLOAT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID,
                                           INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID};

// Runs query q of the entry (its kept plan, or its text planned for these values) and returns the first
// column of its one row (NULL: *isnull). Inside pg_call.
Datum resolve_scalar(const ResolveEntry& e, bool custom, int q, Datum* values, const char* nulls, bool* isnull) noexcept {
    const int rc = custom ? SPI_execute_with_args(e.text[q].c_str(), kResolveParams, const_cast<Oid*>(kResolveTypes), values,
                                                  nulls, false, 0)
                          : SPI_execute_plan(e.plan[q], values, nulls, false, 0);
    if (rc < 0) elog(ERROR, "c360.match_resolve: query %d failed: %s", q, SPI_result_code_string(rc));
    *isnull = true;
    if (SPI_tuptable == nullptr || SPI_processed != 1) return (Datum)0;
    return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
}

ArrayType* int8_array(const std::vector<std::int64_t>& v) noexcept {
    return construct_array(const_cast<Datum*>(reinterpret_cast<const Datum*>(v.data())), static_cast<int>(v.size()), INT8OID,
                           sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

} // namespace

C360_FUNCTION(match_resolve, "c360.match_resolve") {
    static_assert(sizeof(Datum) == sizeof(std::int64_t) && FLOAT8PASSBYVAL, "int8 datums are the values");
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(6)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "source, id_col and clusters must not be NULL");
    }
    ResolveArgs a;
    a.source_name = a.clusters_name = nullptr;
    a.nids = 0;
    c360::pg::pg_call([&]() noexcept {
        InitMaterializedSRF(fcinfo, 0);
        for (int i = 0; i < 12; ++i) {
            a.null[i] = PG_ARGISNULL(i);
            a.d[i] = a.null[i] ? (Datum)0 : PG_GETARG_DATUM(i);
            const bool varlena = i == 2 || i == 3 || i == 4 || i == 5 || i == 7 || i == 9 || i == 11;
            if (varlena && !a.null[i]) a.d[i] = PointerGetDatum(PG_DETOAST_DATUM(a.d[i]));
        }
        a.source_name = DatumGetCString(DirectFunctionCall1(regclassout, a.d[0]));
        a.clusters_name = DatumGetCString(DirectFunctionCall1(regclassout, a.d[6]));
        if (!a.null[7]) {
            ArrayType* ids = DatumGetArrayTypeP(a.d[7]);
            a.nids = ArrayGetNItems(ARR_NDIM(ids), ARR_DIMS(ids));
        }
    });
    if (a.null[7] || a.nids == 0) return (Datum)0;
    if (a.nids > kMaxResolveIds) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "at most 1,000,000 records per call", "",
                   "Resolve a whole base with c360.match_persons.");
    }
    if (a.null[5]) c360::fail(ErrorCode::NullValueNotAllowed, "model must not be NULL");
    // Under REPEATABLE READ or SERIALIZABLE the reads that follow the lock would use the transaction's
    // snapshot, blind to a resolution committed since: persons could be split that the batch joins.
    c360::pg::pg_call([&]() noexcept {
        if (IsolationUsesXactSnapshot()) {
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("c360.match_resolve: runs in READ COMMITTED transactions only"),
                            errdetail("Its reads must see the resolutions committed before it took the lock of the clusters table."),
                            errhint("Call it outside REPEATABLE READ and SERIALIZABLE transactions (READ COMMITTED is the default).")));
        }
    });
    const bool custom = a.nids > kResolveCustomAbove;
    const std::string key = resolve_key(a);
    ResolveEntry* entry = resolve_lookup(key);
    // a new settings: its queries, and (for the cache) their plans; kept only once all are prepared
    if (entry == nullptr) {
        ResolveEntry fresh_entry;
        fresh_entry.key = key;
        char* texts[kResolveQueries] = {};
        c360::pg::pg_call([&]() noexcept {
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
            const Oid types[11] = {REGCLASSOID, NAMEOID, NAMEARRAYOID, TEXTARRAYOID, TEXTARRAYOID, FLOAT8ARRAYOID,
                                   REGCLASSOID, FLOAT8OID, NAMEARRAYOID, NAMEOID, NAMEARRAYOID};
            const int from[11] = {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11};
            Datum v[11];
            char n[11];
            for (int i = 0; i < 11; ++i) {
                v[i] = a.d[from[i]];
                n[i] = a.null[from[i]] ? 'n' : ' ';
            }
            const int rc = SPI_execute_with_args(
                "SELECT c360._resolve_queries($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", 11,
                const_cast<Oid*>(types), v, n, true, 1);
            if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "c360.match_resolve: c360._resolve_queries failed");
            bool isnull = true;
            const Datum qs = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
            if (isnull) elog(ERROR, "c360.match_resolve: c360._resolve_queries returned NULL");
            Datum* elems = nullptr;
            bool* enulls = nullptr;
            int count = 0;
            deconstruct_array(DatumGetArrayTypeP(qs), TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &count);
            if (count != kResolveQueries) elog(ERROR, "c360.match_resolve: c360._resolve_queries returned %d queries", count);
            for (int q = 0; q < kResolveQueries; ++q) {
                if (enulls[q]) elog(ERROR, "c360.match_resolve: c360._resolve_queries returned a NULL query");
                texts[q] = TextDatumGetCString(elems[q]);
            }
            // The reads are planned before the lock (they take AccessShareLock, which does not conflict with
            // it); the write after it: preparing the write takes RowExclusiveLock on the clusters table, and
            // two sessions holding it would then both wait to raise it to the lock (a deadlock).
            SPIPlanPtr plans[kResolveQueries] = {};
            for (int q = 0; q < kResolveQueries; ++q) {
                if (q == kResolveQueries - 1 && SPI_execute(texts[0], false, 0) < 0) {
                    elog(ERROR, "c360.match_resolve: could not lock the clusters table");
                }
                plans[q] = SPI_prepare_cursor(texts[q], kResolveParams, const_cast<Oid*>(kResolveTypes), CURSOR_OPT_GENERIC_PLAN);
                if (plans[q] == nullptr) elog(ERROR, "c360.match_resolve: could not prepare query %d: %s", q, SPI_result_code_string(SPI_result));
            }
            for (int q = 0; q < kResolveQueries; ++q) {
                SPI_keepplan(plans[q]);
                fresh_entry.plan[q] = plans[q];
            }
        });
        for (int q = 0; q < kResolveQueries; ++q) fresh_entry.text[q] = texts[q];
        if (resolve_cache.size() >= kResolveCacheSize) {
            auto lru = std::min_element(resolve_cache.begin(), resolve_cache.end(),
                                        [](const ResolveEntry& x, const ResolveEntry& y) { return x.used < y.used; });
            SPIPlanPtr old[kResolveQueries];
            for (int q = 0; q < kResolveQueries; ++q) old[q] = lru->plan[q];
            resolve_cache.erase(lru);
            c360::pg::pg_call([&]() noexcept {
                for (int q = 0; q < kResolveQueries; ++q) SPI_freeplan(old[q]);
            });
        }
        fresh_entry.used = ++resolve_clock;
        resolve_cache.push_back(std::move(fresh_entry));
        entry = &resolve_cache.back();
    } else {
        c360::pg::pg_call([&]() noexcept {
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        });
    }
    // $1 ids, $2 model, $3 new ids, $4 linked, $5 component records, $6 households, $7..$10 the result columns
    Datum p[kResolveParams] = {};
    char pn[kResolveParams + 1] = "nnnnnnnnnn";
    p[0] = a.d[7];
    pn[0] = ' ';
    p[1] = a.d[5];
    pn[1] = ' ';
    bool none = false;
    Portal portal = nullptr;
    const ResolveEntry& e = *entry;
    c360::pg::pg_call([&]() noexcept {
        bool isnull = true;
        resolve_scalar(e, custom, 0, p, pn, &isnull); // the lock
        p[2] = resolve_scalar(e, custom, 1, p, pn, &isnull);
        if (isnull) {
            none = true;
            return;
        }
        pn[2] = ' ';
        p[3] = resolve_scalar(e, custom, 2, p, pn, &isnull);
        pn[3] = isnull ? 'n' : ' ';
        p[4] = resolve_scalar(e, custom, 3, p, pn, &isnull);
        pn[4] = isnull ? 'n' : ' ';
        p[5] = resolve_scalar(e, custom, 4, p, pn, &isnull);
        pn[5] = isnull ? 'n' : ' ';
        SPIPlanPtr plan = e.plan[5];
        if (custom) {
            plan = SPI_prepare(e.text[5].c_str(), kResolveParams, const_cast<Oid*>(kResolveTypes));
            if (plan == nullptr) elog(ERROR, "c360.match_resolve: could not prepare the edges: %s", SPI_result_code_string(SPI_result));
        }
        portal = SPI_cursor_open(nullptr, plan, p, pn, true);
    });
    if (none) {
        c360::pg::pg_call([&]() noexcept { SPI_finish(); });
        return (Datum)0;
    }
    mt::PersonInput in;
    read_person_edges(portal, in);
    const std::vector<mt::PersonRow> out = mt::person_clusters(std::move(in));
    std::vector<std::int64_t> col[4];
    for (auto& c : col) c.reserve(out.size());
    for (const mt::PersonRow& r : out) {
        col[0].push_back(r.record);
        col[1].push_back(r.person);
        col[2].push_back(r.household);
        col[3].push_back(r.component);
    }
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    c360::pg::pg_call([&]() noexcept {
        SPI_cursor_close(portal);
        for (int c = 0; c < 4; ++c) {
            p[6 + c] = PointerGetDatum(int8_array(col[c]));
            pn[6 + c] = ' ';
        }
        const int rc = custom ? SPI_execute_with_args(e.text[6].c_str(), kResolveParams, const_cast<Oid*>(kResolveTypes), p, pn, false, 0)
                              : SPI_execute_plan(e.plan[6], p, pn, false, 0);
        if (rc < 0) elog(ERROR, "c360.match_resolve: the write failed: %s", SPI_result_code_string(rc));
        SPITupleTable* tt = SPI_tuptable;
        for (uint64 r = 0; tt != nullptr && r < SPI_processed; ++r) {
            Datum v[5];
            bool n[5];
            for (int c = 0; c < 5; ++c) v[c] = SPI_getbinval(tt->vals[r], tt->tupdesc, c + 1, &n[c]);
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
        }
        SPI_finish();
    });
    return (Datum)0;
}
