#include "reshare/offline/functional.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/multiversion.hpp"
#include "reshare/common/parallel.hpp"

#include <algorithm>
#include <cstdint>

namespace reshare {
namespace {

void check_input(const CompressedLayer& l, const std::vector<int32_t>& x) {
    const size_t want = size_t(l.geo.groups) * l.geo.rows;
    if (x.size() != want)
        throw Error("layer " + l.name + ": input vector has " + std::to_string(x.size()) + " values, expected " +
                    std::to_string(want));
}

}  // namespace

std::vector<int64_t> reference_mvm(const QuantizedMatrix& m, const std::vector<int32_t>& x) {
    if (x.size() != size_t(m.groups) * m.rows)
        throw Error("layer " + m.name + ": input vector has " + std::to_string(x.size()) + " values");
    std::vector<int64_t> y(m.cols, 0);
    const int gc = m.group_cols();
    for (int h = 0; h < m.rows; ++h)
        for (int j = 0; j < m.cols; ++j) y[j] += int64_t(m.at(h, j)) * x[size_t(j / gc) * m.rows + h];
    return y;
}

// Bit-serial: each input bit's 0/1 wordline vector through the datapath, weighted by the bit's significance. The
// offset correction is linear in the inputs, so its per-bit shares add up to the whole.
std::vector<int64_t> compressed_mvm(const CompressedLayer& l, const std::vector<int32_t>& x) {
    check_input(l, x);
    const FastDatapath datapath(l);
    std::vector<int64_t> y(size_t(l.geo.cols), 0), part(y.size());
    std::vector<int32_t> bits(x.size());
    for (int b = 0; b < l.input_bits; ++b) {
        const int64_t weight = b == l.input_bits - 1 ? -(int64_t(1) << b) : int64_t(1) << b;
        for (size_t i = 0; i < x.size(); ++i) bits[i] = int32_t((uint32_t(x[i]) >> b) & 1u);
        datapath.run(bits.data(), 1, part.data());
        for (size_t j = 0; j < y.size(); ++j) y[j] += weight * part[j];
    }
    return y;
}

std::vector<int8_t> reconstruct(const CompressedLayer& l) {
    const LayerGeometry& g = l.geo;
    const BitSlicing bs = slicing_of(l);
    const SchemeDef& def = scheme_def(l.scheme);
    const std::unique_ptr<UnitDatapath> datapath = def.datapath(l);
    const int unit_rows = def.unit_rows(g), per_group = int(ceil_div(g.rows, unit_rows)), P = g.planes;
    std::vector<int8_t> w(size_t(g.rows) * g.cols);
    std::vector<int64_t> results(g.group_bitcols()), scratch;
    std::vector<int32_t> one_hot(unit_rows);
    std::vector<uint32_t> cells(P);
    for (int u = 0; u < g.groups * per_group; ++u) {
        const int group = u / per_group, row0 = (u % per_group) * unit_rows, count = std::min(unit_rows, g.rows - row0);
        for (int i = 0; i < count; ++i) {
            std::fill(one_hot.begin(), one_hot.end(), 0);
            one_hot[i] = 1;
            std::fill(results.begin(), results.end(), 0);
            datapath->results(u, one_hot.data(), count, results.data(), scratch);
            for (int j = 0; j < g.group_cols(); ++j) {
                for (int p = 0; p < P; ++p) cells[p] = uint32_t(results[size_t(j) * P + p]);
                w[size_t(row0 + i) * g.cols + size_t(group) * g.group_cols() + j] = int8_t(bs.weight_of(cells.data()));
            }
        }
    }
    return w;
}

FastDatapath::FastDatapath(const CompressedLayer& l, uint64_t vectors) : l_(l) {
    const SchemeDef& def = scheme_def(l.scheme);
    scheme_ = def.datapath(l);
    unit_rows_ = def.unit_rows(l.geo);
    units_per_group_ = int(ceil_div(l.geo.rows, unit_rows_));
    units_ = l.geo.groups * units_per_group_;
    const BitSlicing bs = slicing_of(l);
    for (int p = 0; p < l.geo.planes; ++p) significance_.push_back(bs.significance(p));
    offset_ = bs.offset();
    cell_bits_ = bs.cell_bits();
    // Probing a unit costs one datapath pass per row; running it costs one per vector.
    if (vectors < uint64_t(unit_rows_)) return;
    coefficients_.resize(size_t(units_));
    sum_bound_.resize(size_t(units_));
    packed_.resize(size_t(units_));
    parallel_chunks<char>(units_, default_threads(), [&](int begin, int end) {
        Scratch s(l_.geo.group_bitcols());
        for (int u = begin; u < end; ++u) probe(u, s);
        return char(0);
    });
}

int FastDatapath::probed_units() const {
    return int(std::count_if(coefficients_.begin(), coefficients_.end(), [](const auto& c) { return !c.empty(); }));
}

int FastDatapath::packed_units() const { return int(std::count(packed_.begin(), packed_.end(), char(1))); }

FastDatapath::UnitRows FastDatapath::rows_of(int u) const {
    const int row0 = (u % units_per_group_) * unit_rows_;
    return {u / units_per_group_, row0, std::min(unit_rows_, l_.geo.rows - row0)};
}

// Row i's coefficient for output j is the unit's output j for the one-hot input e_i: its cells' results in the
// bit-columns of output j, shift-added over planes, less the offset encoding's correction (the input sums to 1).
// Kept as int16 only when every partial sum of the product then fits int32 (valid tables give the int8 weights);
// otherwise the unit runs per vector.
void FastDatapath::probe(int u, Scratch& s) {
    const UnitRows r = rows_of(u);
    const int W = l_.geo.group_bitcols(), P = l_.geo.planes, gc = l_.geo.group_cols();
    std::vector<int64_t> cells(size_t(r.count) * W);
    packed_[size_t(u)] = packed_cells(u, r.count, cells, s);
    if (!packed_[size_t(u)]) one_hot_cells(u, r.count, cells, s);
    std::vector<int16_t> c(size_t(r.count) * gc);
    int64_t largest = 0;
    for (int i = 0; i < r.count; ++i)
        for (int j = 0; j < gc; ++j) {
            int64_t v = -offset_;
            for (int p = 0; p < P; ++p) v += significance_[size_t(p)] * cells[size_t(i) * W + size_t(j) * P + p];
            largest = std::max(largest, v < 0 ? -v : v);
            c[size_t(i) * gc + j] = int16_t(v);
        }
    sum_bound_[size_t(u)] = largest * 128 * r.count;   // |int8 input| <= 128
    if (largest <= INT16_MAX && sum_bound_[size_t(u)] <= INT32_MAX) coefficients_[size_t(u)] = std::move(c);
}

// One datapath pass holds several rows' one-hot results: row k of the pass gets the input 2^(f k), so by linearity
// each bit-column's result is the sum of the rows' results in f-bit fields. A one-hot result is one cell's value
// (0 .. 2^cell_bits - 1), or twice that for SME's shifted rows; f = cell_bits + 3 and fields must lie in
// [-2^(f-2), 2^(f-2)), so a result outside that shows as a field out of range or a remainder above the top field
// (and the unit falls back to a row a pass). A last pass with every row at 1 must give each column the sum of its
// decoded fields, which a carry between fields would break. 30 / f + 1 rows fit an int32 input.
bool FastDatapath::packed_cells(int u, int count, std::vector<int64_t>& cells, Scratch& s) const {
    const int W = l_.geo.group_bitcols(), f = cell_bits_ + 3, per_pass = std::min(count, 30 / f + 1);
    const int64_t bound = int64_t(1) << (f - 2), mask = (int64_t(1) << f) - 1;
    std::vector<int32_t> x(static_cast<size_t>(count));
    auto pass = [&] {
        std::fill(s.results.begin(), s.results.end(), 0);
        scheme_->results(u, x.data(), count, s.results.data(), s.values);
    };
    int64_t bad = 0;   // any field's top bit, any remainder above the top field: a field out of range
    for (int i0 = 0; i0 < count; i0 += per_pass) {
        const int k = std::min(per_pass, count - i0);
        std::fill(x.begin(), x.end(), 0);
        int64_t biased = 0;   // bound in every field makes each valid field's value non-negative: plain bit fields
        for (int i = 0; i < k; ++i) x[size_t(i0 + i)] = int32_t(1) << (f * i), biased += bound << (f * i);
        pass();
        int64_t* r = s.results.data();
        for (int col = 0; col < W; ++col) {
            r[col] += biased;
            bad |= (r[col] >> (f * k)) | (r[col] < 0);
        }
        for (int i = 0; i < k; ++i) {
            int64_t* out = &cells[size_t(i0 + i) * W];
            for (int col = 0; col < W; ++col) {
                const int64_t field = (r[col] >> (f * i)) & mask;
                bad |= field & (bound << 1);
                out[col] = field - bound;
            }
        }
    }
    if (bad) return false;
    std::fill(x.begin(), x.end(), 1);
    pass();
    for (int col = 0; col < W; ++col) {
        int64_t sum = 0;
        for (int i = 0; i < count; ++i) sum += cells[size_t(i) * W + col];
        if (sum != s.results[size_t(col)]) return false;
    }
    return true;
}

void FastDatapath::one_hot_cells(int u, int count, std::vector<int64_t>& cells, Scratch& s) const {
    const int W = l_.geo.group_bitcols();
    std::vector<int32_t> x(static_cast<size_t>(count), 0);
    for (int i = 0; i < count; ++i) {
        x[size_t(i)] = 1;
        std::fill(s.results.begin(), s.results.end(), 0);
        scheme_->results(u, x.data(), count, s.results.data(), s.values);
        x[size_t(i)] = 0;
        std::copy(s.results.begin(), s.results.begin() + W, cells.begin() + long(i) * W);
    }
}

// acc[v] += x[v] of the unit's rows times its coefficients: per vector, row by row into int32 partial sums (the
// contiguous inner loop over columns vectorizes; zero inputs, which ReLU leaves many of, skip their row).
namespace {
// Input vectors per pass over a unit's coefficients: each coefficient, loaded once, updates this many vectors' sums.
constexpr int kProductTile = 4;
// A product of at least this many multiply-adds splits its vectors over the cores; the simulation thread waits for
// them (below it, starting threads costs more than it saves).
constexpr double kParallelProductMacs = 4e6;
}  // namespace

void FastDatapath::product(int group, const std::vector<Segment>& segments, const int8_t* vectors, int n,
                           int64_t* acc) const {
    double macs = 0;
    for (const Segment& s : segments) macs += double(n) * s.count * l_.geo.group_cols();
    const int tiles = (n + kProductTile - 1) / kProductTile;
    parallel_chunks<char>(tiles, macs >= kParallelProductMacs ? default_threads() : 1, [&](int t0, int t1) {
        product_tiles(group, segments, vectors, t0 * kProductTile, std::min(n, t1 * kProductTile), acc);
        return char(0);
    });
}

// Vectors [begin, end) of a group's row segments, kProductTile at a time (a short tile repeats its last vector,
// whose extra sums are dropped); rows where every vector of the tile is zero (ReLU leaves many) are skipped.
// Multi-versioned (common/multiversion.hpp): the inner loop at the vector width of the CPU.
RESHARE_MULTIVERSION void FastDatapath::product_tiles(int group, const std::vector<Segment>& segments,
                                                      const int8_t* vectors, int begin, int end, int64_t* acc) const {
    static_assert(kProductTile == 4, "the inner loop updates four vectors");
    const int gc = l_.geo.group_cols();
    const size_t in = size_t(l_.geo.groups) * l_.geo.rows, out = size_t(l_.geo.cols);
    std::vector<int32_t> part(size_t(kProductTile) * gc);
    for (int v0 = begin; v0 < end; v0 += kProductTile) {
        const int nv = std::min(kProductTile, end - v0);
        const int8_t* x[kProductTile];
        for (int t = 0; t < kProductTile; ++t) x[t] = vectors + size_t(v0 + std::min(t, nv - 1)) * in + size_t(group) * l_.geo.rows;
        std::fill(part.begin(), part.end(), 0);
        int32_t* __restrict p0 = part.data();
        int32_t* __restrict p1 = p0 + gc;
        int32_t* __restrict p2 = p1 + gc;
        int32_t* __restrict p3 = p2 + gc;
        for (const Segment& s : segments)
            for (int i = 0; i < s.count; ++i) {
                const int row = s.row0 + i;
                const int32_t a = x[0][row], b = x[1][row], d = x[2][row], e = x[3][row];
                if ((a | b | d | e) == 0) continue;
                const int16_t* __restrict ci = s.coefficients + size_t(i) * gc;
                for (int j = 0; j < gc; ++j) {
                    const int32_t w = ci[j];
                    p0[j] += a * w;
                    p1[j] += b * w;
                    p2[j] += d * w;
                    p3[j] += e * w;
                }
            }
        for (int t = 0; t < nv; ++t) {
            int64_t* y = acc + size_t(v0 + t) * out + size_t(group) * gc;
            const int32_t* pt = part.data() + size_t(t) * gc;
            for (int j = 0; j < gc; ++j) y[j] += pt[j];
        }
    }
}

void FastDatapath::run(const int32_t* vectors, int n, int64_t* acc) const {
    const size_t in = size_t(l_.geo.groups) * l_.geo.rows, out = size_t(l_.geo.cols);
    parallel_chunks<char>(n, default_threads(), [&](int begin, int end) {
        Scratch s(l_.geo.group_bitcols());
        for (int v = begin; v < end; ++v) {
            std::fill(acc + v * out, acc + (v + 1) * out, 0);
            for (int u = 0; u < units_; ++u) unit_into(u, vectors + v * in, acc + v * out, s);
        }
        return char(0);
    });
}

void FastDatapath::add_unit(int unit, const int8_t* vectors, int n, int64_t* acc) const {
    add_units({unit}, vectors, n, acc);
}

// Runs of probed units of one group, each run's partial sums bounded by int32 (the sum of its units' bounds); an
// unprobed unit runs per vector.
void FastDatapath::add_units(const std::vector<int>& units, const int8_t* vectors, int n, int64_t* acc) const {
    const size_t in = size_t(l_.geo.groups) * l_.geo.rows, out = size_t(l_.geo.cols);
    std::vector<Segment> run;
    int group = -1;
    int64_t bound = 0;
    auto flush = [&] {
        if (!run.empty()) product(group, run, vectors, n, acc);
        run.clear(), bound = 0;
    };
    for (const int u : units) {
        if (coefficients_.empty() || coefficients_[size_t(u)].empty()) {
            Scratch s(l_.geo.group_bitcols());
            for (int v = 0; v < n; ++v) unit_into(u, vectors + v * in, acc + v * out, s);
            continue;
        }
        const UnitRows r = rows_of(u);
        if (r.group != group || bound + sum_bound_[size_t(u)] > INT32_MAX) flush();
        group = r.group, bound += sum_bound_[size_t(u)];
        run.push_back({coefficients_[size_t(u)].data(), r.row0, r.count});
    }
    flush();
}

// One unit for one input vector: the scheme's results for the unit's rows, shift-added over planes into the group's
// outputs, with its rows' share of the offset encoding's correction.
template <class In>
void FastDatapath::unit_into(int u, const In* x, int64_t* y, Scratch& s) const {
    const LayerGeometry& g = l_.geo;
    const int P = g.planes, gc = g.group_cols();
    const auto [group, row0, count] = rows_of(u);
    const In* xs = x + size_t(group) * g.rows + row0;
    s.xs.assign(xs, xs + count);
    std::fill(s.results.begin(), s.results.end(), 0);
    scheme_->results(u, s.xs.data(), count, s.results.data(), s.values);
    int64_t* out = y + size_t(group) * gc;
    for (int j = 0, col = 0; j < gc; ++j) {   // output j's bit-columns are j * P .. j * P + P - 1
        int64_t sum = 0;
        for (int p = 0; p < P; ++p, ++col) sum += significance_[p] * s.results[col];
        out[j] += sum;
    }
    if (offset_) {
        int64_t xsum = 0;
        for (int i = 0; i < count; ++i) xsum += xs[i];
        for (int j = 0; j < gc; ++j) out[j] -= offset_ * xsum;
    }
}

}  // namespace reshare
