// SQL glue for matching: normalisers, similarities, phonetic keys (docs/match.md).
//
// Pattern: arguments are fetched (and detoasted) before any C++ object exists; the core runs in
// an inner scope; a text result is copied into palloc'd memory through pg_call() while the
// std::string is alive (a PostgreSQL error there becomes a C++ exception, never a longjmp over
// a destructor).
#include <optional>
#include <string>
#include <string_view>

#include "bridge.hpp"
#include "match/compare.hpp"
#include "match/phonetic.hpp"
#include "match/similarity.hpp"
#include "match/text.hpp"

extern "C" {
#include "utils/builtins.h"
}

namespace {

std::string_view arg_view(FunctionCallInfo fcinfo, int n) {
    text* t = PG_GETARG_TEXT_PP(n);
    return {VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t))};
}

text* to_text(const std::string& s) {
    text* out = nullptr;
    c360::pg::pg_call([&]() noexcept { out = cstring_to_text_with_len(s.data(), static_cast<int>(s.size())); });
    return out;
}

// A text -> text function of the core.
template <class Fn>
Datum text_result(FunctionCallInfo fcinfo, Fn&& fn) {
    text* out = nullptr;
    {
        const std::string r = fn();
        out = to_text(r);
    }
    PG_RETURN_TEXT_P(out);
}

// A text -> text-or-NULL function of the core.
template <class Fn>
Datum optional_text_result(FunctionCallInfo fcinfo, Fn&& fn) {
    text* out = nullptr;
    {
        const std::optional<std::string> r = fn();
        if (r) {
            out = to_text(*r);
        }
    }
    if (out == nullptr) {
        PG_RETURN_NULL();
    }
    PG_RETURN_TEXT_P(out);
}

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

// ---- normalisers ---------------------------------------------------------------------------

C360_FUNCTION(c360_normalize_name, "c360.normalize_name") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::normalize_name(s); });
}

C360_FUNCTION(c360_normalize_email, "c360.normalize_email") {
    const std::string_view s = arg_view(fcinfo, 0);
    return optional_text_result(fcinfo, [&] { return c360::match::normalize_email(s); });
}

C360_FUNCTION(c360_normalize_phone, "c360.normalize_phone") {
    const std::string_view s = arg_view(fcinfo, 0);
    const std::string_view country = arg_view(fcinfo, 1);
    return optional_text_result(fcinfo, [&] { return c360::match::normalize_phone(s, country); });
}

// ---- similarities --------------------------------------------------------------------------

C360_FUNCTION(c360_levenshtein, "c360.levenshtein") {
    PG_RETURN_INT32(on_code_points<int32>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return static_cast<int32>(c360::match::levenshtein(a, b));
    }));
}

C360_FUNCTION(c360_osa_distance, "c360.osa_distance") {
    PG_RETURN_INT32(on_code_points<int32>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return static_cast<int32>(c360::match::osa_distance(a, b));
    }));
}

C360_FUNCTION(c360_damerau_levenshtein, "c360.damerau_levenshtein") {
    PG_RETURN_INT32(on_code_points<int32>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return static_cast<int32>(c360::match::damerau_levenshtein(a, b));
    }));
}

C360_FUNCTION(c360_jaro, "c360.jaro") {
    PG_RETURN_FLOAT8(on_code_points<double>(fcinfo, [](const std::u32string& a, const std::u32string& b) {
        return c360::match::jaro(a, b);
    }));
}

C360_FUNCTION(c360_jaro_winkler, "c360.jaro_winkler") {
    const double p = PG_GETARG_FLOAT8(2);
    const bool long_tolerance = PG_GETARG_BOOL(3);
    PG_RETURN_FLOAT8(on_code_points<double>(fcinfo, [&](const std::u32string& a, const std::u32string& b) {
        return c360::match::jaro_winkler(a, b, p, long_tolerance);
    }));
}

C360_FUNCTION(c360_name_similarity, "c360.name_similarity") {
    const std::string_view a = arg_view(fcinfo, 0);
    const std::string_view b = arg_view(fcinfo, 1);
    double r = 0.0;
    {
        r = c360::match::name_similarity(a, b);
    }
    PG_RETURN_FLOAT8(r);
}

// ---- phonetic keys -------------------------------------------------------------------------

C360_FUNCTION(c360_soundex, "c360.soundex") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::soundex(s); });
}

C360_FUNCTION(c360_phonetic_fr, "c360.phonetic_fr") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::soundex2(s); });
}

C360_FUNCTION(c360_soundex_fr, "c360.soundex_fr") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::soundex_fr(s); });
}

// ---- comparison levels (Fellegi-Sunter inputs) ----------------------------------------------

// (a, b, method): NULL or empty value -> -1 (null level)
C360_FUNCTION(c360_compare_level, "c360.compare_level") {
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

C360_FUNCTION(c360_method_levels, "c360.method_levels") {
    const std::string_view method = arg_view(fcinfo, 0);
    PG_RETURN_INT32(c360::match::method_levels(c360::match::parse_method(method)));
}
