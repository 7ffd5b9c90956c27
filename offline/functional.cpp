#include "offline/functional.hpp"

#include "common/error.hpp"
#include "common/parallel.hpp"

#include <algorithm>

namespace reshare {
namespace {

HwConfig config_of(const CompressedLayer& l) {
    HwConfig c;
    c.encoding = l.encoding;
    c.cell_bits = l.geo.cell_bits;
    c.weight_bits = l.weight_bits;
    return c;
}

QuantizedMatrix dense_matrix(const CompressedLayer& l) {
    QuantizedMatrix m;
    m.name = l.name;
    m.rows = l.geo.rows;
    m.cols = l.geo.cols;
    m.groups = l.geo.groups;
    m.q = l.weights;
    m.scale = l.scale;
    return m;
}

// The dot product of one OU column with the input bits of its rows: what one ADC conversion reads.
int64_t column_sum(PatternKey key, const uint8_t* xbits, int rows, int cell_bits) {
    int64_t s = 0;
    for (int i = 0; i < rows; ++i) s += int64_t(pattern_cell(key, i, cell_bits)) * xbits[i];
    return s;
}

// Walks a layer domain by domain (or strip by strip) and hands per-bit-column results to shift-and-add.
class Datapath {
public:
    Datapath(const CompressedLayer& l, const std::vector<int32_t>& x)
        : l_(l), g_(l.geo), bs_(config_of(l)), x_(x), y_(size_t(g_.cols), 0), results_(g_.group_bitcols()) {
        if (x.size() != size_t(g_.groups) * g_.rows)
            throw Error("layer " + l.name + ": input vector has " + std::to_string(x.size()) + " values, expected " +
                        std::to_string(size_t(g_.groups) * g_.rows));
    }

    std::vector<int64_t> run() {
        for (int b = 0; b < l_.input_bits; ++b) {
            const int64_t weight = b == l_.input_bits - 1 ? -(int64_t(1) << b) : int64_t(1) << b;
            switch (l_.scheme) {
                case Scheme::Dense: dense(b, weight); break;
                case Scheme::Orc: orc(b, weight); break;
                case Scheme::Rws: shared(b, weight); break;
                case Scheme::ReShare: shared(b, weight); break;
            }
        }
        offset_correction();
        return y_;
    }

private:
    // Bit b of the inputs of `count` rows from `row0` of conv group `group` (zero past the last row).
    const uint8_t* input_bits(int group, int row0, int count, int b) {
        xbits_.assign(count, 0);
        for (int i = 0; i < count && row0 + i < g_.rows; ++i)
            xbits_[i] = uint8_t((uint32_t(x_[size_t(group) * g_.rows + row0 + i]) >> b) & 1u);
        return xbits_.data();
    }

    // Shift-and-add of one domain's bit-column results into the outputs.
    void shift_add(int group, int64_t input_weight) {
        const int P = g_.planes;
        for (int col = 0; col < g_.group_bitcols(); ++col)
            y_[size_t(group) * g_.group_cols() + col / P] += input_weight * bs_.significance(col % P) * results_[col];
    }

    void dense(int b, int64_t weight) {
        const QuantizedMatrix m = dense_matrix(l_);
        const DomainKeyer keyer(bs_, g_);
        std::vector<PatternKey> keys(g_.group_bitcols());
        for (int d = 0; d < g_.domains(); ++d) {
            const int group = d / g_.row_groups(), row0 = (d % g_.row_groups()) * g_.ou_rows;
            keyer.keys(m, d, keys.data());
            const uint8_t* xb = input_bits(group, row0, g_.ou_rows, b);
            for (int col = 0; col < g_.group_bitcols(); ++col) results_[col] = column_sum(keys[col], xb, g_.ou_rows, g_.cell_bits);
            shift_add(group, weight);
        }
    }

