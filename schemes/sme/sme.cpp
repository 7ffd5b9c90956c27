#include "schemes/sme/sme.hpp"

#include "common/parallel.hpp"
#include "hw/timing/cu_pipeline.hpp"
#include "offline/image_sections.hpp"
#include "schemes/common/tables.hpp"
#include "schemes/sme/bit_sparse.hpp"

#include <algorithm>

namespace reshare {
namespace {

// Where crossbar group (column tile ct, polarity pol) of mapped piece `unit` lies in the matrix.
struct Group {
    int index;          // in SmeTables::shift / kept order
    int row0, rows;     // matrix rows of the row tile
    int col0, cols;     // matrix columns of the column tile
    int group_col0;     // the tile's first column inside its conv group
    int pol;            // 0: positive array, 1: negative
};

Group group_of(const LayerGeometry& g, int unit, int ct, int pol) {
    const int conv = unit / g.row_tiles(), tile = unit % g.row_tiles();
    Group x;
    x.index = (unit * sme_col_tiles(g) + ct) * 2 + pol;
    x.row0 = tile * g.xbar_rows;
    x.rows = std::min(g.xbar_rows, g.rows - x.row0);
    x.group_col0 = ct * g.xbar_cols;
    x.col0 = conv * g.group_cols() + x.group_col0;
    x.cols = std::min(g.xbar_cols, g.group_cols() - x.group_col0);
    x.pol = pol;
    return x;
}

template <class F>
void for_each_group(const LayerGeometry& g, int unit, F f) {
    for (int ct = 0; ct < sme_col_tiles(g); ++ct)
        for (int pol = 0; pol < 2; ++pol) f(group_of(g, unit, ct, pol));
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

int units_of(const LayerGeometry& g) { return g.groups * g.row_tiles(); }

// A row tile's kept bit-crossbars: each stored one times the input its row's RCMR shifts.
class SmeDatapath : public UnitDatapath {
public:
    explicit SmeDatapath(const CompressedLayer& l) : t_(sme_tables(l)), g_(l.geo) {}
    void results(int u, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>&) const override {
        const int P = g_.planes, half = P / 2;
        for_each_group(g_, u, [&](const Group& x) {
            const uint8_t kept = t_.kept[x.index];
            const uint8_t* shift = &t_.shift[size_t(x.index) * g_.xbar_rows];
            for (int i = 0; i < std::min(count, x.rows); ++i) {
                const int64_t in = int64_t(xs[i]) << shift[i];   // doubled input: the row's bits moved one crossbar down
                if (!in) continue;
                const int8_t* row = &t_.weights[size_t(x.row0 + i) * g_.cols + x.col0];
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
    const int Mw = sme_magnitude_bits(g);
    std::vector<int8_t> window(m.q.size());
    for (size_t k = 0; k < m.q.size(); ++k) {
        const int w = m.q[k];
        const int mag = int(sme::round_magnitude(double(std::abs(w)), c.sme_window_bits, Mw));
        window[k] = int8_t(w < 0 ? -mag : mag);
    }
    std::vector<SmeTables> parts = parallel_chunks<SmeTables>(units_of(g), threads, [&](int b, int e) {
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
    for (int u = 0; u < units_of(g); ++u)
        for_each_group(g, u, [&](const Group& x) {
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
    for (int u = 0; u < units_of(g); ++u)
        for_each_group(g, u, [&](const Group& x) {
            const uint8_t* shift = &t->shift[size_t(x.index) * g.xbar_rows];
            r.fail_if(kept_crossbars(magnitudes(t->weights, g, x), x.rows, x.cols, shift) != t->kept[x.index],
                      "bit-crossbar index disagrees with the weights");
        });
    return t;
}

// Per row tile: every OU of every kept bit-crossbar.
std::vector<uint32_t> SmeScheme::unit_ous(const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    const SmeTables& t = sme_tables(l);
    std::vector<uint32_t> ous(size_t(units_of(g)), 0);
    for (int u = 0; u < units_of(g); ++u)
        for_each_group(g, u, [&](const Group& x) {
            ous[u] += uint32_t(__builtin_popcount(t.kept[x.index]) * ceil_div(x.rows, g.ou_rows) * ceil_div(x.cols, g.ou_cols));
        });
    return ous;
}

// The light-weight index (one bit per bit-crossbar of each group) and the RCMR (each row's shift, in bits that count
// 0..D), kept by the CU with its tables.
void SmeScheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const LayerGeometry& g = l.geo;
    const SmeTables& t = sme_tables(l);
    const uint64_t groups = uint64_t(sme_groups_per_unit(g));
    for (hw::WorkUnit& u : units) {
        u.held.push_back({"crossbar_index", groups * uint64_t(sme_magnitude_bits(g)), hw::Holding::Summed, hw::Placement::Edram});
        if (t.squeeze_bits > 0)
            u.held.push_back({"rcmr", groups * g.xbar_rows * uint64_t(index_bits(uint64_t(t.squeeze_bits) + 1)),
                              hw::Holding::Summed, hw::Placement::Edram});
    }
}

// Each OU's extra input cycles: the largest shift among its rows (an OU fires its rows together).
void SmeScheme::add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const LayerGeometry& g = l.geo;
    const SmeTables& t = sme_tables(l);
    for (int u = 0; u < int(units.size()); ++u) {
        std::vector<uint8_t>& extra = units[u].ou_extra_cycles;
        for_each_group(g, u, [&](const Group& x) {
            const uint8_t* shift = &t.shift[size_t(x.index) * g.xbar_rows];
            const int ou_row_groups = int(ceil_div(x.rows, g.ou_rows)), ou_col_groups = int(ceil_div(x.cols, g.ou_cols));
            for (int planes = __builtin_popcount(t.kept[x.index]); planes > 0; --planes)
                for (int q = 0; q < ou_row_groups; ++q) {
                    const uint8_t* first = shift + q * g.ou_rows;
                    const uint8_t most = *std::max_element(first, first + std::min(g.ou_rows, x.rows - q * g.ou_rows));
                    extra.insert(extra.end(), size_t(ou_col_groups), most);
                }
        });
    }
}

std::unique_ptr<UnitDatapath> SmeScheme::datapath(const CompressedLayer& l) const { return std::make_unique<SmeDatapath>(l); }

}  // namespace reshare
