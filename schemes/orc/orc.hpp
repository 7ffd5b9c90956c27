// orc: SRE's OU-row compression (Yang et al., ISCA 2019). Inside each strip (one OU column group, ou_cols
// bit-columns, of one crossbar-height row tile of one conv group) the all-zero rows are dropped and the rest packed;
// each kept row keeps its row index inside the tile, which gathers its input. A mapped piece is a whole row tile
// (its row indices span the tile).
#pragma once

#include "reshare/offline/compressed_layer.hpp"

namespace reshare {

// One strip per (group, row tile, OU column group), in that nesting order.
struct OrcTables : SchemeTables {
    std::vector<uint32_t> strip_rows;     // kept rows per strip
    std::vector<uint16_t> kept_row;       // row index inside the tile, per kept row
    std::vector<PatternKey> kept_cells;   // the ou_cols cells of a kept row: cell t at bits [t*cb, (t+1)*cb)

    template <class F>
    static void zip(OrcTables& a, OrcTables& b, F f) {
        f(a.strip_rows, b.strip_rows);
        f(a.kept_row, b.kept_row);
        f(a.kept_cells, b.kept_cells);
    }
};

class OrcScheme : public SchemeDef {
public:
    Scheme id() const override { return Scheme::Orc; }
    const char* name() const override { return "orc"; }
    const char* summary() const override {
        return "SRE's OU-row compression: all-zero OU rows dropped per strip, kept rows with their row indices";
    }
    RESHARE_SCHEME_HOOKS
    int unit_rows(const LayerGeometry& g) const override { return g.xbar_rows; }
    TimingRule timing() const override { return {SharingEngine::Direct, true}; }
    void add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
    std::vector<const char*> held_names() const override { return {"row_index"}; }
};

inline const OrcTables& orc_tables(const CompressedLayer& l) { return l.tables_as<OrcTables>(); }
inline int orc_strips_per_tile(const LayerGeometry& g) { return g.ou_col_groups(); }
inline int orc_strips(const LayerGeometry& g) { return g.groups * g.row_tiles() * orc_strips_per_tile(g); }

}  // namespace reshare
