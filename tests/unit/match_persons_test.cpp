// Unit tests of term frequencies (src/core/match/tf.hpp) and persons / households
// (src/core/match/cluster.hpp person_clusters), with values computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/error.hpp"
#include "match/cluster.hpp"
#include "match/compare.hpp"
#include "match/fs.hpp"
#include "match/tf.hpp"

namespace mt = c360::match;

namespace {

std::vector<double> state_of(const std::vector<std::string>& values) {
    std::vector<double> s = mt::tf_empty_state(mt::kTfMinCapacity);
    for (const std::string& v : values) {
        while (!mt::tf_state_add(s.data(), mt::tf_hash(v), 1.0)) s = mt::tf_state_grow(s.data(), s.size());
    }
    return s;
}

} // namespace

TEST(TermFrequencies, SplinkCities) {
    // Splink tests/test_term_frequencies.py: London 40, Birmingham 8, Truro 2; m = 1, u = 0.2
    std::vector<std::string> v(40, "London");
    v.insert(v.end(), 8, "Birmingham");
    v.insert(v.end(), 2, "Truro");
    const std::vector<double> s = state_of(v);
    const std::vector<double> t = mt::tf_table_of_state(s.data(), s.size());
    mt::TermFrequencies tf = mt::tf_from_table(t.data(), t.size(), "table");
    EXPECT_EQ(tf.records, 50);
    EXPECT_EQ(tf.counts.size(), 3u);
    EXPECT_DOUBLE_EQ(tf.frequency(mt::tf_hash("London")), 0.8);
    EXPECT_DOUBLE_EQ(tf.frequency(mt::tf_hash("Truro")), 0.04);
    EXPECT_DOUBLE_EQ(tf.frequency(mt::tf_hash("Paris")), 0.02); // absent: counted once
    tf.weight = 1.0;
    const double base = std::log2(1.0 / 0.2);
    EXPECT_NEAR(std::exp2(base + mt::tf_adjustment(tf, 0.2, 0.8, 0.8)), 1.25, 1e-12);
    EXPECT_NEAR(std::exp2(base + mt::tf_adjustment(tf, 0.2, 0.16, 0.16)), 6.25, 1e-12);
    EXPECT_NEAR(std::exp2(base + mt::tf_adjustment(tf, 0.2, 0.04, 0.04)), 25.0, 1e-12);
    tf.min_u = 0.1;
    EXPECT_NEAR(std::exp2(base + mt::tf_adjustment(tf, 0.2, 0.04, 0.04)), 10.0, 1e-12);
    tf.min_u = 0.0;
    tf.weight = 0.5;
    EXPECT_NEAR(std::exp2(base + mt::tf_adjustment(tf, 0.2, 0.8, 0.8)), 2.5, 1e-12);
}

TEST(TermFrequencies, StateGrowsAndMergesExactly) {
    std::vector<std::string> v;
    for (int i = 0; i < 5000; ++i) v.push_back("v" + std::to_string(i % 1700));
    const std::vector<double> whole = state_of(v);
    EXPECT_GT(whole[2], static_cast<double>(mt::kTfMinCapacity)); // grew
    const std::vector<double> a(state_of({v.begin(), v.begin() + 2500}));
    std::vector<double> b = state_of({v.begin() + 2500, v.end()});
    const std::size_t cap_a = mt::tf_validate_state(a.data(), a.size());
    for (std::size_t i = 0; i < cap_a; ++i) {
        const double h = a[mt::kTfStateHeader + 2 * i];
        if (h == 0) continue;
        while (!mt::tf_state_add(b.data(), static_cast<std::uint64_t>(h), a[mt::kTfStateHeader + 2 * i + 1])) b = mt::tf_state_grow(b.data(), b.size());
    }
    EXPECT_EQ(mt::tf_table_of_state(b.data(), b.size()), mt::tf_table_of_state(whole.data(), whole.size()));
    std::vector<double> bad = whole;
    bad[2] = 1000; // not a power of two
    EXPECT_THROW(mt::tf_validate_state(bad.data(), bad.size()), c360::Error);
}

