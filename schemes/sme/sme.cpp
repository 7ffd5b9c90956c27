#include "reshare/schemes/sme/sme.hpp"

#include "reshare/common/parallel.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/offline/image_sections.hpp"
#include "reshare/schemes/common/tables.hpp"
#include "reshare/schemes/sme/bit_sparse.hpp"

#include <algorithm>

namespace reshare {
namespace {

// Where crossbar group (column tile ct, polarity pol) of row tile `tile_index` lies in the matrix.
struct Group {
    int index;          // in SmeTables::shift / kept order
    int row0, rows;     // matrix rows of the row tile
    int col0, cols;     // matrix columns of the column tile
    int group_col0;     // the tile's first column inside its conv group
    int pol;            // 0: positive array, 1: negative
};

Group group_of(const LayerGeometry& g, int tile_index, int ct, int pol) {
    const int conv = tile_index / g.row_tiles(), tile = tile_index % g.row_tiles();
    Group x;
    x.index = (tile_index * sme_col_tiles(g) + ct) * 2 + pol;
    x.row0 = tile * g.xbar_rows;
    x.rows = std::min(g.xbar_rows, g.rows - x.row0);
    x.group_col0 = ct * g.xbar_cols;
    x.col0 = conv * g.group_cols() + x.group_col0;
    x.cols = std::min(g.xbar_cols, g.group_cols() - x.group_col0);
    x.pol = pol;
    return x;
}

// `tile` numbers row tiles over all conv groups (group-major).
template <class F>
void for_each_group(const LayerGeometry& g, int tile, F f) {
    for (int ct = 0; ct < sme_col_tiles(g); ++ct)
        for (int pol = 0; pol < 2; ++pol) f(group_of(g, tile, ct, pol));
}

// The mapped piece is a domain (one OU-row group, as for dense): which row tile it lies in, and where in it.
struct DomainInTile {
    int tile;        // row tile over all conv groups
    int first_row;   // the domain's first row inside the tile
    int rows;        // the domain's rows
};

DomainInTile domain_in_tile(const LayerGeometry& g, int d) {
    const int conv = d / g.row_groups(), row0 = (d % g.row_groups()) * g.ou_rows;
    return {conv * g.row_tiles() + row0 / g.xbar_rows, row0 % g.xbar_rows, std::min(g.ou_rows, g.rows - row0)};
}

// For each crossbar group a domain's OU-row crosses: the group, and the domain's rows' shifts in it.
template <class F>
void for_each_domain_group(const LayerGeometry& g, const SmeTables& t, int d, F f) {
    const DomainInTile dt = domain_in_tile(g, d);
    for_each_group(g, dt.tile, [&](const Group& x) { f(x, &t.shift[size_t(x.index) * g.xbar_rows + dt.first_row], dt); });
}

uint8_t magnitude_in(int8_t w, int pol) { return uint8_t(pol ? std::max(-int(w), 0) : std::max(int(w), 0)); }

// The group's magnitudes, rows x cols.
std::vector<uint8_t> magnitudes(const std::vector<int8_t>& weights, const LayerGeometry& g, const Group& x) {
    std::vector<uint8_t> m(size_t(x.rows) * x.cols);
    for (int i = 0; i < x.rows; ++i)
        for (int j = 0; j < x.cols; ++j) m[size_t(i) * x.cols + j] = magnitude_in(weights[size_t(x.row0 + i) * g.cols + x.col0 + j], x.pol);
    return m;
}

// Bit-crossbars holding a one: the OR of every row's stored (shifted) magnitudes.
uint8_t kept_crossbars(const std::vector<uint8_t>& mags, int rows, int cols, const uint8_t* shift) {
    uint8_t kept = 0;
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) kept |= uint8_t(mags[size_t(i) * cols + j] >> shift[i]);
    return kept;
}

SmeTables build_units(const std::vector<int8_t>& weights, const LayerGeometry& g, int input_bits, int D, int begin, int end) {
    SmeTables part;
    for (int u = begin; u < end; ++u)
        for_each_group(g, u, [&](const Group& x) {
            const std::vector<uint8_t> mags = magnitudes(weights, g, x);
            std::vector<uint8_t> shift = sme_squeeze(mags, x.rows, x.cols, g.xbar_rows, input_bits, sme_magnitude_bits(g), D);
            shift.resize(size_t(g.xbar_rows), 0);   // rows below the matrix: never squeezed
            part.kept.push_back(kept_crossbars(mags, x.rows, x.cols, shift.data()));
            append(part.shift, shift);
        });
    return part;
}

int tiles_of(const LayerGeometry& g) { return g.groups * g.row_tiles(); }

// A domain's OU-row of every kept bit-crossbar: each stored one times the input its row's RCMR shifts.
class SmeDatapath : public UnitDatapath {
public:
    explicit SmeDatapath(const CompressedLayer& l) : t_(sme_tables(l)), g_(l.geo) {}
    void results(int d, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>&) const override {
        const int P = g_.planes, half = P / 2;
        for_each_domain_group(g_, t_, d, [&](const Group& x, const uint8_t* shift, const DomainInTile& dt) {
            const uint8_t kept = t_.kept[x.index];
            for (int i = 0; i < std::min(count, dt.rows); ++i) {
                const int64_t in = int64_t(xs[i]) * (int64_t(1) << shift[i]);   // doubled input: the row's bits moved one crossbar down (a multiply: inputs are signed)
                if (!in) continue;
                const int8_t* row = &t_.weights[size_t(x.row0 + dt.first_row + i) * g_.cols + x.col0];
                for (int j = 0; j < x.cols; ++j) {
                    for (unsigned stored = (magnitude_in(row[j], x.pol) >> shift[i]) & kept; stored; stored &= stored - 1)
                        results[size_t(x.group_col0 + j) * P + x.pol * half + __builtin_ctz(stored)] += in;
                }
            }
        });
    }

private:
    const SmeTables& t_;
    const LayerGeometry& g_;
};

}  // namespace

