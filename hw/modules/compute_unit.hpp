// A CU: ReRAM arrays, eDRAM buffers and S+A, answering coarse work transactions (a passive target: no process).
#pragma once

#include "hw/modules/detailed_engine.hpp"
#include "hw/timing/cu_pipeline.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <unordered_map>
#include <vector>

namespace reshare::hw {

// A crossbar array: how many of its OU slots hold weights (for programming cost and occupancy).
struct ReramArray : sc_core::sc_module {
    explicit ReramArray(sc_core::sc_module_name name) : sc_core::sc_module(name) {}
    uint64_t programmed_ous = 0;
};

// One of the CU's eDRAM buffers: its accesses, for energy and the report.
struct EdramBuffer : sc_core::sc_module {
    explicit EdramBuffer(sc_core::sc_module_name name) : sc_core::sc_module(name) {}
    uint64_t reads = 0, writes = 0;
};

class ComputeUnit : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ComputeUnit> socket;

    // `detailed`: also build the event-driven engine and time every transaction with it.
    ComputeUnit(sc_core::sc_module_name name, int arrays, const HwConfig* detailed = nullptr);

    std::vector<std::unique_ptr<ReramArray>> arrays;
    std::vector<std::unique_ptr<EdramBuffer>> buffers;   // indexed by hw::Buffer
    std::unique_ptr<DetailedEngine> engine;              // detailed mode only
    uint64_t ou_activations = 0, adc_conversions = 0, block_writes = 0;
    double busy_ns = 0, stall_ns = 0;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    const UnitTiming& timing_of(const WorkUnit& unit, const CuPipeline& pipeline, uint64_t layer);
    void account(const UnitTiming& t, uint64_t vectors);
    std::unordered_map<const WorkUnit*, UnitTiming> cache_;   // a unit's timing depends only on its weights
    uint64_t cached_layer_ = ~uint64_t(0);                    // the cache holds this layer's units only
};

}  // namespace reshare::hw
