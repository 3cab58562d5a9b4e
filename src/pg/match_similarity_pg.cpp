// SQL glue for the string similarities of src/core/match/similarity (docs/match.md).
#include <string>
#include <string_view>

#include "match_pg.hpp"
#include "match/similarity.hpp"
#include "match/text.hpp"

using namespace c360::pg::match;

namespace {

// Two text arguments, a scalar result: c360::match::with_symbols picks the representation (the
// arguments as they are when ASCII, Latin-1 bytes, or code points).
template <class T, class Bytes, class Points>
T on_strings(FunctionCallInfo fcinfo, Bytes&& bytes, Points&& points) {
    const std::string_view a = arg_view(fcinfo, 0);
    const std::string_view b = arg_view(fcinfo, 1);
    // buffers reused across calls (a backend runs one call at a time): no allocation per row;
    // released when a very long argument has grown them
    static c360::match::SymbolBuffers buf;
    const T result = c360::match::with_symbols(a, b, buf, "first argument", "second argument", bytes, points);
    if (buf.a8.capacity() > 4096) std::string().swap(buf.a8);
    if (buf.b8.capacity() > 4096) std::string().swap(buf.b8);
    if (buf.a32.capacity() > 4096) std::u32string().swap(buf.a32);
    if (buf.b32.capacity() > 4096) std::u32string().swap(buf.b32);
    return result;
}

} // namespace

// ---- similarities --------------------------------------------------------------------------

namespace sim = c360::match;

C360_FUNCTION(levenshtein, "c360.levenshtein") {
    PG_RETURN_INT32(on_strings<int32>(
        fcinfo, [](std::string_view a, std::string_view b) { return static_cast<int32>(sim::levenshtein_bytes(a, b)); },
        [](std::u32string_view a, std::u32string_view b) { return static_cast<int32>(sim::levenshtein(a, b)); }));
}

C360_FUNCTION(osa_distance, "c360.osa_distance") {
    PG_RETURN_INT32(on_strings<int32>(
        fcinfo, [](std::string_view a, std::string_view b) { return static_cast<int32>(sim::osa_distance_bytes(a, b)); },
        [](std::u32string_view a, std::u32string_view b) { return static_cast<int32>(sim::osa_distance(a, b)); }));
}

C360_FUNCTION(damerau_levenshtein, "c360.damerau_levenshtein") {
    const std::string_view a = arg_view(fcinfo, 0);
    const std::string_view b = arg_view(fcinfo, 1);
    static std::u32string ua, ub;
    sim::decode_bounded_into(ua, a, "first argument");
    sim::decode_bounded_into(ub, b, "second argument");
    const auto d = static_cast<int32>(sim::damerau_levenshtein(ua, ub));
    if (ua.capacity() > 4096) std::u32string().swap(ua);
    if (ub.capacity() > 4096) std::u32string().swap(ub);
    PG_RETURN_INT32(d);
}

C360_FUNCTION(jaro, "c360.jaro") {
    PG_RETURN_FLOAT8(on_strings<double>(
        fcinfo, [](std::string_view a, std::string_view b) { return sim::jaro_bytes(a, b); },
        [](std::u32string_view a, std::u32string_view b) { return sim::jaro(a, b); }));
}

C360_FUNCTION(jaro_winkler, "c360.jaro_winkler") {
    const double p = PG_GETARG_FLOAT8(2);
    const bool long_tolerance = PG_GETARG_BOOL(3);
    PG_RETURN_FLOAT8(on_strings<double>(
        fcinfo, [&](std::string_view a, std::string_view b) { return sim::jaro_winkler_bytes(a, b, p, long_tolerance); },
        [&](std::u32string_view a, std::u32string_view b) { return sim::jaro_winkler(a, b, p, long_tolerance); }));
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
