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

// ---- stored values of 0.1.0: read in their old layout, converted -----------------------------

namespace {

// The 0.1.0 headers, field for field as src/pg/{rfm_breaks,uplift,ltv}_pg.cpp of 0.1.0 declared
// them (struct SampleHeader); the rows (3 doubles each) follow, `capacity` of them, `count` used.
struct RfmSample010 {
    std::int32_t vl_len_;
    std::int32_t bins;
    std::int64_t count;
    std::int64_t capacity;
};
struct UpliftSample010 {
    std::int32_t vl_len_;
    std::int32_t version; // 1
    double param;
    std::int64_t count;
    std::int64_t capacity;
};
struct ClvSample010 {
    std::int32_t vl_len_;
    std::int32_t kind; // clv::Model
    std::int64_t count;
    std::int64_t capacity;
};
static_assert(sizeof(RfmSample010) == 24 && sizeof(UpliftSample010) == 32 && sizeof(ClvSample010) == 24);

// The byte image of a 0.1.0 value: the header, then `capacity` rows of which the first rows.size() / 3
// are `rows`; the spare rows hold garbage (0.1.0 did not zero them), which must never be read.
template <class H>
std::string image_010(H h, const std::vector<double>& rows) {
    const std::size_t bytes = sizeof(H) + 24 * static_cast<std::size_t>(h.capacity);
    h.vl_len_ = static_cast<std::int32_t>(bytes << 2); // SET_VARSIZE on a little-endian machine
    std::string img(bytes, '\xff');
    std::memcpy(img.data(), &h, sizeof h);
    std::memcpy(img.data() + sizeof h, rows.data(), 8 * rows.size());
    return img;
}
std::string rfm_010(std::int32_t bins, std::int64_t capacity, const std::vector<double>& rows) {
    return image_010(RfmSample010{0, bins, static_cast<std::int64_t>(rows.size() / 3), capacity}, rows);
}
std::string uplift_010(double param, std::int64_t capacity, const std::vector<double>& rows) {
    return image_010(UpliftSample010{0, 1, param, static_cast<std::int64_t>(rows.size() / 3), capacity}, rows);
}
std::string clv_010(std::int32_t kind, std::int64_t capacity, const std::vector<double>& rows) {
    return image_010(ClvSample010{0, kind, static_cast<std::int64_t>(rows.size() / 3), capacity}, rows);
}

// Memory for converted values, as palloc gives it (8-byte aligned, garbage inside).
std::vector<std::vector<std::uint64_t>> g_converted;
void* test_alloc(std::size_t bytes) {
    g_converted.emplace_back((bytes + 7) / 8, ~std::uint64_t{0});
    return g_converted.back().data();
}

// check_stored of an image held in 8-byte words (as a detoasted varlena), with an offset.
void* stored(const std::string& img, const PackedType& t, bool full = true, std::size_t shift = 0) {
    std::vector<std::uint64_t>& words = g_converted.emplace_back((img.size() + shift + 7) / 8 + 1, 0);
    char* at = reinterpret_cast<char*>(words.data()) + shift;
    std::memcpy(at, img.data(), img.size());
    return c360::check_stored(at, img.size(), t, ErrorCode::DataCorrupted, full, &test_alloc);
}

ErrorCode stored_code(const std::string& img, const PackedType& t, bool full = true) {
    return code_of([&] { stored(img, t, full); });
}

// The conversion of a 0.1.0 image is the value of the current layout with the same fields and
// rows, bit for bit, with the same text and binary forms (and no spare room).
void expect_converts_to(const std::string& img, const PackedBuffer& expected, const PackedType& t,
                        std::string_view text) {
    SCOPED_TRACE(std::string(t.sql_name) + " " + std::string(text));
    for (bool full : {true, false}) {
        for (std::size_t shift : {0, 4}) { // no alignment assumed of the stored value
            const void* out = stored(img, t, full, shift);
            ASSERT_NE(out, nullptr);
            const c360::PackedView v = c360::view_of(out), e = expected.view();
            EXPECT_EQ(v.h->magic, t.magic);
            EXPECT_EQ(v.h->version, c360::kPackedVersion);
            ASSERT_EQ(v.h->n_int, e.h->n_int);
            ASSERT_EQ(v.h->n_dbl, e.h->n_dbl);
            EXPECT_EQ(v.h->cap_dbl, v.h->n_dbl);
            EXPECT_EQ(0, std::memcmp(v.ints, e.ints, 8 * v.h->n_int));
            EXPECT_EQ(0, std::memcmp(v.dbl, e.dbl, 8 * v.n_dbl()));
            EXPECT_NO_THROW(c360::check_packed(out, c360::packed_bytes(v.h->n_int, v.n_dbl()), t, ErrorCode::DataCorrupted));
            EXPECT_EQ(c360::to_text(v, t), text);
            EXPECT_EQ(c360::to_text(e, t), text);
            EXPECT_EQ(binary_of(v), binary_of(e));
        }
    }
    // a value of the current layout passes through as is
    std::string current(static_cast<const char*>(expected.data()), expected.bytes());
    EXPECT_EQ(stored(current, t), nullptr);
    EXPECT_EQ(stored(current, t, false), nullptr);
    EXPECT_EQ(c360::legacy_doubles(expected.data(), expected.bytes(), t, ErrorCode::DataCorrupted), std::nullopt);
}

} // namespace

