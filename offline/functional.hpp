// What a compressed layer computes, and the bit-sliced matrix it holds, so both can be checked exactly.
//
// Inputs are signed integers of input_bits bits, streamed bit-serially (1-bit DAC): bit b of the two's
// complement input weighs 2^b, the top bit -2^(b-1). One input vector holds groups x rows values: conv
// group g reads x[g*rows .. (g+1)*rows).
//
// The scheme-particular part (which stored columns there are and how their results reach the bit-columns) is each
// scheme's UnitDatapath (schemes/<name>/); what is shared (the units' input rows, shift-and-add over planes, the
// offset encoding's correction, bit-serial inputs) is here.
#pragma once

#include "reshare/offline/compressed_layer.hpp"
#include "reshare/offline/quantize.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace reshare {

// y[j] = sum_h q[h][j] * x[group(j) * rows + h], in plain integer arithmetic.
std::vector<int64_t> reference_mvm(const QuantizedMatrix& m, const std::vector<int32_t>& x);

// The same product computed the way the hardware does it from the layer's tables: per input bit (0 or 1 on each
// wordline), every stored OU column's sum, distributed to its bit-columns by the scheme's tables, then shift-and-add
// over planes and input bits, and the offset encoding's correction.
std::vector<int64_t> compressed_mvm(const CompressedLayer& layer, const std::vector<int32_t>& x);

// The quantized weights the layer's crossbar contents and tables stand for (rows x cols, row-major), read back
// through the datapath itself: each row's one-hot input gives that row's cell in every bit-column.
std::vector<int8_t> reconstruct(const CompressedLayer& layer);

// The same datapath for many input vectors at once, fast enough for whole networks: per unit the scheme's
// results for the unit's inputs, shift-added over planes. It folds the input_bits bit-serial activations into one
// integer dot product, which shift-and-add over input bits equals exactly (compressed_mvm; a test checks the two agree).
//
// The datapath is linear in its inputs, so a unit's products for any inputs are fixed by its products for each
// one-hot input: its rows' coefficients. Given `vectors` (how many input vectors the layer will see), the
// constructor probes every unit with one-hot inputs through the scheme's own datapath once, when that is cheaper
// than running the datapath per vector (at least as many vectors as the unit has rows), and add_unit then
// multiplies the inputs by those coefficients, a small integer GEMM. Exact either way: the coefficients are what
// the stored columns and the tables compute (docs/timing.md, "What each run checks").
class FastDatapath {
public:
    explicit FastDatapath(const CompressedLayer& layer, uint64_t vectors = 0);
    // vectors: n x (groups * rows) inputs; acc: n x cols results.
    void run(const int32_t* vectors, int n, int64_t* acc) const;

    // The work units of the hardware model (domains; row tiles for orc), each computable on its own: adds unit
    // `unit`'s contribution for n int8 input vectors into acc (n x cols). Summed over all units: run().
    int units() const { return units_; }
    int probed_units() const;   // units add_unit multiplies by probed coefficients
    int packed_units() const;   // of those, units probed several rows a datapath pass (packed_cells)
    void add_unit(int unit, const int8_t* vectors, int n, int64_t* acc) const;
    // The same for several units at once (a CU's transaction): the probed units of one conv group share one pass over
    // the vectors, their rows summed into int32 before the int64 results are touched - one read and write of the
    // results per run of units instead of per unit, which on VGG16 was most of the products' time.
    void add_units(const std::vector<int>& units, const int8_t* vectors, int n, int64_t* acc) const;

private:
    struct Scratch {
        explicit Scratch(int bitcols) : results(bitcols) {}
        std::vector<int64_t> results, values;
        std::vector<int32_t> xs;
    };
    template <class In>
    void unit_into(int unit, const In* x, int64_t* y, Scratch& s) const;
    struct UnitRows {   // unit `u` covers conv group `group`, rows [row0, row0 + count)
        int group, row0, count;
    };
    UnitRows rows_of(int unit) const;
    void probe(int unit, Scratch& s);   // coefficients_[unit]: count x group_cols, or left empty
    // Each row's one-hot result in every bit-column of the unit's group (count x group_bitcols), several rows a
    // pass; false when a decoded field is not a cell value (then `one_hot_cells`, a row a pass).
    bool packed_cells(int unit, int count, std::vector<int64_t>& cells, Scratch& s) const;
    void one_hot_cells(int unit, int count, std::vector<int64_t>& cells, Scratch& s) const;
    struct Segment {   // rows [row0, row0 + count) of a group, with their coefficients
        const int16_t* coefficients;
        int row0, count;
    };
    void product(int group, const std::vector<Segment>& segments, const int8_t* vectors, int n, int64_t* acc) const;
    void product_tiles(int group, const std::vector<Segment>& segments, const int8_t* vectors, int begin, int end,
                       int64_t* acc) const;
    const CompressedLayer& l_;
    std::unique_ptr<UnitDatapath> scheme_;
    int unit_rows_, units_per_group_, units_;
    std::vector<int64_t> significance_;
    int64_t offset_;
    int cell_bits_;
    std::vector<std::vector<int16_t>> coefficients_;   // per unit, when probed
    std::vector<int64_t> sum_bound_;                   // per probed unit: the most its rows add to a partial sum
    std::vector<char> packed_;                         // per unit: probed by packed_cells
};

}  // namespace reshare
