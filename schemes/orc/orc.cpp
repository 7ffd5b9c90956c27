#include "reshare/schemes/orc/orc.hpp"

#include "reshare/common/multiversion.hpp"
#include "reshare/offline/image_sections.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/schemes/common/tables.hpp"

#include <algorithm>

namespace reshare {
namespace {

// An 8x8 bit matrix, bit 8r + c, transposed to bit 8c + r (three swaps of ever larger blocks).
uint64_t transpose_8x8(uint64_t m) {
    uint64_t t = (m ^ (m >> 7)) & 0x00AA00AA00AA00AAull;
    m ^= t ^ (t << 7);
    t = (m ^ (m >> 14)) & 0x0000CCCC0000CCCCull;
    m ^= t ^ (t << 14);
    t = (m ^ (m >> 28)) & 0x00000000F0F0F0F0ull;
    return m ^ t ^ (t << 28);
}

// The c-cell rows of strip k in one domain: row i's cell t is row i's cell in bit-column k*c + t.
// Only non-zero pattern cells are visited: most of a trained layer's cells are zero.
void strip_rows_of(const PatternKey* keys, int k, const LayerGeometry& g, PatternKey* rows) {
    const int cb = g.cell_bits, first = k * g.ou_cols, last = std::min(g.group_bitcols(), first + g.ou_cols);
    if (cb == 1 && g.ou_rows == 8 && last - first == 8) {   // the default 8x8 OU of 1-bit cells: a bit transpose
        uint64_t m = 0;   // bit 8c + i: row i's cell in the strip's column c
        for (int c = 0; c < 8; ++c) m |= uint64_t(keys[first + c] & 0xff) << (8 * c);
        m = transpose_8x8(m);   // bit 8i + c
        for (int i = 0; i < 8; ++i) rows[i] = PatternKey((m >> (8 * i)) & 0xff);
        return;
    }
    std::fill(rows, rows + g.ou_rows, 0);
    const PatternKey cell_mask = (1u << cb) - 1;
    for (int col = first; col < last; ++col)
        for (PatternKey key = keys[col]; key;) {
            const int bit = __builtin_ctz(key);
            const int i = bit / cb;
            rows[i] |= ((key >> (i * cb)) & cell_mask) << ((col - first) * cb);
            key &= ~(cell_mask << (i * cb));
        }
}

// Appends the non-zero rows of `rows` (count of them, row indices first_row, first_row + 1, ...) to the kept-row
// tables. One-byte entries (the default geometry: VGG16 keeps 111 M rows) are written in place, every row stored
// and the end advanced past the non-zero ones only - no branch on the data, no per-byte push_back.
void keep_rows(const PatternKey* rows, int count, int first_row, OrcTables& t) {
    if (t.kept_row.width != 1 || t.kept_cells.width != 1) {
        for (int i = 0; i < count; ++i)
            if (rows[i]) t.kept_row.push_back(uint32_t(first_row + i)), t.kept_cells.push_back(rows[i]);
        return;
    }
    size_t n = t.kept_row.bytes.size();
    t.kept_row.bytes.resize(n + size_t(count));
    t.kept_cells.bytes.resize(n + size_t(count));
    uint8_t* row = t.kept_row.bytes.data();
    uint8_t* cells = t.kept_cells.bytes.data();
    for (int i = 0; i < count; ++i) {
        row[n] = uint8_t(first_row + i), cells[n] = uint8_t(rows[i]);
        n += rows[i] != 0;
    }
    t.kept_row.bytes.resize(n);
    t.kept_cells.bytes.resize(n);
}

// Row tiles [begin, end) (tile index over all groups: group-major). A tile is xbar_rows rows, i.e.
// xbar_rows / ou_rows whole domains, so its strips are built from the domains' pattern keys: every domain's strip
// rows first, then strip by strip the kept ones, straight into the tables in their order.
OrcTables build_tiles(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, int begin, int end) {
    OrcTables part = orc_tables_for(g);
    const DomainKeyer keyer(bs, g);
    const int strips = g.ou_col_groups(), domains_per_tile = g.xbar_rows / g.ou_rows, R = g.ou_rows;
    std::vector<PatternKey> keys(g.group_bitcols());
    std::vector<PatternKey> rows(size_t(domains_per_tile) * strips * R);   // domain q, strip k: at (q * strips + k) * R
    for (int t = begin; t < end; ++t) {
        const int group = t / g.row_tiles(), tile = t % g.row_tiles();
        const int domains = std::min(domains_per_tile, g.row_groups() - tile * domains_per_tile);
        for (int q = 0; q < domains; ++q) {
            keyer.keys(m, group * g.row_groups() + tile * domains_per_tile + q, keys.data());
            for (int k = 0; k < strips; ++k) strip_rows_of(keys.data(), k, g, &rows[(size_t(q) * strips + k) * R]);
        }
        for (int k = 0; k < strips; ++k) {
            const size_t before = part.kept_row.size();
            for (int q = 0; q < domains; ++q) keep_rows(&rows[(size_t(q) * strips + k) * R], R, q * R, part);
            part.strip_rows.push_back(uint32_t(part.kept_row.size() - before));
        }
    }
    return part;
}

// A kept row of the last row tile must lie above the matrix's last row.
void check_rows_inside_matrix(const ImageReader& r, const LayerGeometry& g, const OrcTables& t) {
    const std::vector<uint64_t> start = offsets(t.strip_rows);
    for (int s = 0; s < orc_strips(g); ++s) {
        const int row0 = (s / orc_strips_per_tile(g) % g.row_tiles()) * g.xbar_rows;
        for (uint64_t k = start[s]; k < start[s + 1]; ++k)
            r.fail_if(int64_t(row0) + t.kept_row[k] >= g.rows, "row index below the last matrix row");
    }
}

// Per 8-bit row of cells, the 8 column masks (all ones where the cell is 1).
struct BitMasks {
    int64_t of[256][8];
    BitMasks() {
        for (int v = 0; v < 256; ++v)
            for (int c = 0; c < 8; ++c) of[v][c] = -int64_t((v >> c) & 1);
    }
};

// The default geometry's strip (8 columns of 1-bit cells, one-byte entries): each kept row adds its input into the
// columns its cell bits select, masked rather than branched, into 8 sums a vector register holds (the row's 8
// masks are one load). Multi-versioned (common/multiversion.hpp). VGG16's fc6 alone keeps ~80 M rows, each visited
// per input vector.
RESHARE_MULTIVERSION void add_bit_rows(const uint8_t* row, const uint8_t* cells, size_t count, const int32_t* xs,
                                       int64_t* out) {
    static const BitMasks masks;
    int64_t sum[8] = {};
    for (size_t r = 0; r < count; ++r) {
        const int64_t x = xs[row[r]];
        const int64_t* m = masks.of[cells[r]];
        for (int c = 0; c < 8; ++c) sum[c] += x & m[c];
    }
    for (int c = 0; c < 8; ++c) out[c] += sum[c];
}

// A row tile's strips: every kept row's cells times the input its row index gathers.
class OrcDatapath : public UnitDatapath {
public:
    explicit OrcDatapath(const CompressedLayer& l) : t_(orc_tables(l)), g_(l.geo), sstart_(offsets(t_.strip_rows)) {}
    void results(int u, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>&) const override {
        const int strips = orc_strips_per_tile(g_), W = g_.group_bitcols(), cb = g_.cell_bits;
        const bool bit_rows = cb == 1 && g_.ou_cols == 8 && t_.kept_row.width == 1 && t_.kept_cells.width == 1;
        for (int k = 0; k < strips; ++k) {
            const size_t strip = size_t(u) * strips + k;
            const int cols = std::min(g_.ou_cols, W - k * g_.ou_cols);
            if (bit_rows && cols == 8) {
                add_bit_rows(&t_.kept_row.bytes[sstart_[strip]], &t_.kept_cells.bytes[sstart_[strip]],
                             size_t(sstart_[strip + 1] - sstart_[strip]), xs, results + k * 8);
                continue;
            }
            for (uint64_t r = sstart_[strip]; r < sstart_[strip + 1]; ++r) {
                const int32_t x = xs[t_.kept_row[r]];
                if (!x) continue;   // adds nothing: ReLU's zeros, and the rows a probe leaves out (most of a tile's)
                const PatternKey cells = t_.kept_cells[r];
                for (int c = 0; c < cols; ++c) results[k * g_.ou_cols + c] += int64_t(pattern_cell(cells, c, cb)) * x;
            }
        }
    }

private:
    const OrcTables& t_;
    const LayerGeometry& g_;
    std::vector<uint64_t> sstart_;
};

}  // namespace

std::shared_ptr<const SchemeTables> OrcScheme::compress(const QuantizedMatrix& m, const BitSlicing& bs,
                                                        const LayerGeometry& g, const HwConfig&, int threads) const {
    // At most every row of every strip is kept (dense layers keep nearly all).
    auto reserve = [&](OrcTables& t) {
        const size_t strips = size_t(orc_strips(g));
        t = orc_tables_for(g);
        t.strip_rows.reserve(strips);
        t.kept_row.bytes.reserve(strips * g.xbar_rows * t.kept_row.width);
        t.kept_cells.bytes.reserve(strips * g.xbar_rows * t.kept_cells.width);
    };
    return build_in_parallel<OrcTables>(g.groups * g.row_tiles(), threads, reserve,
                                        [&](int b, int e) { return build_tiles(m, bs, g, b, e); });
}

namespace {

// One entry per kept row in a narrow section (ImageWriter::narrow): the bytes themselves where entries are one byte.
void encode_entries(ImageWriter& w, const char tag[4], const PackedEntries& e) {
    if (e.width == 1) return w.narrow(tag, e.bytes);
    std::vector<uint32_t> values(e.size());
    for (size_t k = 0; k < values.size(); ++k) values[k] = e[k];
    w.narrow(tag, values);
}

// A narrow section into entries of `width` bytes, each below `limit`.
PackedEntries decode_entries(const ImageReader& r, const char* tag, int width, uint64_t limit, const char* problem) {
    PackedEntries e;
    e.width = width;
    if (width == 1) {
        e.bytes = r.narrow<uint8_t>(tag);
        r.fail_if(!all_below(e.bytes, limit), problem);
        return e;
    }
    const std::vector<uint32_t> values = r.narrow<uint32_t>(tag);
    r.fail_if(!all_below(values, limit), problem);
    e.bytes.reserve(values.size() * width);
    for (uint32_t v : values) e.push_back(v);
    return e;
}

}  // namespace

void OrcScheme::encode(const CompressedLayer& l, ImageWriter& w) const {
    const OrcTables& t = orc_tables(l);
    w.narrow("STRW", t.strip_rows);
    encode_entries(w, "KROW", t.kept_row);
    encode_entries(w, "KCEL", t.kept_cells);
}

std::shared_ptr<const SchemeTables> OrcScheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    auto t = std::make_shared<OrcTables>();
    t->strip_rows = r.narrow<uint32_t>("STRW");
    t->kept_row = decode_entries(r, "KROW", orc_row_width(g), uint64_t(g.xbar_rows), "row index outside the crossbar");
    t->kept_cells = decode_entries(r, "KCEL", orc_cells_width(g), uint64_t(1) << (g.ou_cols * g.cell_bits),
                                   "row cells wider than an OU");
    r.fail_if(t->strip_rows.size() != size_t(orc_strips(g)), "strip count does not match the geometry");
    r.fail_if(!all_below(t->strip_rows, uint64_t(g.xbar_rows) + 1), "a strip keeps more rows than a tile has");
    r.fail_if(sum(t->strip_rows) != t->kept_row.size() || t->kept_row.size() != t->kept_cells.size(),
              "kept-row tables disagree in length");
    check_rows_inside_matrix(r, g, *t);
    return t;
}

