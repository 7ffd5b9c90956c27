// How a layer's work units are placed on CUs, and what the CUs then hold: one rule for the controller, the CU
// counts a chip is sized by, and the storage accounting (docs/storage.md, docs/timing.md).
//
// Units fill CUs in order. A CU takes the next unit while the CU's arrays (cu.arrays crossbars) hold its units' OUs
// and, for a scheme whose index table is in ReRAM (rws.index_memory: reram; RePIM keeps it in crossbar arrays), that
// table's cells, and while its eDRAM (cu.edram_bytes, Table I: 32 KB) holds what its units keep there; otherwise the
// unit starts a new CU (the layer is split over more CUs). A unit whose eDRAM need alone exceeds the eDRAM stays
// where the arrays put it and its CU is flagged as an overflow: splitting cannot help it.
//
// A unit of a direct-engine scheme (dense, orc, sme, reram-sharing) with more OUs than one CU's arrays hold - a domain
// of a wide layer, an orc row tile - is first cut into pieces of whole CUs (cut_to_cus), as ISAAC tiles a matrix over
// as many crossbars as it needs: each piece's CU stores and fires its OUs and delivers its share of the results in
// parallel with the others. Units of the output-buffer and block-task engines (rws, reshare) are not cut: their
// patterns feed tasks across the whole unit; a CU given more of their OUs than it holds is counted
// (LayerHolding::array_overflow_cus).
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reshare::hw {

// What one CU holds for its units, structure by structure.
class CuHolding {
public:
    CuHolding(const HwConfig& c, const TimingRule& rule);
    void add(const WorkUnit& u);
    uint64_t edram_bits() const;           // what must fit cu.edram_bytes
    uint64_t index_memory_bits() const;    // index tables outside the eDRAM (rws.index_memory: reram)
    // Bits of each structure the CU holds, in first-seen order.
    std::vector<std::pair<std::string, uint64_t>> bits() const;

private:
    struct Entry {
        const char* name;
        Holding holding;
        Placement placement;
        uint64_t bits;
    };
    bool index_in_edram_;
    std::vector<Entry> entries_;
};

struct CuShare {
    size_t begin = 0, end = 0;   // units [begin, end)
    uint64_t stored_ous = 0;     // OUs the CU's arrays hold: its units' OUs, each shared OU (WorkUnit::ou_ids) once
    uint64_t edram_bits = 0;
    bool overflow = false;        // holds more than cu.edram_bytes (a single unit too large to split)
};

// The units with every direct-engine unit too large for one CU's arrays cut, in OU order, into pieces that fill one
// CU each (the last the rest). A piece takes its OUs' per-OU fields, a share of the unit's results and of each
// structure it keeps proportional to its OUs, the unit's `source`, and `computes` only for the first piece.
std::vector<WorkUnit> cut_to_cus(const HwConfig& c, const TimingRule& rule, std::vector<WorkUnit> units);

std::vector<CuShare> map_layer(const HwConfig& c, const TimingRule& rule, const std::vector<WorkUnit>& units);

// Adds `bits` to the entry called `name` of a by-structure list, appending it when new (first-seen order).
void add_by_name(std::vector<std::pair<std::string, uint64_t>>& to, const std::string& name, uint64_t bits);

// A mapped layer's storage: every CU's structures summed over its CUs.
struct LayerHolding {
    std::vector<std::pair<std::string, uint64_t>> bits;   // by structure
    uint64_t edram_bits = 0, index_memory_bits = 0;
    uint64_t largest_cu_edram_bits = 0;
    int cus = 0, overflow_cus = 0;
    uint64_t stored_ous = 0;   // summed over the CUs: a shared OU counts once per CU that holds it
    // CUs given more OUs than their arrays have slots: a single unit larger than a CU (a domain of a wide layer). The
    // model does not split a unit, so such a CU fires all of its OUs over its arrays (docs/timing.md).
    int array_overflow_cus = 0;
};
LayerHolding layer_holding(const HwConfig& c, const TimingRule& rule, const std::vector<WorkUnit>& units,
                           const std::vector<CuShare>& shares);

// One input vector's time on the layer's slowest CU, as the controller maps and times it.
double vector_ns(const HwConfig& c, const TimingRule& rule, const std::vector<WorkUnit>& units);

// ISAAC-style replication for a chip of `chip_cus` CUs: how many copies of each layer's weights to place, so that
// copies run disjoint shares of the layer's input vectors in parallel. Every layer gets one copy; the CUs left over
// go, one copy at a time, to the layer whose time drops the most per CU the copy costs (a layer's time with r copies
// is vector_ns x ceil(vectors / r)). Empty when one copy of every layer does not fit.
std::vector<uint32_t> plan_replication(const std::vector<double>& vector_ns, const std::vector<int>& cus,
                                       const std::vector<uint32_t>& vectors, int chip_cus);

}  // namespace reshare::hw
