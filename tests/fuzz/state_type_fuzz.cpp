// libFuzzer target of the text input of one state or model type (C360_FUZZ_TYPE, set by CMake: one
// executable per type, fuzz_<type>), and of its binary input on the same bytes. Checks, besides "no
// crash, no sanitizer report, only c360::Error":
//   text:   from_text(in) = v  =>  to_text(v) = t reads back (from_text(t) = v2), v2 is bit-identical
//           to v and to_text(v2) = t; write_binary(v) reads back bit-identical;
//   binary: from_binary(in) = v  =>  to_text(v) reads back bit-identical, and so does write_binary(v).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/fixed.hpp"
#include "common/packed.hpp"
#include "events/behaviour.hpp"
#include "fuzz_util.hpp"
#include "ltv/btyd.hpp"
#include "rfm/breaks.hpp"
#include "rfm/rfm.hpp"
#include "scoring/evaluate.hpp"
#include "scoring/logit.hpp"
#include "uplift/ab.hpp"
#include "uplift/curves.hpp"

namespace {

using namespace c360;
using c360::fuzz::expect;
using c360::fuzz::refused;

// Header, integers and the used doubles, compared bit for bit (the capacity may differ).
bool same_value(const PackedView& a, const PackedView& b) {
    if (a.h->magic != b.h->magic || a.h->version != b.h->version || a.h->n_int != b.h->n_int ||
        a.h->n_dbl != b.h->n_dbl) {
        return false;
    }
    return std::memcmp(a.ints, b.ints, 8 * a.h->n_int) == 0 && std::memcmp(a.dbl, b.dbl, 8 * a.n_dbl()) == 0;
}

void text_and_binary_read_back(const PackedBuffer& v, const PackedType& t) {
    const std::string text = to_text(v.view(), t);
    expect(text.size() <= text_bound(v.view(), t), "to_text longer than text_bound", text);
    PackedBuffer v2;
    expect(!refused([&] { v2 = from_text(text, t); }), "a value's text form is refused by its own input", text);
    expect(same_value(v.view(), v2.view()), "value -> text -> value is not bit-identical", text);
    expect(to_text(v2.view(), t) == text, "text -> value -> text is not exact", text);
    std::string bin(binary_size(v.view()), '\0');
    write_binary(v.view(), bin.data());
    PackedBuffer v3;
    expect(!refused([&] { v3 = from_binary(bin, t); }), "a value's binary form is refused by its own input", text);
    expect(same_value(v.view(), v3.view()), "value -> binary -> value is not bit-identical", text);
}

// PostgreSQL hands a type's input a NUL-terminated C string: the text is what precedes a NUL.
std::string_view as_cstring(std::string_view in) { return in.substr(0, in.find('\0')); }

void fuzz_one(std::string_view in, const PackedType& t) {
    PackedBuffer v;
    if (!refused([&] { v = from_text(as_cstring(in), t); })) text_and_binary_read_back(v, t);
    PackedBuffer b;
    if (!refused([&] { b = from_binary(in, t); })) text_and_binary_read_back(b, t);
}

template <class S>
void fixed_read_back(const S& s, const FixedType<S>& t) {
    const std::string text = to_text(s, t);
    S s2{};
    expect(!refused([&] { s2 = from_text(text, t); }), "a state's text form is refused by its own input", text);
    expect(std::memcmp(&s, &s2, sizeof(S)) == 0, "state -> text -> state is not bit-identical", text);
    expect(to_text(s2, t) == text, "text -> state -> text is not exact", text);
    char bin[sizeof(S)];
    write_binary(s, t, bin);
    S s3{};
    expect(!refused([&] { s3 = from_binary(std::string_view(bin, sizeof bin), t); }),
           "a state's binary form is refused by its own input", text);
    expect(std::memcmp(&s, &s3, sizeof(S)) == 0, "state -> binary -> state is not bit-identical", text);
}

template <class S>
void fuzz_one(std::string_view in, const FixedType<S>& t) {
    S s{};
    if (!refused([&] { s = from_text(as_cstring(in), t); })) fixed_read_back(s, t);
    S b{};
    if (!refused([&] { b = from_binary(in, t); })) fixed_read_back(b, t);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    fuzz_one(in, C360_FUZZ_TYPE);
    return 0;
}
