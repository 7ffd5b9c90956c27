#include "reshare/hw/timing/input_reuse.hpp"

#include "reshare/schemes/cr2/input_patterns.hpp"

#include <algorithm>

namespace reshare::hw {

void InputReuse::add(const InputReuse& o) {
    lookups += o.lookups;
    hits += o.hits;
    activations += o.activations;
    saved += o.saved;
    reads += o.reads;
}

InputReuse count_input_reuse(const std::vector<WorkUnit>& units, size_t begin, size_t end, const LayerGeometry& g,
                             InputPattern kind, int input_bits, const int8_t* inputs, uint64_t n) {
    InputReuse r;
    const size_t width = size_t(g.groups) * g.rows;
    for (size_t u = begin; u < end; ++u) {
        const WorkUnit& w = units[u];
        const int d = int(u), group = d / g.row_groups(), r0 = (d % g.row_groups()) * g.ou_rows;
        const int rows = std::min(g.ou_rows, g.rows - r0);
        r.activations += uint64_t(w.ous) * input_bits * n;
        auto hit = [&](uint64_t p) { return std::binary_search(w.ipr_patterns.begin(), w.ipr_patterns.end(), p); };
        for (uint64_t v = 0; v < n; ++v) {
            const int8_t* in = inputs + v * width + size_t(group) * g.rows + r0;
            if (kind == InputPattern::Activations) {
                const uint64_t p = cr2::PatternProfile::activations_pattern(in, rows);
                if (!p) continue;
                ++r.lookups;
                if (hit(p)) ++r.hits, r.saved += uint64_t(w.ous) * input_bits, r.reads += w.ipr_entry_reads;
                continue;
            }
            for (int b = 0; b < input_bits; ++b) {
                const uint64_t p = cr2::PatternProfile::bits_pattern(in, rows, b);
                if (!p) continue;   // the all-zero pattern has no entry: the OUs fire as without reuse
                ++r.lookups;
                if (hit(p)) ++r.hits, r.saved += w.ous, r.reads += w.ipr_entry_reads;
            }
        }
    }
    return r;
}

}  // namespace reshare::hw
