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

// Energy of the events in `c` plus the buffers' leakage over `time_ns` on `cus` CUs.
EnergyBreakdown energy(const HwConfig& config, const UnitCounters& c, double time_ns, int cus);

}  // namespace reshare::hw