bool sme_squeeze_pays(int A, int K, int Ma, int Mw, int d) {
    // (Ma + d) A + Ma (K - A) <= K Ma Mw / (Mw - d)  <=>  A <= K Ma / (Mw - d), in integers.
    return int64_t(A) * (Mw - d) <= int64_t(K) * Ma;
}

std::vector<uint8_t> sme_squeeze(const std::vector<uint8_t>& mags, int rows, int cols, int K, int Ma, int Mw, int D) {
    std::vector<uint8_t> shift(size_t(rows), 0);
    std::vector<int> movers;
    for (int d = 1; d <= D; ++d) {
        const int top = Mw - d;   // the group's top bit-crossbar now: those above are empty
        movers.clear();
        int moved_before = 0;
        for (int i = 0; i < rows; ++i) {
            uint8_t row = 0;
            for (int j = 0; j < cols; ++j) row |= uint8_t(mags[size_t(i) * cols + j] >> shift[i]);
            if ((row >> top) & 1) movers.push_back(i);
            moved_before += shift[i] > 0;
        }
        if (movers.empty()) continue;   // already empty: released without a squeeze
        int A = moved_before;
        for (int i : movers) A += shift[i] == 0;
        if (!sme_squeeze_pays(A, K, Ma, Mw, d)) break;
        for (int i : movers) ++shift[i];
    }
    return shift;
}

std::string SmeScheme::config_problem(const HwConfig& c) const {
    if (c.encoding != Encoding::Differential)
        return "quantization.encoding: sme needs differential (its bit-sparse window exists only for magnitudes, on "
               "separate positive and negative arrays)";
    if (c.cell_bits != 1) return "crossbar.cell_bits: sme needs 1-bit cells (one bit-crossbar per weight bit)";
    return "";
}

std::shared_ptr<const SchemeTables> SmeScheme::compress(const QuantizedMatrix& m, const BitSlicing&, const LayerGeometry& g,
                                                        const HwConfig& c, int threads) const {
    // Each int8 weight into its S-bit window, by a table of the 256 values (VGG16: 138 M weights).
    const int Mw = sme_magnitude_bits(g);
    int8_t in_window[256];
    for (int w = -128; w < 128; ++w) {
        const int mag = int(sme::round_magnitude(double(std::abs(w)), c.sme_window_bits, Mw));
        in_window[w + 128] = int8_t(w < 0 ? -mag : mag);
    }
    std::vector<int8_t> window(m.q.size());
    for (size_t k = 0; k < m.q.size(); ++k) window[k] = in_window[m.q[k] + 128];
    std::vector<SmeTables> parts = parallel_chunks<SmeTables>(tiles_of(g), threads, [&](int b, int e) {
        return build_units(window, g, c.input_bits, c.sme_squeeze_bits, b, e);
    });
    // Freshly built and not yet shared: the squeeze tables are completed with the weights and parameters.
    auto t = std::const_pointer_cast<SmeTables>(concatenate(parts));
    t->window_bits = c.sme_window_bits;
    t->squeeze_bits = c.sme_squeeze_bits;
    t->weights = std::move(window);
    return t;
}

std::vector<int8_t> SmeScheme::effective_weights(const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    const SmeTables& t = sme_tables(l);
    std::vector<int8_t> out = t.weights;
    auto squeeze = [&](const Group& x) {
        for (int i = 0; i < x.rows; ++i) {
            const int s = t.shift[size_t(x.index) * g.xbar_rows + i];
            for (int j = 0; j < x.cols; ++j) {
                int8_t& w = out[size_t(x.row0 + i) * g.cols + x.col0 + j];
                if ((x.pol == 0) == (w > 0) && w != 0) {   // the weight lives in this polarity's group
                    const int mag = (std::abs(int(w)) >> s) << s;   // squeezed rows lose their last s bits
                    w = int8_t(w < 0 ? -mag : mag);
                }
            }
        }
    };
    // Row tiles hold disjoint rows: over every core.
    parallel_chunks<char>(tiles_of(g), default_threads(), [&](int begin, int end) {
        for (int tile = begin; tile < end; ++tile) for_each_group(g, tile, squeeze);
        return char(0);
    });
    return out;
}

