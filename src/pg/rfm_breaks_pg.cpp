// SQL glue for RFM score breakpoints: the c360.rfm_sample state type, the c360.rfm_breaks
// aggregate and the c360.rfm_score function.
#include <cstring>
#include <string_view>

#include "arrays.hpp"
#include "bridge.hpp"
#include "fixed_state.hpp"
#include "rfm/breaks.hpp"
#include "rfm/rfm.hpp"
#include "tuples.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

using c360::ErrorCode;
namespace rfm = c360::rfm;

namespace {

// c360.rfm_sample: a varlena holding the (recency, frequency, monetary) triples seen so far.
// `capacity` triples are allocated, `count` are used; the state grows by doubling, in place
// while there is room (allowed for aggregate transition values).
struct SampleHeader {
    int32 vl_len_;
    int32 bins;
    int64 count;
    int64 capacity;
};
static_assert(sizeof(SampleHeader) % sizeof(double) == 0);

constexpr int64 kMaxCustomers = static_cast<int64>((MaxAllocSize - sizeof(SampleHeader)) / (3 * sizeof(double)));

double* triples(SampleHeader* s) { return reinterpret_cast<double*>(s + 1); }
const double* triples(const SampleHeader* s) { return reinterpret_cast<const double*>(s + 1); }

// A new sample in the current memory context (aggregates copy new transition values into
// their own context themselves).
SampleHeader* new_sample(int bins, int64 capacity, const SampleHeader* from) {
    if (capacity > kMaxCustomers) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "too many customers (the limit is 44,739,242)",
                   {}, "Compute breakpoints on a random sample, or use c360.quantile_score with window functions.");
    }
    const Size bytes = sizeof(SampleHeader) + static_cast<Size>(capacity) * 3 * sizeof(double);
    auto* s = static_cast<SampleHeader*>(palloc(bytes));
    SET_VARSIZE(s, bytes);
    s->bins = bins;
    s->count = 0;
    s->capacity = capacity;
    if (from != nullptr) {
        std::memcpy(triples(s), triples(from), static_cast<size_t>(from->count) * 3 * sizeof(double));
        s->count = from->count;
    }
    return s;
}

void validate_sample(const SampleHeader* s, ErrorCode code) {
    const Size size = VARSIZE(s);
    if (size < sizeof(SampleHeader) || s->bins < 1 || s->bins > rfm::kMaxBins || s->count < 0 ||
        s->capacity < s->count || s->capacity > kMaxCustomers ||
        size != sizeof(SampleHeader) + static_cast<Size>(s->capacity) * 3 * sizeof(double)) {
        c360::fail(code, "invalid c360.rfm_sample value");
    }
}

// The state to append `extra` rows to: in place inside an aggregate when it fits, else a copy.
SampleHeader* writable_sample(FunctionCallInfo fcinfo, SampleHeader* s, int64 extra) {
    if (c360::pg::appendable_in_place(fcinfo, s->count, extra, s->capacity)) {
        return s;
    }
    return new_sample(s->bins, c360::pg::grown_capacity(s->capacity, s->count + extra, kMaxCustomers), s);
}

SampleHeader* sample_arg(FunctionCallInfo fcinfo, int argno) { return c360::pg::detoasted_arg<SampleHeader>(fcinfo, argno); }

