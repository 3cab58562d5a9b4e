// SQL glue for clustering: c360.clusters_from_query(query text) runs a query returning pairs of
// record ids (bigint, bigint) through SPI in batches and returns (record_id, cluster_id) for each
// record of a pair, cluster_id = smallest record id of its connected component. The PL/pgSQL
// wrapper c360.cluster_pairs builds the query from a regclass and quoted column names.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "bridge.hpp"
#include "match/cluster.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
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
    std::vector<Row>().swap(batch);
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
