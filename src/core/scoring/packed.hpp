// The flat "packed" layout shared by every scoring value type (models and aggregate states).
//
//   [int32 vl_len][uint32 magic][uint32 version][uint32 n_int][uint64 n_dbl][uint64 cap_dbl]
//   [int64 ints[n_int]][double dbl[cap_dbl]]
//
// It is the exact byte image of the PostgreSQL varlena (vl_len is written by the SQL glue), so
// aggregates update states in place and SQL functions read models without copying. Only the first
// n_dbl doubles are meaningful; cap_dbl >= n_dbl leaves room for buffers that grow.
// Text form (the Citus wire format and what psql shows): tag(i1,i2,...;d1,d2,...), integers in
// decimal and doubles in shortest round-trip notation, so text -> value -> text is exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace c360::scoring {

inline constexpr std::uint32_t kPackedVersion = 1;
// Largest value accepted: PostgreSQL's varlena limit is 1 GB.
inline constexpr std::size_t kMaxPackedBytes = std::size_t{1} << 30;

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

// What distinguishes one packed SQL type from another.
struct TypeInfo {
    const char* sql_name;  // "c360.logit_model", for messages
    const char* tag;       // text prefix, e.g. "logit_model"
    std::uint32_t magic;
    std::uint32_t n_int;   // fixed number of integer fields
    // Checks the field values (the layout is already checked); throws c360::Error(code).
    void (*validate)(const PackedView&, ErrorCode code);
};

// A packed value owned by C++ (8-byte words, so views of it are aligned like the varlena).
class PackedBuffer {
public:
    PackedBuffer() = default;
    PackedBuffer(const TypeInfo& type, std::size_t n_dbl, std::size_t cap_dbl = 0);
    PackedView view() const { return view_of(words_.data()); }
    PackedMut mut() { return mut_of(words_.data()); }
    const void* data() const { return words_.data(); }
    std::size_t bytes() const { return words_.size() * 8; }

private:
    std::vector<std::uint64_t> words_;
};

// Initialises a header in memory of packed_bytes(type.n_int, cap_dbl) bytes (zeroed by the caller).
PackedMut init_packed(void* mem, const TypeInfo& type, std::size_t n_dbl, std::size_t cap_dbl);

// Checks magic, version, field counts and sizes against `bytes` (the varlena size), then the
// type's own validation. Every value read from outside (text, binary, disk, arguments) goes
// through here: a corrupted value is an error with `code`, never a crash.
void check_packed(const void* p, std::size_t bytes, const TypeInfo& type, ErrorCode code);

std::string to_text(const PackedView& v, const TypeInfo& type);
PackedBuffer from_text(std::string_view text, const TypeInfo& type); // checked with 22P02

// Doubles that must be finite (states and models never hold NaN or infinities).
bool all_finite(const double* d, std::size_t n);

} // namespace c360::scoring
