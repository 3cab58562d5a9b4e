#include "rfm/breaks.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <string>

namespace c360::rfm {

namespace {

__extension__ typedef __int128 int128;

// Index of the k-th breakpoint in the sorted values: ceil(k*n/bins) - 1.
std::size_t break_index(int k, std::size_t n, int bins) {
    const int128 num = static_cast<int128>(k) * static_cast<int128>(n);
    return static_cast<std::size_t>((num + bins - 1) / bins) - 1;
}

} // namespace

void check_bins(int bins) {
    if (bins < 1 || bins > kMaxBins) {
        fail(ErrorCode::InvalidParameter, "bins must be between 1 and 100");
    }
}

void check_values(double recency, double frequency, double monetary) {
    if (!std::isfinite(recency) || !std::isfinite(frequency) || !std::isfinite(monetary)) {
        fail(ErrorCode::InvalidParameter, "recency, frequency and monetary must be finite numbers");
    }
}

void breakpoints_higher_better(double* values, std::size_t n, int bins, double* out) {
    std::sort(values, values + n);
    for (int k = 1; k < bins; ++k) {
        out[k - 1] = values[break_index(k, n, bins)];
    }
}

void breakpoints_lower_better(double* values, std::size_t n, int bins, double* out) {
    std::sort(values, values + n, std::greater<double>());
    for (int k = 1; k < bins; ++k) {
        out[k - 1] = values[break_index(k, n, bins)];
    }
}

int score_higher_better(double v, const double* breaks, int bins) {
    int score = 1;
    for (int k = 0; k < bins - 1; ++k) {
        score += v > breaks[k] ? 1 : 0;
    }
    return score;
}

int score_lower_better(double v, const double* breaks, int bins) {
    int score = 1;
    for (int k = 0; k < bins - 1; ++k) {
        score += v < breaks[k] ? 1 : 0;
    }
    return score;
}

void check_breakpoints(const double* breaks, int bins, bool lower_better, const char* dimension) {
    for (int k = 0; k < bins - 1; ++k) {
        if (!std::isfinite(breaks[k])) {
            fail(ErrorCode::InvalidParameter, std::string(dimension) + " breakpoints must be finite");
        }
        if (k > 0 && (lower_better ? breaks[k] > breaks[k - 1] : breaks[k] < breaks[k - 1])) {
            fail(ErrorCode::InvalidParameter, std::string(dimension) + " breakpoints are not sorted",
                 lower_better ? "Recency breakpoints must not increase." : "Breakpoints must not decrease.");
        }
    }
}

namespace {
constexpr std::string_view kSamplePrefix = "rfmb1(";
constexpr std::size_t kMaxDoubleChars = 24; // shortest round-trip double: at most 24 characters

[[noreturn]] void bad_sample_text(std::string_view text, const char* what) {
    fail(ErrorCode::InvalidTextRepresentation,
         "invalid input syntax for type c360.rfm_sample: \"" + std::string(text.substr(0, 60)) +
             (text.size() > 60 ? "...\"" : "\""),
         what);
}
} // namespace

std::size_t sample_text_bound(std::int64_t n) {
    return kSamplePrefix.size() + 2 * 21 + 4 + static_cast<std::size_t>(n) * 3 * (kMaxDoubleChars + 1) + 1;
}

std::size_t write_sample_text(int bins, std::int64_t n, const double* triples, char* buf) {
    char* p = buf;
    const char* end = buf + sample_text_bound(n);
    p = std::copy(kSamplePrefix.begin(), kSamplePrefix.end(), p);
    p = std::to_chars(p, const_cast<char*>(end), bins).ptr;
    *p++ = ',';
    p = std::to_chars(p, const_cast<char*>(end), n).ptr;
    *p++ = ':';
    for (std::int64_t i = 0; i < 3 * n; ++i) {
        if (i > 0) {
            *p++ = (i % 3 == 0) ? ',' : ' ';
        }
        p = std::to_chars(p, const_cast<char*>(end), triples[i]).ptr;
    }
    *p++ = ')';
    *p = '\0';
    return static_cast<std::size_t>(p - buf);
}

void parse_sample_header(std::string_view text, int& bins, std::int64_t& n) {
    if (text.substr(0, kSamplePrefix.size()) != kSamplePrefix) {
        bad_sample_text(text, "Expected rfmb1(bins,n:r f m,r f m,...).");
    }
    const char* p = text.data() + kSamplePrefix.size();
    const char* end = text.data() + text.size();
    auto r1 = std::from_chars(p, end, bins);
    if (r1.ec != std::errc{} || r1.ptr == end || *r1.ptr != ',') {
        bad_sample_text(text, "Expected rfmb1(bins,n:...).");
    }
    auto r2 = std::from_chars(r1.ptr + 1, end, n);
    if (r2.ec != std::errc{} || r2.ptr == end || *r2.ptr != ':') {
        bad_sample_text(text, "Expected rfmb1(bins,n:...).");
    }
    if (bins < 1 || bins > kMaxBins || n < 1) {
        bad_sample_text(text, "bins must be 1..100 and n at least 1.");
    }
}

void parse_sample_values(std::string_view text, std::int64_t n, double* triples) {
    const char* p = text.data() + text.find(':') + 1;
    const char* end = text.data() + text.size();
    for (std::int64_t i = 0; i < 3 * n; ++i) {
        if (i > 0) {
            const char sep = (i % 3 == 0) ? ',' : ' ';
            if (p == end || *p != sep) {
                bad_sample_text(text, "wrong separator or too few values");
            }
            ++p;
        }
        auto r = std::from_chars(p, end, triples[i]);
        if (r.ec != std::errc{} || !std::isfinite(triples[i])) {
            bad_sample_text(text, "not a finite number");
        }
        p = r.ptr;
    }
    if (p == end || *p != ')' || p + 1 != end) {
        bad_sample_text(text, "trailing characters or too many values");
    }
}

} // namespace c360::rfm
