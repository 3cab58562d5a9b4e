// Unit tests of the state frameworks (common/packed, common/fixed) and of every state type's text
// and binary forms: round trips (text -> value -> text exact, value -> text -> value and value ->
// binary -> value bit-identical), every class of corrupted input rejected with its ErrorCode, the
// layout check, the growth rule, and the 0.1.0 text forms.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/codec.hpp"
#include "common/fixed.hpp"
#include "common/packed.hpp"
#include "events/behaviour.hpp"
#include "ltv/btyd.hpp"
#include "rfm/breaks.hpp"
#include "rfm/rfm.hpp"
#include "scoring/evaluate.hpp"
#include "scoring/logit.hpp"
#include "test_util.hpp"
#include "uplift/ab.hpp"
#include "uplift/curves.hpp"

using c360::ErrorCode;
using c360::PackedBuffer;
using c360::PackedType;
using c360::test::code_of;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A free list of doubles that may hold any non-NaN double, without validation hook.
const PackedType kListType = c360::list_type("c360.test_list", "t(", 0x54455354, 2, nullptr);

// Doubles that stress the shortest round-trip form.
const double kEdgeDoubles[] = {0.0,       -0.0,     5e-324,   -5e-324, 2.2250738585072009e-308, DBL_MIN, 1e308,
                               -1e308,    DBL_MAX,  -DBL_MAX, 0.1,     1.0 / 3,                 -2.5e-300,
                               123456789, 1e22,     1e23,     9007199254740993.0, 0.30000000000000004};

std::vector<double> random_doubles(std::size_t n, bool finite, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::vector<double> out(std::begin(kEdgeDoubles), std::end(kEdgeDoubles));
    while (out.size() < n) {
        const double d = std::bit_cast<double>(rng());
        if (std::isnan(d) || (finite && std::isinf(d))) continue;
        out.push_back(d);
    }
    if (!finite) out.push_back(-kInf);
    return out;
}

PackedBuffer list_of(const std::vector<double>& d, std::int64_t i0 = -7, std::int64_t i1 = INT64_MAX) {
    PackedBuffer b(kListType, d.size());
    c360::PackedMut m = b.mut();
    m.ints[0] = i0;
    m.ints[1] = i1;
    std::memcpy(m.dbl, d.data(), d.size() * sizeof(double));
    return b;
}

// A value of a row type: fixed ints and doubles, then rows.
PackedBuffer rows_of(const PackedType& t, std::vector<std::int64_t> ints, std::vector<double> dbl) {
    PackedBuffer b(t, dbl.size());
    c360::PackedMut m = b.mut();
    std::copy(ints.begin(), ints.end(), m.ints);
    std::copy(dbl.begin(), dbl.end(), m.dbl);
    return b;
}

// Same header, integers and doubles, bit for bit (-0 and 0 differ).
void expect_same_bits(const PackedBuffer& a, const PackedBuffer& b) {
    const c360::PackedView x = a.view(), y = b.view();
    ASSERT_EQ(x.h->magic, y.h->magic);
    ASSERT_EQ(x.h->version, y.h->version);
    ASSERT_EQ(x.h->n_int, y.h->n_int);
    ASSERT_EQ(x.h->n_dbl, y.h->n_dbl);
    EXPECT_EQ(0, std::memcmp(x.ints, y.ints, 8 * x.h->n_int));
    EXPECT_EQ(0, std::memcmp(x.dbl, y.dbl, 8 * x.n_dbl()));
}

std::string binary_of(const c360::PackedView& v) {
    std::string out(c360::binary_size(v), '\0');
    c360::write_binary(v, out.data());
    return out;
}

void expect_round_trips(const PackedBuffer& b, const PackedType& t) {
    SCOPED_TRACE(t.sql_name);
    EXPECT_NO_THROW(c360::check_packed(b.data(), b.bytes(), t, ErrorCode::DataCorrupted));
    const std::string text = c360::to_text(b.view(), t);
    EXPECT_LE(text.size(), c360::text_bound(b.view(), t));
    const PackedBuffer back = c360::from_text(text, t);
    EXPECT_EQ(c360::to_text(back.view(), t), text); // text -> value -> text exact
    expect_same_bits(b, back);                     // value -> text -> value bit-identical
    expect_same_bits(b, c360::from_binary(binary_of(b.view()), t));
}

