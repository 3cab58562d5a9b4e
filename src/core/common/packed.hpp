// The one layout of every variable-length state and model type of the extension ("packed" values:
// c360.logit_model, c360.logit_rows, c360.logit_stats, c360.score_sample, c360.score_bins,
// c360.rfm_sample, c360.uplift_sample, c360.clv_sample).
//
//   [int32 vl_len][uint32 magic][uint32 version][uint32 n_int][uint64 n_dbl][uint64 cap_dbl]
//   [int64 ints[n_int]][double dbl[cap_dbl]]
//
// It is the exact byte image of the PostgreSQL varlena (vl_len is written by the SQL glue), so
// aggregates update states in place and SQL functions read models without copying. Only the first
// n_dbl doubles are meaningful; cap_dbl >= n_dbl leaves room for states that grow (grown_capacity).
// The doubles are n_fixed fixed fields followed by rows of row_width values (a type without rows,
// such as a model, has n_fixed = 0 and row_width = 1: a free list checked by its own validation).
//
// Each type is one PackedType descriptor (SQL name, magic, field counts, row width, text form,
// validation hook). Every value read from outside goes through check_packed (text, binary, disk,
// arguments): a corrupted value is a c360::Error with the caller's code, never a crash.
//
// Text form (what psql, pg_dump and Citus see): the type's open tag, the fixed fields, optionally
// the row count, then the rows; integers in decimal and doubles in shortest round-trip notation,
// so text -> value -> text is exact and value -> text -> value is bit-identical. For the scoring
// types it is tag(i1,i2,...;d1,d2,...); the samples keep their 0.1.0 forms (TextForm).
// Binary form (send/recv, network byte order): [uint32 magic][uint32 version][uint32 n_int]
// [uint64 n_dbl][int64 ints...][float8 dbl...], checked exactly like the text form.
//
// Compatibility rule (stored values of 0.1.0). c360.rfm_sample, c360.uplift_sample and
// c360.clv_sample had their own layout in 0.1.0, without magic, and a database may keep such values
// in tables across ALTER EXTENSION customer360 UPDATE (partial states kept for a rollup, Citus
// partial results). Each of them has a LegacyLayout:
//
//   [int32 vl_len][int32 tag][double fixed[n_fixed]][int64 count][int64 capacity]
//   [double rows[capacity][row_width]]            (only the first `count` rows are meaningful)
//
// where tag is the type's integer field (bins of rfm_sample, 1..100; model of clv_sample, 0..2) or a
// format version (1 for uplift_sample, whose one fixed double is its parameter). Two layouts are
// read, one is written: every stored value that enters the extension (arguments of transition,
// merge and final functions, out, send) goes through check_stored, which takes a value carrying the
// type's magic at byte offset 4 as the current layout, and a value without it whose header matches
// the 0.1.0 layout exactly (tag in range, 0 <= count <= capacity, length = header + capacity rows)
// as a 0.1.0 value, converted into a fresh value of the current layout that is then checked like
// any other (check_packed). Anything else is refused with the caller's code (XX001). The two cannot
// be confused: the magics are far outside the tags' ranges. Only the current layout is written (by
// every function, in, recv), so a converted value is stored in it when it is stored again.
// c360.rfm_sample also had send/recv in 0.1.0: recv (from_binary) reads that binary form too,
// [int32 bins][int64 count][float8 rows[count][3]] in network order (LegacyLayout::binary).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace c360 {

inline constexpr std::uint32_t kPackedVersion = 1;
// Largest value: the largest multiple of 8 that PostgreSQL allocates (MaxAllocSize, 1 GB - 1).
inline constexpr std::size_t kMaxPackedBytes = (std::size_t{1} << 30) - 8;

struct PackedHeader {
    std::int32_t vl_len; // owned by PostgreSQL (SET_VARSIZE)
    std::uint32_t magic;
    std::uint32_t version;
    std::uint32_t n_int;
    std::uint64_t n_dbl;
    std::uint64_t cap_dbl;
};
static_assert(sizeof(PackedHeader) == 32);

