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

// Persons and households (c360.match_persons, docs/match.md "Persons and households").
//   links: pairs above the threshold whose distinct fields do not clearly differ, with their weight;
//   conflicts: candidate pairs whose distinct fields clearly differ (first name, birth date, ...): their
//     two records are never put in one person;
//   household: pairs at one household key with a shared surname or contact point.
// component = connected component of the links; person = a partition of each component: a component
// without an internal conflict is one person, otherwise its links are taken by decreasing weight (ties:
// smaller ids first) and join two groups only when no conflict joins them; household = connected component
// of the links and the household pairs. Each id is the smallest record id of its group. The result depends
// only on the pairs, not on their order: a component is computed from its own pairs alone, which is what
// lets records be resolved one by one with the same result as the batch.
struct WeightedPair {
    std::int64_t a, b;
    double weight;
};
struct PersonInput {
    std::vector<WeightedPair> links;
    std::vector<IdPair> conflicts;
    std::vector<IdPair> household;
};
struct PersonRow {
    std::int64_t record, person, household, component;
};
// One row per id of any pair, sorted by record id. Consumes the input.
std::vector<PersonRow> person_clusters(PersonInput&& in);

} // namespace c360::match
