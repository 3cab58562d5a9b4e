#include "common/packed.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/codec.hpp"

namespace c360 {

namespace {

constexpr std::size_t kHeaderWords = sizeof(PackedHeader) / 8;
constexpr std::size_t kInitialRows = 1024;
constexpr std::size_t kBinaryHeader = 4 + 4 + 4 + 8; // magic, version, n_int, n_dbl

// Largest n_dbl of a value of this type.
std::size_t max_doubles(const PackedType& type) { return kMaxPackedBytes / 8 - kHeaderWords - type.n_int; }

} // namespace

std::size_t packed_rows(const PackedView& v, const PackedType& type) {
    return (v.n_dbl() - type.n_fixed) / type.row_width;
}

std::size_t max_packed_rows(const PackedType& type) { return (max_doubles(type) - type.n_fixed) / type.row_width; }

PackedBuffer::PackedBuffer(const PackedType& type, std::size_t n_dbl, std::size_t cap_dbl) {
    cap_dbl = std::max(cap_dbl, n_dbl);
    if (cap_dbl > max_doubles(type)) {
        fail(ErrorCode::ProgramLimitExceeded, std::string("a ") + type.sql_name + " value would exceed 1 GB", {},
             type.limit_hint);
    }
    words_.assign(packed_bytes(type.n_int, cap_dbl) / 8, 0);
    init_packed(words_.data(), type, n_dbl, cap_dbl);
}

PackedMut init_packed(void* mem, const PackedType& type, std::size_t n_dbl, std::size_t cap_dbl) {
    auto* h = static_cast<PackedHeader*>(mem);
    h->magic = type.magic;
    h->version = kPackedVersion;
    h->n_int = type.n_int;
    h->n_dbl = n_dbl;
    h->cap_dbl = cap_dbl;
    return mut_of(mem);
}

bool all_finite(const double* d, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(d[i])) {
            return false;
        }
    }
    return true;
}

void check_packed_layout(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code) {
    // No allocation on the success path: this runs for every row aggregated or scored.
    const char* why = nullptr;
    const auto* h = static_cast<const PackedHeader*>(p);
    if (bytes < sizeof(PackedHeader)) {
        why = "value too short";
    } else if (h->magic != type.magic) {
        why = "wrong type tag";
    } else if (h->version != kPackedVersion) {
        why = "unknown format version";
    } else if (h->n_int != type.n_int) {
        why = "wrong number of integer fields";
    } else if (h->cap_dbl < h->n_dbl || h->cap_dbl > max_doubles(type) ||
               packed_bytes(h->n_int, static_cast<std::size_t>(h->cap_dbl)) != bytes) {
        why = "sizes do not match the value's length";
    } else if (h->n_dbl < type.n_fixed || (h->n_dbl - type.n_fixed) % type.row_width != 0) {
        why = "incomplete row";
    }
    if (why != nullptr) {
        codec::bad_value(type.sql_name, code, why);
    }
}

void check_packed(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code) {
    check_packed_layout(p, bytes, type, code);
    const PackedView v = view_of(p);
    if (type.finite && !all_finite(v.dbl, v.n_dbl())) {
        codec::bad_value(type.sql_name, code, "non-finite number");
    }
    if (type.validate != nullptr) {
        type.validate(v, code);
    }
}

// ---- 0.1.0 layouts (read, converted, never written) ------------------------------------------

namespace {

// [int32 vl_len][int32 tag][double fixed[n_fixed]][int64 count][int64 capacity], then the rows
constexpr std::size_t kLegacyTag = 4;
std::size_t legacy_header(const PackedType& type) { return 8 + 8 * std::size_t{type.n_fixed} + 16; }

template <class T>
T load(const void* p, std::size_t offset) {
    T v;
    std::memcpy(&v, static_cast<const char*>(p) + offset, sizeof v); // no alignment assumed
    return v;
}

} // namespace

