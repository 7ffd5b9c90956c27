// sme: SME (Liu et al., ICCD 2021; ../shared/reference/other-schemes.md, section 2): bit-sparse quantization,
// inter-crossbar bit-slicing and squeeze-out. It changes the weights, so the reference runs its effective weights.
//
// 1. Quantization (bit_sparse.hpp): every int8 magnitude keeps at most S = sme.window_bits consecutive ones from its
//    leading one, rounded to nearest. Signs go to separate positive and negative arrays (our reading: the window
//    exists only for magnitudes; the paper does not say), so the scheme needs the differential encoding.
// 2. Inter-crossbar bit-slicing: a crossbar group is one weight tile (crossbar.rows rows x crossbar.cols weight
//    columns of one conv group) of one polarity; bit m of its magnitudes goes to bit-crossbar m. All-zero
//    bit-crossbars are released; the kept ones are the group's light-weight index (one bit per bit-crossbar).
// 3. Squeeze-out, D = sme.squeeze_bits times: the rows that are non-empty in the group's top bit-crossbar move one
//    bit-crossbar down (their last bit dropped) and their input is doubled, a one-cycle delay (each row's shift
//    0..D is its Row Conversion Mask Register entry, our reading of iterating the squeeze). The paper's rule (IV-C)
//    decides each step: squeeze only while the rows moved so far, A, satisfy A <= K x Ma / (Mw - d) (K rows, Ma input
//    bits, Mw magnitude bits, d steps); an already empty top bit-crossbar is released for free.
// Mapping: every kept bit-crossbar is cut into OUs as usual and all of them fire; the mapped piece is a domain (one
// OU-row group of a conv group, as for dense): its OU-row of every kept bit-crossbar of its row tile. An OU takes
// input_bits plus its rows' largest shift input cycles.
#pragma once

#include "reshare/offline/compressed_layer.hpp"

namespace reshare {

// Crossbar groups, one per (conv group, row tile, column tile, polarity), in that nesting order.
struct SmeTables : SchemeTables {
    int window_bits = 3, squeeze_bits = 1;   // S and D the layer was compressed with
    std::vector<int8_t> weights;             // rows x cols: the S-window weights, before squeeze-out
    std::vector<uint8_t> shift;              // per group, crossbar.rows entries: each row's RCMR shift (0..D)
    std::vector<uint8_t> kept;               // per group: bit m set = bit-crossbar m kept (the light-weight index)

    template <class F>
    static void zip(SmeTables& a, SmeTables& b, F f) {
        f(a.shift, b.shift);
        f(a.kept, b.kept);
    }
};

class SmeScheme : public SchemeDef {
public:
    Scheme id() const override { return Scheme::Sme; }
    const char* name() const override { return "sme"; }
    const char* summary() const override {
        return "SME: bit-sparse weights on bit-crossbars, empty ones released, sparse MSB crossbars squeezed out "
               "(changes the weights)";
    }
    RESHARE_SCHEME_HOOKS
    std::string config_problem(const HwConfig& c) const override;
    std::vector<int8_t> effective_weights(const CompressedLayer& l) const override;
    bool changes_weights() const override { return true; }
    TimingRule timing() const override { return {SharingEngine::Direct, false, false}; }
    void add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
    std::vector<const char*> held_names() const override { return {"crossbar_index", "rcmr"}; }
    void add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
};

inline const SmeTables& sme_tables(const CompressedLayer& l) { return l.tables_as<SmeTables>(); }

// Geometry of the crossbar groups.
inline int sme_magnitude_bits(const LayerGeometry& g) { return g.planes / 2; }
inline int sme_col_tiles(const LayerGeometry& g) { return (g.group_cols() + g.xbar_cols - 1) / g.xbar_cols; }
inline int sme_groups_per_unit(const LayerGeometry& g) { return sme_col_tiles(g) * 2; }
inline int sme_groups(const LayerGeometry& g) { return g.groups * g.row_tiles() * sme_groups_per_unit(g); }

// The squeeze-out of one crossbar group (tested directly): the rows' magnitudes (rows x cols, row-major), K rows
// of a crossbar, Ma input bits, Mw magnitude bits, D steps at most. Returns each row's shift.
std::vector<uint8_t> sme_squeeze(const std::vector<uint8_t>& magnitudes, int rows, int cols, int K, int Ma, int Mw, int D);
// The paper's cost rule: squeezing d bits out of a group whose A of K rows move pays off.
bool sme_squeeze_pays(int A, int K, int Ma, int Mw, int d);

}  // namespace reshare
