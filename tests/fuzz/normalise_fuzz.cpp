// libFuzzer targets of the UTF-8 decoder and the normalisers of src/core/match (C360_FUZZ_NORMALISER,
// set by CMake: fuzz_utf8, fuzz_normalize_name, fuzz_normalize_email, fuzz_normalize_phone,
// fuzz_normalize_address). Besides
// "no crash, no sanitizer report, only c360::Error":
//   utf8:  decode_utf8(in) = cps  =>  encode_utf8(cps) = in (and decode_bounded agrees);
//   name:  normalize_name, name_tokens, ascii_letters and the phonetic keys give valid UTF-8;
//          normalize_name is idempotent;
//   email: a normalised address is valid UTF-8 and normalises to itself;
//   phone: a normalised number is "+" and 2 to 15 digits and normalises to itself (first byte of the
//          input picks the default country);
//   address: parse, normalise, key and format give valid UTF-8; the lines are at most 6 of at most 38
//          code points, without a leading, trailing or double space; a key has a 5-digit postcode.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "match/address.hpp"
#include "match/phonetic.hpp"
#include "match/text.hpp"

namespace {

using namespace c360::match;
using c360::fuzz::expect;
using c360::fuzz::refused;

void valid_utf8(const std::string& s, const char* what) {
    expect(!refused([&] { (void)decode_utf8(s); }), what, s);
}

#define C360_NORMALISER_utf8 1
#define C360_NORMALISER_name 2
#define C360_NORMALISER_email 3
#define C360_NORMALISER_phone 4
#define C360_NORMALISER_address 5
#define C360_CAT(a, b) a##b
#define C360_NORMALISER(n) C360_CAT(C360_NORMALISER_, n)

void fuzz_one(std::string_view in) {
#if C360_NORMALISER(C360_FUZZ_NORMALISER) == 1
    std::u32string cps;
    if (refused([&] { cps = decode_utf8(in); })) return;
    expect(encode_utf8(cps) == in, "encode_utf8(decode_utf8(s)) != s", in);
    std::u32string bounded;
    const bool too_long = refused([&] { bounded = decode_bounded(in, "argument"); });
    expect(too_long == (cps.size() > kMaxSimilarityChars), "decode_bounded disagrees with decode_utf8", in);
#elif C360_NORMALISER(C360_FUZZ_NORMALISER) == 2
    std::string n;
    if (refused([&] { n = normalize_name(in); })) return;
    valid_utf8(n, "normalize_name gives invalid UTF-8");
    std::string n2;
    expect(!refused([&] { n2 = normalize_name(n); }), "normalize_name refuses its own result", n);
    expect(n2 == n, "normalize_name is not idempotent", std::string(in) + " -> " + n + " -> " + n2);
    refused([&] {
        for (const std::string& t : name_tokens(in)) valid_utf8(t, "name_tokens gives invalid UTF-8");
    });
    refused([&] { valid_utf8(ascii_letters(in), "ascii_letters gives invalid UTF-8"); });
    refused([&] { valid_utf8(soundex(in), "soundex gives invalid UTF-8"); });
    refused([&] { valid_utf8(soundex2(in), "soundex2 gives invalid UTF-8"); });
    refused([&] { valid_utf8(soundex_fr(in), "soundex_fr gives invalid UTF-8"); });
#elif C360_NORMALISER(C360_FUZZ_NORMALISER) == 3
    std::optional<std::string> e;
    if (refused([&] { e = normalize_email(in); }) || !e) return;
    valid_utf8(*e, "normalize_email gives invalid UTF-8");
    std::optional<std::string> e2;
    expect(!refused([&] { e2 = normalize_email(*e); }) && e2 == e, "normalize_email is not idempotent",
           std::string(in) + " -> " + *e);
#elif C360_NORMALISER(C360_FUZZ_NORMALISER) == 5
    AddressFr a;
    if (refused([&] { a = parse_address_fr(in); })) return;
    const std::optional<std::string> n = normalize_address_fr(a);
    if (n) valid_utf8(*n, "normalize_address_fr gives invalid UTF-8");
    const std::optional<std::string> k = address_key_fr(a);
    if (k) {
        valid_utf8(*k, "address_key_fr gives invalid UTF-8");
        expect(k->size() > 6 && k->find_first_not_of("0123456789") == 5 && (*k)[5] == '|', "a key without a 5-digit postcode", *k);
    }
    const std::vector<std::string> lines = format_address_fr(a, in);
    expect(lines.size() <= 6, "more than 6 lines", in);
    for (const std::string& l : lines) {
        valid_utf8(l, "format_address_fr gives invalid UTF-8");
        std::size_t cps = 0;
        for (unsigned char c : l) cps += (c & 0xC0) != 0x80;
        expect(cps >= 1 && cps <= kAddressLineMax && l.front() != ' ' && l.back() != ' ' && l.find("  ") == std::string::npos,
               "a line is empty, longer than 38 or badly spaced", l);
    }
#else
    if (in.empty()) return;
    static constexpr std::string_view kCountries[] = {"FR", "US", "GB", "DE", "BE", "CH", "AT", "CA", "ZZ", ""};
    const std::string_view country = kCountries[static_cast<unsigned char>(in[0]) % std::size(kCountries)];
    in.remove_prefix(1);
    std::optional<std::string> p;
    if (refused([&] { p = normalize_phone(in, country); }) || !p) return;
    bool digits = p->size() >= 3 && p->size() <= 16 && (*p)[0] == '+';
    for (std::size_t i = 1; i < p->size(); ++i) digits = digits && (*p)[i] >= '0' && (*p)[i] <= '9';
    expect(digits, "normalize_phone does not give E.164", *p);
    std::optional<std::string> p2;
    expect(!refused([&] { p2 = normalize_phone(*p, country); }) && p2 == p, "normalize_phone is not idempotent",
           std::string(in) + " -> " + *p);
#endif
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_one(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