ErrorCode text_code(std::string_view text, const PackedType& t) {
    return code_of([&] { c360::from_text(text, t); });
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const c360::Error& e) {
        return e.what();
    }
    return "no error";
}

template <class S>
void expect_fixed_round_trips(const S& s, const c360::FixedType<S>& t) {
    SCOPED_TRACE(t.codec.sql_name);
    const std::string text = c360::to_text(s, t);
    const S back = c360::from_text(text, t);
    EXPECT_EQ(c360::to_text(back, t), text);
    EXPECT_EQ(0, std::memcmp(&back, &s, sizeof s));
    std::string bin(sizeof(S), '\0');
    c360::write_binary(s, t, bin.data());
    const S back2 = c360::from_binary(bin, t);
    EXPECT_EQ(0, std::memcmp(&back2, &s, sizeof s));
    // binary of the wrong length
    EXPECT_EQ(code_of([&] { c360::from_binary(bin.substr(1), t); }), ErrorCode::InvalidBinaryRepresentation);
    EXPECT_EQ(code_of([&] { c360::from_binary(bin + "x", t); }), ErrorCode::InvalidBinaryRepresentation);
    // every cut of the text is refused
    for (std::size_t cut = 0; cut < text.size(); ++cut) {
        EXPECT_EQ(code_of([&] { c360::from_text(text.substr(0, cut), t); }), ErrorCode::InvalidTextRepresentation)
            << text.substr(0, cut);
    }
    EXPECT_EQ(code_of([&] { c360::from_text(text + " ", t); }), ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(code_of([&] { c360::from_text("x" + text, t); }), ErrorCode::InvalidTextRepresentation);
}

namespace sc = c360::scoring;

PackedBuffer trained_model() {
    const std::vector<std::vector<double>> data = {{1, 0.5, 2}, {0, 1.5, 1}, {1, 2.5, 3}, {0, 3.5, 1},
                                                   {1, 1.0, 4}, {0, 2.0, 0}, {0, 0.2, 2}, {1, 3.0, 2}};
    std::vector<double> mem(c360::packed_bytes(sc::kRowsInts, sc::kRowsHeaderDbl + data.size() * 3) / 8);
    sc::rows_init(mem.data(), sc::Options{}, 2, sc::kRowsHeaderDbl + data.size() * 3);
    c360::PackedMut m = c360::mut_of(mem.data());
    for (const auto& r : data) {
        std::copy(r.begin(), r.end(), m.dbl + m.h->n_dbl);
        m.h->n_dbl += 3;
        ++m.ints[sc::kRNRows];
    }
    return sc::fit_rows(m.view());
}

} // namespace

// ---- the packed framework ---------------------------------------------------------------------

TEST(Packed, RandomDoublesRoundTripBitIdentical) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
        expect_round_trips(list_of(random_doubles(2000, false, seed), -1, INT64_MIN), kListType);
    }
    expect_round_trips(list_of({}), kListType);
}

TEST(Packed, TextFormIsExactAndShortest) {
    const PackedBuffer b = list_of({0.1, -0.0, 5e-324, 1e308, kInf, 3}, 12, -4);
    EXPECT_EQ(c360::to_text(b.view(), kListType), "t(12,-4;0.1,-0,5e-324,1e+308,inf,3)");
    EXPECT_EQ(c360::to_text(list_of({}, 0, 0).view(), kListType), "t(0,0;)");
    for (const char* text : {"t(1,2;)", "t(0,-9223372036854775808;-1.7976931348623157e+308,2.2250738585072014e-308)"}) {
        EXPECT_EQ(c360::to_text(c360::from_text(text, kListType).view(), kListType), text);
    }
}

