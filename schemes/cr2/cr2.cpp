#include "reshare/schemes/cr2/cr2.hpp"

#include "reshare/common/parallel.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/offline/image_sections.hpp"
#include "reshare/schemes/common/patterns.hpp"

#include <algorithm>

namespace reshare {
namespace {

Scheme base_scheme(Cr2Base b) { return b == Cr2Base::Rws ? Scheme::Rws : Scheme::ReShare; }
const SchemeDef& base_def(const CompressedLayer& l) { return scheme_def(cr2_tables(l).base.scheme); }
const CompressedLayer& base_of(const CompressedLayer& l) { return cr2_tables(l).base; }

// The layer's header as its base scheme's layer (the same geometry, quantization and name).
CompressedLayer base_header(const CompressedLayer& l, Scheme base) {
    CompressedLayer b = l;
    b.scheme = base;
    b.tables = nullptr;
    return b;
}

}  // namespace

std::string Cr2Scheme::config_problem(const HwConfig& c) const {
    if (c.cr2_input_pattern == InputPattern::Activations && c.ou_rows > 8)
        return "cr2.input_pattern: activations keys hold at most 8 rows of int8 inputs";
    return scheme_def(base_scheme(c.cr2_base)).config_problem(c);
}

TimingRule Cr2Scheme::timing() const {
    TimingRule r = scheme_def(Scheme::ReShare).timing();
    r.input_reuse = true;
    return r;
}

TimingRule Cr2Scheme::layer_timing(const CompressedLayer& l) const {
    TimingRule r = base_def(l).timing();
    r.input_reuse = true;
    return r;
}

std::shared_ptr<const SchemeTables> Cr2Scheme::compress(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g,
                                                        const HwConfig& c, int threads) const {
    auto t = std::make_shared<Cr2Tables>();
    t->base.name = m.name;
    t->base.scheme = base_scheme(c.cr2_base);
    t->base.encoding = c.encoding;
    t->base.quant = c.quant;
    t->base.weight_bits = c.weight_bits;
    t->base.input_bits = c.input_bits;
    t->base.geo = g;
    t->base.scale = m.scale;
    t->base.tables = scheme_def(t->base.scheme).compress(m, bs, g, c, threads);
    t->kind = c.cr2_input_pattern;
    t->domain_entries.assign(size_t(g.domains()), 0);   // learned later (run --learn); none: the base's behaviour
    return t;
}

void Cr2Scheme::encode(const CompressedLayer& l, ImageWriter& w) const {
    const Cr2Tables& t = cr2_tables(l);
    w.array("CR2B", std::vector<int32_t>{int32_t(t.base.scheme), int32_t(t.kind)});
    base_def(l).encode(t.base, w);
    w.narrow("IPRD", t.domain_entries);
    w.array("IPRP", t.entry_patterns);
}

std::shared_ptr<const SchemeTables> Cr2Scheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    auto t = std::make_shared<Cr2Tables>();
    const std::vector<int32_t> head = r.array<int32_t>("CR2B");
    r.fail_if(head.size() != 2 || (head[0] != int32_t(Scheme::ReShare) && head[0] != int32_t(Scheme::Rws)),
              "cr2 base is neither reshare nor rws");
    r.fail_if(head[1] != int32_t(InputPattern::Bits) && head[1] != int32_t(InputPattern::Activations),
              "input-pattern kind is neither bits nor activations");
    t->base = base_header(l, Scheme(head[0]));
    t->base.tables = scheme_def(t->base.scheme).decode(r, t->base);
    t->kind = InputPattern(head[1]);
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

std::vector<uint32_t> Cr2Scheme::unit_ous(const CompressedLayer& l) const { return base_def(l).unit_ous(base_of(l)); }

std::unique_ptr<UnitDatapath> Cr2Scheme::datapath(const CompressedLayer& l) const { return base_def(l).datapath(base_of(l)); }

uint64_t cr2_entry_bytes(const CompressedLayer& l) {
    const PatternTables& t = base_of(l).tables_as<PatternTables>();
    const uint32_t most = t.domain_patterns.empty() ? 0 : *std::max_element(t.domain_patterns.begin(), t.domain_patterns.end());
    return std::max<uint64_t>(1, ceil_div(uint64_t(most) * l.geo.result_bits, 8));
}

uint32_t cr2_entry_reads(const CompressedLayer& l, int d) {
    const PatternTables& t = base_of(l).tables_as<PatternTables>();
    return uint32_t(std::max<uint64_t>(1, ceil_div(t.domain_patterns[size_t(d)], uint64_t(l.geo.block_results))));
}

CompressedLayer cr2_with_entries(const CompressedLayer& l, const std::vector<cr2::PatternEntry>& entries) {
    auto t = std::make_shared<Cr2Tables>(cr2_tables(l));
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

// The base's buffers and tables, and the input-pattern buffer's entries of each domain (in the CU's eDRAM).
void Cr2Scheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    base_def(l).add_unit_holdings(base_of(l), units);
    const Cr2Tables& t = cr2_tables(l);
    const uint64_t entry_bits = cr2_entry_bytes(l) * 8;
    for (size_t d = 0; d < units.size(); ++d)
        if (t.domain_entries[d])
            units[d].held.push_back({"ipr_buffer", t.domain_entries[d] * entry_bits, hw::Holding::Summed, hw::Placement::Edram});
}

// The base's work, and each unit's buffered input patterns (what the CU looks its inputs up in).
void Cr2Scheme::add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    base_def(l).add_unit_work(base_of(l), units);
    const Cr2Tables& t = cr2_tables(l);
    const std::vector<uint64_t> start = offsets(t.domain_entries);
    for (size_t d = 0; d < units.size(); ++d) {
        units[d].ipr_patterns.assign(t.entry_patterns.begin() + long(start[d]), t.entry_patterns.begin() + long(start[d + 1]));
        units[d].ipr_entry_reads = cr2_entry_reads(l, int(d));
    }
}

}  // namespace reshare
