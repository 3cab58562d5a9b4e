#include "match/tf.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace c360::match {

namespace {

[[noreturn]] void corrupted(const char* what, const std::string& why) {
    fail(ErrorCode::DataCorrupted, std::string("invalid ") + what + ": " + why, {},
         "Term-frequency tables come from c360.term_frequencies; do not edit the array by hand.");
}

bool is_count(double x) noexcept { return x >= 0 && x < kTfHashLimit && x == std::floor(x); }

std::size_t slot_of(std::uint64_t h, std::size_t capacity) noexcept {
    // the low bits of FNV are its weakest: mix before masking
    std::uint64_t x = h * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(x >> 20) & (capacity - 1);
}

} // namespace

std::uint64_t tf_hash(std::string_view value) noexcept {
    std::uint64_t h = 0xCBF29CE484222325ull; // FNV-1a 64 offset basis
    for (unsigned char c : value) {
        h ^= c;
        h *= 0x100000001B3ull; // FNV-1a 64 prime
    }
    return h % 999999999999989ull + 1; // the largest prime below 10^15: hashes in [1, 10^15)
}

std::size_t tf_state_len(std::size_t capacity) noexcept { return kTfStateHeader + 2 * capacity; }

std::vector<double> tf_empty_state(std::size_t capacity) {
    std::vector<double> s(tf_state_len(capacity), 0.0);
    s[0] = kTfStateTag;
    s[2] = static_cast<double>(capacity);
    return s;
}

std::size_t tf_validate_state(const double* s, std::size_t len) {
    const char* what = "term-frequency state";
    if (len < kTfStateHeader || s[0] != kTfStateTag) corrupted(what, "not a c360.term_frequencies state");
    if (!is_count(s[1]) || !is_count(s[2]) || !is_count(s[3])) corrupted(what, "bad header");
    const auto capacity = static_cast<std::size_t>(s[2]);
    if (capacity < kTfMinCapacity || capacity > kTfMaxCapacity || (capacity & (capacity - 1)) != 0) {
        corrupted(what, "bad capacity");
    }
    if (len != tf_state_len(capacity)) corrupted(what, "wrong length");
    if (s[3] > static_cast<double>(capacity) / 2) corrupted(what, "too many values for its capacity");
    return capacity;
}

bool tf_state_add(double* s, std::uint64_t h, double count) noexcept {
    const auto capacity = static_cast<std::size_t>(s[2]);
    double* slots = s + kTfStateHeader;
    const double key = static_cast<double>(h);
    for (std::size_t i = slot_of(h, capacity);; i = (i + 1) & (capacity - 1)) {
        if (slots[2 * i] == key) {
            slots[2 * i + 1] += count;
            s[1] += count;
            return true;
        }
        if (slots[2 * i] == 0.0) {
            if (s[3] + 1 > static_cast<double>(capacity) / 2) return false;
            slots[2 * i] = key;
            slots[2 * i + 1] = count;
            s[3] += 1;
            s[1] += count;
            return true;
        }
    }
}

std::vector<double> tf_state_grow(const double* s, std::size_t len) {
    const std::size_t capacity = tf_validate_state(s, len);
    if (capacity >= kTfMaxCapacity) {
        fail(ErrorCode::ProgramLimitExceeded,
             "more than " + std::to_string(kTfMaxCapacity / 2) + " distinct values in one term-frequency table", {},
             "Term frequencies are meant for names, cities, postcodes: fields whose values repeat.");
    }
    std::vector<double> out = tf_empty_state(capacity * 2);
    const double records = s[1];
    const double* slots = s + kTfStateHeader;
    for (std::size_t i = 0; i < capacity; ++i) {
        if (slots[2 * i] != 0.0) tf_state_add(out.data(), static_cast<std::uint64_t>(slots[2 * i]), slots[2 * i + 1]);
    }
    out[1] = records;
    return out;
}

std::vector<double> tf_table_of_state(const double* s, std::size_t len) {
    const std::size_t capacity = tf_validate_state(s, len);
    std::vector<std::pair<double, double>> kept;
    const double* slots = s + kTfStateHeader;
    for (std::size_t i = 0; i < capacity; ++i) {
        if (slots[2 * i] != 0.0 && slots[2 * i + 1] >= 2) kept.emplace_back(slots[2 * i], slots[2 * i + 1]);
    }
    std::sort(kept.begin(), kept.end());
    std::vector<double> out{kTfTableTag, s[1], static_cast<double>(kept.size())};
    out.reserve(kTfTableHeader + 2 * kept.size());
    for (const auto& [h, c] : kept) {
        out.push_back(h);
        out.push_back(c);
    }
    return out;
}

double TermFrequencies::frequency(std::uint64_t h) const noexcept {
    const auto it = std::lower_bound(counts.begin(), counts.end(), h,
                                     [](const std::pair<std::uint64_t, double>& e, std::uint64_t x) { return e.first < x; });
    const double c = (it != counts.end() && it->first == h) ? it->second : 1.0;
    return c / records;
}

TermFrequencies tf_from_table(const double* t, std::size_t len, const char* what) {
    if (len < kTfTableHeader || t[0] != kTfTableTag) corrupted(what, "not a c360.term_frequencies table");
    if (!is_count(t[1]) || t[1] < 1 || !is_count(t[2])) corrupted(what, "bad header");
    const auto n = static_cast<std::size_t>(t[2]);
    if (len != kTfTableHeader + 2 * n) corrupted(what, "wrong length");
    TermFrequencies tf;
    tf.records = t[1];
    tf.counts.reserve(n);
    double previous = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double h = t[kTfTableHeader + 2 * i];
        const double c = t[kTfTableHeader + 2 * i + 1];
        if (!is_count(h) || !(h > previous)) corrupted(what, "hashes must be increasing integers below 10^15");
        if (!is_count(c) || c < 2 || c > tf.records) corrupted(what, "counts must be integers between 2 and the records");
        tf.counts.emplace_back(static_cast<std::uint64_t>(h), c);
        previous = h;
    }
    return tf;
}

std::vector<double> tf_to_table(const TermFrequencies& tf) {
    std::vector<double> out{kTfTableTag, tf.records, static_cast<double>(tf.counts.size())};
    for (const auto& [h, c] : tf.counts) {
        out.push_back(static_cast<double>(h));
        out.push_back(c);
    }
    return out;
}

double tf_adjustment(const TermFrequencies& tf, double u_exact, double freq_l, double freq_r) noexcept {
    if (!tf.enabled()) return 0.0;
    const double f = std::max({freq_l, freq_r, tf.min_u});
    return tf.weight * (std::log2(u_exact) - std::log2(f));
}

} // namespace c360::match