TEST(Stored010, RfmSampleConverts) {
    const PackedType& t = c360::rfm::kSampleType;
    const std::vector<double> rows = {1.5, 2, 0.1, -3.25e-300, 7, 1e300};
    const std::string text = "rfmb1(5,2:1.5 2 0.1,-3.25e-300 7 1e+300)";
    expect_converts_to(rfm_010(5, 2, rows), rows_of(t, {5}, rows), t, text);    // as rfm_sample_in made it
    expect_converts_to(rfm_010(5, 1024, rows), rows_of(t, {5}, rows), t, text); // an aggregate's state
    expect_converts_to(rfm_010(100, 3, {0, 0, 0}), rows_of(t, {100}, {0, 0, 0}), t, "rfmb1(100,1:0 0 0)");
    expect_converts_to(rfm_010(1, 1, {-0.0, 5e-324, -1}), rows_of(t, {1}, {-0.0, 5e-324, -1}), t,
                       "rfmb1(1,1:-0 5e-324 -1)");
    std::vector<double> many = random_doubles(3000, true, 17);
    many.resize(2997);
    const PackedBuffer big = rows_of(t, {42}, many);
    expect_converts_to(rfm_010(42, 2048, many), big, t, c360::to_text(big.view(), t));
    // 0.1.0 never wrote an empty sample (its recv and in refused one); neither layout holds one
    EXPECT_EQ(stored_code(rfm_010(5, 1024, {}), t), ErrorCode::DataCorrupted);
    EXPECT_EQ(code_of([&] { c360::check_packed(rows_of(t, {5}, {}).data(), rows_of(t, {5}, {}).bytes(), t,
                                                ErrorCode::DataCorrupted); }),
              ErrorCode::DataCorrupted);
}