TEST(Packed, CorruptedTextIsRejected) {
    const char* bad[] = {
        "",                       // empty
        "t",                      // truncated tag
        "t(1,2;3",                // truncated
        "u(1,2;3)",               // wrong tag
        "T(1,2;3)",               // tags are case-sensitive
        "t(1;3)",                 // too few integers
        "t(1,2,3;4)",             // too many integers
        "t(1,2;3,)",              // empty value
        "t(1,2;,3)",              // empty value
        "t(1,2;3;4)",             // wrong separator
        "t(1,2;3) ",              // trailing garbage
        "t(1,2;3)x",              // trailing garbage
        "t(1,2;3))",              // trailing garbage
        "t(1.5,2;3)",             // a double where an integer is expected
        "t(99999999999999999999,2;3)", // integer overflow
        "t(1,2;1e400)",           // double overflow
        "t(1,2; 3)",              // leading blank
        "t(1,2;+3)",              // plus sign
        "t(1,2;0x1p3)",           // hexadecimal
    };
    for (const char* t : bad) {
        EXPECT_EQ(text_code(t, kListType), ErrorCode::InvalidTextRepresentation) << t;
    }
    EXPECT_NO_THROW(c360::from_text("t(1,2;nan)", kListType)); // no hook, not finite-only: the type decides
}

TEST(Packed, MessagesNameTheTypeAndShowTheText) {
    EXPECT_EQ(message_of([] { c360::from_text("garbage", kListType); }),
              "invalid input syntax for type c360.test_list: \"garbage\"");
    const std::string long_text = "t(1,2;" + std::string(200, '1') + ",x)";
    EXPECT_EQ(message_of([&] { c360::from_text(long_text, kListType); }),
              "invalid input syntax for type c360.test_list: \"" + long_text.substr(0, 120) + "...\"");
    // the types whose 0.1.0 input said only "invalid ... value" keep that wording
    EXPECT_EQ(message_of([] { c360::from_text("upl1(", c360::uplift::kSampleType); }),
              "invalid c360.uplift_sample value");
    EXPECT_EQ(message_of([] { c360::from_text("clv1(0;3;1,2,3)", c360::clv::kSampleType); }),
              "invalid c360.clv_sample value");
    // a value that parses but does not hold together
    EXPECT_EQ(message_of([] { c360::from_text("rfmb1(0,1:1 2 3)", c360::rfm::kSampleType); }),
              "invalid c360.rfm_sample value");
}

TEST(Packed, BinaryFormIsNetworkOrderAndChecked) {
    const PackedBuffer b = list_of({1.0, -0.0}, 1, -2);
    const std::string bin = binary_of(b.view());
    ASSERT_EQ(bin.size(), 20u + 8 * 4);
    EXPECT_EQ(bin.substr(0, 4), std::string("\x54\x45\x53\x54", 4)); // magic, big-endian
    EXPECT_EQ(bin.substr(20, 8), std::string("\0\0\0\0\0\0\0\x01", 8));
    EXPECT_EQ(bin.substr(28, 8), std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8));
    EXPECT_EQ(bin.substr(36, 8), std::string("\x3f\xf0\0\0\0\0\0\0", 8));
    EXPECT_EQ(bin.substr(44, 8), std::string("\x80\0\0\0\0\0\0\0", 8));
    auto code = [](const std::string& m, const PackedType& t) { return code_of([&] { c360::from_binary(m, t); }); };
    const ErrorCode bad = ErrorCode::InvalidBinaryRepresentation;
    EXPECT_EQ(code("", kListType), bad);
    EXPECT_EQ(code(bin.substr(0, 19), kListType), bad);                    // truncated header
    EXPECT_EQ(code(bin.substr(0, bin.size() - 1), kListType), bad);        // truncated value
    EXPECT_EQ(code(bin + '\0', kListType), bad);                           // trailing bytes
    EXPECT_EQ(code(bin, sc::kModelType), bad);                             // another type's value
    std::string m = bin;
    m[0] = 'X';
    EXPECT_EQ(code(m, kListType), bad); // magic
    m = bin;
    m[7] = 2;
    EXPECT_EQ(code(m, kListType), bad); // version
    m = bin;
    m[11] = 3;
    EXPECT_EQ(code(m, kListType), bad); // integer count
    m = bin;
    m.replace(12, 8, std::string("\x20\0\0\0\0\0\0\x02", 8)); // 8 * n_dbl wraps around to 16
    EXPECT_EQ(code(m, kListType), bad);
    m.replace(12, 8, std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8));
    EXPECT_EQ(code(m, kListType), bad);
    // recv checks exactly like in: a NaN where the type forbids it
    const PackedBuffer s = rows_of(c360::rfm::kSampleType, {5}, {1, 2, 3});
    std::string nan_msg = binary_of(s.view());
    c360::codec::put_be(nan_msg.data() + 20 + 8 + 8, kNaN);
    EXPECT_EQ(code(nan_msg, c360::rfm::kSampleType), bad);
}

