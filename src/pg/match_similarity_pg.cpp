// SQL glue for the string similarities of src/core/match/similarity (docs/match.md).
#include <string>
#include <string_view>

#include "match_pg.hpp"
#include "match/similarity.hpp"
#include "match/text.hpp"

using namespace c360::pg::match;

namespace {

// Two text arguments decoded to code points (bounded), a scalar result.
template <class T, class Fn>
T on_code_points(FunctionCallInfo fcinfo, Fn&& fn) {
    const std::string_view a = arg_view(fcinfo, 0);
    const std::string_view b = arg_view(fcinfo, 1);
    // decoding buffers reused across calls (a backend runs one call at a time): no allocation
    // per row; released when a very long argument has grown them
    static std::u32string ua, ub;
    c360::match::decode_bounded_into(ua, a, "first argument");
    c360::match::decode_bounded_into(ub, b, "second argument");
    const T result = fn(ua, ub);
    if (ua.capacity() > 4096) std::u32string().swap(ua);
    if (ub.capacity() > 4096) std::u32string().swap(ub);
    return result;
}

} // namespace

// ---- similarities --------------------------------------------------------------------------

C360_FUNCTION(levenshtein, "c360.levenshtein") {
    PG_RETURN_INT32(on_code_points<int32>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return static_cast<int32>(c360::match::levenshtein(a, b));
    }));
}

C360_FUNCTION(osa_distance, "c360.osa_distance") {
    PG_RETURN_INT32(on_code_points<int32>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return static_cast<int32>(c360::match::osa_distance(a, b));
    }));
}

C360_FUNCTION(damerau_levenshtein, "c360.damerau_levenshtein") {
    PG_RETURN_INT32(on_code_points<int32>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return static_cast<int32>(c360::match::damerau_levenshtein(a, b));
    }));
}

C360_FUNCTION(jaro, "c360.jaro") {
    PG_RETURN_FLOAT8(on_code_points<double>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return c360::match::jaro(a, b);
    }));
}

C360_FUNCTION(jaro_winkler, "c360.jaro_winkler") {
    const double p = PG_GETARG_FLOAT8(2);
    const bool long_tolerance = PG_GETARG_BOOL(3);
    PG_RETURN_FLOAT8(on_code_points<double>(fcinfo, [&](const std::u32string& a, const std::u32string& b) {
        return c360::match::jaro_winkler(a, b, p, long_tolerance);
    }));
}

C360_FUNCTION(name_similarity, "c360.name_similarity") {
    const std::string_view a = arg_view(fcinfo, 0);
    const std::string_view b = arg_view(fcinfo, 1);
    double r = 0.0;
    {
        r = c360::match::name_similarity(a, b);
    }
    PG_RETURN_FLOAT8(r);
}
