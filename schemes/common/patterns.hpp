// What the pattern-sharing schemes (rws, reshare) have in common: per sharing domain the distinct non-zero OU-column
// patterns, each stored and computed once, and the means to build, store, map and compute them.
#pragma once

#include "reshare/offline/bitslice.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/offline/image_sections.hpp"
#include "reshare/offline/pattern_ids.hpp"
#include "reshare/schemes/scheme.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace reshare {

namespace hw {
struct WorkUnit;
}

// Per domain (group-major, then OU-row group): the distinct non-zero patterns, in storage = compute order.
struct PatternTables : SchemeTables {
    std::vector<uint32_t> domain_patterns;   // distinct non-zero patterns per domain
    std::vector<PatternKey> patterns;

    template <class F>
    static void zip(PatternTables& a, PatternTables& b, F f) {
        f(a.domain_patterns, b.domain_patterns);
        f(a.patterns, b.patterns);
    }
};

// Scratch of one worker: the keys and pattern ids of the domain at hand.
struct DomainScratch {
    DomainScratch(const BitSlicing& bs, const LayerGeometry& g) : keyer(bs, g), keys(g.group_bitcols()), ids(g.key_bits()) {}
    void load(const QuantizedMatrix& m, int domain);   // keys of `domain`, ids in first-occurrence order
    DomainKeyer keyer;
    std::vector<PatternKey> keys;
    PatternIds ids;
    std::vector<int> pattern_of;   // per bit-column: its pattern's id, -1 for the zero pattern
};

// The most distinct non-zero patterns a domain can hold: one per bit-column, one per non-zero key.
inline uint64_t max_domain_patterns(const LayerGeometry& g) {
    return std::min<uint64_t>(g.group_bitcols(), (uint64_t(1) << std::min(g.key_bits(), 32)) - 1);
}

// Room for a layer's patterns: max_domain_patterns per domain.
inline void reserve_patterns(const LayerGeometry& g, PatternTables& t) {
    t.domain_patterns.reserve(size_t(g.domains()));
    t.patterns.reserve(size_t(g.domains()) * max_domain_patterns(g));
}

// Sections DPAT (patterns per domain) and PATT (the patterns), and their checks against the geometry.
void encode_patterns(const PatternTables& t, ImageWriter& w);
void decode_patterns(const ImageReader& r, const LayerGeometry& g, PatternTables& t);

// Stored OUs per domain: ceil(patterns / ou_cols).
std::vector<uint32_t> pattern_unit_ous(const PatternTables& t, const LayerGeometry& g);
// Each domain's unit: how many patterns each of its OUs holds (the last may be partial).
void add_pattern_work(const PatternTables& t, const LayerGeometry& g, std::vector<hw::WorkUnit>& units);

// The pattern results of domain d for the domain's inputs xs[0 .. count): values[k] = pattern k . xs.
void pattern_values(const PatternTables& t, const std::vector<uint64_t>& pstart, int d, const int32_t* xs, int count,
                    int cell_bits, std::vector<int64_t>& values);

// A pattern's dot product with the inputs of its rows: what one ADC conversion reads.
inline int64_t pattern_dot(PatternKey key, const int32_t* xs, int count, int cell_bits) {
    int64_t sum = 0;
    for (int i = 0; i < count; ++i) sum += int64_t(pattern_cell(key, i, cell_bits)) * xs[i];
    return sum;
}

}  // namespace reshare
