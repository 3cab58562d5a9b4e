// Shared by the matching glue on text values (match_text_pg.cpp, match_similarity_pg.cpp,
// match_phonetic_pg.cpp, match_compare_pg.cpp; docs/match.md).
//
// Pattern: arguments are fetched (and detoasted) before any C++ object exists; the core runs in
// an inner scope; a text result is copied into palloc'd memory through pg_call() while the
// std::string is alive (a PostgreSQL error there becomes a C++ exception, never a longjmp over
// a destructor).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bridge.hpp"

extern "C" {
#include "utils/builtins.h"
}

namespace c360::pg::match {

inline std::string_view arg_view(FunctionCallInfo fcinfo, int n) {
    text* t = PG_GETARG_TEXT_PP(n);
    return {VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t))};
}

inline text* to_text(const std::string& s) {
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

} // namespace c360::pg::match
