// Resource figures of a compressed layer: OUs, crossbars, cells, activations and storage, and the stored OUs of each
// piece the hardware maps (unit_ous).
//
// The accounting (docs/storage.md):
// - stored OUs: each scheme's unit_ous (schemes/<name>/): dense: every OU of the bit-sliced matrix; orc:
//   ceil(kept rows / ou_rows) per strip; rws/reshare: ceil(distinct non-zero patterns / ou_cols) per domain.
// - crossbars: whole arrays, ceil(stored OUs / OUs per crossbar) per layer (layers never share one);
//   cells: stored OUs x ou_rows x ou_cols (the footprint, padding included).
// - OU activations per input vector and input bit: every stored OU fires once.
// - storage: the cells (cells x cell bits, in ReRAM) and what the layer's CUs hold, as the controller maps it
//   (hw/timing/mapping.hpp): every CU's result buffer for one unit at a time, and the scheme's tables and buffers
//   (WorkUnit::held), in the CU's eDRAM or, for an index table, in the scheme's index memory.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/offline/compressed_layer.hpp"

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
    uint64_t weight_bits = 0;                 // the original quantized weights: rows x cols x weight bits
    std::vector<std::pair<std::string, uint64_t>> storage_bits;   // by component: cells first, then structures
    // where the storage lives, and whether the CUs' eDRAM holds it
    uint64_t edram_bits = 0, index_memory_bits = 0;
    uint64_t largest_cu_edram_bits = 0;       // the fullest CU's eDRAM need
    uint64_t cus = 0, overflow_cus = 0;       // CUs the layer maps to; those whose need exceeds cu.edram_bytes
    uint64_t array_overflow_cus = 0;          // CUs holding one unit with more OUs than their arrays' slots

    uint64_t storage_total() const;
    void add(const LayerMetrics& o);   // totals of a model: components summed by name
};

namespace hw {
struct WorkUnit;
}

// `config` gives the CU the layer is mapped onto (its arrays, eDRAM, output buffer, index memory); `units`, when the
// caller has them, are the layer's work units (hw::work_units), else their holdings are built (hw::unit_holdings).
LayerMetrics measure(const CompressedLayer& layer, const HwConfig& config);
LayerMetrics measure(const CompressedLayer& layer, const HwConfig& config, const std::vector<hw::WorkUnit>& units);

// Stored OUs of each piece the hardware maps on its own, in order (SchemeDef::unit_ous): every domain for dense, rws
// and reshare; every crossbar-height row tile of a conv group for orc (its row indices span a tile). They sum to
// stored_ous, and hw::work_units builds one work unit per piece from them.
std::vector<uint32_t> unit_ous(const CompressedLayer& layer);

// Every storage component any scheme's layer can report, in report order: the cells, the result buffer every unit
// has, rws's output buffer, then each registered scheme's held_names. The one CSV schema of every run lists them all.
std::vector<std::string> storage_component_names();

}  // namespace reshare
