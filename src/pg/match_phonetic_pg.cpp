// SQL glue for the phonetic keys of src/core/match/phonetic (docs/match.md).
#include <string>
#include <string_view>

#include "match_pg.hpp"
#include "match/phonetic.hpp"

using namespace c360::pg::match;

// ---- phonetic keys -------------------------------------------------------------------------

C360_FUNCTION(soundex, "c360.soundex") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::soundex(s); });
}

C360_FUNCTION(phonetic_fr, "c360.phonetic_fr") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::soundex2(s); });
}

C360_FUNCTION(soundex_fr, "c360.soundex_fr") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::soundex_fr(s); });
}
