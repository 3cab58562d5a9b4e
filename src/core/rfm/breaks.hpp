// RFM score breakpoints: the same tie-stable quantile rule as quantile_score(), computed once
// from all customers' (recency, frequency, monetary) values by sorting in C++, then applied per
// customer with a few comparisons. Scoring new customers against stored breakpoints keeps
// segments comparable from one run to the next.
//
// For a dimension where higher is better (frequency, monetary), with the n values sorted
// ascending a[0..n-1], the breakpoints are t_k = a[ceil(k*n/bins) - 1], k = 1..bins-1, and
//   score(v) = 1 + #{k : v > t_k}
// which equals 1 + floor(bins * below(v) / n) for every v in the data (below(v) = number of
// values < v). Recency is lower-is-better: its breakpoints s_k come from the values sorted
// descending, and score(v) = 1 + #{k : v < s_k}.
#pragma once

#include <cstddef>
#include <cstdint>
#include "common/error.hpp"
#include "common/packed.hpp"

namespace c360::rfm {

inline constexpr int kMaxBins = 100;

// Checks bins (1..kMaxBins) and one customer's values (finite); throws coded errors.
void check_bins(int bins);
void check_values(double recency, double frequency, double monetary);

// Sorts `values` in place and writes the bins-1 breakpoints of a higher-is-better dimension.
void breakpoints_higher_better(double* values, std::size_t n, int bins, double* out);
// Same for a lower-is-better dimension (recency); `values` is sorted descending.
void breakpoints_lower_better(double* values, std::size_t n, int bins, double* out);

int score_higher_better(double v, const double* breaks, int bins);
int score_lower_better(double v, const double* breaks, int bins);

// Validates breakpoints read from outside (a stored c360.rfm_breaks value).
void check_breakpoints(const double* breaks, int bins, bool lower_better, const char* dimension);

// c360.rfm_sample, the state of the breakpoint aggregate (common/packed.hpp): ints {bins}, rows of
// (recency, frequency, monetary), finite, at least one. Text form (its wire format between Citus
// nodes): rfmb1(bins,n:r f m,r f m,...).
extern const PackedType kSampleType;
inline constexpr int kSampleBins = 0; // index of bins in the integer fields

} // namespace c360::rfm