// Per row tile: ceil(kept rows / ou_rows) OUs in each of its strips.
std::vector<uint32_t> OrcScheme::unit_ous(const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    const OrcTables& t = orc_tables(l);
    const int strips = orc_strips_per_tile(g);
    std::vector<uint32_t> ous;
    for (int tile = 0; tile < g.groups * g.row_tiles(); ++tile) {
        uint32_t n = 0;
        for (int k = 0; k < strips; ++k) n += uint32_t(ceil_div(t.strip_rows[size_t(tile) * strips + k], g.ou_rows));
        ous.push_back(n);
    }
    return ous;
}

// Each row tile's kept-row indices (the paper's ceil(log2 R) bits per kept row), in its CU's index buffer.
void OrcScheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const LayerGeometry& g = l.geo;
    const OrcTables& t = orc_tables(l);
    const int strips = orc_strips_per_tile(g);
    for (size_t tile = 0; tile < units.size(); ++tile) {
        uint64_t kept = 0;
        for (int k = 0; k < strips; ++k) kept += t.strip_rows[tile * strips + k];
        units[tile].held.push_back(
            {"row_index", kept * uint64_t(index_bits(g.xbar_rows)), hw::Holding::Summed, hw::Placement::Edram});
    }
}

std::unique_ptr<UnitDatapath> OrcScheme::datapath(const CompressedLayer& l) const { return std::make_unique<OrcDatapath>(l); }

}  // namespace reshare
