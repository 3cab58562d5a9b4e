#include "match/cluster.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace c360::match {

namespace {

std::uint32_t find(std::vector<std::uint32_t>& parent, std::uint32_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]]; // path halving
        i = parent[i];
    }
    return i;
}

std::uint32_t index_of(const std::vector<std::int64_t>& ids, std::int64_t id) {
    return static_cast<std::uint32_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
}

} // namespace

std::vector<IdPair> connected_components(std::vector<IdPair>&& pairs) {
    std::vector<std::int64_t> ids;
    ids.reserve(2 * pairs.size());
    for (const IdPair& p : pairs) {
        ids.push_back(p.first);
        ids.push_back(p.second);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids.shrink_to_fit();
    if (ids.size() >= kMaxClusterIds) {
        fail(ErrorCode::ProgramLimitExceeded, "too many distinct record ids for one clustering (limit 2^31)");
    }
    // The root of a component is its smallest index, hence its smallest id (ids are sorted).
    std::vector<std::uint32_t> parent(ids.size());
    for (std::uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
    std::size_t done = 0;
    for (const IdPair& p : pairs) {
        if ((++done & 0xFFFF) == 0) check_interrupts();
        const std::uint32_t a = find(parent, index_of(ids, p.first));
        const std::uint32_t b = find(parent, index_of(ids, p.second));
        if (a < b) {
            parent[b] = a;
        } else if (b < a) {
            parent[a] = b;
        }
    }
    std::vector<IdPair>().swap(pairs);
    std::vector<IdPair> out(ids.size());
    for (std::uint32_t i = 0; i < ids.size(); ++i) {
        out[i] = {ids[i], ids[find(parent, i)]};
    }
    return out;
}

} // namespace c360::match
