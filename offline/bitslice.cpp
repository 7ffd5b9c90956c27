#include "reshare/offline/bitslice.hpp"

#include "reshare/common/error.hpp"

#include <algorithm>
#include <cstring>

namespace reshare {
namespace {

int slices(int bits, int cell_bits) { return (bits + cell_bits - 1) / cell_bits; }

// Cell k of an unsigned value: its bits [k*cell_bits, (k+1)*cell_bits).
uint32_t slice(uint32_t value, int k, int cell_bits) { return (value >> (k * cell_bits)) & ((1u << cell_bits) - 1); }

// keys_with<> is instantiated for 1..4 and 8 words.
int padded_words(int words) {
    if (words > 8) throw Error("internal: more than 512 key bits per weight");
    return words <= 4 ? words : 8;
}

}  // namespace

BitSlicing::BitSlicing(const HwConfig& c) : encoding_(c.encoding), cell_bits_(c.cell_bits) {
    const int b = c.weight_bits;
    const int qmax = (1 << (b - 1)) - 1;
    switch (encoding_) {
        case Encoding::Twos:
            planes_ = b;   // validate() guarantees 1-bit cells
            for (int p = 0; p < b; ++p) significance_.push_back(p == b - 1 ? -(int64_t(1) << p) : int64_t(1) << p);
            break;
        case Encoding::Offset:
            planes_ = slices(b, cell_bits_);
            offset_ = int64_t(1) << (b - 1);
            for (int p = 0; p < planes_; ++p) significance_.push_back(int64_t(1) << (p * cell_bits_));
            break;
        case Encoding::Differential: {
            const int half = slices(b - 1, cell_bits_);
            planes_ = 2 * half;
            for (int p = 0; p < half; ++p) significance_.push_back(int64_t(1) << (p * cell_bits_));
            for (int p = 0; p < half; ++p) significance_.push_back(-(int64_t(1) << (p * cell_bits_)));
            break;
        }
    }
    cells_.assign(size_t(256) * planes_, 0);
    for (int w = -qmax; w <= qmax; ++w) {
        uint8_t* out = &cells_[size_t(w + 128) * planes_];
        for (int p = 0; p < planes_; ++p) {
            switch (encoding_) {
                case Encoding::Twos: out[p] = uint8_t(slice(uint32_t(uint8_t(int8_t(w))), p, 1)); break;
                case Encoding::Offset: out[p] = uint8_t(slice(uint32_t(w + offset_), p, cell_bits_)); break;
                case Encoding::Differential: {
                    const int half = planes_ / 2;
                    const uint32_t mag = uint32_t(p < half ? std::max(w, 0) : std::max(-w, 0));
                    out[p] = uint8_t(slice(mag, p % half, cell_bits_));
                    break;
                }
            }
        }
    }
}

int BitSlicing::weight_of(const uint32_t* plane_cells) const {
    int64_t w = -offset_;
    for (int p = 0; p < planes_; ++p) w += significance_[p] * plane_cells[p];
    return int(w);
}

LayerGeometry::LayerGeometry(const HwConfig& c, const QuantizedMatrix& m, const BitSlicing& bs)
    : rows(m.rows), cols(m.cols), groups(m.groups), planes(bs.planes()), ou_rows(c.ou_rows), ou_cols(c.ou_cols),
      xbar_rows(c.xbar_rows), xbar_cols(c.xbar_cols), cell_bits(c.cell_bits),
      block_results(c.results_per_block()), result_bits(c.result_bits) {
    if (groups < 1 || cols % groups)
        throw Error("layer " + m.name + ": " + std::to_string(cols) + " columns do not split into " +
                    std::to_string(groups) + " groups");
}

DomainKeyer::DomainKeyer(const BitSlicing& bs, const LayerGeometry& g)
    : g_(g), lane_bits_(g.key_bits() <= 8 ? 8 : g.key_bits() <= 16 ? 16 : 32),
      words_(padded_words((g.planes * lane_bits_ + 63) / 64)), spread_(size_t(g.ou_rows) * 256 * words_, 0) {
    for (int i = 0; i < g.ou_rows; ++i)
        for (int w = -128; w < 128; ++w) {
            uint64_t* s = &spread_[(size_t(i) * 256 + (w + 128)) * words_];
            for (int p = 0; p < g.planes; ++p) {
                const int bit = p * lane_bits_ + i * g.cell_bits;
                s[bit / 64] |= uint64_t(bs.cell(w, p)) << (bit % 64);
            }
        }
}

template <int Words>
void DomainKeyer::keys_with(const QuantizedMatrix& m, int domain, PatternKey* out) const {
    const int group = domain / g_.row_groups();
    const int row0 = (domain % g_.row_groups()) * g_.ou_rows;
    const int nrows = std::min(g_.ou_rows, g_.rows - row0);
    const int gc = g_.group_cols(), P = g_.planes, lane = lane_bits_;
    const uint64_t mask = lane == 32 ? 0xffffffffull : (uint64_t(1) << lane) - 1;
    const int8_t* rows[32];
    for (int i = 0; i < nrows; ++i) rows[i] = &m.q[size_t(row0 + i) * m.cols + size_t(group) * gc];
    for (int j = 0; j < gc; ++j) {
        uint64_t acc[Words] = {};
        for (int i = 0; i < nrows; ++i) {
            const uint64_t* s = &spread_[(size_t(i) * 256 + (rows[i][j] + 128)) * Words];
            for (int w = 0; w < Words; ++w) acc[w] |= s[w];
        }
        PatternKey* k = out + size_t(j) * P;
        for (int p = 0; p < P; ++p) k[p] = PatternKey((acc[(p * lane) / 64] >> ((p * lane) % 64)) & mask);
    }
}

void DomainKeyer::keys(const QuantizedMatrix& m, int domain, PatternKey* out) const {
    switch (words_) {
        case 1: return keys_with<1>(m, domain, out);
        case 2: return keys_with<2>(m, domain, out);
        case 3: return keys_with<3>(m, domain, out);
        case 4: return keys_with<4>(m, domain, out);
        default: return keys_with<8>(m, domain, out);   // padded_words() makes every other width 8
    }
}

void domain_keys(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, int domain,
                 PatternKey* keys) {
    DomainKeyer(bs, g).keys(m, domain, keys);
}

int index_bits(uint64_t n) {
    int bits = 1;
    while ((uint64_t(1) << bits) < n) ++bits;
    return bits;
}

}  // namespace reshare