TEST(Stored010, UpliftSampleConverts) {
    const PackedType& t = c360::uplift::kSampleType;
    // empty: capacity 1 (uplift_sample_in) or 1024 (the first row of a group had a NULL)
    expect_converts_to(uplift_010(0.3, 1, {}), rows_of(t, {}, {0.3}), t, "upl1(0.3;0)");
    expect_converts_to(uplift_010(0.3, 1024, {}), rows_of(t, {}, {0.3}), t, "upl1(0.3;0)");
    const std::vector<double> rows = {0.25, 1, 0, -1e-310, 0, 1};
    std::vector<double> all = {10};
    all.insert(all.end(), rows.begin(), rows.end());
    expect_converts_to(uplift_010(10, 2, rows), rows_of(t, {}, all), t, "upl1(10;2;0.25,1,0;-1e-310,0,1)");
    expect_converts_to(uplift_010(10, 1024, rows), rows_of(t, {}, all), t, "upl1(10;2;0.25,1,0;-1e-310,0,1)");
    expect_converts_to(uplift_010(-0.0, 1, {DBL_MAX, 1, 1}), rows_of(t, {}, {-0.0, DBL_MAX, 1, 1}), t,
                       "upl1(-0;1;1.7976931348623157e+308,1,1)");
}

TEST(Stored010, ClvSampleConverts) {
    const PackedType& t = c360::clv::kSampleType;
    expect_converts_to(clv_010(0, 1024, {}), rows_of(t, {0}, {}), t, "clv1(0;0)");
    expect_converts_to(clv_010(2, 1, {}), rows_of(t, {2}, {}), t, "clv1(2;0)"); // clv_sample_in of an empty one
    const std::vector<double> rows = {2, 30.5, 38.875, 0, 0, 12};
    expect_converts_to(clv_010(0, 2, rows), rows_of(t, {0}, rows), t, "clv1(0;2;2,30.5,38.875;0,0,12)");
    expect_converts_to(clv_010(1, 1024, rows), rows_of(t, {1}, rows), t, "clv1(1;2;2,30.5,38.875;0,0,12)");
    // the largest kind: Gamma-Gamma, rows (x, mean value, 0)
    expect_converts_to(clv_010(2, 1024, {3, 12.25, 0}), rows_of(t, {2}, {3, 12.25, 0}), t, "clv1(2;1;3,12.25,0)");
}

