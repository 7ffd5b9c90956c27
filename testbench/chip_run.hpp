// One simulation of the accelerator in the testbench platform: load the layer images, ring the doorbell, wait
// for the interrupt, read the result records. SystemC allows one elaboration per process: call it once.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/modules/global_controller.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/hw/timing/energy.hpp"
#include "reshare/job/network_job.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace reshare::testbench {

struct ChipResult {
    std::vector<hw::OpRecord> records;           // per program op
    uint64_t job_time_ns = 0;
    uint32_t error = 0;
    int pes = 0, cus = 0;
    hw::UnitCounters counters;   // summed over every CU module
    hw::PeripheryCounters periphery;
    std::vector<std::vector<int8_t>> tensors;   // per graph node, as the accelerator wrote them (functional jobs)
    double stall_ns = 0;
    uint64_t detailed_events = 0;   // handled by the detailed-mode engines (0 in batched mode)
};


// The part of a job in focus: the waveform shows `cus` CUs from `first_cu` on during weight layers
// [first_layer, last_layer], and in detailed mode only those layers run event by event.
struct TraceOptions {
    std::string vcd;   // "" = no waveform
    int first_cu = 0, cus = 0;
    int first_layer = 0, last_layer = 1 << 30;
    // The traced CUs the save file shows, in order (at most four; empty: the first four): the cmd picks them
    // across the traced layers, so each layer's CUs are on screen.
    std::vector<int> shown;
};

// Loads the program into the platform's memory, rings the doorbell, waits for the interrupt, reads the records
// and (functional programs) every tensor back. The host's copies of the layer images are released once they are in
// the platform's memory (program.images is empty after): a dense VGG16 has 0.7 GB of them. `buffers`: each CU's
// eDRAM buffers (hw::buffers_used of the program's scheme: fewer modules on a large chip).
// `progress` (optional) hears after every op how many of the job's ops are done; `building` (optional), while the
// chip is built, after each PE how many are.
ChipResult simulate_chip(const HwConfig& config, int pes, job::Program& program, const TraceOptions& trace = {},
                         std::function<void(size_t done, size_t ops)> progress = {},
                         const std::function<void(int built, int pes)>& building = {},
                         hw::BufferSet buffers = hw::kAllBuffers);

// Compares every node's output the accelerator wrote with the reference engine's; the first difference is an
// Error naming the node, the position and both values. `datapath` names the scheme in the message.
void check_outputs(const models::Graph& g, const std::string& datapath, const ChipResult& sim,
                   const inference::IntResult& reference);

}  // namespace reshare::testbench
