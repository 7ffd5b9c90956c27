#include "reshare/schemes/sme/bit_sparse.hpp"

#include <algorithm>
#include <cmath>

namespace reshare::sme {

uint32_t round_magnitude(double scaled, int S, int Nq) {
    const uint32_t top = ((1u << S) - 1) << (Nq - S);   // the window's ones at the top: 1 - 2^-S
    if (!(scaled > 0)) return 0;
    if (scaled >= double(top)) return top;
    // The leading one of the value rounded to the integer grid, then S significant bits below it, rounded once.
    const int lead = int(std::floor(std::log2(std::max(1.0, scaled))));
    const int shift = std::max(0, lead + 1 - S);
    const double step = std::ldexp(1.0, shift);
    const uint32_t q = uint32_t(std::floor(scaled / step + 0.5)) << shift;
    return std::min(q, top);
}

double round_weight(double w, int S, int Nq) {
    const double m = std::ldexp(double(round_magnitude(std::fabs(w) * std::ldexp(1.0, Nq), S, Nq)), -Nq);
    return w < 0 ? -m : m;
}

bool in_window(uint32_t m, int S) {
    if (m == 0) return true;
    const int lead = 31 - __builtin_clz(m);
    const int low = std::max(0, lead + 1 - S);
    return (m & ((1u << low) - 1)) == 0;
}

}  // namespace reshare::sme