constexpr std::size_t packed_bytes(std::size_t n_int, std::size_t cap_dbl) {
    return sizeof(PackedHeader) + 8 * (n_int + cap_dbl);
}

struct PackedView {
    const PackedHeader* h = nullptr;
    const std::int64_t* ints = nullptr;
    const double* dbl = nullptr;
    std::size_t n_dbl() const { return static_cast<std::size_t>(h->n_dbl); }
};

struct PackedMut {
    PackedHeader* h = nullptr;
    std::int64_t* ints = nullptr;
    double* dbl = nullptr;
    PackedView view() const { return {h, ints, dbl}; }
};

inline PackedView view_of(const void* p) {
    auto* h = static_cast<const PackedHeader*>(p);
    auto* ints = reinterpret_cast<const std::int64_t*>(h + 1);
    return {h, ints, reinterpret_cast<const double*>(ints + h->n_int)};
}
inline PackedMut mut_of(void* p) {
    auto* h = static_cast<PackedHeader*>(p);
    auto* ints = reinterpret_cast<std::int64_t*>(h + 1);
    return {h, ints, reinterpret_cast<double*>(ints + h->n_int)};
}

// How the row count appears in the text form.
enum class CountForm : std::uint8_t { None, Integer, Double };

// The text form: open, the fixed fields (integers, then fixed doubles) separated by field_sep,
// head_sep, [the count, then count_sep when rows follow,] the values of each row separated by
// value_sep, rows separated by row_sep, and ')'. For example
//   tag(i1,i2;d1,d2,d3)                      open "tag(", no count, row_width 1
//   upl1(param;count;s,t,c;s,t,c)            count as a double (as 0.1.0 wrote it)
//   rfmb1(bins,count:r f m,r f m)
struct TextForm {
    std::string_view open;
    char field_sep = ',';
    char head_sep = ';';
    CountForm count = CountForm::None;
    char count_sep = ';';
    char value_sep = ',';
    char row_sep = ',';
};

// The 0.1.0 layout of a type that existed before the packed layout (see the compatibility rule at
// the top): the valid range of the int32 tag at byte offset 4, and what it is.
struct LegacyLayout {
    std::int32_t tag_min;
    std::int32_t tag_max;
    bool tag_is_int; // the tag is the type's one integer field; else a format version (n_int = 0)
    bool binary;     // 0.1.0 had send/recv: [int32 tag][float8 fixed...][int64 count][float8 rows...]
};

// Everything that distinguishes one packed SQL type from another.
struct PackedType {
    const char* sql_name;      // "c360.logit_model": names the type in messages
    std::uint32_t magic;
    std::uint32_t n_int;       // fixed integer fields
    std::uint32_t n_fixed;     // fixed double fields, before the rows
    std::uint32_t row_width;   // doubles per row (>= 1)
    bool finite;               // every double must be finite (else the validation hook decides)
    bool opaque_errors;        // every text error reads "invalid <type> value" (0.1.0 wording)
    TextForm text;
    // The type's own checks on a value whose layout is already checked; throws c360::Error(code).
    void (*validate)(const PackedView&, ErrorCode code);
    const char* limit_hint;    // hint of the error raised when a state would exceed 1 GB
    const LegacyLayout* legacy = nullptr; // the type's 0.1.0 layout, read and converted (never written)
};

// A type whose doubles are one free list checked by its own validation (models, fixed-size
// statistics): text form tag(ints;doubles) with open = "tag(".
constexpr PackedType list_type(const char* sql_name, std::string_view open, std::uint32_t magic, std::uint32_t n_int,
                               void (*validate)(const PackedView&, ErrorCode), const char* limit_hint = nullptr) {
    return {sql_name, magic, n_int, 0, 1, false, false, TextForm{open}, validate, limit_hint};
}

