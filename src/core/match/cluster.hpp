// customer360 core, matching: connected components of matched pairs (union-find). No PostgreSQL
// header here.
//
// The cluster id of a record is the smallest record id of its component: it does not depend on
// the order of the pairs, and it stays the same when pairs are added inside the component.
// Memory: the pairs (16 bytes each) plus every distinct id (8 bytes) and its parent (4 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace c360::match {

inline constexpr std::size_t kMaxClusterIds = 1u << 31; // int32 parent indices

using IdPair = std::pair<std::int64_t, std::int64_t>;

// (record id, cluster id) for every id that appears in a pair, sorted by record id. Consumes
// `pairs` (its memory is released before the result is built).
std::vector<IdPair> connected_components(std::vector<IdPair>&& pairs);

} // namespace c360::match
