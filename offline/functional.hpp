// What a compressed layer computes, and the bit-sliced matrix it holds, so both can be checked exactly.
//
// Inputs are signed integers of input_bits bits, streamed bit-serially (1-bit DAC): bit b of the two's
// complement input weighs 2^b, the top bit -2^(b-1). One input vector holds groups x rows values: conv
// group g reads x[g*rows .. (g+1)*rows).
#pragma once

#include "offline/compressed_layer.hpp"
#include "offline/quantize.hpp"

#include <cstdint>
#include <vector>

namespace reshare {

// y[j] = sum_h q[h][j] * x[group(j) * rows + h], in plain integer arithmetic.
std::vector<int64_t> reference_mvm(const QuantizedMatrix& m, const std::vector<int32_t>& x);

// The same product computed the way the hardware does it from the layer's tables: per input bit, every
// stored OU column's sum (a pattern result for rws/reshare), distributed to its bit-columns (index list or
// block writes), then shift-and-add over planes and input bits, and the offset encoding's correction.
std::vector<int64_t> compressed_mvm(const CompressedLayer& layer, const std::vector<int32_t>& x);

// The quantized weights the layer's crossbar contents and tables stand for (rows x cols, row-major).
std::vector<int8_t> reconstruct(const CompressedLayer& layer);

}  // namespace reshare