TEST(TermFrequencies, ModelRoundTrip) {
    const std::vector<double> a{mt::kModelTag, 1, 0.5, 0, 2, 1e-12, 1 - 1e-12, 0.8, 0.2};
    mt::FsModel m = mt::from_array(a.data(), a.size());
    EXPECT_FALSE(m.has_tf());
    const std::vector<double> s = state_of({"x", "x", "y"});
    const std::vector<double> t = mt::tf_table_of_state(s.data(), s.size());
    mt::set_term_frequencies(m, 0, mt::tf_from_table(t.data(), t.size(), "t"), 1.0, 0.0);
    const std::vector<double> b = mt::to_array(m);
    const mt::FsModel back = mt::from_array(b.data(), b.size());
    ASSERT_TRUE(back.has_tf());
    EXPECT_EQ(mt::to_array(back), b);
    // x: 2 of 3 records -> log2(0.2) - log2(2/3)
    EXPECT_NEAR(mt::field_weight_tf(back, 0, 1, 2.0 / 3, 2.0 / 3), std::log2(5.0) + std::log2(0.2) - std::log2(2.0 / 3), 1e-9);
    std::vector<double> cut(b.begin(), b.end() - 1);
    EXPECT_THROW(mt::from_array(cut.data(), cut.size()), c360::Error);
    EXPECT_THROW(mt::set_term_frequencies(m, 0, mt::tf_from_table(t.data(), t.size(), "t"), 0.0, 0.0), c360::Error);
}

TEST(CompareLevel, DateMethod) {
    EXPECT_EQ(mt::compare_level("19610312", "19610312", mt::Method::Date), 3);
    EXPECT_EQ(mt::compare_level("19610312", "19611203", mt::Method::Date), 2); // day and month swapped
    EXPECT_EQ(mt::compare_level("19610312", "19610313", mt::Method::Date), 2); // one edit
    EXPECT_EQ(mt::compare_level("19610312", "19890312", mt::Method::Date), 1); // father and son: two edits
    EXPECT_EQ(mt::conflict_level(mt::Method::Date), 1);
    EXPECT_EQ(mt::conflict_level(mt::Method::Exact), 0);
    EXPECT_EQ(mt::conflict_level(mt::Method::Name), 1);
}

TEST(CompareLevel, ClearlyDiffer) {
    // typos in a name are not another name: one edit per word (words of 3 characters or more)
    EXPECT_EQ(mt::compare_level("jsan durand", "jean duaand", mt::Method::Tokens), 1);
    EXPECT_FALSE(mt::clearly_differ("jsan durand", "jean duaand", mt::Method::Tokens));
    EXPECT_FALSE(mt::clearly_differ("lna lambert", "lea lambert", mt::Method::Tokens));
    EXPECT_FALSE(mt::clearly_differ("DURAND Jsan", "jean duaand", mt::Method::Tokens)); // words in any order
    EXPECT_FALSE(mt::clearly_differ("Catierine", "Catherine", mt::Method::Name));
    EXPECT_FALSE(mt::clearly_differ("Catierine", "Cttherine", mt::Method::Name)); // a typo on each side
    EXPECT_FALSE(mt::clearly_differ("miciel lefevre", "miohel lefevre", mt::Method::Tokens));
    EXPECT_TRUE(mt::same_words_with_typos("miciel", "miohel"));
    EXPECT_FALSE(mt::same_words_with_typos("lea", "jean"));        // two edits in short words
    EXPECT_FALSE(mt::same_words_with_typos("michel", "michelle")); // the feminine
    EXPECT_FALSE(mt::same_words_with_typos("lucienne", "lucien"));
    EXPECT_TRUE(mt::same_words_with_typos("lucienne", "luciene"));
    // the feminine of a first name is not a typo (couples: Louis and Louise Martin); but close names
    // are above the conflict level anyway (Jaro-Winkler >= 0.92): the birth date or the gender has to
    // tell them apart
    EXPECT_FALSE(mt::same_words_with_typos("denis", "denise"));
    EXPECT_FALSE(mt::same_words_with_typos("francoise martin", "martin francois"));
    EXPECT_TRUE(mt::same_words_with_typos("francoise martin", "martin francoisa"));
    EXPECT_GT(mt::compare_level("Louis", "Louise", mt::Method::Name), mt::conflict_level(mt::Method::Name));
    EXPECT_FALSE(mt::clearly_differ("Louis", "Louise", mt::Method::Name));
    EXPECT_FALSE(mt::same_words_with_typos("catherine martin", "catherine"));              // word counts differ
    EXPECT_TRUE(mt::same_words_with_typos("Zoé Petit", "zee petit"));
    // different first names, two edits, initials, another word count
    EXPECT_TRUE(mt::clearly_differ("pierre martin", "paul martin", mt::Method::Tokens));
    EXPECT_TRUE(mt::clearly_differ("lea martin", "jean martin", mt::Method::Tokens));
    EXPECT_TRUE(mt::clearly_differ("j martin", "p martin", mt::Method::Tokens));
    EXPECT_FALSE(mt::same_words_with_typos("j martin", "p martin"));
    EXPECT_TRUE(mt::clearly_differ("Pierre", "Marie", mt::Method::Name));
    // levels above the conflict level never differ; missing values never differ
    EXPECT_FALSE(mt::clearly_differ("jean martin", "jeanne martin", mt::Method::Tokens));
    EXPECT_FALSE(mt::clearly_differ("", "jean martin", mt::Method::Tokens));
    // other methods: the level alone
    EXPECT_TRUE(mt::clearly_differ("19610312", "19890312", mt::Method::Date));
    EXPECT_FALSE(mt::clearly_differ("19610312", "19611203", mt::Method::Date));
    EXPECT_TRUE(mt::clearly_differ("M", "F", mt::Method::Exact));
}

