// Shared fixtures of the unit tests: configurations and random layers.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/offline/quantize.hpp"
#include "reshare/schemes/scheme.hpp"

#include <random>
#include <string>
#include <vector>

namespace reshare::test {

// Whether `s` runs with `c` (SchemeDef::config_problem: SME needs differential 1-bit cells, ReRAM-Sharing no offset).
inline bool runs_with(Scheme s, const HwConfig& c) { return scheme_def(s).config_problem(c).empty(); }
// `c`, or, when `s` cannot run with it, `c` on differential 1-bit cells (which every scheme runs with).
inline HwConfig config_for(Scheme s, HwConfig c) {
    if (!runs_with(s, c)) c.encoding = Encoding::Differential, c.cell_bits = 1;
    return c;
}

inline HwConfig config_with(Encoding e, int ou_rows, int ou_cols, int cell_bits = 1) {
    HwConfig c;
    c.encoding = e;
    c.ou_rows = ou_rows;
    c.ou_cols = ou_cols;
    c.cell_bits = cell_bits;
    c.xbar_rows = std::max(32, ou_rows * 2);
    return c;
}

// A layer whose weights look trained: mostly small, some exact zeros, some all-zero rows (so ORC has work).
inline QuantizedMatrix random_layer(int rows, int cols, int groups, uint32_t seed,
                                    QuantGranularity g = QuantGranularity::PerTensor) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.f, 1.f);
    std::bernoulli_distribution zero(0.3), zero_row(0.15);
    std::vector<float> w(size_t(rows) * cols);
    for (int r = 0; r < rows; ++r) {
        const bool empty = zero_row(rng);
        for (int c = 0; c < cols; ++c) {
            const float v = normal(rng);
            w[size_t(r) * cols + c] = empty || zero(rng) ? 0.f : v * v * v;   // heavy tails like trained weights
        }
    }
    return quantize("random" + std::to_string(seed), rows, cols, groups, w, g, 8);
}

inline std::vector<int32_t> random_input(size_t n, uint32_t seed, int bits = 8) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-(1 << (bits - 1)), (1 << (bits - 1)) - 1);
    std::vector<int32_t> x(n);
    for (auto& v : x) v = d(rng);
    return x;
}

}  // namespace reshare::test
