// Bit-slicing of quantized weights into crossbar cells, and OU-column patterns.
//
// Every weight becomes `planes` adjacent bit-columns (weight-major: bit-column j*planes + p), each holding
// one cell of cell_bits bits. A plane has a signed significance; the weight is recovered as
//   w = sum_p significance[p] * cell_p - offset
// twos:          cells are the bits of the two's-complement byte; the top plane weighs -2^(b-1).
// offset:        cells are the bits of w + 2^(b-1); offset = 2^(b-1) is subtracted digitally.
// differential:  planes of max(w,0) then planes of max(-w,0), b-1 magnitude bits each, the second set
//                negative: the usual pair of positive and negative arrays.
// A pattern is one OU column: the ou_rows cells one bit-column holds in one OU-row group, packed into an
// integer key with row i of the group at bits [i*cell_bits, (i+1)*cell_bits). Key 0 is the zero pattern.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/offline/quantize.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace reshare {

using PatternKey = uint32_t;

class BitSlicing {
public:
    explicit BitSlicing(const HwConfig& c);

    int planes() const { return planes_; }
    int cell_bits() const { return cell_bits_; }
    Encoding encoding() const { return encoding_; }
    int64_t significance(int plane) const { return significance_[plane]; }
    int64_t offset() const { return offset_; }
    // Cell value of weight w in plane p.
    uint32_t cell(int w, int plane) const { return cells_[size_t(w + 128) * planes_ + plane]; }
    // All planes' cells of weight w, contiguous.
    const uint8_t* cells(int w) const { return &cells_[size_t(w + 128) * planes_]; }
    // The weight a set of per-plane cell values stands for.
    int weight_of(const uint32_t* plane_cells) const;

private:
    Encoding encoding_;
    int cell_bits_, planes_;
    int64_t offset_ = 0;
    std::vector<int64_t> significance_;
    std::vector<uint8_t> cells_;   // 256 x planes, indexed by w + 128
};

// Geometry shared by every scheme: how a layer's bit-sliced matrix splits into OUs and sharing domains.
// A domain is one OU-row group (ou_rows consecutive matrix rows, the last one zero-padded) of one conv
// group; patterns are shared, and ORC rows packed, only inside one conv group.
struct LayerGeometry {
    int rows = 0, cols = 0, groups = 1, planes = 1;
    int ou_rows = 8, ou_cols = 8, xbar_rows = 32, xbar_cols = 128, cell_bits = 1;
    int block_results = 8, result_bits = 16;

    LayerGeometry() = default;
    LayerGeometry(const HwConfig& c, const QuantizedMatrix& m, const BitSlicing& bs);

    int group_cols() const { return cols / groups; }
    int group_bitcols() const { return group_cols() * planes; }
    int row_groups() const { return (rows + ou_rows - 1) / ou_rows; }
    int domains() const { return groups * row_groups(); }
    int blocks_per_domain() const { return (group_bitcols() + block_results - 1) / block_results; }
    int ou_col_groups() const { return (group_bitcols() + ou_cols - 1) / ou_cols; }
    int row_tiles() const { return (rows + xbar_rows - 1) / xbar_rows; }
    int key_bits() const { return ou_rows * cell_bits; }
    int ous_per_crossbar() const { return (xbar_rows / ou_rows) * (xbar_cols / ou_cols); }
};

// Keys of every bit-column of domain d (conv group d / row_groups, OU-row group d % row_groups), in
// bit-column order, into keys[0 .. group_bitcols).
// Built once per layer: for each row position and weight value it holds the weight's cells already shifted
// into that row's place in every plane's key, packed as lanes of 64-bit words, so a column's keys for all
// planes are a few ORs instead of rows x planes table look-ups.
class DomainKeyer {
public:
    DomainKeyer(const BitSlicing& bs, const LayerGeometry& g);
    void keys(const QuantizedMatrix& m, int domain, PatternKey* out) const;

private:
    template <int Words>
    void keys_with(const QuantizedMatrix& m, int domain, PatternKey* out) const;
    LayerGeometry g_;
    int lane_bits_, words_;
    std::vector<uint64_t> spread_;   // [row in OU][w + 128][word]
};

// One-off convenience (builds a DomainKeyer): for tests and cold paths.
void domain_keys(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, int domain,
                 PatternKey* keys);

// Cell of row i (0-based inside the OU) of a pattern.
inline uint32_t pattern_cell(PatternKey key, int i, int cell_bits) {
    return (key >> (i * cell_bits)) & ((1u << cell_bits) - 1);
}

// Number of bits that index n distinct values (at least 1).
int index_bits(uint64_t n);

}  // namespace reshare