std::optional<std::size_t> legacy_doubles(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code) {
    const LegacyLayout* legacy = type.legacy;
    if (legacy == nullptr || bytes < kLegacyTag + 4 || load<std::uint32_t>(p, kLegacyTag) == type.magic) {
        return std::nullopt;
    }
    const auto tag = load<std::int32_t>(p, kLegacyTag);
    if (tag < legacy->tag_min || tag > legacy->tag_max) {
        return std::nullopt;
    }
    if (type.n_int != (legacy->tag_is_int ? 1u : 0u)) {
        fail(ErrorCode::Internal, std::string(type.sql_name) + ": inconsistent 0.1.0 layout");
    }
    const std::size_t header = legacy_header(type);
    const std::size_t row_bytes = 8 * std::size_t{type.row_width};
    const char* why = nullptr;
    std::int64_t count = 0;
    if (bytes < header) {
        why = "0.1.0 layout: value too short";
    } else {
        count = load<std::int64_t>(p, header - 16);
        const auto capacity = load<std::int64_t>(p, header - 8);
        if (count < 0 || capacity < count) {
            why = "0.1.0 layout: more rows than room";
        } else if ((bytes - header) % row_bytes != 0 ||
                   (bytes - header) / row_bytes != static_cast<std::uint64_t>(capacity)) {
            why = "0.1.0 layout: sizes do not match the value's length";
        }
    }
    if (why != nullptr) {
        codec::bad_value(type.sql_name, code, why);
    }
    const std::size_t n_dbl = type.n_fixed + static_cast<std::size_t>(count) * type.row_width;
    if (n_dbl > max_doubles(type)) {
        fail(ErrorCode::ProgramLimitExceeded, std::string(type.sql_name) + " 0.1.0 value too large to convert (1 GB)",
             {}, type.limit_hint);
    }
    return n_dbl;
}

void* check_stored(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code, bool full,
                   void* (*alloc)(std::size_t bytes)) {
    const std::optional<std::size_t> n_dbl = legacy_doubles(p, bytes, type, code);
    if (!n_dbl) {
        (full ? check_packed : check_packed_layout)(p, bytes, type, code);
        return nullptr;
    }
    const std::size_t out_bytes = packed_bytes(type.n_int, *n_dbl);
    void* out = alloc(out_bytes);
    const PackedMut m = init_packed(out, type, *n_dbl, *n_dbl);
    if (type.n_int == 1) {
        m.ints[0] = load<std::int32_t>(p, kLegacyTag);
    }
    const char* from = static_cast<const char*>(p);
    std::memcpy(m.dbl, from + 8, 8 * std::size_t{type.n_fixed});
    std::memcpy(m.dbl + type.n_fixed, from + legacy_header(type), 8 * (*n_dbl - type.n_fixed));
    check_packed(out, out_bytes, type, code);
    return out;
}

std::size_t initial_capacity(const PackedType& type) { return type.n_fixed + kInitialRows * type.row_width; }

std::size_t grown_capacity(const PackedType& type, std::size_t capacity, std::size_t needed) {
    const std::size_t limit = type.n_fixed + max_packed_rows(type) * type.row_width;
    if (needed > limit) {
        fail(ErrorCode::ProgramLimitExceeded,
             std::string("too many rows for one ") + type.sql_name + " value (at most " +
                 std::to_string(max_packed_rows(type)) + ", 1 GB)",
             {}, type.limit_hint);
    }
    return std::min(limit, std::max({2 * capacity, needed, initial_capacity(type)}));
}

// ---- text form ----------------------------------------------------------------------------------

std::size_t text_bound(const PackedView& v, const PackedType& type) {
    using codec::kMaxDoubleChars;
    using codec::kMaxIntChars;
    const std::size_t bound = type.text.open.size() + (kMaxIntChars + 1) * type.n_int + 1 +
                              (kMaxDoubleChars + 1) * (v.n_dbl() + 1) + 2;
    if (bound > kMaxPackedBytes) {
        fail(ErrorCode::ProgramLimitExceeded, std::string(type.sql_name) + " value too large for its text form",
             {}, "Use binary COPY (FORMAT binary), or fewer rows per value.");
    }
    return bound;
}

std::size_t write_text(const PackedView& v, const PackedType& type, char* out) {
    const TextForm& f = type.text;
    char* p = std::copy(f.open.begin(), f.open.end(), out);
    for (std::uint32_t i = 0; i < type.n_int; ++i) {
        if (i > 0) *p++ = f.field_sep;
        p = codec::put_number(p, v.ints[i]);
    }
    for (std::uint32_t j = 0; j < type.n_fixed; ++j) {
        if (type.n_int + j > 0) *p++ = f.field_sep;
        p = codec::put_number(p, v.dbl[j]);
    }
    *p++ = f.head_sep;
    const std::size_t rows = packed_rows(v, type);
    if (f.count != CountForm::None) {
        p = f.count == CountForm::Integer ? codec::put_number(p, static_cast<std::int64_t>(rows))
                                          : codec::put_number(p, static_cast<double>(rows));
        if (rows > 0) *p++ = f.count_sep;
    }
    const double* d = packed_row_data(v, type);
    const std::size_t n = rows * type.row_width;
    for (std::size_t k = 0; k < n; ++k) {
        if (k > 0) *p++ = k % type.row_width == 0 ? f.row_sep : f.value_sep;
        p = codec::put_number(p, d[k]);
    }
    *p++ = ')';
    *p = '\0';
    return static_cast<std::size_t>(p - out);
}

