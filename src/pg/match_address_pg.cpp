// SQL glue for the French postal addresses of src/core/match/address (docs/match.md, "French postal
// addresses"). Every function takes (address, postcode, city): each may be NULL; all three NULL gives NULL.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "match_pg.hpp"
#include "match/address.hpp"
#include "tuples.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

using namespace c360::pg::match;

namespace {

constexpr int kAddressFields = 11;

std::optional<std::string_view> optional_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return arg_view(fcinfo, n);
}

bool all_null(FunctionCallInfo fcinfo) { return PG_ARGISNULL(0) && PG_ARGISNULL(1) && PG_ARGISNULL(2); }

c360::match::AddressFr parse_args(std::optional<std::string_view> address, std::optional<std::string_view> postcode,
                                  std::optional<std::string_view> city) {
    return c360::match::parse_address_fr(address.value_or(std::string_view{}), postcode, city);
}

} // namespace

// (address, postcode, city) -> c360.address_fr: the parts, NULL where absent
C360_FUNCTION(parse_address_fr, "c360.parse_address_fr") {
    if (all_null(fcinfo)) {
        PG_RETURN_NULL();
    }
    TupleDesc td = c360::pg::cached_result_tupdesc(fcinfo, kAddressFields, "c360.address_fr");
    const auto address = optional_arg(fcinfo, 0);
    const auto postcode = optional_arg(fcinfo, 1);
    const auto city = optional_arg(fcinfo, 2);
    Datum values[kAddressFields] = {};
    bool nulls[kAddressFields] = {};
    {
        const c360::match::AddressFr a = parse_args(address, postcode, city);
        const std::string* fields[kAddressFields] = {&a.number, &a.repetition, &a.street_type, &a.street_type_abbr,
                                                     &a.street_name, &a.line2, &a.line3, &a.line5,
                                                     &a.postcode, &a.city, &a.cedex};
        for (int i = 0; i < kAddressFields; ++i) {
            nulls[i] = fields[i]->empty();
            if (!nulls[i]) {
                values[i] = PointerGetDatum(to_text(*fields[i]));
            }
        }
    }
    Datum result = (Datum)0;
    c360::pg::pg_call([&]() noexcept { result = c360::pg::composite_datum(td, values, nulls); });
    return result;
}

// normalize_address_fr and address_key_fr: (address, postcode, city) -> text or NULL
template <class Fn>
Datum address_text(FunctionCallInfo fcinfo, Fn&& fn) {
    if (all_null(fcinfo)) {
        PG_RETURN_NULL();
    }
    const auto address = optional_arg(fcinfo, 0);
    const auto postcode = optional_arg(fcinfo, 1);
    const auto city = optional_arg(fcinfo, 2);
    return optional_text_result(fcinfo, [&] { return fn(parse_args(address, postcode, city)); });
}

// The canonical one-line form; NULL when nothing is recognised
C360_FUNCTION(normalize_address_fr, "c360.normalize_address_fr") {
    return address_text(fcinfo, [](const c360::match::AddressFr& a) { return c360::match::normalize_address_fr(a); });
}

// The delivery-point key; NULL unless the postcode and the street name are known
C360_FUNCTION(address_key_fr, "c360.address_key_fr") {
    return address_text(fcinfo, [](const c360::match::AddressFr& a) { return c360::match::address_key_fr(a); });
}

// (address, postcode, city, recipient) -> text[]: the NF Z10-011 lines; NULL when there is none
C360_FUNCTION(format_address_fr, "c360.format_address_fr") {
    if (all_null(fcinfo)) {
        PG_RETURN_NULL();
    }
    const auto address = optional_arg(fcinfo, 0);
    const auto postcode = optional_arg(fcinfo, 1);
    const auto city = optional_arg(fcinfo, 2);
    const std::string_view recipient = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? arg_view(fcinfo, 3) : std::string_view{};
    ArrayType* out = nullptr;
    {
        const std::vector<std::string> lines =
            c360::match::format_address_fr(parse_args(address, postcode, city), recipient);
        if (!lines.empty()) {
            std::vector<Datum> items(lines.size());
            for (std::size_t i = 0; i < lines.size(); ++i) {
                items[i] = PointerGetDatum(to_text(lines[i]));
            }
            c360::pg::pg_call([&]() noexcept {
                out = construct_array(items.data(), static_cast<int>(items.size()), TEXTOID, -1, false, TYPALIGN_INT);
            });
        }
    }
    if (out == nullptr) {
        PG_RETURN_NULL();
    }
    PG_RETURN_ARRAYTYPE_P(out);
}
