// SQL glue for the normalisers of src/core/match/text (docs/match.md).
#include <string>
#include <string_view>

#include "match_pg.hpp"
#include "match/text.hpp"

using namespace c360::pg::match;

// ---- normalisers ---------------------------------------------------------------------------

C360_FUNCTION(normalize_name, "c360.normalize_name") {
    const std::string_view s = arg_view(fcinfo, 0);
    return text_result(fcinfo, [&] { return c360::match::normalize_name(s); });
}

C360_FUNCTION(normalize_email, "c360.normalize_email") {
    const std::string_view s = arg_view(fcinfo, 0);
    return optional_text_result(fcinfo, [&] { return c360::match::normalize_email(s); });
}

C360_FUNCTION(normalize_phone, "c360.normalize_phone") {
    const std::string_view s = arg_view(fcinfo, 0);
    const std::string_view country = arg_view(fcinfo, 1);
    return optional_text_result(fcinfo, [&] { return c360::match::normalize_phone(s, country); });
}
