// CR2's input-pattern reuse on real inputs (plain C++): for a CU's units and the input vectors it computes, how many
// lookups hit the units' buffered patterns, the OU activations those hits spare and the buffer reads they cost.
// Timing then depends on the input values: the CU shortens its activation waves by the spared share and reads the
// hits' entries (docs/timing.md).
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/offline/bitslice.hpp"

#include <cstdint>
#include <vector>

namespace reshare::hw {

struct InputReuse {
    uint64_t lookups = 0;       // (unit, cycle) pairs with a non-zero pattern (Activations: (unit, vector) pairs)
    uint64_t hits = 0;
    uint64_t activations = 0;   // OU activations without reuse: every OU, every input bit, every vector
    uint64_t saved = 0;         // OU activations the hits spare
    uint64_t reads = 0;         // buffer accesses of the hits' entries
    // The share of activations still made (1 without hits).
    double mvm_scale() const { return activations ? double(activations - saved) / double(activations) : 1.0; }
    void add(const InputReuse& o);
};

// Units [begin, end) of a layer of geometry g (units are domains), n input vectors of g.groups x g.rows int8 values.
InputReuse count_input_reuse(const std::vector<WorkUnit>& units, size_t begin, size_t end, const LayerGeometry& g,
                             InputPattern kind, int input_bits, const int8_t* inputs, uint64_t n);

}  // namespace reshare::hw
