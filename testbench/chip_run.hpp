// One simulation of the accelerator in the testbench platform: load the layer images, ring the doorbell, wait
// for the interrupt, read the result records. SystemC allows one elaboration per process: call it once.
#pragma once

#include "common/config.hpp"
#include "hw/modules/global_controller.hpp"
#include "hw/timing/cu_pipeline.hpp"
#include "hw/timing/energy.hpp"

#include <string>
#include <vector>

namespace reshare::testbench {

struct ChipLayer {
    std::vector<char> image;   // encoded layer image
    uint32_t vectors = 0;      // output positions
    uint32_t input_bytes = 0;  // input feature map
    uint32_t pool_reads = 0;   // values pooled after the layer
    std::vector<int8_t> inputs;   // the layer's input vectors, vectors x (groups * rows); empty: timing only
    uint32_t outputs = 0;         // accumulators the layer returns (vectors x cols) when inputs are given
};

struct ChipResult {
    std::vector<hw::LayerRecord> records;
    uint64_t job_time_ns = 0;
    uint32_t error = 0;
    int pes = 0, cus = 0;
    hw::UnitCounters counters;   // summed over every CU module
    hw::PeripheryCounters periphery;
    std::vector<std::vector<int32_t>> outputs;   // per layer, the accumulators the accelerator wrote back
    double stall_ns = 0;
};

// PEs needed to hold every layer at once, with the controller's own mapping (docs/timing.md).
int pes_to_hold(const HwConfig& config, const std::vector<std::vector<hw::WorkUnit>>& layers);

// CUs the controller's mapping uses for these layers.
int cus_used(const HwConfig& config, const std::vector<std::vector<hw::WorkUnit>>& layers);

// `vcd`: write a waveform of the job there, tracing the first `traced_cus` CUs ("" = no waveform).
ChipResult simulate_chip(const HwConfig& config, int pes, const std::vector<ChipLayer>& layers,
                         const std::string& vcd = "", int traced_cus = 0, int first_layer = 0);

}  // namespace reshare::testbench