    void orc(int b, int64_t weight) {
        const std::vector<uint64_t> start = offsets(l_.strip_rows);
        const int strips = l_.strips_per_tile();
        for (int tile = 0; tile < g_.groups * g_.row_tiles(); ++tile) {
            const int group = tile / g_.row_tiles(), row0 = (tile % g_.row_tiles()) * g_.xbar_rows;
            const uint8_t* xb = input_bits(group, row0, g_.xbar_rows, b);
            std::fill(results_.begin(), results_.end(), 0);
            for (int k = 0; k < strips; ++k) {
                const size_t s = size_t(tile) * strips + k;
                for (uint64_t r = start[s]; r < start[s + 1]; ++r) {
                    const uint8_t xbit = xb[l_.kept_row[r]];   // the row index gathers this row's input
                    for (int t = 0; t < g_.ou_cols && k * g_.ou_cols + t < g_.group_bitcols(); ++t)
                        results_[k * g_.ou_cols + t] += int64_t(pattern_cell(l_.kept_cells[r], t, g_.cell_bits)) * xbit;
                }
            }
            shift_add(group, weight);
        }
    }

    // rws and reshare: each distinct pattern is computed once, then its result is distributed.
    void shared(int b, int64_t weight) {
        const std::vector<uint64_t> pstart = offsets(l_.domain_patterns);
        const std::vector<uint64_t> tstart = offsets(l_.domain_tasks);
        uint64_t column_at = 0;
        for (int d = 0; d < g_.domains(); ++d) {
            const int group = d / g_.row_groups(), row0 = (d % g_.row_groups()) * g_.ou_rows;
            const uint8_t* xb = input_bits(group, row0, g_.ou_rows, b);
            pattern_results_.resize(pstart[d + 1] - pstart[d]);
            for (uint64_t p = pstart[d]; p < pstart[d + 1]; ++p)
                pattern_results_[p - pstart[d]] = column_sum(l_.patterns[p], xb, g_.ou_rows, g_.cell_bits);
            std::fill(results_.begin(), results_.end(), 0);
            if (l_.scheme == Scheme::Rws)
                distribute_by_index(pstart[d], pstart[d + 1], column_at);
            else
                distribute_by_blocks(tstart[d], tstart[d + 1]);
            shift_add(group, weight);
        }
    }

    void distribute_by_index(uint64_t p0, uint64_t p1, uint64_t& column_at) {
        for (uint64_t p = p0; p < p1; ++p)
            for (uint32_t n = 0; n < l_.task_length[p]; ++n) results_[l_.column_index[column_at++]] = pattern_results_[p - p0];
    }

    void distribute_by_blocks(uint64_t t0, uint64_t t1) {
        const int B = g_.block_results;
        for (uint64_t t = t0; t < t1; ++t) {
            const uint16_t* slot = &l_.task_slot[t * B];
            for (int s = 0; s < B; ++s) {
                const int col = int(l_.task_block[t]) * B + s;
                if (col < g_.group_bitcols()) results_[col] = slot[s] ? pattern_results_[slot[s] - 1] : 0;
            }
        }
    }

    // Offset encoding stores w + offset: subtract offset * sum(x) per output, digitally.
    void offset_correction() {
        if (bs_.offset() == 0) return;
        for (int group = 0; group < g_.groups; ++group) {
            int64_t xsum = 0;
            for (int h = 0; h < g_.rows; ++h) xsum += x_[size_t(group) * g_.rows + h];
            for (int j = 0; j < g_.group_cols(); ++j) y_[size_t(group) * g_.group_cols() + j] -= bs_.offset() * xsum;
        }
    }