TEST(PersonClusters, ConflictsSplitComponents) {
    // 1-2-3 linked by contact data; 1 and 3 clearly differ (father, son); 2 has no birth date and is
    // closer to 3. Household pair 3-4 (same address and surname); 5-6 elsewhere.
    mt::PersonInput in;
    in.links = {{1, 2, 10.0}, {2, 3, 12.0}, {5, 6, 8.0}};
    in.conflicts = {{1, 3}};
    in.household = {{3, 4}};
    const std::vector<mt::PersonRow> out = mt::person_clusters(std::move(in));
    ASSERT_EQ(out.size(), 6u);
    auto row = [&](std::int64_t id) { return *std::find_if(out.begin(), out.end(), [&](const mt::PersonRow& r) { return r.record == id; }); };
    EXPECT_EQ(row(1).person, 1);
    EXPECT_EQ(row(2).person, 2);
    EXPECT_EQ(row(3).person, 2);
    EXPECT_EQ(row(1).component, 1);
    EXPECT_EQ(row(3).component, 1);
    EXPECT_EQ(row(4).household, 1);
    EXPECT_EQ(row(4).person, 4);
    EXPECT_EQ(row(6).person, 5);
    EXPECT_EQ(row(6).household, 5);
}

TEST(PersonClusters, OrderOfPairsDoesNotMatter) {
    std::mt19937 rng(7);
    mt::PersonInput base;
    std::uniform_int_distribution<int> id(1, 60);
    std::uniform_real_distribution<double> w(0.0, 20.0);
    for (int i = 0; i < 120; ++i) base.links.push_back({id(rng), id(rng), std::round(w(rng))});
    for (int i = 0; i < 30; ++i) base.conflicts.emplace_back(id(rng), id(rng));
    for (int i = 0; i < 30; ++i) base.household.emplace_back(id(rng), id(rng));
    const std::vector<mt::PersonRow> ref = mt::person_clusters(mt::PersonInput(base));
    for (int round = 0; round < 20; ++round) {
        mt::PersonInput shuffled = base;
        std::shuffle(shuffled.links.begin(), shuffled.links.end(), rng);
        for (auto& l : shuffled.links) {
            if (rng() % 2) std::swap(l.a, l.b);
        }
        std::shuffle(shuffled.conflicts.begin(), shuffled.conflicts.end(), rng);
        std::shuffle(shuffled.household.begin(), shuffled.household.end(), rng);
        const std::vector<mt::PersonRow> got = mt::person_clusters(std::move(shuffled));
        ASSERT_EQ(got.size(), ref.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].person, ref[i].person);
            EXPECT_EQ(got[i].household, ref[i].household);
            EXPECT_EQ(got[i].component, ref[i].component);
        }
    }
    // persons inside components inside households, and no person holds a conflict
    for (const mt::PersonRow& r : ref) {
        const auto& p = *std::find_if(ref.begin(), ref.end(), [&](const mt::PersonRow& x) { return x.record == r.person; });
        EXPECT_EQ(p.component, r.component);
        EXPECT_EQ(p.household, r.household);
    }
    for (const auto& [a, b] : base.conflicts) {
        if (a == b) continue;
        const auto& ra = *std::find_if(ref.begin(), ref.end(), [&](const mt::PersonRow& x) { return x.record == a; });
        const auto& rb = *std::find_if(ref.begin(), ref.end(), [&](const mt::PersonRow& x) { return x.record == b; });
        EXPECT_NE(ra.person, rb.person);
    }
}
