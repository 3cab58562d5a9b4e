// Compensated (Neumaier / two-sum) summation.
//
// A sum kept as an unevaluated pair hi + lo carries about 106 significant bits, so the
// rounded result of adding millions of money amounts does not depend on the order in
// which rows arrive, nor on how parallel workers split them: the serial plan and the
// Partial/Finalize plan give the same float8 for every realistic input. (Adversarial
// cancellation across more than ~2^53 in magnitude can still differ in the last bit.)
#pragma once

namespace c360 {

struct CompensatedSum {
    double hi = 0.0;
    double lo = 0.0;

    // Exact two-sum of hi and x; the rounding error of the addition goes into lo.
    void add(double x) noexcept {
        const double s = hi + x;
        const double bp = s - hi;
        const double err = (hi - (s - bp)) + (x - bp);
        hi = s;
        lo += err;
    }

    void add(const CompensatedSum& other) noexcept {
        add(other.hi);
        lo += other.lo;
    }

    double value() const noexcept { return hi + lo; }

    // false once the sum has overflowed (hi infinite, lo NaN): callers raise 22003 rather than keep it
    bool finite() const noexcept { return hi - hi == 0.0 && lo - lo == 0.0; }
};

} // namespace c360
