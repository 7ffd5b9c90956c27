// Symmetric post-training quantization of a lowered weight matrix to signed integers.
#pragma once

#include "reshare/common/config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace reshare {

// A conv/dense layer lowered to rows x cols (rows = kh*kw*cin/groups with cin fastest, cols = cout),
// quantized. Columns [g*cols/groups, (g+1)*cols/groups) belong to conv group g, whose input is its own
// slice of channels: values of different groups never meet in one OU.
struct QuantizedMatrix {
    std::string name;
    int rows = 0, cols = 0, groups = 1;
    std::vector<int8_t> q;        // row-major rows x cols
    std::vector<double> scale;    // 1 entry per tensor, or 1 per column (per-channel): w ~= q * scale

    int8_t at(int r, int c) const { return q[size_t(r) * cols + c]; }
    int group_cols() const { return cols / groups; }
    double column_scale(int c) const { return scale.size() == 1 ? scale[0] : scale[c]; }
};

// q = clamp(round_half_even(w / scale), -qmax, qmax), scale = max|w| / qmax with qmax = 2^(bits-1) - 1;
// an all-zero tensor (or channel) gets scale 1.
QuantizedMatrix quantize(std::string name, int rows, int cols, int groups, const std::vector<float>& w,
                         QuantGranularity granularity, int weight_bits, int threads = 1);

}  // namespace reshare
