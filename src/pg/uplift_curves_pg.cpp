// SQL glue for the uplift curves (src/core/uplift/curves, docs/uplift.md): the c360.uplift_sample
// type (the scored rows of a group) and the qini / uplift AUC, uplift@k, per-percentile and curve
// aggregates.
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bridge.hpp"
#include "fixed_state.hpp"
#include "tuples.hpp"
#include "uplift/curves.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"
}

using c360::ErrorCode;
namespace up = c360::uplift;

// ---- c360.uplift_sample: the rows behind the uplift curves -----------------------------------

namespace {

struct SampleHeader {
    int32 vl_len_;
    int32 version;
    double param; // k, bins or points (the same for every row of a group)
    int64 count;
    int64 capacity;
};
static_assert(sizeof(SampleHeader) == 32);

constexpr int64 kMaxRows =
    static_cast<int64>((MaxAllocSize - sizeof(SampleHeader)) / sizeof(up::UpliftRow));

up::UpliftRow* rows_of(SampleHeader* s) { return reinterpret_cast<up::UpliftRow*>(s + 1); }
const up::UpliftRow* rows_of(const SampleHeader* s) { return reinterpret_cast<const up::UpliftRow*>(s + 1); }

SampleHeader* new_sample(double param, int64 capacity, const SampleHeader* from) {
    if (capacity > kMaxRows) {
        c360::fail(ErrorCode::ProgramLimitExceeded, "too many rows (the limit is 44,739,241 per group)",
                   {}, "Evaluate on a random sample of the rows.");
    }
    const Size bytes = sizeof(SampleHeader) + static_cast<Size>(capacity) * sizeof(up::UpliftRow);
    auto* s = static_cast<SampleHeader*>(palloc(bytes));
    SET_VARSIZE(s, bytes);
    s->version = 1;
    s->param = param;
    s->count = 0;
    s->capacity = capacity;
    if (from != nullptr) {
        std::memcpy(rows_of(s), rows_of(from), static_cast<size_t>(from->count) * sizeof(up::UpliftRow));
        s->count = from->count;
    }
    return s;
}

void validate_sample(const SampleHeader* s, ErrorCode code) {
    const Size size = VARSIZE(s);
    if (size < sizeof(SampleHeader) || s->version != 1 || s->count < 0 || s->capacity < s->count ||
        s->capacity > kMaxRows || !std::isfinite(s->param) ||
        size != sizeof(SampleHeader) + static_cast<Size>(s->capacity) * sizeof(up::UpliftRow)) {
        c360::fail(code, "invalid c360.uplift_sample value");
    }
    for (int64 i = 0; i < s->count; ++i) {
        const up::UpliftRow& r = rows_of(s)[i];
        if (!std::isfinite(r.score) || (r.treated != 0 && r.treated != 1) || (r.converted != 0 && r.converted != 1)) {
            c360::fail(code, "invalid c360.uplift_sample value");
        }
    }
}

// The state to append `extra` rows to: in place inside an aggregate when it fits, else a copy.
SampleHeader* writable_sample(FunctionCallInfo fcinfo, SampleHeader* s, int64 extra) {
    if (c360::pg::appendable_in_place(fcinfo, s->count, extra, s->capacity)) {
        return s;
    }
    return new_sample(s->param, c360::pg::grown_capacity(s->capacity, s->count + extra, kMaxRows), s);
}

SampleHeader* sample_arg(FunctionCallInfo fcinfo, int argno) { return c360::pg::detoasted_arg<SampleHeader>(fcinfo, argno); }

Datum uplift_add(FunctionCallInfo fcinfo, double param) {
    SampleHeader* s;
    if (PG_ARGISNULL(0)) {
        s = new_sample(param, 1024, nullptr);
    } else {
        s = sample_arg(fcinfo, 0);
        if (s->param != param) {
            c360::fail(ErrorCode::InvalidParameter, "k, bins or points must be the same for every row of a group");
        }
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
        PG_RETURN_POINTER(s); // rows without a score, a group or an outcome are not evaluated
    }
    const up::UpliftRow row{PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2) ? 1.0 : 0.0, PG_GETARG_BOOL(3) ? 1.0 : 0.0};
    up::check_row(row);
    s = writable_sample(fcinfo, s, 1);
    rows_of(s)[s->count++] = row;
    PG_RETURN_POINTER(s);
}

