// cr2: CR2 (Hong and Chung's poster; CRPIM, J. Systems Architecture 2024; ../shared/reference/other-schemes.md,
// section 3): compute reuse of weight patterns and of input patterns.
// - WPC and WPR (weight pattern compute and reuse): a base pattern-sharing scheme's tables - distinct weight patterns
//   computed once, their results distributed - ReShare's task list (cr2.base: reshare, the same authors' framing) or
//   RWS's index table (cr2.base: rws). Every weight-side hook is the base scheme's, on the base's tables.
// - IPR (input pattern reuse): per layer, an input-pattern buffer of (OU-row group, pattern) entries
//   (input_patterns.hpp); an entry holds that pattern's results for all distinct weight patterns of its group, so a
//   hit is a buffer read instead of the group's OU activations in that bit-serial cycle. Which entries a layer holds
//   is learned on images (allocation.hpp); a layer compressed without learning has none and behaves as its base.
// It is lossless: the reference is the plain int8 network.
#pragma once

#include "reshare/offline/compressed_layer.hpp"
#include "reshare/schemes/cr2/input_patterns.hpp"

namespace reshare {

struct Cr2Tables : SchemeTables {
    CompressedLayer base;                   // the layer as its base scheme stores it (its header, scheme and tables)
    cr2::PatternKind kind = cr2::PatternKind::Bits;
    std::vector<uint32_t> domain_entries;   // buffered input patterns per domain
    std::vector<uint64_t> entry_patterns;   // their patterns, sorted per domain, domains in order
};

class Cr2Scheme : public SchemeDef {
public:
    Scheme id() const override { return Scheme::Cr2; }
    const char* name() const override { return "cr2"; }
    const char* summary() const override {
        return "CR2: a pattern-sharing base (reshare or rws) plus input-pattern reuse - a learned buffer of OU-row input "
               "patterns whose results are read instead of computed";
    }
    RESHARE_SCHEME_HOOKS
    std::string config_problem(const HwConfig& c) const override;
    TimingRule timing() const override;   // with the default base
    TimingRule layer_timing(const CompressedLayer& l) const override;
    void add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
    std::vector<const char*> held_names() const override { return {"ipr_buffer"}; }
    void add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
};

inline const Cr2Tables& cr2_tables(const CompressedLayer& l) { return l.tables_as<Cr2Tables>(); }

// Bytes of one input-pattern entry of a layer (W_j): the results of its largest domain's distinct weight patterns.
uint64_t cr2_entry_bytes(const CompressedLayer& l);
// Buffer accesses one hit of domain d costs: its entry's results, in sharing.block_bytes lines.
uint32_t cr2_entry_reads(const CompressedLayer& l, int d);
// The layer with these buffered entries (its tables copied).
CompressedLayer cr2_with_entries(const CompressedLayer& l, const std::vector<cr2::PatternEntry>& entries);

}  // namespace reshare