std::string to_text(const PackedView& v, const PackedType& type) {
    std::string out(text_bound(v, type) + 1, '\0');
    out.resize(write_text(v, type, out.data()));
    return out;
}

PackedBuffer from_text(std::string_view text, const PackedType& type) {
    const TextForm& f = type.text;
    auto bad = [&](const char* why) { codec::bad_text(type.sql_name, text, why, type.opaque_errors); };
    if (text.substr(0, f.open.size()) != f.open) {
        bad("wrong type tag");
    }
    std::string_view in = text.substr(f.open.size());
    constexpr std::uint32_t kMaxFixed = 64; // fixed fields are a handful; rows hold the bulk
    std::int64_t ints[kMaxFixed];
    double fixed[kMaxFixed];
    if (type.n_int > kMaxFixed || type.n_fixed > kMaxFixed) {
        fail(ErrorCode::Internal, std::string(type.sql_name) + ": too many fixed fields");
    }
    for (std::uint32_t i = 0; i < type.n_int; ++i) {
        if ((i > 0 && !codec::get_char(in, f.field_sep)) || !codec::get_number(in, ints[i])) {
            bad("malformed integer field");
        }
    }
    for (std::uint32_t j = 0; j < type.n_fixed; ++j) {
        if ((type.n_int + j > 0 && !codec::get_char(in, f.field_sep)) || !codec::get_number(in, fixed[j])) {
            bad("malformed fixed field");
        }
    }
    if (!codec::get_char(in, f.head_sep)) {
        bad("wrong number of fixed fields");
    }
    const std::size_t max_rows = max_packed_rows(type);
    std::size_t rows = 0;
    if (f.count == CountForm::None) {
        // a value per separator, plus one: the list is parsed (and checked) below
        std::size_t values = 0;
        if (!in.empty() && in.front() != ')') {
            values = 1 + static_cast<std::size_t>(std::count_if(
                             in.begin(), in.end(), [&](char c) { return c == f.value_sep || c == f.row_sep; }));
        }
        if (values % type.row_width != 0) {
            bad("incomplete row");
        }
        rows = values / type.row_width;
        if (rows > max_rows) {
            bad("too many values");
        }
    } else {
        bool ok = false;
        if (f.count == CountForm::Integer) {
            std::int64_t c = 0;
            ok = codec::get_number(in, c) && c >= 0 && static_cast<std::uint64_t>(c) <= max_rows;
            rows = static_cast<std::size_t>(c);
        } else {
            double c = 0;
            ok = codec::get_number(in, c) && c >= 0 && c <= static_cast<double>(max_rows) && c == std::floor(c);
            rows = ok ? static_cast<std::size_t>(c) : 0;
        }
        if (!ok) {
            bad("row count out of range");
        }
        if (rows > 0 && !codec::get_char(in, f.count_sep)) {
            bad("missing separator after the row count");
        }
        // each value takes at least two characters (a digit and a separator): a count that the
        // text cannot hold is refused before anything is allocated for it
        if (in.size() / 2 < rows * type.row_width) {
            bad("fewer values than the row count");
        }
    }
    PackedBuffer buf(type, type.n_fixed + rows * type.row_width);
    PackedMut m = buf.mut();
    std::copy(ints, ints + type.n_int, m.ints);
    std::copy(fixed, fixed + type.n_fixed, m.dbl);
    double* d = m.dbl + type.n_fixed;
    const std::size_t n = rows * type.row_width;
    for (std::size_t k = 0; k < n; ++k) {
        if (k > 0 && !codec::get_char(in, k % type.row_width == 0 ? f.row_sep : f.value_sep)) {
            bad("wrong separator or number of values");
        }
        if (!codec::get_number(in, d[k])) {
            bad("malformed number");
        }
    }
    if (!codec::get_char(in, ')')) {
        bad("wrong separator or number of values");
    }
    if (!in.empty()) {
        bad("trailing characters");
    }
    check_packed(buf.data(), buf.bytes(), type, ErrorCode::InvalidTextRepresentation);
    return buf;
}

