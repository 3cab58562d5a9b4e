// SQL glue for RFM score breakpoints: the c360.rfm_sample state type, the c360.rfm_breaks
// aggregate and the c360.rfm_score function.
#include <cstring>

#include "arrays.hpp"
#include "bridge.hpp"
#include "common_packed_pg.hpp"
#include "rfm/breaks.hpp"
#include "rfm/rfm.hpp"
#include "tuples.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

using c360::ErrorCode;
namespace rfm = c360::rfm;
using namespace c360::pg;

namespace {

const c360::PackedType& kSample = rfm::kSampleType;

Datum add_customer(FunctionCallInfo fcinfo, int bins) {
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
        // a customer without all three values is not scored
        if (PG_ARGISNULL(0)) {
            PG_RETURN_NULL();
        }
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    rfm::check_bins(bins);
    const double row[3] = {PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3)};
    rfm::check_values(row[0], row[1], row[2]);
    void* s;
    if (PG_ARGISNULL(0)) {
        s = new_state(kSample, 0);
        c360::mut_of(s).ints[rfm::kSampleBins] = bins;
    } else {
        s = writable_state(fcinfo, 0, kSample);
        if (c360::view_of(s).ints[rfm::kSampleBins] != bins) {
            c360::fail(ErrorCode::InvalidParameter, "bins must be the same for every row of a group");
        }
    }
    PG_RETURN_POINTER(append_values(s, kSample, row, 3));
}

constexpr int kBreaksFields = 5;
constexpr int kScoreFields = 5;

// Parsed breakpoints, cached per call site and reused while the same value comes back.
struct ParsedBreaks {
    int bins;
    double recency[rfm::kMaxBins];
    double frequency[rfm::kMaxBins];
    double monetary[rfm::kMaxBins];
    uint32 raw_len;
    char raw[FLEXIBLE_ARRAY_MEMBER];
};

// `what`: "recency breakpoints", ...
void read_breaks_array(HeapTupleHeader th, int attno, int bins, double* out, const char* what) {
    bool isnull = false;
    Datum d = GetAttributeByNum(th, static_cast<AttrNumber>(attno), &isnull);
    if (isnull) {
        c360::fail(ErrorCode::InvalidParameter, std::string(what) + " are NULL");
    }
    const c360::pg::ArrayView<double> v = c360::pg::float8_view(
        DatumGetArrayTypeP(d), what, c360::pg::Nulls::Refuse, "a float8 array of bins - 1 values without NULLs");
    if (v.n != bins - 1) {
        v.reject();
    }
    if (v.n > 0) {
        std::memcpy(out, v.data, v.size() * sizeof(double));
    }
}

// What c360.rfm_score keeps in fn_extra between calls: the result descriptor, the parsed
// breakpoints, and (for bins <= 9) the cell and segment texts, built once per distinct cell.
constexpr int kMaxCachedBins = 9;
constexpr int kCellSlots = kMaxCachedBins * kMaxCachedBins * kMaxCachedBins;

struct ScoreCache {
    TupleDesc result;
    ParsedBreaks* breaks;
    int cells_bins;          // bins the cached texts below were made for (0: none)
    text* cell[kCellSlots];  // "545"
    text* segment[kCellSlots];
};

text* make_cell_text(int r, int f, int m, int bins) {
    char cell[3 * 4 + 3];
    char* p = cell;
    for (int v : {r, f, m}) {
        if (bins > 9 && p != cell) {
            *p++ = '.';
        }
        if (v >= 100) {
            *p++ = static_cast<char>('0' + v / 100);
        }
        if (v >= 10) {
            *p++ = static_cast<char>('0' + (v / 10) % 10);
        }
        *p++ = static_cast<char>('0' + v % 10);
    }
    return cstring_to_text_with_len(cell, static_cast<int>(p - cell));
}

ScoreCache* score_cache(FunctionCallInfo fcinfo) {
    auto* cache = static_cast<ScoreCache*>(fcinfo->flinfo->fn_extra);
    if (cache == nullptr) {
        cache = static_cast<ScoreCache*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ScoreCache)));
        fcinfo->flinfo->fn_extra = cache;
    }
    return cache;
}

const ParsedBreaks* parsed_breaks(FunctionCallInfo fcinfo, ScoreCache* cache, HeapTupleHeader th) {
    const uint32 len = HeapTupleHeaderGetDatumLength(th);
    ParsedBreaks* cached = cache->breaks;
    if (cached != nullptr && cached->raw_len == len && std::memcmp(cached->raw, th, len) == 0) {
        return cached;
    }
    ParsedBreaks parsed;
    bool isnull = false;
    Datum bins_d = GetAttributeByNum(th, 1, &isnull);
    if (isnull) {
        c360::fail(ErrorCode::InvalidParameter, "breaks.bins is NULL");
    }
    parsed.bins = DatumGetInt32(bins_d);
    rfm::check_bins(parsed.bins);
    read_breaks_array(th, 3, parsed.bins, parsed.recency, "recency breakpoints");
    read_breaks_array(th, 4, parsed.bins, parsed.frequency, "frequency breakpoints");
    read_breaks_array(th, 5, parsed.bins, parsed.monetary, "monetary breakpoints");
    rfm::check_breakpoints(parsed.recency, parsed.bins, true, "recency");
    rfm::check_breakpoints(parsed.frequency, parsed.bins, false, "frequency");
    rfm::check_breakpoints(parsed.monetary, parsed.bins, false, "monetary");
    if (cached == nullptr || cached->raw_len < len) {
        cached = static_cast<ParsedBreaks*>(
            MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, offsetof(ParsedBreaks, raw) + len));
        cache->breaks = cached;
    }
    std::memcpy(cached, &parsed, offsetof(ParsedBreaks, raw_len));
    cached->raw_len = len;
    std::memcpy(cached->raw, th, len);
    return cached;
}

} // namespace

