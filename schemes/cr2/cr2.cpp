#include "schemes/cr2/cr2.hpp"

#include "common/parallel.hpp"
#include "hw/timing/cu_pipeline.hpp"
#include "offline/image_sections.hpp"

#include <algorithm>

namespace reshare {
namespace {

std::shared_ptr<Cr2Tables> copy_of(const CompressedLayer& l) { return std::make_shared<Cr2Tables>(cr2_tables(l)); }

}  // namespace

std::string Cr2Scheme::config_problem(const HwConfig& c) const {
    if (c.cr2_input_pattern == InputPattern::Activations && c.ou_rows > 8)
        return "cr2.input_pattern: activations keys hold at most 8 rows of int8 inputs";
    return ReShareScheme::config_problem(c);
}

std::shared_ptr<const SchemeTables> Cr2Scheme::compress(const QuantizedMatrix& m, const BitSlicing& bs,
                                                        const LayerGeometry& g, const HwConfig& c, int threads) const {
    auto t = std::make_shared<Cr2Tables>();
    static_cast<ReShareTables&>(*t) = static_cast<const ReShareTables&>(*ReShareScheme::compress(m, bs, g, c, threads));
    t->kind = c.cr2_input_pattern;
    t->domain_entries.assign(size_t(g.domains()), 0);   // learned later (run --learn); none: ReShare's behaviour
    return t;
}

void Cr2Scheme::encode(const CompressedLayer& l, ImageWriter& w) const {
    ReShareScheme::encode(l, w);
    const Cr2Tables& t = cr2_tables(l);
    w.array("IPRK", std::vector<int32_t>{int32_t(t.kind)});
    w.narrow("IPRD", t.domain_entries);
    w.array("IPRP", t.entry_patterns);
}

std::shared_ptr<const SchemeTables> Cr2Scheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    auto t = std::make_shared<Cr2Tables>();
    static_cast<ReShareTables&>(*t) = static_cast<const ReShareTables&>(*ReShareScheme::decode(r, l));
    const std::vector<int32_t> kind = r.array<int32_t>("IPRK");
    r.fail_if(kind.size() != 1 || (kind[0] != int32_t(InputPattern::Bits) && kind[0] != int32_t(InputPattern::Activations)),
              "input-pattern kind is neither bits nor activations");
    t->kind = InputPattern(kind[0]);
    r.fail_if(t->kind == InputPattern::Activations && l.geo.ou_rows > 8, "activations patterns of more than 8 rows");
    t->domain_entries = r.narrow<uint32_t>("IPRD");
    t->entry_patterns = r.array<uint64_t>("IPRP");
    r.fail_if(t->domain_entries.size() != size_t(l.geo.domains()), "input-pattern entry counts do not match the domains");
    r.fail_if(sum(t->domain_entries) != t->entry_patterns.size(), "input-pattern entries disagree with their counts");
    const int key_bits = t->kind == InputPattern::Bits ? l.geo.ou_rows : 8 * l.geo.ou_rows;
    for (uint64_t p : t->entry_patterns)
        r.fail_if(p == 0 || (key_bits < 64 && p >> key_bits), "input-pattern entry zero or wider than its OU-row group");
    return t;
}

uint64_t cr2_entry_bytes(const CompressedLayer& l) {
    const Cr2Tables& t = cr2_tables(l);
    const uint32_t most = t.domain_patterns.empty() ? 0 : *std::max_element(t.domain_patterns.begin(), t.domain_patterns.end());
    return std::max<uint64_t>(1, ceil_div(uint64_t(most) * l.geo.result_bits, 8));
}

uint32_t cr2_entry_reads(const CompressedLayer& l, int d) {
    return uint32_t(std::max<uint64_t>(1, ceil_div(cr2_tables(l).domain_patterns[size_t(d)], uint64_t(l.geo.block_results))));
}

CompressedLayer cr2_with_entries(const CompressedLayer& l, const std::vector<cr2::PatternEntry>& entries) {
    auto t = copy_of(l);
    std::vector<std::vector<uint64_t>> per(size_t(l.geo.domains()));
    for (const cr2::PatternEntry& e : entries) {
        if (e.domain >= per.size() || e.pattern == 0)
            throw Error("layer " + l.name + ": an input-pattern entry for domain " + std::to_string(e.domain) + " of " +
                        std::to_string(per.size()));
        per[e.domain].push_back(e.pattern);
    }
    t->entry_patterns.clear();
    for (size_t d = 0; d < per.size(); ++d) {
        std::sort(per[d].begin(), per[d].end());
        per[d].erase(std::unique(per[d].begin(), per[d].end()), per[d].end());
        t->domain_entries[d] = uint32_t(per[d].size());
        t->entry_patterns.insert(t->entry_patterns.end(), per[d].begin(), per[d].end());
    }
    CompressedLayer out = l;
    out.tables = t;
    return out;
}

// ReShare's buffers, and the input-pattern buffer's entries of each domain (entry bytes each, in the CU's eDRAM).
void Cr2Scheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    ReShareScheme::add_unit_holdings(l, units);
    const Cr2Tables& t = cr2_tables(l);
    const uint64_t entry_bits = cr2_entry_bytes(l) * 8;
    for (size_t d = 0; d < units.size(); ++d)
        if (t.domain_entries[d])
            units[d].held.push_back({"ipr_buffer", t.domain_entries[d] * entry_bits, hw::Holding::Summed, hw::Placement::Edram});
}

// ReShare's work, and each unit's buffered input patterns (what the CU looks its inputs up in).
void Cr2Scheme::add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    ReShareScheme::add_unit_work(l, units);
    const Cr2Tables& t = cr2_tables(l);
    const std::vector<uint64_t> start = offsets(t.domain_entries);
    for (size_t d = 0; d < units.size(); ++d) {
        units[d].ipr_patterns.assign(t.entry_patterns.begin() + long(start[d]), t.entry_patterns.begin() + long(start[d + 1]));
        units[d].ipr_entry_reads = cr2_entry_reads(l, int(d));
    }
}

}  // namespace reshare
