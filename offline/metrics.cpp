#include "offline/metrics.hpp"

#include "common/parallel.hpp"

#include <algorithm>

namespace reshare {
namespace {

// The scheme's own structures, then the result buffer every scheme has.
void add_storage(const CompressedLayer& l, LayerMetrics& m) {
    const LayerGeometry& g = l.geo;
    scheme_def(l.scheme).add_storage(l, m);
    m.storage_bits.push_back({"result_buffer", uint64_t(g.domains()) * g.group_bitcols() * g.result_bits});
}

}  // namespace

std::vector<uint32_t> unit_ous(const CompressedLayer& l) { return scheme_def(l.scheme).unit_ous(l); }

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
    for (const auto& [name, bits] : o.storage_bits) {
        auto it = std::find_if(storage_bits.begin(), storage_bits.end(), [&](const auto& kv) { return kv.first == name; });
        if (it == storage_bits.end())
            storage_bits.push_back({name, bits});
        else
            it->second += bits;
    }
}

LayerMetrics measure(const CompressedLayer& l) {
    const LayerGeometry& g = l.geo;
    LayerMetrics m;
    for (uint32_t n : unit_ous(l)) m.stored_ous += n;
    m.crossbars = ceil_div(m.stored_ous, g.ous_per_crossbar());
    m.cells = m.stored_ous * g.ou_rows * g.ou_cols;
    m.ou_activations_per_input = m.stored_ous;
    m.dense_cells = uint64_t(g.domains()) * g.ou_col_groups() * g.ou_rows * g.ou_cols;
    add_storage(l, m);
    return m;
}

}  // namespace reshare