double param_arg(FunctionCallInfo fcinfo, const char* what) {
    if (PG_NARGS() < 5) {
        return 0;
    }
    if (PG_ARGISNULL(4)) {
        c360::fail(ErrorCode::NullValueNotAllowed, std::string(what) + " must not be NULL");
    }
    return get_fn_expr_argtype(fcinfo->flinfo, 4) == INT4OID ? static_cast<double>(PG_GETARG_INT32(4))
                                                               : PG_GETARG_FLOAT8(4);
}

} // namespace

C360_FUNCTION(uplift_sample_in, "c360.uplift_sample_in") {
    // upl1(param;count;s,t,c;s,t,c;...)
    const char* str = PG_GETARG_CSTRING(0);
    std::string_view in(str);
    auto corrupt = [] { c360::fail(ErrorCode::InvalidTextRepresentation, "invalid c360.uplift_sample value"); };
    if (in.substr(0, 5) != "upl1(") {
        corrupt();
    }
    in.remove_prefix(5);
    auto number = [&](double& v, char sep) {
        char buf[64];
        const size_t end = in.find(sep);
        if (end == std::string_view::npos || end == 0 || end >= sizeof buf) {
            corrupt();
        }
        std::memcpy(buf, in.data(), end);
        buf[end] = '\0';
        char* stop = nullptr;
        v = std::strtod(buf, &stop);
        if (stop != buf + end) {
            corrupt();
        }
        in.remove_prefix(end + 1);
    };
    double param = 0, count = 0;
    number(param, ';');
    number(count, count == 0 && in.find(';') == std::string_view::npos ? ')' : ';');
    if (!(count >= 0) || count > static_cast<double>(kMaxRows) || count != std::floor(count)) {
        corrupt();
    }
    const auto n = static_cast<int64>(count);
    SampleHeader* s = new_sample(param, n > 0 ? n : 1, nullptr);
    for (int64 i = 0; i < n; ++i) {
        up::UpliftRow& r = rows_of(s)[i];
        number(r.score, ',');
        number(r.treated, ',');
        number(r.converted, i + 1 == n ? ')' : ';');
        s->count = i + 1;
    }
    if (!in.empty()) {
        corrupt();
    }
    validate_sample(s, ErrorCode::InvalidTextRepresentation);
    PG_RETURN_POINTER(s);
}

C360_FUNCTION(uplift_sample_out, "c360.uplift_sample_out") {
    const SampleHeader* s = sample_arg(fcinfo, 0);
    StringInfoData buf;
    initStringInfo(&buf);
    char num[32];
    appendStringInfoString(&buf, "upl1(");
    {
        // shortest round-trip doubles: the text form is exact
        auto put = [&](double v, char sep) {
            auto r = std::to_chars(num, num + sizeof num - 1, v);
            *r.ptr = '\0';
            appendStringInfoString(&buf, num);
            appendStringInfoChar(&buf, sep);
        };
        put(s->param, ';');
        put(static_cast<double>(s->count), s->count == 0 ? ')' : ';');
        for (int64 i = 0; i < s->count; ++i) {
            const up::UpliftRow& r = rows_of(s)[i];
            put(r.score, ',');
            put(r.treated, ',');
            put(r.converted, i + 1 == s->count ? ')' : ';');
        }
    }
    PG_RETURN_CSTRING(buf.data);
}

C360_FUNCTION(uplift_add, "c360.uplift_add") { return uplift_add(fcinfo, param_arg(fcinfo, "parameter")); }

C360_FUNCTION(uplift_merge, "c360.uplift_merge") {
    SampleHeader* a = sample_arg(fcinfo, 0);
    const SampleHeader* b = sample_arg(fcinfo, 1);
    if (a->param != b->param) {
        c360::fail(ErrorCode::InvalidParameter, "cannot merge uplift samples with different parameters");
    }
    a = writable_sample(fcinfo, a, b->count);
    std::memcpy(rows_of(a) + a->count, rows_of(b), static_cast<size_t>(b->count) * sizeof(up::UpliftRow));
    a->count += b->count;
    PG_RETURN_POINTER(a);
}

