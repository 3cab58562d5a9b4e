// Building blocks of the state codecs (common/packed, common/fixed): numbers in their exact text
// form, network-byte-order words, and the text-input error every state type reports.
#pragma once

#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

#include "common/error.hpp"

namespace c360::codec {

// Longest text of an int64 (-9223372036854775808) and of a shortest round-trip double
// (-2.2250738585072014e-308).
inline constexpr std::size_t kMaxIntChars = 20;
inline constexpr std::size_t kMaxDoubleChars = 24;

// Writes v (integers in decimal, doubles in shortest round-trip notation) at p; returns the end.
template <class T>
char* put_number(char* p, T v) {
    return std::to_chars(p, p + 32, v).ptr;
}

// Reads a number at the start of `in`; false when there is none or it does not fit T.
template <class T>
bool get_number(std::string_view& in, T& v) {
    const auto r = std::from_chars(in.data(), in.data() + in.size(), v);
    if (r.ec != std::errc{}) {
        return false;
    }
    in.remove_prefix(static_cast<std::size_t>(r.ptr - in.data()));
    return true;
}

// Consumes `c` at the start of `in`.
inline bool get_char(std::string_view& in, char c) {
    if (in.empty() || in.front() != c) {
        return false;
    }
    in.remove_prefix(1);
    return true;
}

// Network byte order.
template <class T>
char* put_be(char* p, T v) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8);
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    const U u = std::bit_cast<U>(v);
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        p[i] = static_cast<char>(static_cast<unsigned char>(u >> (8 * (sizeof(T) - 1 - i))));
    }
    return p + sizeof(T);
}

template <class T>
T get_be(const char* p) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8);
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        u = static_cast<U>((u << 8) | static_cast<unsigned char>(p[i]));
    }
    return std::bit_cast<T>(u);
}

// A text input that does not parse: 22P02 "invalid input syntax for type <type>: "<text>"" with
// `why` as the detail, or "invalid <type> value" for the types whose 0.1.0 input said only that.
[[noreturn]] void bad_text(const char* sql_name, std::string_view text, const char* why, bool opaque);

// A value that does not hold together: "invalid <type> value", `why` as the detail.
[[noreturn]] void bad_value(const char* sql_name, ErrorCode code, const char* why);

} // namespace c360::codec
