#include "reshare/offline/metrics.hpp"

#include "reshare/common/parallel.hpp"
#include "reshare/hw/timing/mapping.hpp"

#include <algorithm>

namespace reshare {

using hw::add_by_name;

std::vector<uint32_t> unit_ous(const CompressedLayer& l) { return scheme_def(l.scheme).unit_ous(l); }

std::vector<std::string> storage_component_names() {
    std::vector<std::string> names = {"cells", "result_buffer", "output_buffer"};
    for (Scheme s : all_schemes())
        for (const char* n : scheme_def(s).held_names())
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    return names;
}

uint64_t LayerMetrics::storage_total() const {
    uint64_t t = 0;
    for (const auto& kv : storage_bits) t += kv.second;
    return t;
}

void LayerMetrics::add(const LayerMetrics& o) {
    stored_ous += o.stored_ous;
    crossbars += o.crossbars;
    cells += o.cells;
    ou_activations_per_input += o.ou_activations_per_input;
    dense_cells += o.dense_cells;
    weight_bits += o.weight_bits;
    for (const auto& [name, bits] : o.storage_bits) add_by_name(storage_bits, name, bits);
    edram_bits += o.edram_bits;
    index_memory_bits += o.index_memory_bits;
    largest_cu_edram_bits = std::max(largest_cu_edram_bits, o.largest_cu_edram_bits);
    cus += o.cus;
    overflow_cus += o.overflow_cus;
    array_overflow_cus += o.array_overflow_cus;
}

LayerMetrics measure(const CompressedLayer& l, const HwConfig& config) { return measure(l, config, hw::unit_holdings(l, config)); }

LayerMetrics measure(const CompressedLayer& l, const HwConfig& config, const std::vector<hw::WorkUnit>& units) {
    const LayerGeometry& g = l.geo;
    LayerMetrics m;
    for (const hw::WorkUnit& u : units) m.ou_activations_per_input += u.ous;   // every unit's OUs fire
    const TimingRule rule = scheme_def(l.scheme).layer_timing(l);
    const std::vector<hw::CuShare> shares = hw::map_layer(config, rule, units);
    // Stored: as the CUs hold them (an OU that several units drive is stored once in each CU holding them).
    for (const hw::CuShare& s : shares) m.stored_ous += s.stored_ous;
    m.crossbars = ceil_div(m.stored_ous, g.ous_per_crossbar());
    m.cells = m.stored_ous * g.ou_rows * g.ou_cols;
    m.dense_cells = uint64_t(g.domains()) * g.ou_col_groups() * g.ou_rows * g.ou_cols;
    m.weight_bits = uint64_t(g.rows) * g.cols * l.weight_bits;

    const hw::LayerHolding held = hw::layer_holding(config, rule, units, shares);
    m.storage_bits.push_back({"cells", m.cells * uint64_t(g.cell_bits)});
    for (const auto& [name, bits] : held.bits) add_by_name(m.storage_bits, name, bits);
    m.edram_bits = held.edram_bits;
    m.index_memory_bits = held.index_memory_bits;
    m.largest_cu_edram_bits = held.largest_cu_edram_bits;
    m.cus = uint64_t(held.cus);
    m.overflow_cus = uint64_t(held.overflow_cus);
    m.array_overflow_cus = uint64_t(held.array_overflow_cus);
    return m;
}

}  // namespace reshare
