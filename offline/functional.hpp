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

namespace reshare {

// The same datapath as compressed_mvm for many input vectors at once, fast enough for whole networks: per
// domain each stored pattern's (or kept row's) products with the inputs, distributed through the scheme's
// tables, shift-added over planes. It folds the input_bits bit-serial activations of a pattern into one
// integer dot product, which shift-and-add over input bits equals exactly (a test checks the two agree).
class FastDatapath {
public:
    explicit FastDatapath(const CompressedLayer& layer);
    // vectors: n x (groups * rows) inputs; acc: n x cols results.
    void run(const int32_t* vectors, int n, int64_t* acc) const;

    // The work units of the hardware model (domains; row tiles for orc), each computable on its own: adds unit
    // `unit`'s contribution for n int8 input vectors into acc (n x cols). Summed over all units: run().
    int units() const;
    void add_unit(int unit, const int8_t* vectors, int n, int64_t* acc) const;

private:
    struct Scratch {
        explicit Scratch(int bitcols) : results(bitcols) {}
        std::vector<int64_t> results, values;
    };
    template <class In>
    void unit_into(int unit, const In* x, int64_t* y, Scratch& s) const;
    const CompressedLayer& l_;
    std::vector<int64_t> significance_;
    int64_t offset_;
    std::vector<uint64_t> pstart_, tstart_, sstart_, cstart_;   // per-domain / per-strip table offsets
    std::vector<PatternKey> dense_keys_;                        // dense: every bit-column's key
};

}  // namespace reshare