TEST(Packed, LayoutCheckRefusesInconsistentHeaders) {
    const PackedType& t = c360::uplift::kSampleType; // one fixed double, rows of 3
    PackedBuffer b(t, 4, 10);
    const std::size_t bytes = b.bytes();
    auto code = [&](std::size_t n) {
        return code_of([&] { c360::check_packed_layout(b.data(), n, t, ErrorCode::DataCorrupted); });
    };
    EXPECT_NO_THROW(c360::check_packed_layout(b.data(), bytes, t, ErrorCode::DataCorrupted));
    EXPECT_EQ(code(bytes - 8), ErrorCode::DataCorrupted); // length does not match the capacity
    EXPECT_EQ(code(16), ErrorCode::DataCorrupted);        // shorter than the header
    c360::PackedHeader* h = b.mut().h;
    h->n_dbl = 11; // more values than room
    EXPECT_EQ(code(bytes), ErrorCode::DataCorrupted);
    h->n_dbl = 3; // the fixed double and an incomplete row
    EXPECT_EQ(code(bytes), ErrorCode::DataCorrupted);
    h->n_dbl = 0; // not even the fixed field
    EXPECT_EQ(code(bytes), ErrorCode::DataCorrupted);
    h->n_dbl = 4;
    h->cap_dbl = std::uint64_t{1} << 61; // capacity whose size in bytes overflows
    EXPECT_EQ(code(bytes), ErrorCode::DataCorrupted);
    h->cap_dbl = 10;
    h->magic = c360::clv::kSampleType.magic; // another type's value
    EXPECT_EQ(code(bytes), ErrorCode::DataCorrupted);
    h->magic = t.magic;
    h->version = 0;
    EXPECT_EQ(code(bytes), ErrorCode::DataCorrupted);
}

TEST(Packed, GrowthRuleDoublesUpToTheCap) {
    const PackedType& t = c360::rfm::kSampleType; // rows of 3
    EXPECT_EQ(c360::initial_capacity(t), 3072u);
    EXPECT_EQ(c360::grown_capacity(t, 3072, 3075), 6144u);   // doubles
    EXPECT_EQ(c360::grown_capacity(t, 3072, 10000), 10000u); // or takes what is needed
    EXPECT_EQ(c360::grown_capacity(t, 3, 6), 3072u);         // never below 1024 rows
    const std::size_t max_rows = c360::max_packed_rows(t);
    const std::size_t limit = 3 * max_rows;
    EXPECT_LE(c360::packed_bytes(t.n_int, limit), c360::kMaxPackedBytes);
    EXPECT_GT(c360::packed_bytes(t.n_int, limit + 3), c360::kMaxPackedBytes);
    EXPECT_EQ(c360::grown_capacity(t, limit - 300, limit - 3), limit); // capped, not doubled past 1 GB
    EXPECT_EQ(code_of([&] { c360::grown_capacity(t, limit, limit + 3); }), ErrorCode::ProgramLimitExceeded);
    EXPECT_EQ(code_of([&] { PackedBuffer(t, limit + 3); }), ErrorCode::ProgramLimitExceeded);
    // amortised: appending n rows one by one reallocates O(log n) times
    std::size_t cap = c360::initial_capacity(t), grows = 0;
    for (std::size_t rows = 1; rows <= 1000000; ++rows) {
        if (3 * rows > cap) {
            cap = c360::grown_capacity(t, cap, 3 * rows);
            ++grows;
        }
    }
    EXPECT_EQ(grows, 10u);
}

// ---- the samples: 0.1.0 text forms, round trips, corruption ---------------------------------

