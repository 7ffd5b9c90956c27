// Energy from events and time: Table I gives powers, so each event is charged power x the time it is busy
// (docs/timing.md). Plain C++; every number comes from the configuration.
#pragma once

#include "common/config.hpp"
#include "hw/timing/cu_pipeline.hpp"

#include <string>
#include <utility>
#include <vector>

namespace reshare::hw {

struct EnergyBreakdown {
    std::vector<std::pair<std::string, double>> pj;   // by component, fixed order
    double total() const;
    void add(const EnergyBreakdown& o);
};

// Work of the shared units around the PEs (hw/modules/periphery.hpp).
struct PeripheryCounters {
    uint64_t global_buffer_accesses = 0;
    uint64_t accumulations = 0;
    double pooling_ns = 0;
};

// Energy of the events in `c` and `p` plus the CU buffers' leakage over `time_ns` on `cus` CUs.
EnergyBreakdown energy(const HwConfig& config, const UnitCounters& c, double time_ns, int cus,
                       const PeripheryCounters& p = {});

}  // namespace reshare::hw
