// The codec of every fixed-size state type (c360.rfm_state, c360.ab_state, c360.slowdown_state,
// c360.basket_state): a trivially copyable struct stored verbatim (INTERNALLENGTH = sizeof) and
// described by its list of fields.
//
// Text form: the type's open tag, then the fields that have a text separator, each followed by it
// (the last one by ')'), e.g. rfm1(orders,ignored,...,f_lo); integers in decimal and doubles in
// shortest round-trip notation, so text -> state -> text is exact and state -> text -> state is
// bit-identical. Fields without a separator (version, reserved) keep the struct's default.
// Binary form (send/recv): every field in struct order, in network byte order (sizeof(S) bytes).
// Both inputs run the type's validation: a corrupted state is a c360::Error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/error.hpp"

namespace c360 {

enum class FieldType : std::uint8_t { I32, U32, I64, F64 };

constexpr std::size_t field_size(FieldType t) { return t == FieldType::I32 || t == FieldType::U32 ? 4 : 8; }

struct FixedField {
    std::size_t offset;
    FieldType type;
    char text_sep; // written after the field in the text form; '\0': not in the text form
};

// True when the fields tile the struct in order, without padding: the binary form then covers
// every byte and a state read back is bit-identical.
constexpr bool fields_cover(std::span<const FixedField> fields, std::size_t size) {
    std::size_t at = 0;
    for (const FixedField& f : fields) {
        if (f.offset != at) return false;
        at += field_size(f.type);
    }
    return at == size;
}

// What the codec needs, whatever the struct.
struct FixedCodec {
    const char* sql_name;          // "c360.rfm_state", for messages
    std::string_view open;         // "rfm1("
    std::span<const FixedField> fields;
    std::size_t size;              // sizeof the struct
    bool opaque_errors;            // every text error reads "invalid <type> value" (0.1.0 wording)
};

std::string fixed_to_text(const void* s, const FixedCodec& c);
void fixed_parse_text(std::string_view text, const FixedCodec& c, void* s);   // 22P02 on syntax
void fixed_write_binary(const void* s, const FixedCodec& c, char* out);       // c.size bytes
void fixed_read_binary(std::string_view bytes, const FixedCodec& c, void* s); // 22P03 on length

// One fixed-size SQL type: the codec and the type's validation (throws c360::Error(code)).
template <class S>
struct FixedType {
    static_assert(std::is_trivially_copyable_v<S>);
    FixedCodec codec;
    void (*validate)(const S&, ErrorCode code);
};

template <class S>
std::string to_text(const S& s, const FixedType<S>& t) {
    return fixed_to_text(&s, t.codec);
}

// Reads a state with `read` (over the struct's defaults), then validates it with `code`.
template <class S>
S read_state(std::string_view in, const FixedType<S>& t, void (*read)(std::string_view, const FixedCodec&, void*),
             ErrorCode code) {
    S s{};
    read(in, t.codec, &s);
    t.validate(s, code);
    return s;
}

template <class S>
S from_text(std::string_view text, const FixedType<S>& t) {
    return read_state(text, t, &fixed_parse_text, ErrorCode::InvalidTextRepresentation);
}

template <class S>
void write_binary(const S& s, const FixedType<S>& t, char* out) {
    fixed_write_binary(&s, t.codec, out);
}

template <class S>
S from_binary(std::string_view bytes, const FixedType<S>& t) {
    return read_state(bytes, t, &fixed_read_binary, ErrorCode::InvalidBinaryRepresentation);
}

} // namespace c360