namespace {

// The rows of a final state, validated (a state can come from text input).
const SampleHeader* final_sample(FunctionCallInfo fcinfo) {
    const SampleHeader* s = sample_arg(fcinfo, 0);
    validate_sample(s, ErrorCode::DataCorrupted);
    return s;
}

enum class Metric { Qini, Uplift, AtK };

Datum scalar_metric(FunctionCallInfo fcinfo, Metric metric) {
    const SampleHeader* s = final_sample(fcinfo);
    if (s->count == 0) {
        PG_RETURN_NULL();
    }
    double v;
    {
        std::vector<up::UpliftRow> rows(rows_of(s), rows_of(s) + s->count);
        v = metric == Metric::Qini     ? up::qini_auc(rows)
            : metric == Metric::Uplift ? up::uplift_auc(rows)
                                       : up::uplift_at_k(rows, s->param);
    }
    if (std::isnan(v)) {
        PG_RETURN_NULL();
    }
    PG_RETURN_FLOAT8(v);
}

constexpr int kMaxFields = 10;

// Rows of `fields` doubles (NaN: NULL), the first `int_fields` of them int4, as an array of the
// function's composite element type.
Datum rows_of_doubles(FunctionCallInfo fcinfo, const double* values, int rows, int fields, int int_fields,
                      const char* type_name) {
    c360::pg::CompositeArray out = c360::pg::composite_array(fcinfo, rows, fields, type_name);
    Datum v[kMaxFields];
    bool n[kMaxFields];
    for (int r = 0; r < rows; ++r) {
        for (int f = 0; f < fields; ++f) {
            const double x = values[r * fields + f];
            v[f] = c360::pg::float8_or_null(x, &n[f]);
            if (f < int_fields && !n[f]) {
                v[f] = Int32GetDatum(static_cast<int32>(x));
            }
        }
        out.add(v, n);
    }
    PG_RETURN_ARRAYTYPE_P(out.finish());
}

constexpr int kBinFields = 10;
constexpr int kPointFields = 10;
static_assert(kBinFields <= kMaxFields && kPointFields <= kMaxFields);

} // namespace

C360_FUNCTION(qini_auc_final, "c360.qini_auc") { return scalar_metric(fcinfo, Metric::Qini); }
C360_FUNCTION(uplift_auc_final, "c360.uplift_auc") { return scalar_metric(fcinfo, Metric::Uplift); }
C360_FUNCTION(uplift_at_k_final, "c360.uplift_at_k") { return scalar_metric(fcinfo, Metric::AtK); }

C360_FUNCTION(uplift_by_percentile_final, "c360.uplift_by_percentile") {
    const SampleHeader* s = final_sample(fcinfo);
    if (s->count == 0) {
        PG_RETURN_NULL();
    }
    const int bins = static_cast<int>(s->param);
    if (bins < 1 || bins > 1000) {
        c360::fail(ErrorCode::InvalidParameter, "bins must be between 1 and 1000");
    }
    double* out = static_cast<double*>(palloc(sizeof(double) * kBinFields * bins));
    {
        std::vector<up::UpliftRow> rows(rows_of(s), rows_of(s) + s->count);
        const auto result = up::by_percentile(rows, bins);
        for (int b = 0; b < bins; ++b) {
            const up::PercentileBin& p = result[static_cast<size_t>(b)];
            const double v[kBinFields] = {static_cast<double>(p.bin), p.counts.n_treatment, p.counts.n_control,
                                          p.counts.conv_treatment, p.counts.conv_control, p.rate_treatment,
                                          p.rate_control, p.uplift, p.std_err,
                                          p.counts.n_treatment + p.counts.n_control};
            std::memcpy(out + b * kBinFields, v, sizeof v);
        }
    }
    return rows_of_doubles(fcinfo, out, bins, kBinFields, 1, "c360.uplift_bin");
}

C360_FUNCTION(uplift_curve_final, "c360.uplift_curve") {
    const SampleHeader* s = final_sample(fcinfo);
    if (s->count == 0) {
        PG_RETURN_NULL();
    }
    const int points = static_cast<int>(s->param);
    if (points < 1 || points > 100000) {
        c360::fail(ErrorCode::InvalidParameter, "points must be between 1 and 100000");
    }
    double* out = static_cast<double*>(palloc(sizeof(double) * kPointFields * (points + 1)));
    const double n = static_cast<double>(s->count);
    {
        std::vector<up::UpliftRow> rows(rows_of(s), rows_of(s) + s->count);
        const auto result = up::curve(rows, points);
        for (int i = 0; i <= points; ++i) {
            const up::CurvePoint& p = result[static_cast<size_t>(i)];
            const double v[kPointFields] = {static_cast<double>(i), p.position / n, p.position,
                                            p.counts.n_treatment, p.counts.n_control, p.counts.conv_treatment,
                                            p.counts.conv_control, p.qini, p.uplift_gain, p.random_qini};
            std::memcpy(out + i * kPointFields, v, sizeof v);
        }
    }
    return rows_of_doubles(fcinfo, out, points + 1, kPointFields, 1, "c360.uplift_point");
}
