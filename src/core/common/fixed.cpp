#include "common/fixed.hpp"

#include <algorithm>
#include <cstring>

#include "common/codec.hpp"

namespace c360 {

namespace {

template <class T>
T load(const void* s, std::size_t offset) {
    T v;
    std::memcpy(&v, static_cast<const char*>(s) + offset, sizeof v);
    return v;
}

template <class T>
void store(void* s, std::size_t offset, T v) {
    std::memcpy(static_cast<char*>(s) + offset, &v, sizeof v);
}

// Calls fn with a value of the field's C++ type (a T{} tag) to dispatch on FieldType.
template <class Fn>
decltype(auto) with_type(FieldType t, Fn&& fn) {
    switch (t) {
    case FieldType::I32: return fn(std::int32_t{});
    case FieldType::U32: return fn(std::uint32_t{});
    case FieldType::I64: return fn(std::int64_t{});
    case FieldType::F64: break;
    }
    return fn(double{});
}

} // namespace

std::string fixed_to_text(const void* s, const FixedCodec& c) {
    std::string out(c.open.size() + c.fields.size() * (codec::kMaxDoubleChars + 1), '\0');
    char* p = std::copy(c.open.begin(), c.open.end(), out.data());
    for (const FixedField& f : c.fields) {
        if (f.text_sep == '\0') continue;
        p = with_type(f.type, [&](auto tag) { return codec::put_number(p, load<decltype(tag)>(s, f.offset)); });
        *p++ = f.text_sep;
    }
    out.resize(static_cast<std::size_t>(p - out.data()));
    return out;
}

void fixed_parse_text(std::string_view text, const FixedCodec& c, void* s) {
    auto bad = [&](const char* why) { codec::bad_text(c.sql_name, text, why, c.opaque_errors); };
    if (text.substr(0, c.open.size()) != c.open) {
        bad("wrong type tag");
    }
    std::string_view in = text.substr(c.open.size());
    for (const FixedField& f : c.fields) {
        if (f.text_sep == '\0') continue;
        const bool ok = with_type(f.type, [&](auto tag) {
            decltype(tag) v{};
            if (!codec::get_number(in, v)) return false;
            store(s, f.offset, v);
            return true;
        });
        if (!ok) {
            bad("malformed number");
        }
        if (!codec::get_char(in, f.text_sep)) {
            bad("wrong separator or number of fields");
        }
    }
    if (!in.empty()) {
        bad("trailing characters");
    }
}

void fixed_write_binary(const void* s, const FixedCodec& c, char* out) {
    for (const FixedField& f : c.fields) {
        out = with_type(f.type, [&](auto tag) { return codec::put_be(out, load<decltype(tag)>(s, f.offset)); });
    }
}

void fixed_read_binary(std::string_view bytes, const FixedCodec& c, void* s) {
    if (bytes.size() != c.size) {
        codec::bad_value(c.sql_name, ErrorCode::InvalidBinaryRepresentation, "wrong message length");
    }
    const char* p = bytes.data();
    for (const FixedField& f : c.fields) {
        with_type(f.type, [&](auto tag) { store(s, f.offset, codec::get_be<decltype(tag)>(p)); });
        p += field_size(f.type);
    }
}

} // namespace c360
