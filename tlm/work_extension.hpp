// The payload extension of the controller -> PE -> CU links: one coarse transaction asks a CU to run its share
// of a layer (its work units merged) for a number of input vectors; the CU answers with the timing and events.
#pragma once

#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/hw/timing/input_reuse.hpp"
#include "reshare/offline/functional.hpp"

#include <optional>
#include <tlm>

namespace reshare::tlmx {

struct WorkExtension : tlm::tlm_extension<WorkExtension> {
    const hw::WorkUnit* unit = nullptr;
    const hw::CuPipeline* pipeline = nullptr;
    uint64_t vectors = 1;
    int cu = 0;                    // the CU inside the PE the transaction is for
    bool detailed = true;          // a CU with a detailed engine uses it (false: the batched model)
    // Functional data (absent when only timing is asked): the CU adds the partial sums of the layer's units
    // [unit_begin, unit_end) of `units` for the layer's input vectors into the shared accumulators' storage.
    const FastDatapath* datapath = nullptr;
    const int8_t* inputs = nullptr;   // vectors x (groups * rows)
    int64_t* accumulators = nullptr;  // vectors x cols
    int unit_begin = 0, unit_end = 0;
    // The layer's unmerged units: the CU's functional datapath takes their source units, and input-pattern reuse
    // (cr2) looks its inputs up in them.
    const std::vector<hw::WorkUnit>* units = nullptr;
    const LayerGeometry* geo = nullptr;
    InputPattern pattern = InputPattern::Bits;
    // One vector's timing of `unit`, shared by the copies of one share (set by the CU that first computes it; not
    // used with input-pattern reuse, whose timing depends on the share's inputs). May be null.
    std::optional<hw::UnitTiming>* timing_cache = nullptr;
    hw::UnitTiming result;         // filled by the CU: one vector's timing; counters for all vectors
    hw::InputReuse reuse;          // filled by the CU: its lookups over all its vectors (what the counters spare)

    tlm::tlm_extension_base* clone() const override { return new WorkExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const WorkExtension&>(other);
    }
};

}  // namespace reshare::tlmx
