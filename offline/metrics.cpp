#include "offline/metrics.hpp"

#include "common/parallel.hpp"

#include <algorithm>

namespace reshare {
namespace {

template <class T>
uint64_t max_of(const std::vector<T>& v) {
    return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

void add_storage(const CompressedLayer& l, LayerMetrics& m) {
    const LayerGeometry& g = l.geo;
    const uint64_t result_buffer = uint64_t(g.domains()) * g.group_bitcols() * g.result_bits;
    const uint64_t patterns = l.patterns.size();
    switch (l.scheme) {
        case Scheme::Dense: break;
        case Scheme::Orc:
            m.storage_bits.push_back({"row_index", l.kept_row.size() * uint64_t(index_bits(g.xbar_rows))});
            break;
        case Scheme::Rws:
            m.storage_bits.push_back(
                {"column_index_list", l.column_index.size() * uint64_t(index_bits(g.group_bitcols()))});
            m.storage_bits.push_back({"task_length_list", patterns * index_bits(uint64_t(g.group_bitcols()) + 1)});
            m.storage_bits.push_back({"output_buffer", patterns * g.result_bits});
            break;
        case Scheme::ReShare: {
            const uint64_t entry = index_bits(g.blocks_per_domain()) +
                                   uint64_t(g.block_results) * index_bits(max_of(l.domain_patterns) + 1);
            m.storage_bits.push_back({"task_list", l.task_block.size() * entry});
            m.storage_bits.push_back({"pattern_buffer", patterns * g.result_bits});
            break;
        }
    }
    m.storage_bits.push_back({"result_buffer", result_buffer});
}

}  // namespace

std::vector<uint32_t> unit_ous(const CompressedLayer& l) {
    const LayerGeometry& g = l.geo;
    std::vector<uint32_t> ous;
    switch (l.scheme) {
        case Scheme::Dense: ous.assign(size_t(g.domains()), uint32_t(g.ou_col_groups())); break;
        case Scheme::Orc: {
            const int strips = l.strips_per_tile();
            for (int t = 0; t < g.groups * g.row_tiles(); ++t) {
                uint32_t n = 0;
                for (int k = 0; k < strips; ++k) n += uint32_t(ceil_div(l.strip_rows[size_t(t) * strips + k], g.ou_rows));
                ous.push_back(n);
            }
            break;
        }
        case Scheme::Rws:
        case Scheme::ReShare:
            for (uint32_t p : l.domain_patterns) ous.push_back(uint32_t(ceil_div(p, g.ou_cols)));
            break;
    }
    return ous;
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
