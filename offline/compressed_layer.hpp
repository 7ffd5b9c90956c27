// One layer after the offline pass: what the crossbars hold and the tables that drive them, per scheme.
//
// dense    every OU of the bit-sliced matrix is stored; the contents are the quantized weights themselves
//          (cells follow from the encoding, bitslice.hpp).
// orc      SRE's OU-row compression: inside each strip (one OU column group, c bit-columns, of one
//          crossbar-height row tile of one conv group) the all-zero rows are dropped and the rest packed;
//          each kept row keeps its row index inside the tile.
// rws      RePIM's repetitive weight sharing: per domain each distinct non-zero pattern is stored and
//          computed once, in first-occurrence order; a task length list and a column index list (grouped
//          by pattern) distribute its result.
// reshare  per domain the distinct non-zero patterns in Algorithm 1 order (their pattern-buffer address is
//          their rank); a task list of result blocks, each with its block index and one pattern-buffer
//          reference per slot, ordered by the step at which the block's last pattern is computed.
// Variable-length tables are stored as per-unit counts plus concatenated data (offsets() turns counts into
// start positions), so parts built in parallel concatenate without fix-ups.
#pragma once

#include "common/config.hpp"
#include "offline/bitslice.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace reshare {

enum class Scheme { Dense, Orc, Rws, ReShare };
const char* to_string(Scheme s);
Scheme parse_scheme(const std::string& s);   // throws Error naming the value
const std::vector<Scheme>& all_schemes();

struct CompressedLayer {
    std::string name;
    Scheme scheme = Scheme::Dense;
    Encoding encoding = Encoding::Differential;
    QuantGranularity quant = QuantGranularity::PerTensor;
    int weight_bits = 8, input_bits = 8;
    LayerGeometry geo;
    std::vector<double> scale;            // quantization scale: 1 or one per column

    // dense
    std::vector<int8_t> weights;          // rows x cols, row-major

    // orc: one strip per (group, row tile, OU column group), in that nesting order
    std::vector<uint32_t> strip_rows;     // kept rows per strip
    std::vector<uint16_t> kept_row;       // row index inside the tile, per kept row
    std::vector<PatternKey> kept_cells;   // the c cells of a kept row: cell t at bits [t*cb, (t+1)*cb)

    // rws and reshare: per domain (group-major, then OU-row group)
    std::vector<uint32_t> domain_patterns;   // distinct non-zero patterns per domain
    std::vector<PatternKey> patterns;        // in storage = compute order

    // rws
    std::vector<uint32_t> task_length;       // per pattern: how many bit-columns it goes to
    std::vector<uint16_t> column_index;      // per pattern occurrence: target bit-column, grouped by pattern

    // reshare
    std::vector<uint32_t> domain_tasks;      // tasks (non-zero result blocks) per domain
    std::vector<uint32_t> task_block;        // block index inside its domain
    std::vector<uint16_t> task_slot;         // block_results per task: 0 = zero pattern, k+1 = PB address k

    int strips_per_tile() const { return geo.ou_col_groups(); }
    int strips() const { return geo.groups * geo.row_tiles() * strips_per_tile(); }
};

// Start positions of each unit's data given per-unit counts (size n+1).
template <class T>
std::vector<uint64_t> offsets(const std::vector<T>& counts) {
    std::vector<uint64_t> out(counts.size() + 1, 0);
    for (size_t i = 0; i < counts.size(); ++i) out[i + 1] = out[i] + counts[i];
    return out;
}

// Compresses one quantized layer; `threads` workers split its domains (or strips) in order.
CompressedLayer compress(const QuantizedMatrix& m, const HwConfig& config, Scheme scheme, int threads = 1);

}  // namespace reshare
