#include "match/cluster.hpp"

#include <algorithm>
#include <tuple>

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

namespace {

struct UnionFind {
    std::vector<std::uint32_t> parent;
    explicit UnionFind(std::size_t n) : parent(n) {
        for (std::uint32_t i = 0; i < n; ++i) parent[i] = i;
    }
    std::uint32_t root(std::uint32_t i) { return find(parent, i); }
    // the root stays the smaller index (the smaller record id)
    std::uint32_t join(std::uint32_t a, std::uint32_t b) {
        a = root(a);
        b = root(b);
        if (b < a) std::swap(a, b);
        parent[b] = a;
        return a;
    }
};

} // namespace

std::vector<PersonRow> person_clusters(PersonInput&& in) {
    std::vector<std::int64_t> ids;
    ids.reserve(2 * (in.links.size() + in.conflicts.size() + in.household.size()));
    for (const WeightedPair& p : in.links) ids.insert(ids.end(), {p.a, p.b});
    for (const IdPair& p : in.conflicts) ids.insert(ids.end(), {p.first, p.second});
    for (const IdPair& p : in.household) ids.insert(ids.end(), {p.first, p.second});
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() >= kMaxClusterIds) {
        fail(ErrorCode::ProgramLimitExceeded, "too many distinct record ids for one clustering (limit 2^31)");
    }
    const std::size_t n = ids.size();
    auto idx = [&](std::int64_t id) { return index_of(ids, id); };
    struct Link {
        std::uint32_t a, b;
        double weight;
    };
    std::vector<Link> links;
    links.reserve(in.links.size());
    for (const WeightedPair& p : in.links) {
        if (p.a == p.b) continue;
        links.push_back({idx(std::min(p.a, p.b)), idx(std::max(p.a, p.b)), p.weight});
    }
    std::vector<WeightedPair>().swap(in.links);
    UnionFind comp(n), house(n);
    std::size_t done = 0;
    for (const Link& l : links) {
        if ((++done & 0xFFFF) == 0) check_interrupts();
        comp.join(l.a, l.b);
        house.join(l.a, l.b);
    }
    for (const IdPair& p : in.household) {
        if ((++done & 0xFFFF) == 0) check_interrupts();
        house.join(idx(p.first), idx(p.second));
    }
    std::vector<IdPair>().swap(in.household);
    // conflicts inside a component, per index (both directions)
    std::vector<std::pair<std::uint32_t, std::uint32_t>> conflicts;
    std::vector<bool> conflicted(n, false); // per component root
    for (const IdPair& p : in.conflicts) {
        const std::uint32_t a = idx(p.first), b = idx(p.second);
        if (a == b || comp.root(a) != comp.root(b)) continue;
        conflicts.emplace_back(a, b);
        conflicts.emplace_back(b, a);
        conflicted[comp.root(a)] = true;
    }
    std::vector<IdPair>().swap(in.conflicts);
    UnionFind person(n);
    // components without a conflict: one person each
    std::vector<Link> constrained;
    for (const Link& l : links) {
        if (conflicted[comp.root(l.a)]) {
            constrained.push_back(l);
        } else {
            person.join(l.a, l.b);
        }
    }
    std::vector<Link>().swap(links);
    if (!constrained.empty()) {
        std::sort(constrained.begin(), constrained.end(), [](const Link& x, const Link& y) {
            return std::tie(y.weight, x.a, x.b) < std::tie(x.weight, y.a, y.b); // weight desc, then ids
        });
        std::sort(conflicts.begin(), conflicts.end());
        // the conflict partners of each group, kept at its root
        std::vector<std::vector<std::uint32_t>> partners(n);
        for (const auto& [a, b] : conflicts) partners[a].push_back(b);
        for (const Link& l : constrained) {
            if ((++done & 0xFFF) == 0) check_interrupts();
            std::uint32_t ra = person.root(l.a), rb = person.root(l.b);
            if (ra == rb) continue;
            std::vector<std::uint32_t>& pa = partners[ra];
            std::vector<std::uint32_t>& pb = partners[rb];
            const std::vector<std::uint32_t>& small = pa.size() <= pb.size() ? pa : pb;
            const std::uint32_t other = pa.size() <= pb.size() ? rb : ra;
            bool blocked = false;
            for (std::uint32_t x : small) {
                if (person.root(x) == other) {
                    blocked = true;
                    break;
                }
            }
            if (blocked) continue;
            const std::uint32_t r = person.join(ra, rb);
            const std::uint32_t gone = r == ra ? rb : ra;
            partners[r].insert(partners[r].end(), partners[gone].begin(), partners[gone].end());
            std::vector<std::uint32_t>().swap(partners[gone]);
        }
    }
    std::vector<PersonRow> out(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        out[i] = {ids[i], ids[person.root(i)], ids[house.root(i)], ids[comp.root(i)]};
    }
    return out;
}

} // namespace c360::match
