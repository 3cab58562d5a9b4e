// SQL glue for the comparison levels of src/core/match/compare (Fellegi-Sunter inputs, docs/match.md).
#include <string>
#include <string_view>

#include "match_pg.hpp"
#include "match/compare.hpp"

using namespace c360::pg::match;

// ---- comparison levels (Fellegi-Sunter inputs) ----------------------------------------------

// (a, b, method): NULL or empty value -> -1 (null level)
C360_FUNCTION(compare_level, "c360.compare_level") {
    if (PG_ARGISNULL(2)) {
        c360::fail(c360::ErrorCode::NullValueNotAllowed, "the comparison method must not be NULL");
    }
    const std::string_view method = arg_view(fcinfo, 2);
    const c360::match::Method m = c360::match::parse_method(method);
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) {
        PG_RETURN_INT32(-1);
    }
    const std::string_view a = arg_view(fcinfo, 0);
    const std::string_view b = arg_view(fcinfo, 1);
    PG_RETURN_INT32(c360::match::compare_level(a, b, m));
}

C360_FUNCTION(method_levels, "c360.method_levels") {
    const std::string_view method = arg_view(fcinfo, 0);
    PG_RETURN_INT32(c360::match::method_levels(c360::match::parse_method(method)));
}

// The level at or below which two values of a method clearly differ (c360.match_persons).
C360_FUNCTION(method_conflict_level, "c360.method_conflict_level") {
    const std::string_view method = arg_view(fcinfo, 0);
    PG_RETURN_INT32(c360::match::conflict_level(c360::match::parse_method(method)));
}

// (a, b, method): false when a value is NULL or empty (a missing value never differs)
C360_FUNCTION(clearly_differ, "c360.clearly_differ") {
    if (PG_ARGISNULL(2)) {
        c360::fail(c360::ErrorCode::NullValueNotAllowed, "the comparison method must not be NULL");
    }
    const c360::match::Method m = c360::match::parse_method(arg_view(fcinfo, 2));
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) {
        PG_RETURN_BOOL(false);
    }
    PG_RETURN_BOOL(c360::match::clearly_differ(arg_view(fcinfo, 0), arg_view(fcinfo, 1), m));
}
