// orc: SRE's OU-row compression (Yang et al., ISCA 2019). Inside each strip (one OU column group, ou_cols
// bit-columns, of one crossbar-height row tile of one conv group) the all-zero rows are dropped and the rest packed;
// each kept row keeps its row index inside the tile, which gathers its input. A mapped piece is a whole row tile
// (its row indices span the tile).
#pragma once

#include "reshare/offline/compressed_layer.hpp"
#include "reshare/offline/image_sections.hpp"

namespace reshare {

// Unsigned entries of `width` bytes each (1, 2 or 4), low byte first: as narrow as the geometry allows. ORC keeps
// two entries per kept row, and VGG16 keeps 111 M rows (`reshare compress --model vgg16 --scheme orc`: the row_index
// storage bits over 7): a row index and its cells in one byte each (the default 128-row crossbar, 8x8 OU of 1-bit
// cells) take 0.44 GB less than in 2 and 4.
struct PackedEntries {
    int width = 1;
    std::vector<uint8_t> bytes;

    size_t size() const { return bytes.size() / size_t(width); }
    uint32_t operator[](size_t k) const {
        if (width == 1) return bytes[k];
        uint32_t v = 0;
        for (int b = 0; b < width; ++b) v |= uint32_t(bytes[k * width + b]) << (8 * b);
        return v;
    }
    void push_back(uint32_t v) {
        for (int b = 0; b < width; ++b) bytes.push_back(uint8_t(v >> (8 * b)));
    }
};

// One strip per (group, row tile, OU column group), in that nesting order.
struct OrcTables : SchemeTables {
    std::vector<uint32_t> strip_rows;   // kept rows per strip
    PackedEntries kept_row;             // row index inside the tile, per kept row (orc_row_width bytes)
    PackedEntries kept_cells;           // the ou_cols cells of a kept row, cell t at bits [t*cb, (t+1)*cb) (orc_cells_width)

    template <class F>
    static void zip(OrcTables& a, OrcTables& b, F f) {
        f(a.strip_rows, b.strip_rows);
        f(a.kept_row.bytes, b.kept_row.bytes);
        f(a.kept_cells.bytes, b.kept_cells.bytes);
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
// Entry widths by the geometry: a row index below xbar_rows, ou_cols cells of cell_bits each.
inline int orc_row_width(const LayerGeometry& g) { return int(narrow_width(uint64_t(g.xbar_rows) - 1)); }
inline int orc_cells_width(const LayerGeometry& g) {
    return int(narrow_width((uint64_t(1) << (g.ou_cols * g.cell_bits)) - 1));
}
// Empty tables with the widths of the geometry.
inline OrcTables orc_tables_for(const LayerGeometry& g) {
    OrcTables t;
    t.kept_row.width = orc_row_width(g);
    t.kept_cells.width = orc_cells_width(g);
    return t;
}
inline int orc_strips_per_tile(const LayerGeometry& g) { return g.ou_col_groups(); }
inline int orc_strips(const LayerGeometry& g) { return g.groups * g.row_tiles() * orc_strips_per_tile(g); }

}  // namespace reshare