// Rows of a value (after n_fixed doubles), and the largest row count a value can hold.
std::size_t packed_rows(const PackedView& v, const PackedType& type);
inline const double* packed_row_data(const PackedView& v, const PackedType& type) { return v.dbl + type.n_fixed; }
std::size_t max_packed_rows(const PackedType& type);

// A packed value owned by C++ (8-byte words, so views of it are aligned like the varlena).
class PackedBuffer {
public:
    PackedBuffer() = default;
    PackedBuffer(const PackedType& type, std::size_t n_dbl, std::size_t cap_dbl = 0);
    PackedView view() const { return view_of(words_.data()); }
    PackedMut mut() { return mut_of(words_.data()); }
    const void* data() const { return words_.data(); }
    std::size_t bytes() const { return words_.size() * 8; }

private:
    std::vector<std::uint64_t> words_;
};

// Initialises a header in memory of packed_bytes(type.n_int, cap_dbl) bytes (zeroed by the caller).
PackedMut init_packed(void* mem, const PackedType& type, std::size_t n_dbl, std::size_t cap_dbl);

// Checks magic, version, field counts, capacity and row width against `bytes` (the varlena size),
// in O(1): enough to read or append to the value safely (aggregate transitions).
void check_packed_layout(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code);
// The layout, then finiteness (type.finite) and the type's own validation: for every value read
// from outside (text, binary, disk, arguments of merge and final functions).
void check_packed(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code);

// The reading rule of a stored value (the varlena image `p` of `bytes` bytes: an argument, out,
// send): nullptr when `p` has the current layout, checked by check_packed (or check_packed_layout
// when `full` is false: an aggregate's own state, O(1)); for a 0.1.0 value of the type, its
// conversion into memory from `alloc` (which receives packed_bytes of the result and sets vl_len),
// checked fully; `code` (or ProgramLimitExceeded for a 0.1.0 value beyond 1 GB in the current
// layout) otherwise.
void* check_stored(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code, bool full,
                   void* (*alloc)(std::size_t bytes));
// n_dbl of the conversion when `p` is a 0.1.0 value of the type whose header matches its length;
// nullopt when it is not one (the type's magic is there, the type has no 0.1.0 layout, or the tag
// is out of range); throws `code` when the tag is in range but the header does not match.
std::optional<std::size_t> legacy_doubles(const void* p, std::size_t bytes, const PackedType& type, ErrorCode code);

// Growth rule of states that take rows: the capacity (in doubles) of a value that must hold
// `needed` doubles, from `capacity`: doubling, at least 1024 rows' worth, never beyond 1 GB
// (ProgramLimitExceeded when `needed` itself is beyond). Amortised O(1) per appended row.
std::size_t grown_capacity(const PackedType& type, std::size_t capacity, std::size_t needed);
// Capacity of a new state: room for 1024 rows.
std::size_t initial_capacity(const PackedType& type);

// Text form. text_bound() is an upper bound of the length (without the NUL); write_text() writes
// at most that many characters plus a NUL and returns the length. ProgramLimitExceeded when the
// text would exceed 1 GB (the value is still readable through binary COPY).
std::size_t text_bound(const PackedView& v, const PackedType& type);
std::size_t write_text(const PackedView& v, const PackedType& type, char* out);
std::string to_text(const PackedView& v, const PackedType& type);
PackedBuffer from_text(std::string_view text, const PackedType& type); // checked with 22P02

// Binary form (send/recv).
std::size_t binary_size(const PackedView& v);
void write_binary(const PackedView& v, char* out);
PackedBuffer from_binary(std::string_view bytes, const PackedType& type); // checked with 22P03; the
                                                                          // 0.1.0 form too (LegacyLayout)

// Doubles that must be finite (states and models never hold NaN or infinities).
bool all_finite(const double* d, std::size_t n);

} // namespace c360