TEST(Stored010, CorruptedOldImagesAreDataCorrupted) {
    const ErrorCode bad = ErrorCode::DataCorrupted;
    const PackedType& rfm = c360::rfm::kSampleType;
    const PackedType& upl = c360::uplift::kSampleType;
    const PackedType& clv = c360::clv::kSampleType;
    const std::string r = rfm_010(5, 4, {1, 2, 3, 4, 5, 6});
    const std::string u = uplift_010(0.3, 4, {0.5, 1, 0});
    const std::string c = clv_010(0, 4, {2, 30.5, 38.875});
    for (const auto& [img, t] : {std::pair{r, &rfm}, std::pair{u, &upl}, std::pair{c, &clv}}) {
        SCOPED_TRACE(t->sql_name);
        ASSERT_NE(stored(img, *t), nullptr);
        // the length does not match the capacity: a byte, a double or a row less or more
        for (std::size_t n : {img.size() - 1, img.size() - 8, img.size() - 24, img.size() + 1, img.size() + 24}) {
            std::string cut = img;
            cut.resize(n, '\0');
            EXPECT_EQ(stored_code(cut, *t), bad) << n;
            EXPECT_EQ(stored_code(cut, *t, false), bad) << n;
        }
        EXPECT_EQ(stored_code(img.substr(0, 8), *t), bad);  // not even the header
        EXPECT_EQ(stored_code(img.substr(0, 4), *t), bad);  // not even the tag
        const std::size_t at_count = t == &upl ? 16 : 8;
        auto with = [&](std::size_t offset, auto v) {
            std::string m = img;
            std::memcpy(m.data() + offset, &v, sizeof v);
            return m;
        };
        EXPECT_EQ(stored_code(with(at_count, std::int64_t{5}), *t), bad);         // count > capacity
        EXPECT_EQ(stored_code(with(at_count, std::int64_t{-1}), *t), bad);        // negative count
        EXPECT_EQ(stored_code(with(at_count + 8, std::int64_t{-4}), *t), bad);    // negative capacity
        EXPECT_EQ(stored_code(with(at_count + 8, std::int64_t{INT64_MAX}), *t), bad);
        EXPECT_EQ(stored_code(with(at_count + 8, std::int64_t{1} << 61), *t), bad); // size overflows
        EXPECT_EQ(stored_code(with(sizeof(std::int64_t) * (t == &upl ? 4 : 3), kNaN), *t), bad); // a used row
        EXPECT_NE(stored(with(img.size() - 8, kNaN), *t), nullptr); // a spare row is never read
        // another type's 0.1.0 image or current value
        for (const PackedType* other : {&rfm, &upl, &clv}) {
            if (other != t) {
                PackedBuffer v(*other, other->n_fixed);
                EXPECT_EQ(stored_code(std::string(static_cast<const char*>(v.data()), v.bytes()), *t), bad);
            }
        }
    }
    // the tag out of its range: bins 0 and 101, model -1 and 3, uplift format versions 0 and 2
    auto tagged = [](std::string img, std::int32_t tag) {
        std::memcpy(img.data() + 4, &tag, 4);
        return img;
    };
    for (std::int32_t bins : {0, -1, 101, INT32_MAX}) {
        EXPECT_EQ(stored_code(tagged(r, bins), rfm), bad) << bins;
    }
    for (std::int32_t kind : {-1, 3, 4}) {
        EXPECT_EQ(stored_code(tagged(c, kind), clv), bad) << kind;
    }
    for (std::int32_t version : {0, 2}) {
        EXPECT_EQ(stored_code(tagged(u, version), upl), bad) << version;
    }
    // the type's own checks apply to the converted rows
    EXPECT_EQ(stored_code(rfm_010(5, 1, {1, 2, kInf}), rfm), bad);
    EXPECT_EQ(stored_code(uplift_010(kNaN, 1, {}), upl), bad);        // a NaN parameter
    EXPECT_EQ(stored_code(uplift_010(0.3, 1, {0.5, 0.5, 0}), upl), bad); // treated not 0 or 1
    EXPECT_EQ(stored_code(clv_010(0, 1, {1, 5, 4}), clv), bad);       // t_x > T
    EXPECT_EQ(stored_code(clv_010(2, 1, {0, 5, 0}), clv), bad);       // Gamma-Gamma with x = 0
    // the message names the type, the detail the layout problem
    try {
        stored(r.substr(0, r.size() - 8), rfm);
        ADD_FAILURE() << "no error";
    } catch (const c360::Error& e) {
        EXPECT_STREQ(e.what(), "invalid c360.rfm_sample value");
        EXPECT_EQ(e.detail(), "0.1.0 layout: sizes do not match the value's length");
    }
    // a type without 0.1.0 layout reads no 0.1.0 image
    EXPECT_EQ(code_of([&] { stored(r, sc::kModelType); }), bad);
}

TEST(Stored010, RecognitionIsUnambiguousAndBounded) {
    // where 0.1.0 had its tag (bins 1..100, model 0..2, version 1) the current layout has the magic
    for (const PackedType* t : {&c360::rfm::kSampleType, &c360::uplift::kSampleType, &c360::clv::kSampleType}) {
        ASSERT_NE(t->legacy, nullptr);
        EXPECT_GT(t->magic, static_cast<std::uint32_t>(t->legacy->tag_max)) << t->sql_name;
        EXPECT_GE(t->legacy->tag_min, 0) << t->sql_name;
    }
    EXPECT_EQ(c360::rfm::kSampleType.legacy->tag_max, c360::rfm::kMaxBins);
    // legacy_doubles reads the header only: a 0.1.0 value of the largest size 0.1.0 allowed
    // (44,739,241 rows) is one row beyond 1 GB in the current layout and is refused as such
    const PackedType& t = c360::rfm::kSampleType;
    const std::int64_t rows = c360::max_packed_rows(t);
    for (std::int64_t count : {rows, rows + 1}) {
        const RfmSample010 h{0, 5, count, count};
        const std::size_t bytes = sizeof h + 24 * static_cast<std::size_t>(count);
        if (count == rows) {
            EXPECT_EQ(c360::legacy_doubles(&h, bytes, t, ErrorCode::DataCorrupted), std::size_t(3 * rows));
        } else {
            EXPECT_EQ(code_of([&] { c360::legacy_doubles(&h, bytes, t, ErrorCode::DataCorrupted); }),
                      ErrorCode::ProgramLimitExceeded);
        }
    }
    EXPECT_EQ(rows, 44739240);
}