// ---- c360.rfm_sample I/O -------------------------------------------------------------------

C360_STATE_TYPE_IO(rfm_sample, rfm::kSampleType)

// ---- aggregate support ---------------------------------------------------------------------

// c360.rfm_breaks_add(state, recency_days, frequency, monetary [, bins]): quintiles without bins
C360_FUNCTION(rfm_breaks_add, "c360.rfm_breaks") {
    if (PG_NARGS() < 5) {
        return add_customer(fcinfo, 5);
    }
    if (PG_ARGISNULL(4)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "bins must not be NULL");
    }
    return add_customer(fcinfo, PG_GETARG_INT32(4));
}

C360_FUNCTION(rfm_sample_merge, "c360.rfm_breaks") {
    void* a = writable_state(fcinfo, 0, kSample);
    const c360::PackedView b = c360::view_of(packed_arg(fcinfo, 1, kSample));
    if (c360::view_of(a).ints[rfm::kSampleBins] != b.ints[rfm::kSampleBins]) {
        c360::fail(ErrorCode::InvalidParameter, "cannot merge samples with different bins");
    }
    PG_RETURN_POINTER(append_rows(a, kSample, b));
}

// c360.rfm_breaks_final(state) -> c360.rfm_breaks
C360_FUNCTION(rfm_breaks_final, "c360.rfm_breaks") {
    const c360::PackedView s = c360::view_of(packed_arg(fcinfo, 0, kSample));
    const int bins = static_cast<int>(s.ints[rfm::kSampleBins]);
    const int64 n = static_cast<int64>(c360::packed_rows(s, kSample));
    double* column = static_cast<double*>(palloc(static_cast<Size>(n > 0 ? n : 1) * sizeof(double)));
    double br[3][rfm::kMaxBins];
    for (int dim = 0; dim < 3; ++dim) {
        const double* t = c360::packed_row_data(s, kSample);
        for (int64 i = 0; i < n; ++i) {
            column[i] = t[3 * i + dim];
        }
        CHECK_FOR_INTERRUPTS();
        if (dim == 0) {
            rfm::breakpoints_lower_better(column, static_cast<size_t>(n), bins, br[dim]);
        } else {
            rfm::breakpoints_higher_better(column, static_cast<size_t>(n), bins, br[dim]);
        }
    }
    pfree(column);
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kBreaksFields, "c360.rfm_breaks");
    Datum values[kBreaksFields];
    bool nulls[kBreaksFields] = {false};
    values[0] = Int32GetDatum(bins);
    values[1] = Int64GetDatum(n);
    values[2] = PointerGetDatum(c360::pg::new_float8_array(br[0], bins - 1));
    values[3] = PointerGetDatum(c360::pg::new_float8_array(br[1], bins - 1));
    values[4] = PointerGetDatum(c360::pg::new_float8_array(br[2], bins - 1));
    return c360::pg::composite_datum(td, values, nulls);
}

// c360.rfm_score(recency_days, frequency, monetary, breaks) -> c360.rfm_score
C360_FUNCTION(rfm_score, "c360.rfm_score") {
    const double r = PG_GETARG_FLOAT8(0);
    const double f = PG_GETARG_FLOAT8(1);
    const double m = PG_GETARG_FLOAT8(2);
    rfm::check_values(r, f, m);
    HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(3);
    ScoreCache* cache = score_cache(fcinfo);
    const ParsedBreaks* b = parsed_breaks(fcinfo, cache, th);
    const int rs = rfm::score_lower_better(r, b->recency, b->bins);
    const int fs = rfm::score_higher_better(f, b->frequency, b->bins);
    const int ms = rfm::score_higher_better(m, b->monetary, b->bins);
    TupleDesc td = c360::pg::result_tupdesc(fcinfo, &cache->result, kScoreFields, "c360.rfm_score");
    Datum values[kScoreFields];
    bool nulls[kScoreFields] = {false};
    values[0] = Int32GetDatum(rs);
    values[1] = Int32GetDatum(fs);
    values[2] = Int32GetDatum(ms);
    nulls[4] = b->bins != 5;
    values[4] = (Datum)0;
    if (b->bins <= kMaxCachedBins) {
        if (cache->cells_bins != b->bins) {
            std::memset(cache->cell, 0, sizeof cache->cell);
            std::memset(cache->segment, 0, sizeof cache->segment);
            cache->cells_bins = b->bins;
        }
        const int slot = ((rs - 1) * kMaxCachedBins + (fs - 1)) * kMaxCachedBins + (ms - 1);
        if (cache->cell[slot] == nullptr) {
            MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
            cache->cell[slot] = make_cell_text(rs, fs, ms, b->bins);
            if (b->bins == 5) {
                cache->segment[slot] = cstring_to_text(rfm::segment(rs, fs, ms));
            }
            MemoryContextSwitchTo(old);
        }
        values[3] = PointerGetDatum(cache->cell[slot]);
        if (b->bins == 5) {
            values[4] = PointerGetDatum(cache->segment[slot]);
        }
    } else {
        values[3] = PointerGetDatum(make_cell_text(rs, fs, ms, b->bins));
    }
    return c360::pg::composite_datum(td, values, nulls);
}