TEST(RfmSample, TextForm) {
    const PackedType& t = c360::rfm::kSampleType;
    const PackedBuffer b = rows_of(t, {5}, {1.5, 2, 0.1, -3.25e-300, 7, 1e300});
    EXPECT_EQ(c360::to_text(b.view(), t), "rfmb1(5,2:1.5 2 0.1,-3.25e-300 7 1e+300)");
    expect_round_trips(b, t);
    std::vector<double> many = random_doubles(3000, true, 11);
    many.resize(2997);
    expect_round_trips(rows_of(t, {100}, many), t);
    const char* bad[] = {"", "rfmb1(5,2:1 2 3)", "rfmb1(5,1:1 2 3,4 5 6)", "rfmb1(5,1:1 2 inf)", "rfmb1(5,-1:1 2 3)",
                         "rfmb1(5,99999999999999999999:1 2 3)", "rfmb1(5,9223372036854775807:1 2 3)",
                         "rfmb1(5,1;1 2 3)", "rfmb1(5;1:1 2 3)", "rfmb1(5,1:1,2,3)", "rfmb1(1.5,1:1 2 3)"};
    for (const char* text : bad) {
        EXPECT_EQ(text_code(text, t), ErrorCode::InvalidTextRepresentation) << text;
    }
}

TEST(UpliftSample, TextForm) {
    const PackedType& t = c360::uplift::kSampleType;
    EXPECT_EQ(c360::to_text(rows_of(t, {}, {0.3}).view(), t), "upl1(0.3;0)");
    const PackedBuffer b = rows_of(t, {}, {10, 0.25, 1, 0, -1e-310, 0, 1});
    EXPECT_EQ(c360::to_text(b.view(), t), "upl1(10;2;0.25,1,0;-1e-310,0,1)");
    expect_round_trips(b, t);
    expect_round_trips(rows_of(t, {}, {-0.0}), t);
    // the count is written as a double, as 0.1.0 did: 100000 rows read "1e+05"
    std::vector<double> d(1 + 3 * 100000, 1.0);
    d[0] = 0.5;
    const PackedBuffer big = rows_of(t, {}, d);
    EXPECT_EQ(c360::to_text(big.view(), t).substr(0, 15), "upl1(0.5;1e+05;");
    expect_round_trips(big, t);
    const char* bad[] = {"", "upl1(", "upl1(0.3)", "upl1(0.3;2;1,1,1;2,5,0)", "upl1(0.3;3;1,1,1;2,1,0)",
                         "upl1(0.3;1;1,1,1;2,1,0)", "upl1(0.3;1;NaN,1,1)", "upl1(0.3;1;inf,1,1)", "upl1(nan;0)",
                         "upl1(0.3;1.5;1,1,1)", "upl1(0.3;-1;1,1,1)", "upl1(0.3;1e300;1,1,1)",
                         "upl1(0.3;44739241;1,1,1)", "upl1(0.3;0;)", "upl1(0.3;1;1,1,1)x", "upl2(0.3;0)",
                         "upl1(0.3;1;1,1)", "upl1(0.3;1;1;1;1)"};
    for (const char* text : bad) {
        EXPECT_EQ(text_code(text, t), ErrorCode::InvalidTextRepresentation) << text;
    }
}

TEST(ClvSample, TextForm) {
    const PackedType& t = c360::clv::kSampleType;
    EXPECT_EQ(c360::to_text(rows_of(t, {2}, {}).view(), t), "clv1(2;0)");
    const PackedBuffer b = rows_of(t, {0}, {2, 30.5, 38.875, 0, 0, 12});
    EXPECT_EQ(c360::to_text(b.view(), t), "clv1(0;2;2,30.5,38.875;0,0,12)");
    expect_round_trips(b, t);
    expect_round_trips(rows_of(t, {2}, {3, 12.25, 0}), t); // Gamma-Gamma: (x, mean value, 0)
    const char* bad[] = {"", "clv1(0;2;1,2,3;1,5,4)", "clv1(0;3;1,2,3)", "clv1(7;0)", "clv1(-1;0)",
                         "clv1(0;1;1.5,2,3)", "clv1(0;1;0,1,3)", "clv1(2;1;0,5,0)", "clv1(0;1;1,2,inf)",
                         "clv1(0.5;0)", "clv1(0;0;)", "clv1(0;0)x", "clv1(0;1e+20;1,2,3)"};
    for (const char* text : bad) {
        EXPECT_EQ(text_code(text, t), ErrorCode::InvalidTextRepresentation) << text;
    }
}

// ---- the scoring types ------------------------------------------------------------------------