void SmeScheme::encode(const CompressedLayer& l, ImageWriter& w) const {
    const SmeTables& t = sme_tables(l);
    w.array("SMEP", std::vector<int32_t>{t.window_bits, t.squeeze_bits});
    w.array("SWGT", t.weights);
    w.narrow("SSHF", t.shift);
    w.narrow("SKEP", t.kept);
}

std::shared_ptr<const SchemeTables> SmeScheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    r.fail_if(l.encoding != Encoding::Differential || g.cell_bits != 1, "sme layer not on differential 1-bit cells");
    const int Mw = sme_magnitude_bits(g);
    auto t = std::make_shared<SmeTables>();
    const std::vector<int32_t> params = r.array<int32_t>("SMEP");
    r.fail_if(params.size() != 2, "sme parameter section is not (S, D)");
    t->window_bits = params[0];
    t->squeeze_bits = params[1];
    r.fail_if(t->window_bits < 1 || t->window_bits > Mw, "sme window outside 1..magnitude bits");
    r.fail_if(t->squeeze_bits < 0 || t->squeeze_bits >= Mw, "sme squeeze bits outside 0..magnitude bits - 1");
    t->weights = r.array<int8_t>("SWGT");
    r.fail_if(t->weights.size() != size_t(g.rows) * g.cols, "weight section does not match rows x cols");
    const int qmax = (1 << (l.weight_bits - 1)) - 1;
    for (int8_t w : t->weights) {
        r.fail_if(w < -qmax || w > qmax, "weight outside the quantized range");
        r.fail_if(!sme::in_window(uint32_t(std::abs(int(w))), t->window_bits), "weight with ones outside its S-bit window");
    }
    t->shift = r.narrow<uint8_t>("SSHF");
    t->kept = r.narrow<uint8_t>("SKEP");
    r.fail_if(t->shift.size() != size_t(sme_groups(g)) * g.xbar_rows, "row shift table does not match the crossbar groups");
    r.fail_if(t->kept.size() != size_t(sme_groups(g)), "bit-crossbar index does not match the crossbar groups");
    r.fail_if(!all_below(t->shift, uint64_t(t->squeeze_bits) + 1), "row shift larger than the squeeze bits");
    for (int tile = 0; tile < tiles_of(g); ++tile)
        for_each_group(g, tile, [&](const Group& x) {
            const uint8_t* shift = &t->shift[size_t(x.index) * g.xbar_rows];
            r.fail_if(kept_crossbars(magnitudes(t->weights, g, x), x.rows, x.cols, shift) != t->kept[x.index],
                      "bit-crossbar index disagrees with the weights");
        });
    return t;
}

// Per domain: its OU-row of every kept bit-crossbar, every OU column of it.
std::vector<uint32_t> SmeScheme::unit_ous(const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    const SmeTables& t = sme_tables(l);
    std::vector<uint32_t> ous(size_t(g.domains()), 0);
    for (int d = 0; d < g.domains(); ++d)
        for_each_domain_group(g, t, d, [&](const Group& x, const uint8_t*, const DomainInTile&) {
            ous[d] += uint32_t(__builtin_popcount(t.kept[x.index]) * ceil_div(x.cols, g.ou_cols));
        });
    return ous;
}

// The light-weight index (one bit per bit-crossbar of each group, held with the tile's first domain) and the RCMR
// (each row's shift, in bits that count 0..D), kept by the CU with its tables.
void SmeScheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const LayerGeometry& g = l.geo;
    const SmeTables& t = sme_tables(l);
    const uint64_t groups = uint64_t(sme_groups_per_unit(g));
    for (int d = 0; d < int(units.size()); ++d) {
        const DomainInTile dt = domain_in_tile(g, d);
        if (dt.first_row == 0)
            units[d].held.push_back({"crossbar_index", groups * uint64_t(sme_magnitude_bits(g)), hw::Holding::Summed, hw::Placement::Edram});
        if (t.squeeze_bits > 0)
            units[d].held.push_back({"rcmr", groups * uint64_t(dt.rows) * uint64_t(index_bits(uint64_t(t.squeeze_bits) + 1)),
                                     hw::Holding::Summed, hw::Placement::Edram});
    }
}

// Each OU's extra input cycles: the largest shift among its rows (an OU fires its rows together).
void SmeScheme::add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const LayerGeometry& g = l.geo;
    const SmeTables& t = sme_tables(l);
    for (int d = 0; d < int(units.size()); ++d)
        for_each_domain_group(g, t, d, [&](const Group& x, const uint8_t* shift, const DomainInTile& dt) {
            const uint8_t most = *std::max_element(shift, shift + dt.rows);
            const size_t ous = size_t(__builtin_popcount(t.kept[x.index])) * ceil_div(x.cols, g.ou_cols);
            units[d].ou_extra_cycles.insert(units[d].ou_extra_cycles.end(), ous, most);
        });
}

std::unique_ptr<UnitDatapath> SmeScheme::datapath(const CompressedLayer& l) const { return std::make_unique<SmeDatapath>(l); }

}  // namespace reshare
