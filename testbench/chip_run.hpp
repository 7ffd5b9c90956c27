// One simulation of the accelerator in the testbench platform: load the layer images, ring the doorbell, wait
// for the interrupt, read the result records. SystemC allows one elaboration per process: call it once.
#pragma once

#include "common/config.hpp"
#include "hw/modules/global_controller.hpp"
#include "hw/timing/cu_pipeline.hpp"

#include <string>
#include <vector>

namespace reshare::testbench {

struct ChipLayer {
    std::vector<char> image;   // encoded layer image
    uint32_t vectors = 0;      // output positions
};

struct ChipResult {
    std::vector<hw::LayerRecord> records;
    uint64_t job_time_ns = 0;
    uint32_t error = 0;
    int pes = 0, cus = 0;
    hw::UnitCounters counters;   // summed over every CU module
    double stall_ns = 0;
};

// PEs needed to hold every layer at once, with the controller's own mapping (docs/timing.md).
int pes_to_hold(const HwConfig& config, const std::vector<std::vector<hw::WorkUnit>>& layers);

ChipResult simulate_chip(const HwConfig& config, int pes, const std::vector<ChipLayer>& layers);

}  // namespace reshare::testbench