    const CompressedLayer& l_;
    const LayerGeometry& g_;
    BitSlicing bs_;
    const std::vector<int32_t>& x_;
    std::vector<int64_t> y_;
    std::vector<int64_t> results_;          // per bit-column of the current domain or tile
    std::vector<int64_t> pattern_results_;  // the pattern buffer (reshare) / output buffer (rws)
    std::vector<uint8_t> xbits_;
};

// Every bit-column's key in every domain, rebuilt from the scheme's tables.
std::vector<PatternKey> all_domain_keys(const CompressedLayer& l, const BitSlicing& bs) {
    const LayerGeometry& g = l.geo;
    const size_t W = g.group_bitcols();
    std::vector<PatternKey> keys(size_t(g.domains()) * W, 0);
    switch (l.scheme) {
        case Scheme::Dense: {
            const QuantizedMatrix m = dense_matrix(l);
            const DomainKeyer keyer(bs, g);
            for (int d = 0; d < g.domains(); ++d) keyer.keys(m, d, &keys[d * W]);
            break;
        }
        case Scheme::Orc: {
            const std::vector<uint64_t> start = offsets(l.strip_rows);
            for (int s = 0; s < l.strips(); ++s) {
                const int tile = s / l.strips_per_tile(), k = s % l.strips_per_tile();
                const int group = tile / g.row_tiles(), row0 = (tile % g.row_tiles()) * g.xbar_rows;
                for (uint64_t r = start[s]; r < start[s + 1]; ++r) {
                    const int row = row0 + l.kept_row[r];
                    const size_t d = size_t(group) * g.row_groups() + row / g.ou_rows;
                    for (int t = 0; t < g.ou_cols && k * g.ou_cols + t < int(W); ++t)
                        keys[d * W + k * g.ou_cols + t] |= pattern_cell(l.kept_cells[r], t, g.cell_bits)
                                                           << ((row % g.ou_rows) * g.cell_bits);
                }
            }
            break;
        }
        case Scheme::Rws: {
            const std::vector<uint64_t> pstart = offsets(l.domain_patterns);
            uint64_t at = 0;
            for (int d = 0; d < g.domains(); ++d)
                for (uint64_t p = pstart[d]; p < pstart[d + 1]; ++p)
                    for (uint32_t n = 0; n < l.task_length[p]; ++n) keys[d * W + l.column_index[at++]] = l.patterns[p];
            break;
        }
        case Scheme::ReShare: {
            const std::vector<uint64_t> pstart = offsets(l.domain_patterns), tstart = offsets(l.domain_tasks);
            const int B = g.block_results;
            for (int d = 0; d < g.domains(); ++d)
                for (uint64_t t = tstart[d]; t < tstart[d + 1]; ++t)
                    for (int s = 0; s < B; ++s) {
                        const size_t col = size_t(l.task_block[t]) * B + s;
                        const uint16_t slot = l.task_slot[t * B + s];
                        if (col < W && slot) keys[d * W + col] = l.patterns[pstart[d] + slot - 1];
                    }
            break;
        }
    }
    return keys;
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

std::vector<int64_t> compressed_mvm(const CompressedLayer& layer, const std::vector<int32_t>& x) {
    return Datapath(layer, x).run();
}

std::vector<int8_t> reconstruct(const CompressedLayer& l) {
    const LayerGeometry& g = l.geo;
    const BitSlicing bs(config_of(l));
    const std::vector<PatternKey> keys = all_domain_keys(l, bs);
    const size_t W = g.group_bitcols();
    std::vector<int8_t> w(size_t(g.rows) * g.cols);
    std::vector<uint32_t> cells(g.planes);
    for (int d = 0; d < g.domains(); ++d) {
        const int group = d / g.row_groups(), row0 = (d % g.row_groups()) * g.ou_rows;
        for (int i = 0; i < g.ou_rows && row0 + i < g.rows; ++i)
            for (int j = 0; j < g.group_cols(); ++j) {
                for (int p = 0; p < g.planes; ++p)
                    cells[p] = pattern_cell(keys[d * W + size_t(j) * g.planes + p], i, g.cell_bits);
                w[size_t(row0 + i) * g.cols + size_t(group) * g.group_cols() + j] = int8_t(bs.weight_of(cells.data()));
            }
    }
    return w;
}

FastDatapath::FastDatapath(const CompressedLayer& l) : l_(l) {
    const BitSlicing bs(config_of(l));
    for (int p = 0; p < l.geo.planes; ++p) significance_.push_back(bs.significance(p));
    offset_ = bs.offset();
    pstart_ = offsets(l.domain_patterns);
    tstart_ = offsets(l.domain_tasks);
    sstart_ = offsets(l.strip_rows);
    if (l.scheme == Scheme::Rws) {
        // Where each domain's column indices start: the sum of its patterns' task lengths.
        cstart_.assign(1, 0);
        for (int d = 0; d < l.geo.domains(); ++d) {
            uint64_t n = 0;
            for (uint64_t p = pstart_[d]; p < pstart_[d + 1]; ++p) n += l.task_length[p];
            cstart_.push_back(cstart_.back() + n);
        }
    }
    if (l.scheme == Scheme::Dense) dense_keys_ = all_domain_keys(l, bs);
}

int FastDatapath::units() const {
    const LayerGeometry& g = l_.geo;
    return l_.scheme == Scheme::Orc ? g.groups * g.row_tiles() : g.domains();
}

void FastDatapath::run(const int32_t* vectors, int n, int64_t* acc) const {
    const size_t in = size_t(l_.geo.groups) * l_.geo.rows, out = size_t(l_.geo.cols);
    parallel_chunks<char>(n, default_threads(), [&](int begin, int end) {
        Scratch s(l_.geo.group_bitcols());
        for (int v = begin; v < end; ++v) {
            std::fill(acc + v * out, acc + (v + 1) * out, 0);
            for (int u = 0; u < units(); ++u) unit_into(u, vectors + v * in, acc + v * out, s);
        }
        return char(0);
    });
}

void FastDatapath::add_unit(int unit, const int8_t* vectors, int n, int64_t* acc) const {
    const size_t in = size_t(l_.geo.groups) * l_.geo.rows, out = size_t(l_.geo.cols);
    Scratch s(l_.geo.group_bitcols());
    for (int v = 0; v < n; ++v) unit_into(unit, vectors + v * in, acc + v * out, s);
}

// One unit (a domain, or an orc row tile) for one input vector: its stored patterns' (or kept rows') products with
// the unit's inputs, distributed through the scheme's tables, shift-added over planes into the group's outputs,
// with its rows' share of the offset encoding's correction.
template <class In>
void FastDatapath::unit_into(int u, const In* x, int64_t* y, Scratch& s) const {
    const LayerGeometry& g = l_.geo;
    const int W = g.group_bitcols(), P = g.planes, cb = g.cell_bits, gc = g.group_cols();
    const bool orc = l_.scheme == Scheme::Orc;
    const int group = orc ? u / g.row_tiles() : u / g.row_groups();
    const int row0 = orc ? (u % g.row_tiles()) * g.xbar_rows : (u % g.row_groups()) * g.ou_rows;
    const int count = std::min(orc ? g.xbar_rows : g.ou_rows, g.rows - row0);
    const In* xs = x + size_t(group) * g.rows + row0;
    auto dot = [&](PatternKey key) {
        int64_t sum = 0;
        for (int i = 0; i < count; ++i) sum += int64_t(pattern_cell(key, i, cb)) * xs[i];
        return sum;
    };
    std::vector<int64_t>& results = s.results;
    std::fill(results.begin(), results.end(), 0);
    if (orc) {
        for (int k = 0; k < l_.strips_per_tile(); ++k) {
            const size_t strip = size_t(u) * l_.strips_per_tile() + k;
            for (uint64_t r = sstart_[strip]; r < sstart_[strip + 1]; ++r)
                for (int c = 0; c < g.ou_cols && k * g.ou_cols + c < W; ++c)
                    results[k * g.ou_cols + c] += int64_t(pattern_cell(l_.kept_cells[r], c, cb)) * xs[l_.kept_row[r]];
        }
    } else if (l_.scheme == Scheme::Dense) {
        for (int col = 0; col < W; ++col) results[col] = dot(dense_keys_[size_t(u) * W + col]);
    } else {
        std::vector<int64_t>& values = s.values;
        values.resize(pstart_[u + 1] - pstart_[u]);
        for (uint64_t p = pstart_[u]; p < pstart_[u + 1]; ++p) values[p - pstart_[u]] = dot(l_.patterns[p]);
        if (l_.scheme == Scheme::Rws) {
            uint64_t at = cstart_[u];
            for (uint64_t p = pstart_[u]; p < pstart_[u + 1]; ++p)
                for (uint32_t k = 0; k < l_.task_length[p]; ++k) results[l_.column_index[at++]] = values[p - pstart_[u]];
        } else {
            const int B = g.block_results;
            for (uint64_t t = tstart_[u]; t < tstart_[u + 1]; ++t)
                for (int sl = 0; sl < B; ++sl) {
                    const int col = int(l_.task_block[t]) * B + sl;
                    const uint16_t slot = l_.task_slot[t * B + sl];
                    if (col < W && slot) results[col] = values[slot - 1];
                }
        }
    }
    int64_t* out = y + size_t(group) * gc;
    for (int col = 0; col < W; ++col)
        if (results[col]) out[col / P] += significance_[col % P] * results[col];
    if (offset_) {
        int64_t xsum = 0;
        for (int i = 0; i < count; ++i) xsum += xs[i];
        for (int j = 0; j < gc; ++j) out[j] -= offset_ * xsum;
    }
}

}  // namespace reshare