Datum add_customer(FunctionCallInfo fcinfo, int bins) {
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
        // a customer without all three values is not scored
        if (PG_ARGISNULL(0)) {
            PG_RETURN_NULL();
        }
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    rfm::check_bins(bins);
    const double r = PG_GETARG_FLOAT8(1);
    const double f = PG_GETARG_FLOAT8(2);
    const double m = PG_GETARG_FLOAT8(3);
    rfm::check_values(r, f, m);
    SampleHeader* s;
    if (PG_ARGISNULL(0)) {
        s = new_sample(bins, 1024, nullptr);
    } else {
        s = sample_arg(fcinfo, 0);
        if (s->bins != bins) {
            c360::fail(ErrorCode::InvalidParameter, "bins must be the same for every row of a group");
        }
        s = writable_sample(fcinfo, s, 1);
    }
    double* t = triples(s) + 3 * s->count;
    t[0] = r;
    t[1] = f;
    t[2] = m;
    ++s->count;
    PG_RETURN_POINTER(s);
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

C360_FUNCTION(rfm_sample_in, "c360.rfm_sample_in") {
    const char* str = PG_GETARG_CSTRING(0);
    const std::string_view text(str);
    int bins = 0;
    std::int64_t n = 0;
    rfm::parse_sample_header(text, bins, n);
    if (n > kMaxCustomers) {
        c360::fail(ErrorCode::InvalidTextRepresentation, "too many customers (the limit is 44,739,242)");
    }
    SampleHeader* s = new_sample(bins, n, nullptr);
    rfm::parse_sample_values(text, n, triples(s));
    s->count = n;
    PG_RETURN_POINTER(s);
}

C360_FUNCTION(rfm_sample_out, "c360.rfm_sample_out") {
    const SampleHeader* s = sample_arg(fcinfo, 0);
    validate_sample(s, ErrorCode::DataCorrupted);
    const size_t bound = rfm::sample_text_bound(s->count);
    if (bound > MaxAllocSize) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "value too large for its text form",
                   {}, "Use binary COPY, or fewer customers per state.");
    }
    char* buf = static_cast<char*>(palloc(bound));
    rfm::write_sample_text(s->bins, s->count, triples(s), buf);
    PG_RETURN_CSTRING(buf);
}

C360_FUNCTION(rfm_sample_recv, "c360.rfm_sample_recv") {
    StringInfo msg = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const int bins = pq_getmsgint(msg, 4);
    const int64 n = pq_getmsgint64(msg);
    if (bins < 1 || bins > rfm::kMaxBins || n < 1 || n > kMaxCustomers ||
        n * 3 * static_cast<int64>(sizeof(double)) > msg->len - msg->cursor) {
        c360::fail(ErrorCode::InvalidBinaryRepresentation, "invalid c360.rfm_sample value");
    }
    SampleHeader* s = new_sample(bins, n, nullptr);
    double* t = triples(s);
    for (int64 i = 0; i < 3 * n; ++i) {
        t[i] = pq_getmsgfloat8(msg);
    }
    s->count = n;
    for (int64 i = 0; i < n; ++i) {
        rfm::check_values(t[3 * i], t[3 * i + 1], t[3 * i + 2]);
    }
    PG_RETURN_POINTER(s);
}

C360_FUNCTION(rfm_sample_send, "c360.rfm_sample_send") {
    const SampleHeader* s = sample_arg(fcinfo, 0);
    validate_sample(s, ErrorCode::DataCorrupted);
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint32(&buf, static_cast<uint32>(s->bins));
    pq_sendint64(&buf, s->count);
    const double* t = triples(s);
    for (int64 i = 0; i < 3 * s->count; ++i) {
        pq_sendfloat8(&buf, t[i]);
    }
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

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
    SampleHeader* a = sample_arg(fcinfo, 0);
    const SampleHeader* b = sample_arg(fcinfo, 1);
    validate_sample(a, ErrorCode::DataCorrupted);
    validate_sample(b, ErrorCode::DataCorrupted);
    if (a->bins != b->bins) {
        c360::fail(ErrorCode::InvalidParameter, "cannot merge samples with different bins");
    }
    a = writable_sample(fcinfo, a, b->count);
    std::memcpy(triples(a) + 3 * a->count, triples(b), static_cast<size_t>(b->count) * 3 * sizeof(double));
    a->count += b->count;
    PG_RETURN_POINTER(a);
}

// c360.rfm_breaks_final(state) -> c360.rfm_breaks
C360_FUNCTION(rfm_breaks_final, "c360.rfm_breaks") {
    const SampleHeader* s = sample_arg(fcinfo, 0);
    validate_sample(s, ErrorCode::DataCorrupted);
    const int bins = s->bins;
    const int64 n = s->count;
    double* column = static_cast<double*>(palloc(static_cast<Size>(n > 0 ? n : 1) * sizeof(double)));
    double br[3][rfm::kMaxBins];
    for (int dim = 0; dim < 3; ++dim) {
        const double* t = triples(s);
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