TEST(Stored010, RfmSampleBinaryFormOf010) {
    // what 0.1.0's rfm_sample_send wrote: pq_sendint32(bins), pq_sendint64(count), then
    // pq_sendfloat8 of every value (network order); its recv read that back
    const PackedType& t = c360::rfm::kSampleType;
    auto send_010 = [](std::int32_t bins, const std::vector<double>& rows, std::int64_t count) {
        std::string m(12 + 8 * rows.size(), '\0');
        char* p = c360::codec::put_be(m.data(), bins);
        p = c360::codec::put_be(p, count);
        for (double d : rows) p = c360::codec::put_be(p, d);
        return m;
    };
    auto recv_code = [&](const std::string& m, const PackedType& type) {
        return code_of([&] { c360::from_binary(m, type); });
    };
    const std::vector<double> rows = {1.5, 2, 0.1, -3.25e-300, 7, 1e300};
    for (std::int32_t bins : {1, 5, 100}) {
        const PackedBuffer b = c360::from_binary(send_010(bins, rows, 2), t);
        expect_same_bits(b, rows_of(t, {bins}, rows));
        EXPECT_EQ(c360::to_text(b.view(), t), "rfmb1(" + std::to_string(bins) + ",2:1.5 2 0.1,-3.25e-300 7 1e+300)");
    }
    std::vector<double> many = random_doubles(3000, true, 23);
    many.resize(2997);
    expect_same_bits(c360::from_binary(send_010(42, many, 999), t), rows_of(t, {42}, many));
    // what 0.1.0's recv refused is refused; so is a message that is neither form
    const ErrorCode bad = ErrorCode::InvalidBinaryRepresentation;
    const std::string good = send_010(5, rows, 2);
    EXPECT_EQ(recv_code(send_010(5, {}, 0), t), bad);          // no customer
    EXPECT_EQ(recv_code(send_010(5, rows, 3), t), bad);        // count larger than the rows
    EXPECT_EQ(recv_code(send_010(5, rows, 1), t), bad);        // count smaller than the rows
    EXPECT_EQ(recv_code(send_010(5, rows, -1), t), bad);
    EXPECT_EQ(recv_code(good + '\0', t), bad);                 // trailing byte
    EXPECT_EQ(recv_code(good.substr(0, good.size() - 1), t), bad);
    EXPECT_EQ(recv_code(good.substr(0, 11), t), bad);          // no count
    EXPECT_EQ(recv_code(good.substr(0, 3), t), bad);
    EXPECT_EQ(recv_code(send_010(0, rows, 2), t), bad);        // bins out of range
    EXPECT_EQ(recv_code(send_010(101, rows, 2), t), bad);
    EXPECT_EQ(recv_code(send_010(5, {1, 2, kNaN}, 1), t), bad); // 0.1.0 refused non-finite values too
    EXPECT_EQ(recv_code(send_010(5, {1, kInf, 3}, 1), t), bad);
    // c360.uplift_sample and c360.clv_sample had no send/recv in 0.1.0: no such form is read
    EXPECT_EQ(recv_code(send_010(0, {2, 30.5, 38.875}, 1), c360::clv::kSampleType), bad);
    EXPECT_EQ(recv_code(send_010(1, {0.5, 1, 0}, 1), c360::uplift::kSampleType), bad);
}