TEST(ScoringTypes, RoundTripsAndCorruption) {
    const PackedBuffer model = trained_model();
    expect_round_trips(model, sc::kModelType);
    expect_round_trips(sc::model_start(sc::Options{}), sc::kModelType);
    const std::string text = c360::to_text(model.view(), sc::kModelType);
    EXPECT_EQ(text.substr(0, 12), "logit_model(");
    EXPECT_EQ(text_code(text.substr(0, text.size() - 1), sc::kModelType), ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(text_code("logit_stats" + text.substr(11), sc::kModelType), ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(text_code(text + ",1", sc::kModelType), ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(text_code(text.substr(0, text.size() - 1) + ",1)", sc::kModelType), ErrorCode::InvalidTextRepresentation);

    std::vector<double> mem(c360::packed_bytes(sc::kEvalInts, 4) / 8);
    sc::sample_init(mem.data(), sc::kSampleGains, 10, 4);
    c360::PackedMut s = c360::mut_of(mem.data());
    const double pairs[] = {0.75, 1, -kInf, 0}; // infinite scores are allowed, NaN is not
    std::copy(std::begin(pairs), std::end(pairs), s.dbl);
    s.h->n_dbl = 4;
    s.ints[sc::kEN] = 2;
    PackedBuffer sample(sc::kSampleType, 4);
    std::memcpy(sample.mut().h + 1, s.h + 1, 8 * (sc::kEvalInts + 4));
    expect_round_trips(sample, sc::kSampleType);
    EXPECT_EQ(c360::to_text(sample.view(), sc::kSampleType), "score_sample(2,10,2,0;0.75,1,-inf,0)");
    EXPECT_EQ(text_code("score_sample(2,10,2,0;nan,1,0,0)", sc::kSampleType), ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(text_code("score_sample(2,10,3,0;0.5,1,0,0)", sc::kSampleType), ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(text_code("score_bins(3,1,1,0;0,0,1,0.5,2)", sc::kBinsType), ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(c360::to_text(c360::from_text("score_bins(1,0,0,1;0,0)", sc::kBinsType).view(), sc::kBinsType),
              "score_bins(1,0,0,1;0,0)");
}

// ---- the fixed-size states --------------------------------------------------------------------

TEST(FixedStates, RfmState) {
    namespace rfm = c360::rfm;
    rfm::State s = rfm::make_state(765158400000000);
    rfm::add_order(s, 758160000000000, 0.1, 765158400000000);
    rfm::add_order(s, 763344000000000, 1e-310, 765158400000000);
    rfm::add_order(s, 763344000000000, std::nullopt, 765158400000000);
    expect_fixed_round_trips(s, rfm::kStateType);
    expect_fixed_round_trips(rfm::make_state(-5), rfm::kStateType);
    EXPECT_EQ(c360::to_text(rfm::make_state(10), rfm::kStateType), "rfm1(0,0,10,0,0,0,0,0,0,0)");
    EXPECT_EQ(message_of([] { c360::from_text("rfm1(1,0,10,5,5,1,1,0", rfm::kStateType); }),
              "invalid input syntax for type c360.rfm_state: \"rfm1(1,0,10,5,5,1,1,0\"");
    EXPECT_EQ(message_of([] { c360::from_text("rfm1(1,0,10,5,5,1,nan,0,1,0)", rfm::kStateType); }),
              "invalid c360.rfm_state value");
    // binary: every field in order, the version included (0.1.0's rfm_state_send wrote the same bytes)
    std::string bin(sizeof(rfm::State), '\0');
    c360::write_binary(s, rfm::kStateType, bin.data());
    EXPECT_EQ(bin.substr(0, 8), std::string("\0\0\0\x01\0\0\0\0", 8));
    bin[3] = 2;
    EXPECT_EQ(code_of([&] { c360::from_binary(bin, rfm::kStateType); }), ErrorCode::InvalidBinaryRepresentation);
}

TEST(FixedStates, AbState) {
    namespace up = c360::uplift;
    up::AbState s = up::make_state(0.9, 3);
    up::add_row(s, true, 12.5, 0.1);
    up::add_row(s, false, -3, 1e-300);
    up::add_row(s, true, 7, 2);
    s.skipped = 2;
    expect_fixed_round_trips(s, up::kAbStateType);
    EXPECT_EQ(c360::to_text(up::make_state(0.95, 1), up::kAbStateType), "ab1(1,0.95,0;0,0,0,0,0,0;0,0,0,0,0,0)");
    for (const char* bad : {"ab1(2,0.95,0;1,2,3", "ab1(2,0.95,0;1,2,3,4,5,6;1,2,-3,4,5,6)", "ab1(4,0.95,0;0,0,0,0,0,0;0,0,0,0,0,0)",
                            "ab1(1,1,0;0,0,0,0,0,0;0,0,0,0,0,0)", "ab1(1,0.95,0;0,nan,0,0,0,0;0,0,0,0,0,0)",
                            "ab1(-1,0.95,0;0,0,0,0,0,0;0,0,0,0,0,0)"}) {
        EXPECT_EQ(message_of([&] { c360::from_text(bad, up::kAbStateType); }), "invalid c360.ab_state value") << bad;
    }
    std::string bin(sizeof(up::AbState), '\0');
    s.confidence = 2; // out of range: recv refuses it like in
    c360::write_binary(s, up::kAbStateType, bin.data());
    EXPECT_EQ(code_of([&] { c360::from_binary(bin, up::kAbStateType); }), ErrorCode::InvalidBinaryRepresentation);
}

TEST(FixedStates, SlowdownAndBasketStates) {
    namespace ev = c360::events;
    constexpr std::int64_t kDay = 86400LL * 1000000LL;
    ev::SlowdownState s = ev::make_slowdown(762566400000000, 30);
    ev::add_order(s, 757382400000000, 762566400000000, 30);
    ev::add_order(s, 761270400000000, 762566400000000, 30);
    ev::add_order(s, std::nullopt, 762566400000000, 30);
    expect_fixed_round_trips(s, ev::kSlowdownStateType);
    EXPECT_EQ(c360::to_text(s, ev::kSlowdownStateType),
              "slow1(30,762566400000000,757382400000000,761270400000000,1,1,1)");
    expect_fixed_round_trips(ev::make_slowdown(-100 * kDay, 1), ev::kSlowdownStateType);
    EXPECT_EQ(message_of([] { c360::from_text("slow1(30,100,50,40,1,0,0)", ev::kSlowdownStateType); }),
              "invalid c360.slowdown_state value");
    EXPECT_EQ(code_of([] { c360::from_text("slow1(30,100,0,0,0,0,-1)", ev::kSlowdownStateType); }),
              ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(code_of([] { c360::from_text("slow1(3000000000,100,0,0,0,0,0)", ev::kSlowdownStateType); }),
              ErrorCode::InvalidTextRepresentation); // int32 overflow

    ev::BasketState b;
    ev::add_category(b, 10, 0.1);
    ev::add_category(b, 1e-300, 5);
    ev::add_category(b, 0, 0);
    expect_fixed_round_trips(b, ev::kBasketStateType);
    expect_fixed_round_trips(ev::BasketState{}, ev::kBasketStateType);
    EXPECT_EQ(c360::to_text(ev::BasketState{}, ev::kBasketStateType), "bask1(0,0,0,0,0,0,0,0,0,0,0,0,0)");
    EXPECT_EQ(code_of([] { c360::from_text("bask1(1,inf,0,0,0,0,0,0,0,0,0,0,0)", ev::kBasketStateType); }),
              ErrorCode::InvalidTextRepresentation);
    EXPECT_EQ(code_of([] { c360::from_text("bask1(1,-5,0,0,0,0,0,0,0,0,0,0,0)", ev::kBasketStateType); }),
              ErrorCode::InvalidTextRepresentation);
}

TEST(FixedStates, FieldsTileTheStructs) {
    // the descriptors' static_asserts check this at compile time; here their text has one number
    // per text field and the binary form one word per field
    EXPECT_EQ(sizeof(c360::rfm::State), c360::rfm::kStateType.codec.size);
    EXPECT_EQ(c360::rfm::kStateType.codec.fields.size(), 12u);
    EXPECT_EQ(c360::uplift::kAbStateType.codec.fields.size(), 16u);
    EXPECT_EQ(c360::events::kSlowdownStateType.codec.fields.size(), 8u);
    EXPECT_EQ(c360::events::kBasketStateType.codec.fields.size(), 15u);
    constexpr c360::FixedField gap[] = {{0, c360::FieldType::I32, ','}, {8, c360::FieldType::F64, ')'}};
    static_assert(!c360::fields_cover(gap, 16));
}
