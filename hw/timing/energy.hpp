// Energy from events and time: Table I gives powers, so each event is charged power x the time it is busy
// (docs/timing.md). Plain C++; every number comes from the configuration.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"

#include <string>
#include <utility>
#include <vector>

namespace reshare::hw {

struct EnergyBreakdown {
    std::vector<std::pair<std::string, double>> pj;   // by component, fixed order
    double total() const;
    double leakage() const;                           // the CU eDRAMs' leakage component
    double dynamic() const { return total() - leakage(); }   // every event-driven component
    void add(const EnergyBreakdown& o);
};

// Work of the shared units around the PEs (hw/modules/periphery.hpp).
struct PeripheryCounters {
    uint64_t global_buffer_accesses = 0;
    uint64_t accumulations = 0;
    double pooling_ns = 0;
};

// CU-nanoseconds of eDRAM leakage during an op of `time_ns` (energy.leakage_scope): every CU of the chip, the CUs
// holding weights, or the CUs' own busy time.
double leaking_cu_ns(const HwConfig& config, double time_ns, int chip_cus, int occupied_cus, double busy_cu_ns);

// Energy of the events in `c` and `p` plus the CU buffers' leakage over `leak_cu_ns` CU-nanoseconds.
EnergyBreakdown energy(const HwConfig& config, const UnitCounters& c, double leak_cu_ns, const PeripheryCounters& p = {});

}  // namespace reshare::hw
