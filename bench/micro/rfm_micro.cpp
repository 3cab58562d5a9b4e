// Micro-benchmarks of the RFM core (no PostgreSQL): cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release
//   && cmake --build build/bench --target c360_micro_bench && build/bench/c360_micro_bench
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "rfm/breaks.hpp"
#include "rfm/rfm.hpp"

namespace rfm = c360::rfm;

// One transition-function step: the per-order cost inside c360.rfm.
static void BM_AddOrder(benchmark::State& st) {
    const std::int64_t as_of = 1'000'000'000'000LL;
    std::mt19937_64 rng(1);
    std::vector<std::int64_t> ts(4096);
    std::vector<double> amount(4096);
    for (std::size_t i = 0; i < ts.size(); ++i) {
        ts[i] = static_cast<std::int64_t>(rng() % 1'000'000'000'000ULL);
        amount[i] = static_cast<double>(rng() % 50000) / 100.0;
    }
    rfm::State s = rfm::make_state(as_of);
    std::size_t i = 0;
    for (auto _ : st) {
        rfm::add_order(s, ts[i & 4095], amount[i & 4095], as_of);
        ++i;
    }
    benchmark::DoNotOptimize(s);
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}
BENCHMARK(BM_AddOrder);

// Breakpoints of one dimension for n customers (the sort in c360.rfm_breaks' final function).
static void BM_Breakpoints(benchmark::State& st) {
    const auto n = static_cast<std::size_t>(st.range(0));
    std::mt19937_64 rng(2);
    std::vector<double> base(n);
    for (auto& x : base) x = static_cast<double>(rng() % 100000) / 7.0;
    std::vector<double> work(n);
    double out[4];
    for (auto _ : st) {
        work = base;
        rfm::breakpoints_higher_better(work.data(), n, 5, out);
        benchmark::DoNotOptimize(out);
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * n));
}
BENCHMARK(BM_Breakpoints)->Arg(10'000)->Arg(1'000'000);

// Scoring one customer against quintile breakpoints.
static void BM_Score(benchmark::State& st) {
    const double breaks[4] = {1, 2, 4, 8};
    double v = 0;
    int acc = 0;
    for (auto _ : st) {
        acc += rfm::score_higher_better(v, breaks, 5);
        v = v > 10 ? 0 : v + 0.7;
    }
    benchmark::DoNotOptimize(acc);
}
BENCHMARK(BM_Score);
