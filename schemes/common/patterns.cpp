#include "reshare/schemes/common/patterns.hpp"

#include "reshare/common/parallel.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"

namespace reshare {

void DomainScratch::load(const QuantizedMatrix& m, int d) {
    keyer.keys(m, d, keys.data());
    ids.reset();
    ids.assign(keys.data(), int(keys.size()), pattern_of);
}

void encode_patterns(const PatternTables& t, ImageWriter& w) {
    w.narrow("DPAT", t.domain_patterns);
    w.narrow("PATT", t.patterns);
}

void decode_patterns(const ImageReader& r, const LayerGeometry& g, PatternTables& t) {
    t.domain_patterns = r.narrow<uint32_t>("DPAT");
    t.patterns = r.narrow<PatternKey>("PATT");
    r.fail_if(t.domain_patterns.size() != size_t(g.domains()), "domain count does not match the geometry");
    r.fail_if(!all_below(t.domain_patterns, uint64_t(g.group_bitcols()) + 1), "more patterns than bit-columns");
    r.fail_if(sum(t.domain_patterns) != t.patterns.size(), "pattern table length disagrees with its counts");
    r.fail_if(!all_below(t.patterns, uint64_t(1) << g.key_bits()), "pattern wider than an OU column");
}

std::vector<uint32_t> pattern_unit_ous(const PatternTables& t, const LayerGeometry& g) {
    std::vector<uint32_t> ous;
    for (uint32_t p : t.domain_patterns) ous.push_back(uint32_t(ceil_div(p, g.ou_cols)));
    return ous;
}

void add_pattern_work(const PatternTables& t, const LayerGeometry& g, std::vector<hw::WorkUnit>& units) {
    for (int d = 0; d < g.domains(); ++d) {
        std::vector<uint16_t>& per_ou = units[size_t(d)].ou_patterns;
        const uint32_t n = t.domain_patterns[d];
        for (uint32_t done = 0; done < n; done += g.ou_cols) per_ou.push_back(uint16_t(std::min<uint32_t>(g.ou_cols, n - done)));
    }
}

void pattern_values(const PatternTables& t, const std::vector<uint64_t>& pstart, int d, const int32_t* xs, int count,
                    int cell_bits, std::vector<int64_t>& values) {
    values.resize(pstart[d + 1] - pstart[d]);
    for (uint64_t p = pstart[d]; p < pstart[d + 1]; ++p) values[p - pstart[d]] = pattern_dot(t.patterns[p], xs, count, cell_bits);
}

}  // namespace reshare
