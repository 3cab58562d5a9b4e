// Shared by the lifetime-value unit tests: one BG/NBD customer drawn from a purchase rate and a dropout
// probability after each purchase, observed for T time units: (x repeat purchases, t_x of the last one).
#pragma once

#include <random>
#include <utility>

namespace c360::test {

inline std::pair<int, double> simulate_bgnbd_customer(std::mt19937_64& rng, double lambda, double p, double T) {
    std::uniform_real_distribution<double> u(0, 1);
    double t = 0, last = 0;
    int x = 0;
    for (;;) {
        t += std::exponential_distribution<double>(lambda)(rng);
        if (t > T) break;
        ++x;
        last = t;
        if (u(rng) < p) break; // drops out after this purchase
    }
    return {x, x > 0 ? last : 0.0};
}

} // namespace c360::test
