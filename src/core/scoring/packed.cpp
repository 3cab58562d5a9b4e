#include "scoring/packed.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace c360::scoring {

PackedBuffer::PackedBuffer(const TypeInfo& type, std::size_t n_dbl, std::size_t cap_dbl) {
    if (cap_dbl < n_dbl) {
        cap_dbl = n_dbl;
    }
    const std::size_t bytes = packed_bytes(type.n_int, cap_dbl);
    if (bytes > kMaxPackedBytes) {
        fail(ErrorCode::ProgramLimitExceeded, std::string("a ") + type.sql_name + " value would exceed 1 GB");
    }
    words_.assign(bytes / 8, 0);
    init_packed(words_.data(), type, n_dbl, cap_dbl);
    mut().h->vl_len = 0;
}

PackedMut init_packed(void* mem, const TypeInfo& type, std::size_t n_dbl, std::size_t cap_dbl) {
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

void check_packed(const void* p, std::size_t bytes, const TypeInfo& type, ErrorCode code) {
    // No allocation on the success path: this runs for every row scored.
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
    } else if (h->cap_dbl < h->n_dbl || h->cap_dbl > kMaxPackedBytes / 8 ||
               packed_bytes(h->n_int, static_cast<std::size_t>(h->cap_dbl)) != bytes) {
        why = "sizes do not match the value's length";
    }
    if (why != nullptr) {
        fail(code, std::string("invalid ") + type.sql_name + " value", why);
    }
    type.validate(view_of(p), code);
}

namespace {

template <class T>
void put(std::string& out, T v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

} // namespace

std::string to_text(const PackedView& v, const TypeInfo& type) {
    std::string out(type.tag);
    out.reserve(out.size() + 24 * (v.h->n_int + v.n_dbl()) + 4);
    out += '(';
    for (std::uint32_t i = 0; i < v.h->n_int; ++i) {
        if (i > 0) {
            out += ',';
        }
        put(out, v.ints[i]);
    }
    out += ';';
    for (std::size_t i = 0; i < v.n_dbl(); ++i) {
        if (i > 0) {
            out += ',';
        }
        put(out, v.dbl[i]);
    }
    out += ')';
    return out;
}

PackedBuffer from_text(std::string_view text, const TypeInfo& type) {
    const std::string shown(text.substr(0, 120));
    auto bad = [&](const char* why) {
        fail(ErrorCode::InvalidTextRepresentation,
             std::string("invalid input syntax for type ") + type.sql_name + ": \"" + shown +
                 (text.size() > shown.size() ? "...\"" : "\""),
             why);
    };
    const std::string_view tag(type.tag);
    if (text.substr(0, tag.size()) != tag || text.size() < tag.size() + 3 || text[tag.size()] != '(' ||
        text.back() != ')') {
        bad("expected tag(integers;doubles)");
    }
    std::string_view body = text.substr(tag.size() + 1, text.size() - tag.size() - 2);
    const std::size_t semi = body.find(';');
    if (semi == std::string_view::npos) {
        bad("missing ';' between the integer and the double fields");
    }
    std::vector<std::int64_t> ints;
    std::vector<double> dbl;
    auto parse_list = [&](std::string_view list, auto& outv) {
        if (list.empty()) {
            return;
        }
        const char* p = list.data();
        const char* end = p + list.size();
        while (true) {
            typename std::remove_reference_t<decltype(outv)>::value_type v{};
            auto res = std::from_chars(p, end, v);
            if (res.ec != std::errc{}) {
                bad("malformed number");
            }
            outv.push_back(v);
            p = res.ptr;
            if (p == end) {
                break;
            }
            if (*p != ',' || p + 1 == end) {
                bad("malformed list");
            }
            ++p;
            if (outv.size() > kMaxPackedBytes / 8) {
                bad("too many fields");
            }
        }
    };
    parse_list(body.substr(0, semi), ints);
    parse_list(body.substr(semi + 1), dbl);
    if (ints.size() != type.n_int) {
        bad("wrong number of integer fields");
    }
    PackedBuffer buf(type, dbl.size());
    PackedMut m = buf.mut();
    std::memcpy(m.ints, ints.data(), ints.size() * 8);
    if (!dbl.empty()) {
        std::memcpy(m.dbl, dbl.data(), dbl.size() * 8);
    }
    type.validate(buf.view(), ErrorCode::InvalidTextRepresentation);
    return buf;
}

} // namespace c360::scoring
