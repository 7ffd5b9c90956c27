// Resource figures of a compressed layer: OUs, crossbars, cells, activations and auxiliary storage, and the
// stored OUs of each piece the hardware maps (unit_ous).
//
// The accounting (docs/storage.md):
// - stored OUs: each scheme's unit_ous (schemes/<name>/): dense: every OU of the bit-sliced matrix; orc:
//   ceil(kept rows / ou_rows) per strip; rws/reshare: ceil(distinct non-zero patterns / ou_cols) per domain.
// - crossbars: whole arrays, ceil(stored OUs / OUs per crossbar) per layer (layers never share one);
//   cells: stored OUs x ou_rows x ou_cols (the footprint, padding included).
// - OU activations per input vector and input bit: every stored OU fires once.
// - storage: index fields are fixed-width per layer, sized for the layer's largest value; buffers hold the
//   working set of every domain (each domain runs on its own crossbars).
#pragma once

#include "offline/compressed_layer.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reshare {

struct LayerMetrics {
    uint64_t stored_ous = 0;
    uint64_t crossbars = 0;
    uint64_t cells = 0;
    uint64_t ou_activations_per_input = 0;   // per input vector per input bit
    uint64_t dense_cells = 0;                 // the same layer's dense footprint, for ratios
    std::vector<std::pair<std::string, uint64_t>> storage_bits;   // by structure, in a fixed order

    uint64_t storage_total() const;
    void add(const LayerMetrics& o);   // totals of a model: structures summed by name
};

LayerMetrics measure(const CompressedLayer& layer);

// Stored OUs of each piece the hardware maps on its own, in order (SchemeDef::unit_ous): every domain for dense, rws
// and reshare; every crossbar-height row tile of a conv group for orc (its row indices span a tile). They sum to
// stored_ous, and hw::work_units builds one work unit per piece from them.
std::vector<uint32_t> unit_ous(const CompressedLayer& layer);

}  // namespace reshare
