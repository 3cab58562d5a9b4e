#include "common/codec.hpp"

#include <string>

namespace c360::codec {

void bad_text(const char* sql_name, std::string_view text, const char* why, bool opaque) {
    if (opaque) {
        bad_value(sql_name, ErrorCode::InvalidTextRepresentation, why);
    }
    constexpr std::size_t kShown = 120;
    fail(ErrorCode::InvalidTextRepresentation,
         std::string("invalid input syntax for type ") + sql_name + ": \"" + std::string(text.substr(0, kShown)) +
             (text.size() > kShown ? "...\"" : "\""),
         why);
}

void bad_value(const char* sql_name, ErrorCode code, const char* why) {
    fail(code, std::string("invalid ") + sql_name + " value", why);
}

} // namespace c360::codec