// ---- binary form --------------------------------------------------------------------------------

std::size_t binary_size(const PackedView& v) { return kBinaryHeader + 8 * (v.h->n_int + v.n_dbl()); }

void write_binary(const PackedView& v, char* out) {
    char* p = codec::put_be(out, v.h->magic);
    p = codec::put_be(p, v.h->version);
    p = codec::put_be(p, v.h->n_int);
    p = codec::put_be(p, v.h->n_dbl);
    for (std::uint32_t i = 0; i < v.h->n_int; ++i) p = codec::put_be(p, v.ints[i]);
    for (std::size_t i = 0; i < v.n_dbl(); ++i) p = codec::put_be(p, v.dbl[i]);
}

namespace {

// The 0.1.0 binary form (LegacyLayout::binary), recognised like the 0.1.0 layout: the tag in range
// where the current form has the magic, and exactly `count` rows after the header.
std::optional<PackedBuffer> from_binary_010(std::string_view bytes, const PackedType& type, ErrorCode code) {
    const LegacyLayout* legacy = type.legacy;
    const std::size_t header = 4 + 8 * std::size_t{type.n_fixed} + 8;
    if (legacy == nullptr || !legacy->binary || bytes.size() < 4) {
        return std::nullopt;
    }
    const auto tag = codec::get_be<std::int32_t>(bytes.data());
    if (tag < legacy->tag_min || tag > legacy->tag_max) {
        return std::nullopt;
    }
    const std::size_t row_bytes = 8 * std::size_t{type.row_width};
    const auto count = bytes.size() < header ? -1 : codec::get_be<std::int64_t>(bytes.data() + header - 8);
    if (count < 0 || (bytes.size() - header) % row_bytes != 0 ||
        (bytes.size() - header) / row_bytes != static_cast<std::uint64_t>(count)) {
        codec::bad_value(type.sql_name, code, "0.1.0 binary form: sizes do not match the message length");
    }
    PackedBuffer buf(type, type.n_fixed + static_cast<std::size_t>(count) * type.row_width);
    PackedMut m = buf.mut();
    if (type.n_int == 1) {
        m.ints[0] = tag;
    }
    for (std::size_t i = 0; i < type.n_fixed; ++i) {
        m.dbl[i] = codec::get_be<double>(bytes.data() + 4 + 8 * i);
    }
    for (std::size_t k = 0, n = m.h->n_dbl - type.n_fixed; k < n; ++k) {
        m.dbl[type.n_fixed + k] = codec::get_be<double>(bytes.data() + header + 8 * k);
    }
    check_packed(buf.data(), buf.bytes(), type, code);
    return buf;
}

} // namespace

PackedBuffer from_binary(std::string_view bytes, const PackedType& type) {
    const ErrorCode code = ErrorCode::InvalidBinaryRepresentation;
    if (std::optional<PackedBuffer> old = from_binary_010(bytes, type, code)) {
        return std::move(*old);
    }
    if (bytes.size() < kBinaryHeader) {
        codec::bad_value(type.sql_name, code, "message too short");
    }
    const char* p = bytes.data();
    const auto magic = codec::get_be<std::uint32_t>(p);
    const auto version = codec::get_be<std::uint32_t>(p + 4);
    const auto n_int = codec::get_be<std::uint32_t>(p + 8);
    const auto n_dbl = codec::get_be<std::uint64_t>(p + 12);
    if (n_int != type.n_int || n_dbl > max_doubles(type) || bytes.size() != kBinaryHeader + 8 * (n_int + n_dbl)) {
        codec::bad_value(type.sql_name, code, "sizes do not match the message length");
    }
    PackedBuffer buf(type, static_cast<std::size_t>(n_dbl));
    PackedMut m = buf.mut();
    m.h->magic = magic;
    m.h->version = version;
    p += kBinaryHeader;
    for (std::uint32_t i = 0; i < n_int; ++i, p += 8) m.ints[i] = codec::get_be<std::int64_t>(p);
    for (std::uint64_t i = 0; i < n_dbl; ++i, p += 8) m.dbl[i] = codec::get_be<double>(p);
    check_packed(buf.data(), buf.bytes(), type, code);
    return buf;
}

} // namespace c360
